package exams_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/core/exams"
)

// resultsSchool marks Form 4 so that every rule of the results shows (the numbers in
// the comments are worked by hand):
//
//	English in 4 East: CAT 1 out of 30, weight 30; End of term out of 100, weight 70
//	  Amina 24, 70      -> (30·80 + 70·70)/100 = 73.0  B+ 10
//	  Brian 15, 90      -> (30·50 + 70·90)/100 = 78.0  A- 11
//	  Chebet absent, 80 -> (30·0 + 70·80)/100  = 56.0  C+ 7  (absent left out: 80.0 A 12)
//	  Dan exempt twice  -> no English result
//	Mathematics in 4 East: Paper 1 out of 50, weight 1
//	  Amina 39 -> 78.0 A- 11; Brian 36.5 -> 73.0 B+ 10; Chebet 20 -> 40.0 D+ 4; Dan 39 -> 78.0 A- 11
//	4 West: Esther 78/100 in English and in Mathematics -> 78.0 A- 11 each
//
//	means: Amina 151/2 = 75.50, points 10.5 -> A-; Brian 75.50, 10.5; Chebet 48.00, 5.5 -> C;
//	       Dan 78.00 (one subject), 11; Esther 78.00, 11
//	class positions (4 East): Dan 1, Amina 2, Brian 2, Chebet 4
//	form positions: Dan 1, Esther 1, Amina 3, Brian 3, Chebet 5
type resultsSchool struct {
	*school
	amina, brian, chebet, dan, esther int64
}

func newResultsSchool(t *testing.T) resultsSchool {
	w := newSchool(t)
	ids := w.students(w.east, "Amina Otieno", "Brian Kamau", "Chebet Kiprono", "Dan Ouma")
	r := resultsSchool{school: w, amina: ids[0], brian: ids[1], chebet: ids[2], dan: ids[3]}
	r.esther = w.students(w.west, "Esther Wambui")[0]

	cat := w.assessment(w.east, w.eng, "CAT 1", 30, 30)
	end := w.assessment(w.east, w.eng, "End of term", 100, 70)
	w.marks(cat, map[int64]exams.Mark{r.amina: exams.Score(24), r.brian: exams.Score(15), r.chebet: exams.Absent, r.dan: exams.Exempt})
	w.marks(end, map[int64]exams.Mark{r.amina: exams.Score(70), r.brian: exams.Score(90), r.chebet: exams.Score(80), r.dan: exams.Exempt})
	p1 := w.assessment(w.east, w.mat, "Paper 1", 50, 1)
	w.marks(p1, map[int64]exams.Mark{r.amina: exams.Score(39), r.brian: exams.Score(36.5), r.chebet: exams.Score(20), r.dan: exams.Score(39)})
	we := w.assessment(w.west, w.eng, "End of term", 100, 1)
	wm := w.assessment(w.west, w.mat, "End of term", 100, 1)
	w.marks(we, map[int64]exams.Mark{r.esther: exams.Score(78)})
	w.marks(wm, map[int64]exams.Mark{r.esther: exams.Score(78)})
	return r
}

func (r resultsSchool) results(q exams.ResultsQuery) exams.Results {
	r.t.Helper()
	var out exams.Results
	r.svc(func(ctx context.Context, s exams.Service) (err error) {
		out, err = s.Results(ctx, exams.Viewer{}, q)
		return err
	})
	return out
}

func student(t *testing.T, res exams.Results, id int64) exams.StudentResult {
	t.Helper()
	for _, s := range res.Students {
		if s.StudentID == id {
			return s
		}
	}
	t.Fatalf("student %d is not in the results", id)
	return exams.StudentResult{}
}

func subject(t *testing.T, s exams.StudentResult, code string) *exams.SubjectResult {
	t.Helper()
	for i := range s.Subjects {
		if s.Subjects[i].Code == code {
			return &s.Subjects[i]
		}
	}
	return nil
}

