package exams_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/core/exams"
)

func TestAssessmentsCRUD(t *testing.T) {
	w := newSchool(t)
	body := map[string]any{"term": w.term.ID, "class": w.east.ID, "subject": w.eng.ID, "name": "CAT 1", "kind": "test",
		"date": "2026-02-10", "max_score": 30, "weight": 30}
	a := w.ok("admin", "POST", "/api/core/assessments", body, 201)
	assert.Equal(t, "CAT 1", a["name"])
	assert.EqualValues(t, 30, a["max_score"])
	assert.EqualValues(t, w.teachers["ENG"], a["teacher"])
	path := "/api/core/assessments/" + id(int64(a["id"].(float64)))

	got := w.ok("viewer", "GET", path, nil, 200)
	assert.Equal(t, "English", got["subject_name"])
	patched := w.ok("admin", "PATCH", path, map[string]any{"name": "CAT One", "weight": 0}, 200)
	assert.Equal(t, "CAT One", patched["name"])
	assert.EqualValues(t, 0, patched["weight"])

	list := w.ok("admin", "GET", "/api/core/assessments?class="+id(w.east.ID)+"&subject="+id(w.eng.ID), nil, 200)
	assert.EqualValues(t, 1, list["count"])

	w.ok("admin", "DELETE", path, nil, 204)
	w.refused("admin", "GET", path, nil, 404)
}

func TestAssessmentBadInput(t *testing.T) {
	w := newSchool(t)
	good := func() map[string]any {
		return map[string]any{"term": w.term.ID, "class": w.east.ID, "subject": w.eng.ID, "name": "CAT 1", "kind": "test",
			"date": "2026-02-10", "max_score": 30, "weight": 30}
	}
	for name, tc := range map[string]struct {
		change func(m map[string]any)
		field  string
	}{
		"negative weight":         {func(m map[string]any) { m["weight"] = -1 }, "weight"},
		"subject not in the form": {func(m map[string]any) { m["subject"] = w.art.ID }, "subject"},
		"unknown kind":            {func(m map[string]any) { m["kind"] = "quiz" }, "kind"},
		"no maximum":              {func(m map[string]any) { delete(m, "max_score") }, "max_score"},
		"zero maximum":            {func(m map[string]any) { m["max_score"] = 0 }, "max_score"},
		"date outside the term":   {func(m map[string]any) { m["date"] = "2026-05-01" }, "date"},
		"no such class":           {func(m map[string]any) { m["class"] = 999 }, "class"},
		"no name":                 {func(m map[string]any) { m["name"] = " " }, "name"},
	} {
		t.Run(name, func(t *testing.T) {
			body := good()
			tc.change(body)
			f := w.refused("admin", "POST", "/api/core/assessments", body, 400)
			assert.Contains(t, f, tc.field, "error.fields: %v", f)
		})
	}
	// a teacher creates assessments only for a subject they teach
	w.ok("ENG", "POST", "/api/core/assessments", good(), 201)
	other := good()
	other["subject"], other["name"] = w.mat.ID, "CAT 2"
	w.refused("ENG", "POST", "/api/core/assessments", other, 403)
	w.refused("clerk", "POST", "/api/core/assessments", other, 403)
}

