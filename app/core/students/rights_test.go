package students_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRights: who may call what. Teachers read only the students of the classes they
// teach or lead in the current session; writes are for admin and clerk.
func TestRights(t *testing.T) {
	w := newWorld(t)
	sc := w.school()
	inA := w.student(map[string]any{"first_name": "In", "last_name": "OneA", "gender": "male", "class": sc.c1A,
		"guardians": []map[string]any{{"name": "Parent A", "phone": "+254711000001"}}})
	inB := w.student(map[string]any{"first_name": "In", "last_name": "OneB", "gender": "male", "class": sc.c1B,
		"guardians": []map[string]any{{"name": "Parent B", "phone": "+254711000002"}}})
	in2A := w.student(map[string]any{"first_name": "In", "last_name": "TwoA", "gender": "male", "class": sc.c2A})
	none := w.student(map[string]any{"first_name": "Not", "last_name": "Enrolled", "gender": "male"})
	w.as("clerk")
	w.as("viewer")
	_, sa := w.as("admin").JSON("GET", path("/api/core/students/%d/", inA), nil)
	_, sb := w.as("admin").JSON("GET", path("/api/core/students/%d/", inB), nil)
	guardianA := num(sa["guardians"].([]any)[0].(map[string]any)["id"])
	guardianB := num(sb["guardians"].([]any)[0].(map[string]any)["id"])
	enrollA := num(sa["enrollments"].([]any)[0].(map[string]any)["id"])
	enrollB := num(sb["enrollments"].([]any)[0].(map[string]any)["id"])

	// what each reader sees in the student list
	sees := map[string][]int64{
		"admin":   {inA, inB, in2A, none},
		"clerk":   {inA, inB, in2A, none},
		"viewer":  {inA, inB, in2A, none},
		"teacher": {inA}, // teaches Form 1A
		"lead":    {inB}, // class teacher of Form 1B
		"other":   {},    // a teacher with no class
	}
	all := []int64{inA, inB, in2A, none}
	for role, want := range sees {
		c := w.as(role)
		status, out := c.JSON("GET", "/api/core/students/?page_size=100", nil)
		require.Equal(t, 200, status, role)
		var got []int64
		for _, r := range results(out) {
			got = append(got, id(r))
		}
		assert.ElementsMatch(t, want, got, role)
		assert.EqualValues(t, len(want), out["count"], role)
		for _, sid := range all {
			status, _ := c.JSON("GET", path("/api/core/students/%d/", sid), nil)
			if contains(want, sid) {
				assert.Equal(t, 200, status, "%s reads student %d", role, sid)
			} else {
				assert.Equal(t, 404, status, "%s must not see student %d", role, sid)
			}
		}
	}

	// teachers: guardians and enrollments of their students only; no applicants
	teacher := w.as("teacher")
	status, out := teacher.JSON("GET", "/api/core/guardians/", nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 1, out["count"])
	status, _ = teacher.JSON("GET", path("/api/core/guardians/%d/", guardianA), nil)
	assert.Equal(t, 200, status)
	status, _ = teacher.JSON("GET", path("/api/core/guardians/%d/", guardianB), nil)
	assert.Equal(t, 404, status)
	status, out = teacher.JSON("GET", "/api/core/enrollments/", nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 1, out["count"])
	status, _ = teacher.JSON("GET", path("/api/core/enrollments/%d/", enrollA), nil)
	assert.Equal(t, 200, status)
	status, _ = teacher.JSON("GET", path("/api/core/enrollments/%d/", enrollB), nil)
	assert.Equal(t, 404, status)
	status, out = teacher.JSON("GET", "/api/core/admissions/", nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 0, out["count"])

	// writes per role
	spare := w.student(map[string]any{"first_name": "Spare", "last_name": "Student", "gender": "female"})
	type call struct {
		method, path string
		body         map[string]any
	}
	writes := []call{
		{"POST", "/api/core/students/", map[string]any{"first_name": "N", "last_name": "N", "gender": "male"}},
		{"PATCH", path("/api/core/students/%d/", inA), map[string]any{"address": "Nairobi"}},
		{"DELETE", path("/api/core/students/%d/", none), nil},
		{"POST", "/api/core/guardians/", map[string]any{"name": "G"}},
		{"PATCH", path("/api/core/guardians/%d/", guardianA), map[string]any{"email": "a@example.com"}},
		{"POST", "/api/core/admissions/", map[string]any{"first_name": "A", "last_name": "B", "gender": "male", "form": sc.form1}},
		{"POST", "/api/core/enrollments/", map[string]any{"student": spare, "class": sc.c2A}},
		{"POST", "/api/core/promotions/preview/", map[string]any{"from_session": sc.session, "to_session": sc.session}},
		{"PUT", "/api/core/settings/admission-number-pattern/", map[string]any{"pattern": "X{seq}"}},
	}
	for _, role := range []string{"teacher", "viewer", "anonymous"} {
		want := 403
		if role == "anonymous" {
			want = 401
		}
		before := w.counts()
		for _, c := range writes {
			status, out := w.as(role).JSON(c.method, c.path, c.body)
			assert.Equal(t, want, status, "%s %s %s: %v", role, c.method, c.path, out)
		}
		assert.Equal(t, before, w.counts(), role)
	}
	for _, p := range []string{"/api/core/students/", "/api/core/guardians/", "/api/core/admissions/", "/api/core/enrollments/",
		"/api/core/students/export/"} {
		status, _ := w.as("anonymous").JSON("GET", p, nil)
		assert.Equal(t, 401, status, p)
	}
	// the clerk writes records but not school-wide rules
	clerk := w.as("clerk")
	for i, c := range writes {
		status, out := clerk.JSON(c.method, c.path, c.body)
		switch {
		case i >= 7:
			assert.Equal(t, 403, status, "clerk %s %s", c.method, c.path)
		case c.method == "POST":
			assert.Equal(t, 201, status, "clerk %s %s: %v", c.method, c.path, out)
		case c.method == "DELETE":
			assert.Equal(t, 204, status, "clerk %s %s: %v", c.method, c.path, out)
		default:
			assert.Equal(t, 200, status, "clerk %s %s: %v", c.method, c.path, out)
		}
	}
}