func pos(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func TestResultsArithmetic(t *testing.T) {
	r := newResultsSchool(t)
	res := r.results(exams.ResultsQuery{TermID: r.term.ID, ClassID: r.east.ID})
	require.Len(t, res.Students, 4, "a class's table holds its own students")

	type subj struct {
		pct         float64
		grade       string
		points      float64
		inClass, of int
	}
	want := map[int64]map[string]*subj{
		r.amina:  {"ENG": {73, "B+", 10, 2, 3}, "MAT": {78, "A-", 11, 1, 4}},
		r.brian:  {"ENG": {78, "A-", 11, 1, 3}, "MAT": {73, "B+", 10, 3, 4}},
		r.chebet: {"ENG": {56, "C+", 7, 3, 3}, "MAT": {40, "D+", 4, 4, 4}},
		r.dan:    {"ENG": nil, "MAT": {78, "A-", 11, 1, 4}},
	}
	for sid, subjects := range want {
		st := student(t, res, sid)
		for code, w := range subjects {
			got := subject(t, st, code)
			if w == nil {
				assert.Nil(t, got, "%s: an exempt student has no %s result", st.Name, code)
				continue
			}
			require.NotNil(t, got, "%s %s", st.Name, code)
			assert.Equal(t, w.pct, got.Percent, "%s %s percent", st.Name, code)
			assert.Equal(t, w.grade, got.Grade, "%s %s grade", st.Name, code)
			assert.Equal(t, w.points, got.Points, "%s %s points", st.Name, code)
			assert.Equal(t, w.inClass, got.ClassPosition, "%s %s position in class", st.Name, code)
			assert.Equal(t, w.of, got.ClassOf, "%s %s students in class", st.Name, code)
		}
	}

	type overall struct {
		taken           int
		total, mean     float64
		points          float64
		grade           string
		inClass, inForm int
	}
	for sid, w := range map[int64]overall{
		r.amina:  {2, 151, 75.5, 10.5, "A-", 2, 3},
		r.brian:  {2, 151, 75.5, 10.5, "A-", 2, 3},
		r.chebet: {2, 96, 48, 5.5, "C", 4, 5},
		r.dan:    {1, 78, 78, 11, "A-", 1, 1},
	} {
		st := student(t, res, sid)
		assert.Equal(t, w.taken, st.SubjectsTaken, "%s subjects", st.Name)
		assert.Equal(t, w.total, st.Total, "%s total", st.Name)
		require.NotNil(t, st.MeanPercent, st.Name)
		assert.Equal(t, w.mean, *st.MeanPercent, "%s mean", st.Name)
		assert.Equal(t, w.points, *st.MeanPoints, "%s mean points", st.Name)
		assert.Equal(t, w.grade, st.MeanGrade, "%s mean grade", st.Name)
		assert.Equal(t, w.inClass, pos(st.ClassPosition), "%s class position", st.Name)
		assert.Equal(t, w.inForm, pos(st.FormPosition), "%s form position", st.Name)
		assert.Equal(t, 4, st.ClassOf)
		assert.Equal(t, 5, st.FormOf)
	}
	// listed by class position: 1, 2, 2, 4
	var order []int
	for _, s := range res.Students {
		order = append(order, pos(s.ClassPosition))
	}
	assert.Equal(t, []int{1, 2, 2, 4}, order)

	// subject summaries over the class
	for _, sm := range res.Summaries {
		if sm.Code != "ENG" {
			continue
		}
		assert.Equal(t, 3, sm.Students)
		assert.InDelta(t, (73.0+78+56)/3, *sm.Mean, 0.01)
		assert.Equal(t, 78.0, *sm.Highest)
		assert.Equal(t, 56.0, *sm.Lowest)
		counts := map[string]int{}
		for _, g := range sm.Grades {
			counts[g.Grade] = g.Count
		}
		assert.Equal(t, map[string]int{"A-": 1, "B+": 1, "C+": 1}, nonZero(counts))
		require.Len(t, sm.Teachers, 1)
		assert.Equal(t, r.teachers["ENG"], *sm.Teachers[0].TeacherID)
	}
}

func nonZero(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		if v > 0 {
			out[k] = v
		}
	}
	return out
}