func TestMarkSheet(t *testing.T) {
	w := newSchool(t)
	ids := w.students(w.east, "Amina Otieno", "Brian Kamau", "Zoë Ñúñez")
	westID := w.students(w.west, "Wanjiru Mwangi")[0]
	a := w.assessment(w.east, w.eng, "CAT 1", 30, 30)
	path := "/api/core/assessments/" + id(a.ID) + "/scores"

	sheet := w.ok("ENG", "GET", path, nil, 200)
	rows := sheet["rows"].([]any)
	require.Len(t, rows, 3, "every student enrolled in the class, nobody else")
	for _, r := range rows {
		assert.Nil(t, r.(map[string]any)["score"])
	}

	saved := w.ok("ENG", "PUT", path, map[string]any{"scores": []map[string]any{
		{"student": ids[0], "score": 25.5}, {"student": ids[1], "score": "absent"}, {"student": ids[2], "score": "exempt"}}}, 200)
	byID := map[float64]any{}
	for _, r := range saved["rows"].([]any) {
		byID[r.(map[string]any)["student"].(float64)] = r.(map[string]any)["score"]
	}
	assert.Equal(t, 25.5, byID[float64(ids[0])])
	assert.Equal(t, "absent", byID[float64(ids[1])])
	assert.Equal(t, "exempt", byID[float64(ids[2])])
	assert.Equal(t, 3, w.s.Count(w.schema, "scores"))

	// A pasted column arrives as text: "12.5" is a mark.
	w.ok("ENG", "PUT", path, map[string]any{"scores": []map[string]any{{"student": ids[0], "score": "12.5"}}}, 200)
	assert.Equal(t, 1, w.s.Count(w.schema, "scores"), "a student left out of the sheet has no mark after saving")

	for name, tc := range map[string]struct {
		scores []map[string]any
		field  string
	}{
		"above the maximum":        {[]map[string]any{{"student": ids[0], "score": 30.5}}, "scores[0]"},
		"below zero":               {[]map[string]any{{"student": ids[1], "score": 1}, {"student": ids[0], "score": -1}}, "scores[1]"},
		"decimal comma":            {[]map[string]any{{"student": ids[0], "score": "12,5"}}, "scores[0]"},
		"text":                     {[]map[string]any{{"student": ids[0], "score": "twelve"}}, "scores[0]"},
		"two decimals":             {[]map[string]any{{"student": ids[0], "score": 12.25}}, "scores[0]"},
		"a student of another one": {[]map[string]any{{"student": ids[0], "score": 3}, {"student": westID, "score": 3}}, "scores[1]"},
		"a student twice":          {[]map[string]any{{"student": ids[0], "score": 3}, {"student": ids[0], "score": 4}}, "scores[1]"},
	} {
		t.Run(name, func(t *testing.T) {
			f := w.refused("ENG", "PUT", path, map[string]any{"scores": tc.scores}, 400)
			assert.Contains(t, f, tc.field, "error.fields: %v", f)
		})
	}
	f := w.refused("ENG", "PUT", path, map[string]any{"scores": []map[string]any{{"student": ids[0], "score": "12,5"}}}, 400)
	assert.Contains(t, f["scores[0]"], "Amina Otieno", "the row is named by its student")
	assert.Contains(t, f["scores[0]"], "12.5", "and says how to write it")
}

func TestMarkSheetRights(t *testing.T) {
	w := newSchool(t)
	ids := w.students(w.east, "Amina Otieno")
	a := w.assessment(w.east, w.mat, "CAT 1", 50, 1)
	path := "/api/core/assessments/" + id(a.ID) + "/scores"
	body := map[string]any{"scores": []map[string]any{{"student": ids[0], "score": 40}}}

	w.refused("ENG", "PUT", path, body, 403)
	w.refused("clerk", "PUT", path, body, 403)
	w.refused("viewer", "PUT", path, body, 403)
	w.refused("classteacher", "PUT", path, body, 403)
	w.ok("MAT", "PUT", path, body, 200)
	w.ok("admin", "PUT", path, body, 200)
	// a teacher who neither teaches nor leads the class does not see its sheets
	w.refused("other", "GET", path, nil, 403)
}

func TestPublishedMarksAreLocked(t *testing.T) {
	w := newSchool(t)
	ids := w.students(w.east, "Amina Otieno")
	a := w.assessment(w.east, w.eng, "CAT 1", 30, 1)
	path := "/api/core/assessments/" + id(a.ID) + "/scores"
	w.marks(a, map[int64]exams.Mark{ids[0]: exams.Score(20)})

	// incomplete: Mathematics and Kiswahili have no assessment
	f := w.refused("admin", "POST", "/api/core/report-cards/workflow", map[string]any{"term": w.term.ID, "class": w.east.ID, "status": "published"}, 409)
	assert.Contains(t, f, "subjects.MAT")
	assert.Contains(t, f, "subjects.KIS")
	w.refused("classteacher", "POST", "/api/core/report-cards/workflow", map[string]any{"term": w.term.ID, "class": w.east.ID, "status": "published", "force": true}, 403)
	w.ok("admin", "POST", "/api/core/report-cards/workflow", map[string]any{"term": w.term.ID, "class": w.east.ID, "status": "published", "force": true}, 200)

	w.refused("ENG", "PUT", path, map[string]any{"scores": []map[string]any{{"student": ids[0], "score": 21}}}, 409)
	w.refused("admin", "PUT", path, map[string]any{"scores": []map[string]any{{"student": ids[0], "score": 21}}}, 409)
	w.refused("admin", "PATCH", "/api/core/assessments/"+id(a.ID), map[string]any{"max_score": 40}, 409)

	w.ok("admin", "POST", "/api/core/report-cards/workflow", map[string]any{"term": w.term.ID, "class": w.east.ID, "status": "draft"}, 200)
	w.ok("ENG", "PUT", path, map[string]any{"scores": []map[string]any{{"student": ids[0], "score": 21}}}, 200)
	w.svc(func(ctx context.Context, s exams.Service) error {
		sheet, err := s.MarkSheet(ctx, exams.Viewer{}, a.ID)
		require.NoError(t, err)
		assert.Equal(t, "21", sheet.Rows[0].Score.String())
		return nil
	})
}