// TestIsolation: a school's records are not reachable from another school.
func TestIsolation(t *testing.T) {
	w := newWorld(t)
	sid := w.student(map[string]any{"first_name": "Alpha", "last_name": "Only", "gender": "female",
		"guardians": []map[string]any{{"name": "Alpha Parent", "phone": "+254700000001"}}})
	w.s.CreateSchool("beta", "Beta School")
	beta := w.s.As("beta", "admin@beta.test")
	status, _ := beta.JSON("GET", path("/api/core/students/%d/", sid), nil)
	assert.Equal(t, 404, status)
	status, out := beta.JSON("GET", "/api/core/students/", nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 0, out["count"])
	status, out = beta.JSON("GET", "/api/core/guardians/", nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 0, out["count"])
	status, _ = beta.JSON("PATCH", path("/api/core/students/%d/", sid), map[string]any{"first_name": "Hijack"})
	assert.Equal(t, 404, status)
	status, _ = beta.JSON("DELETE", path("/api/core/students/%d/", sid), nil)
	assert.Equal(t, 404, status)
	// alpha's token does not work on beta's host, nor under beta's subfolder
	alpha := w.as("admin")
	c := w.s.Client("beta.localhost", "")
	c.Token = alpha.Token
	status, _ = c.JSON("GET", "/api/core/students/", nil)
	assert.Equal(t, 401, status)
	c = w.s.Client("localhost", "/t/beta")
	c.Token = beta.Token
	status, _ = c.JSON("GET", path("/api/core/students/%d/", sid), nil)
	assert.Equal(t, 404, status)
	// and alpha still has it, by host and by subfolder
	status, out = alpha.JSON("GET", path("/api/core/students/%d/", sid), nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "Alpha", out["first_name"])
	c = w.s.Client("localhost", "/t/alpha")
	c.Token = alpha.Token
	status, _ = c.JSON("GET", path("/api/core/students/%d/", sid), nil)
	assert.Equal(t, 200, status)
}

func contains(list []int64, v int64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