func TestResultsForWholeForm(t *testing.T) {
	r := newResultsSchool(t)
	res := r.results(exams.ResultsQuery{TermID: r.term.ID, FormID: r.form.ID})
	require.Len(t, res.Students, 5, "every stream of the form")
	assert.Nil(t, res.Class)
	var order []int
	for _, s := range res.Students {
		order = append(order, pos(s.FormPosition))
	}
	assert.Equal(t, []int{1, 1, 3, 3, 5}, order, "ties share a position and the next is skipped")

	esther := student(t, res, r.esther)
	assert.Equal(t, 1, pos(esther.ClassPosition), "alone in 4 West")
	eng := subject(t, esther, "ENG")
	assert.Equal(t, 1, eng.FormPosition, "78.0 ties Brian's English")
	assert.Equal(t, 4, eng.FormOf)
	amina := student(t, res, r.amina)
	assert.Equal(t, 3, subject(t, amina, "ENG").FormPosition)
	assert.Equal(t, 1, subject(t, amina, "MAT").FormPosition, "78.0 ties Dan and Esther")
	assert.Equal(t, 4, subject(t, student(t, res, r.brian), "MAT").FormPosition)
}

func TestAbsentLeftOutBySetting(t *testing.T) {
	r := newResultsSchool(t)
	r.refused("admin", "PUT", "/api/core/results/settings", map[string]any{"absent": "ignore"}, 400)
	r.refused("ENG", "PUT", "/api/core/results/settings", map[string]any{"absent": "leave_out"}, 403)
	r.ok("admin", "PUT", "/api/core/results/settings", map[string]any{"absent": "leave_out"}, 200)

	res := r.results(exams.ResultsQuery{TermID: r.term.ID, ClassID: r.east.ID})
	chebet := student(t, res, r.chebet)
	eng := subject(t, chebet, "ENG")
	assert.Equal(t, 80.0, eng.Percent, "only the End of term counts")
	assert.Equal(t, "A", eng.Grade)
	assert.Equal(t, 60.0, *chebet.MeanPercent, "(80 + 40) / 2")
	assert.Equal(t, 8.0, *chebet.MeanPoints, "(12 + 4) / 2")
	assert.Equal(t, "B-", chebet.MeanGrade)
	assert.Equal(t, 1, subject(t, chebet, "ENG").ClassPosition, "80.0 now heads English")
}

func TestScalePerForm(t *testing.T) {
	r := newResultsSchool(t)
	bands := []map[string]any{{"min": 0, "max": 49, "grade": "F", "points": 0, "remark": "Fail"},
		{"min": 50, "max": 100, "grade": "P", "points": 1, "remark": "Pass"}}
	r.ok("admin", "POST", "/api/core/grading-scales", map[string]any{"name": "Pass or fail", "forms": []int64{r.form.ID}, "bands": bands}, 201)

	res := r.results(exams.ResultsQuery{TermID: r.term.ID, ClassID: r.east.ID})
	assert.Equal(t, "Pass or fail", res.Scale.Name)
	chebet := student(t, res, r.chebet)
	assert.Equal(t, "P", subject(t, chebet, "ENG").Grade, "56.0")
	assert.Equal(t, "F", subject(t, chebet, "MAT").Grade, "40.0")
	assert.Equal(t, 0.5, *chebet.MeanPoints)
}

