package academics_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/schoolsms/sms/app/auth"
)

func TestSubjectsAndCurriculum(t *testing.T) {
	w := newWorld(t)
	var math int64
	w.run(t, []call{
		{name: "missing everything", method: "POST", path: "/api/core/subjects/", body: map[string]any{},
			status: 400, fields: []string{"code", "name"}},
		{name: "code with a space", method: "POST", path: "/api/core/subjects/", body: map[string]any{"code": "MA TH", "name": "Mathematics"},
			status: 400, fields: []string{"code"}},
		{name: "create, core by default", method: "POST", path: "/api/core/subjects/", body: map[string]any{"code": "MATH", "name": "Mathematics"},
			status: 201, check: func(t *testing.T, b map[string]any) {
				math = num(b["id"])
				assert.Equal(t, true, b["is_core"])
			}},
		{name: "elective", method: "POST", path: "/api/core/subjects/", body: map[string]any{"code": "ART", "name": "Art", "is_core": false},
			status: 201},
		{name: "code taken (any case)", method: "POST", path: "/api/core/subjects/", body: map[string]any{"code": "math", "name": "Maths"},
			status: 409, fields: []string{"code"}},
		{name: "filter electives", method: "GET", path: "/api/core/subjects/?is_core=false", status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, []any{"ART"}, names(b, "code")) }},
		{name: "search", method: "GET", path: "/api/core/subjects/?search=math", status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, []any{"MATH"}, names(b, "code")) }},
		{name: "search takes % literally", method: "GET", path: "/api/core/subjects/?search=%25", status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, float64(0), b["count"]) }},
	})
	w.run(t, []call{
		{name: "patch", method: "PATCH", path: path("/api/core/subjects/%d/", math), body: map[string]any{"name": "Maths"}, status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, "MATH", b["code"]) }},
		{name: "patch code clash", method: "PATCH", path: path("/api/core/subjects/%d/", math), body: map[string]any{"code": "Art"},
			status: 409, fields: []string{"code"}},
	})

	f := w.form("Form 1", 1)
	eng, bio, chem := w.subject("ENG", "English"), w.subject("BIO", "Biology"), w.subject("CHEM", "Chemistry")
	w.run(t, []call{
		{name: "empty curriculum", method: "GET", path: path("/api/core/forms/%d/subjects/", f.ID), status: 200,
			check: func(t *testing.T, b map[string]any) {
				assert.Equal(t, "Form 1", b["form_name"])
				assert.Equal(t, []any{}, b["subjects"])
			}},
		{name: "set", method: "PUT", path: path("/api/core/forms/%d/subjects/", f.ID),
			body: map[string]any{"subjects": []int64{math, eng.ID, bio.ID, eng.ID}}, status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Len(t, b["subjects"], 3) }},
		{name: "unknown subjects", method: "PUT", path: path("/api/core/forms/%d/subjects", f.ID),
			body: map[string]any{"subjects": []int64{chem.ID, 998, 999}}, status: 400, fields: []string{"subjects"},
			check: func(t *testing.T, b map[string]any) { assert.Contains(t, fieldMsg(b, "subjects"), "998, 999") }},
		{name: "subjects required", method: "PUT", path: path("/api/core/forms/%d/subjects", f.ID),
			body: map[string]any{}, status: 400, fields: []string{"subjects"}},
		{name: "subjects must be a list", method: "PUT", path: path("/api/core/forms/%d/subjects", f.ID),
			body: map[string]any{"subjects": "MATH"}, status: 400, fields: []string{"subjects"}},
		{name: "unknown form", method: "PUT", path: "/api/core/forms/999/subjects", body: map[string]any{"subjects": []int64{}}, status: 404},
		{name: "replace", method: "PUT", path: path("/api/core/forms/%d/subjects/", f.ID),
			body: map[string]any{"subjects": []int64{chem.ID, bio.ID}}, status: 200},
		{name: "replaced, not added", method: "GET", path: path("/api/core/forms/%d/subjects/", f.ID), role: "viewer", status: 200,
			check: func(t *testing.T, b map[string]any) {
				var codes []any
				for _, s := range b["subjects"].([]any) {
					codes = append(codes, s.(map[string]any)["code"])
				}
				assert.Equal(t, []any{"BIO", "CHEM"}, codes)
			}},
		{name: "teacher may not set it", method: "PUT", path: path("/api/core/forms/%d/subjects/", f.ID), role: "teacher",
			body: map[string]any{"subjects": []int64{}}, status: 403},
		{name: "clear", method: "PUT", path: path("/api/core/forms/%d/subjects/", f.ID), body: map[string]any{"subjects": []int64{}}, status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, []any{}, b["subjects"]) }},
	})
	assert.Equal(t, 0, w.s.Count(schema, "curriculum"))
}

