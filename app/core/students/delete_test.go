package students_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errorOf is the "error" object of an error answer.
func errorOf(m map[string]any) map[string]any {
	e, _ := m["error"].(map[string]any)
	return e
}

// dependentsOf reads error.dependents as kind -> count.
func dependentsOf(m map[string]any) map[string]int64 {
	ds, _ := errorOf(m)["dependents"].([]any)
	out := map[string]int64{}
	for _, d := range ds {
		r := d.(map[string]any)
		out[r["kind"].(string)] = num(r["count"])
	}
	return out
}

// TestStudentDeleteRefusedWithDependents: DELETE removes only a student nothing refers
// to; one with enrollments, attendance marks, scores or an admission is a 409 conflict
// that names them, and nothing is written (the student is not withdrawn either).
func TestStudentDeleteRefusedWithDependents(t *testing.T) {
	w := newWorld(t)
	sc := w.school()
	admin := w.as("admin")

	marked := w.student(map[string]any{"first_name": "Amani", "last_name": "Otieno", "gender": "female", "class": sc.c1A})
	term := w.exec("INSERT INTO terms (session_id, name, start_date, end_date, is_current) VALUES (?, 'Term 1', '2025-09-01', '2025-12-15', 1)", sc.session)
	for _, d := range []string{"2025-11-03", "2025-11-04"} {
		w.exec("INSERT INTO attendance (student_id, date, class_id, status, marked_at) VALUES (?, ?, ?, 'present', '2025-11-03T08:00:00.000Z')", marked, d, sc.c1A)
	}
	cat := w.exec("INSERT INTO assessments (term_id, class_id, subject_id, name, kind, date, max_tenths, weight) VALUES (?, ?, ?, 'CAT 1', 'test', '2025-11-05', 300, 1)",
		term, sc.c1A, w.subject)
	w.exec("INSERT INTO scores (assessment_id, student_id, status, score_tenths) VALUES (?, ?, 'scored', 250)", cat, marked)

	enrolled := w.student(map[string]any{"first_name": "Baraka", "last_name": "Mwangi", "gender": "male", "class": sc.c1B})

	admitted := w.student(map[string]any{"first_name": "Chebet", "last_name": "Kiprop", "gender": "female"})
	w.exec("INSERT INTO admissions (first_name, last_name, gender, form_id, status, student_id) VALUES ('Chebet', 'Kiprop', 'female', ?, 'enrolled', ?)",
		sc.form1, admitted)

	before := w.counts()
	attendance, scores := w.count("attendance"), w.count("scores")
	cases := []struct {
		name    string
		id      int64
		message string
		deps    map[string]int64
	}{
		{"enrollment, marks and a score", marked,
			"Amani Otieno has 1 enrollment, 2 attendance marks and 1 score; a student with a record is withdrawn (set the status), not deleted",
			map[string]int64{"enrollments": 1, "attendance": 2, "scores": 1}},
		{"an enrollment only", enrolled,
			"Baraka Mwangi has 1 enrollment; a student with a record is withdrawn (set the status), not deleted",
			map[string]int64{"enrollments": 1}},
		{"an admission", admitted,
			"Chebet Kiprop has 1 admission; a student with a record is withdrawn (set the status), not deleted",
			map[string]int64{"admissions": 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := admin.JSON("DELETE", path("/api/core/students/%d/", c.id), nil)
			require.Equal(t, 409, status, "%v", out)
			assert.Equal(t, "conflict", errorOf(out)["code"])
			assert.Equal(t, c.message, errorOf(out)["message"])
			assert.Equal(t, c.deps, dependentsOf(out))
			status, got := admin.JSON("GET", path("/api/core/students/%d/", c.id), nil)
			require.Equal(t, 200, status)
			assert.Equal(t, "active", got["status"], "a refused delete does not withdraw")
		})
	}
	assert.Equal(t, before, w.counts(), "a refused delete writes nothing")
	assert.Equal(t, attendance, w.count("attendance"))
	assert.Equal(t, scores, w.count("scores"))

	// Another school's student under the same id is its own: it has no record, so it goes,
	// and this school's student stays.
	w.s.CreateSchool("beta", "Beta School")
	beta := w.s.As("beta", "admin@beta.test")
	status, out := beta.JSON("POST", "/api/core/students/", map[string]any{"first_name": "Beta", "last_name": "Only", "gender": "male"})
	require.Equal(t, 201, status, "%v", out)
	require.Equal(t, marked, id(out), "the same id in both schools")
	status, out = beta.JSON("DELETE", path("/api/core/students/%d/", marked), nil)
	assert.Equal(t, 204, status, "%v", out)
	status, _ = admin.JSON("GET", path("/api/core/students/%d/", marked), nil)
	assert.Equal(t, 200, status)
	assert.Equal(t, attendance, w.count("attendance"))

	// Withdrawing is its own action, and keeps the record (and so the refusal).
	status, got := admin.JSON("PATCH", path("/api/core/students/%d/", enrolled), map[string]any{"status": "withdrawn"})
	require.Equal(t, 200, status, "%v", got)
	assert.Equal(t, "withdrawn", got["status"])
	status, out = admin.JSON("DELETE", path("/api/core/students/%d/", enrolled), nil)
	assert.Equal(t, 409, status, "%v", out)
}

// TestStudentDeleteRemovesGuardianLinks: a student nothing refers to is deleted with
// their guardian links in one go; the guardians stay for their other students.
func TestStudentDeleteRemovesGuardianLinks(t *testing.T) {
	w := newWorld(t)
	w.school()
	w.country("KE")
	admin := w.as("admin")
	gs := []map[string]any{{"name": "Grace Otieno", "phone": "0712 345 678", "is_primary": true}, {"name": "John Otieno", "phone": "0722 000 111"}}
	twice := w.student(map[string]any{"first_name": "Amani", "last_name": "Otieno", "gender": "female", "guardians": gs})
	sibling := w.student(map[string]any{"first_name": "Baraka", "last_name": "Otieno", "gender": "male", "guardians": gs[:1]})
	require.Equal(t, 3, w.count("student_guardians"))
	audits := w.count("audit_log")

	status, out := admin.JSON("DELETE", path("/api/core/students/%d/", twice), nil)
	require.Equal(t, 204, status, "%v", out)
	status, _ = admin.JSON("GET", path("/api/core/students/%d/", twice), nil)
	assert.Equal(t, 404, status)
	assert.Equal(t, 1, w.count("student_guardians"), "the deleted student's links go")
	assert.Equal(t, 2, w.count("guardians"), "guardians stay")
	assert.Equal(t, audits+1, w.count("audit_log"))
	status, got := admin.JSON("GET", path("/api/core/students/%d/", sibling), nil)
	require.Equal(t, 200, status)
	require.Len(t, got["guardians"], 1)
	assert.Equal(t, "Grace Otieno", got["guardians"].([]any)[0].(map[string]any)["name"])

	status, _ = admin.JSON("DELETE", path("/api/core/students/%d/", twice), nil)
	assert.Equal(t, 404, status)
}