func TestGradingScales(t *testing.T) {
	w := newSchool(t)
	list := w.ok("viewer", "GET", "/api/core/grading-scales", nil, 200)
	require.EqualValues(t, 1, list["count"])
	def := list["results"].([]any)[0].(map[string]any)
	assert.Equal(t, true, def["is_default"])
	bands := def["bands"].([]any)
	require.Len(t, bands, 12, "the seeded A..E scale")
	var got []string
	for _, b := range bands {
		m := b.(map[string]any)
		got = append(got, m["grade"].(string))
	}
	assert.Equal(t, []string{"A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "E"}, got)

	band := func(min, max int, g string, p int) map[string]any {
		return map[string]any{"min": min, "max": max, "grade": g, "points": p}
	}
	for name, tc := range map[string]struct {
		bands []map[string]any
		field string
	}{
		"a gap":           {[]map[string]any{band(0, 39, "F", 0), band(41, 100, "P", 1)}, "bands[1]"},
		"an overlap":      {[]map[string]any{band(0, 50, "F", 0), band(50, 100, "P", 1)}, "bands[1]"},
		"not from 0":      {[]map[string]any{band(10, 49, "F", 0), band(50, 100, "P", 1)}, "bands[0]"},
		"not to 100":      {[]map[string]any{band(0, 49, "F", 0), band(50, 99, "P", 1)}, "bands[1]"},
		"a grade twice":   {[]map[string]any{band(0, 49, "P", 0), band(50, 100, "P", 1)}, "bands[1]"},
		"fractional band": {[]map[string]any{band(0, 49, "F", 0), {"min": 49.5, "max": 100, "grade": "P", "points": 1}}, "bands[1]"},
	} {
		t.Run(name, func(t *testing.T) {
			f := w.refused("admin", "POST", "/api/core/grading-scales", map[string]any{"name": "Bad", "bands": tc.bands}, 400)
			assert.Contains(t, f, tc.field, "error.fields: %v", f)
		})
	}
	w.refused("ENG", "POST", "/api/core/grading-scales", map[string]any{"name": "Mine", "bands": []map[string]any{band(0, 100, "P", 1)}}, 403)

	// a second default takes over from the first
	sc := w.ok("admin", "POST", "/api/core/grading-scales", map[string]any{"name": "Simple", "is_default": true,
		"bands": []map[string]any{band(0, 49, "F", 0), band(50, 100, "P", 1)}}, 201)
	path := "/api/core/grading-scales/" + id(int64(sc["id"].(float64)))
	old := w.ok("admin", "GET", "/api/core/grading-scales/1", nil, 200)
	assert.Equal(t, false, old["is_default"])
	w.ok("admin", "PATCH", path, map[string]any{"name": "Simpler"}, 200)
	w.refused("admin", "DELETE", path, nil, 409) // the default scale stays
}

// TestFractionalPercentages: a percentage is rounded to one decimal, then graded in the
// band whose min it reaches: 79.5 is A- (75-79), 79.95 rounds to 80.0 and is A.
func TestFractionalPercentages(t *testing.T) {
	w := newSchool(t)
	ids := w.students(w.east, "Amina Otieno", "Brian Kamau")
	a := w.assessment(w.east, w.eng, "Essay", 200, 1)
	w.marks(a, map[int64]exams.Mark{ids[0]: exams.Score(159)}) // 79.5 %
	b := w.assessment(w.east, w.mat, "Paper", 1000, 1)
	w.marks(b, map[int64]exams.Mark{ids[1]: exams.Score(799.5)}) // 79.95 %
	var res exams.Results
	w.svc(func(ctx context.Context, s exams.Service) (err error) {
		res, err = s.Results(ctx, exams.Viewer{}, exams.ResultsQuery{ClassID: w.east.ID})
		return err
	})
	amina := subject(t, student(t, res, ids[0]), "ENG")
	assert.Equal(t, 79.5, amina.Percent)
	assert.Equal(t, "A-", amina.Grade)
	brian := subject(t, student(t, res, ids[1]), "MAT")
	assert.Equal(t, 80.0, brian.Percent)
	assert.Equal(t, "A", brian.Grade)
}

func TestResultsRights(t *testing.T) {
	r := newResultsSchool(t)
	path := "/api/core/results?term=" + id(r.term.ID) + "&class=" + id(r.east.ID)
	for _, who := range []string{"admin", "ENG", "classteacher", "clerk", "viewer"} {
		r.ok(who, "GET", path, nil, 200)
	}
	r.refused("other", "GET", path, nil, 403)
	// a teacher of both streams sees the form; a teacher of neither sees nobody
	form := r.ok("ENG", "GET", "/api/core/results?term="+id(r.term.ID)+"&form="+id(r.form.ID), nil, 200)
	assert.Len(t, form["students"], 5)
	form = r.ok("classteacher", "GET", "/api/core/results?term="+id(r.term.ID)+"&form="+id(r.form.ID), nil, 200)
	assert.Len(t, form["students"], 4, "only the class they lead")
	r.refused("admin", "GET", "/api/core/results?term="+id(r.term.ID), nil, 400)
}