func TestSubjectAssignments(t *testing.T) {
	w := newWorld(t)
	s := w.session("2025/2026", "2025-09-01", "2026-07-31")
	f := w.form("Form 1", 1)
	a, b := w.class(f.ID, s.ID, "1A", nil), w.class(f.ID, s.ID, "1B", nil)
	math, eng := w.subject("MATH", "Mathematics"), w.subject("ENG", "English")
	jane := w.user("jane@alpha.test", auth.RoleTeacher)
	ola := w.user("ola@alpha.test", auth.RoleTeacher)
	clerk := w.user("clerk1@alpha.test", auth.RoleClerk)
	var first int64
	w.run(t, []call{
		{name: "missing everything", method: "POST", path: "/api/core/subject-assignments/", body: map[string]any{},
			status: 400, fields: []string{"teacher", "class", "subject"}},
		{name: "a clerk cannot teach; unknown class and subject", method: "POST", path: "/api/core/subject-assignments/",
			body: map[string]any{"teacher": clerk, "class": 999, "subject": 999}, status: 400, fields: []string{"teacher", "class", "subject"}},
		{name: "assign", method: "POST", path: "/api/core/subject-assignments/",
			body: map[string]any{"teacher": jane, "class": a.ID, "subject": math.ID}, status: 201,
			check: func(t *testing.T, body map[string]any) {
				first = num(body["id"])
				assert.Equal(t, "1A", body["class_name"])
				assert.Equal(t, "MATH", body["subject_code"])
				assert.Equal(t, "jane@alpha.test", body["teacher_name"])
				assert.Equal(t, "2025/2026", body["session_name"])
			}},
		{name: "one teacher per class and subject", method: "POST", path: "/api/core/subject-assignments/",
			body: map[string]any{"teacher": ola, "class": a.ID, "subject": math.ID}, status: 409, fields: []string{"subject"},
			check: func(t *testing.T, body map[string]any) { assert.Contains(t, errMsg(body), "jane@alpha.test") }},
		{name: "another subject", method: "POST", path: "/api/core/subject-assignments/",
			body: map[string]any{"teacher": ola, "class": a.ID, "subject": eng.ID}, status: 201},
		{name: "another class", method: "POST", path: "/api/core/subject-assignments",
			body: map[string]any{"teacher": ola, "class": b.ID, "subject": math.ID}, status: 201},
		{name: "filter by teacher", method: "GET", path: path("/api/core/subject-assignments/?teacher=%d", ola), status: 200,
			check: func(t *testing.T, body map[string]any) {
				assert.Equal(t, []any{"1A", "1B"}, names(body, "class_name"))
				assert.Equal(t, []any{"ENG", "MATH"}, names(body, "subject_code"))
			}},
		{name: "filter by class and subject", method: "GET", path: path("/api/core/subject-assignments/?class=%d&subject=%d", a.ID, math.ID),
			status: 200, check: func(t *testing.T, body map[string]any) {
				assert.Equal(t, []any{"jane@alpha.test"}, names(body, "teacher_name"))
			}},
		{name: "search", method: "GET", path: "/api/core/subject-assignments/?search=jane", role: "teacher", status: 200,
			check: func(t *testing.T, body map[string]any) { assert.Equal(t, float64(1), body["count"]) }},
		{name: "bad filter", method: "GET", path: "/api/core/subject-assignments/?teacher=jane", status: 400, fields: []string{"teacher"}},
	})
	w.run(t, []call{
		{name: "moving onto a taken class and subject", method: "PATCH", path: path("/api/core/subject-assignments/%d/", first),
			body: map[string]any{"class": b.ID}, status: 409, fields: []string{"subject"}},
		{name: "change the teacher", method: "PATCH", path: path("/api/core/subject-assignments/%d/", first),
			body: map[string]any{"teacher": ola}, status: 200,
			check: func(t *testing.T, body map[string]any) { assert.Equal(t, float64(ola), body["teacher"]) }},
		{name: "not to a clerk", method: "PATCH", path: path("/api/core/subject-assignments/%d/", first),
			body: map[string]any{"teacher": clerk}, status: 400, fields: []string{"teacher"}},
		{name: "a subject being taught cannot be deleted", method: "DELETE", path: path("/api/core/subjects/%d/", math.ID), status: 409},
		{name: "delete", method: "DELETE", path: path("/api/core/subject-assignments/%d/", first), status: 204},
		{name: "gone", method: "GET", path: path("/api/core/subject-assignments/%d/", first), status: 404},
	})
}
