package academics_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// dependentsOf reads error.dependents as kind -> count.
func dependentsOf(body map[string]any) map[string]int64 {
	e, _ := body["error"].(map[string]any)
	ds, _ := e["dependents"].([]any)
	out := map[string]int64{}
	for _, d := range ds {
		m := d.(map[string]any)
		out[m["kind"].(string)] = num(m["count"])
	}
	return out
}

// A delete of a record others refer to is a 409 that lists what depends on it, in the
// message and as error.dependents; once they are gone the delete goes through.
func TestDeleteListsDependents(t *testing.T) {
	w := newWorld(t)
	s := w.session("2025/2026", "2025-09-01", "2026-07-31")
	w.term(s.ID, "Term 1", "2025-09-01", "2025-12-15")
	f2 := w.form("Form 2", 2)
	a, b, c := w.class(f2.ID, s.ID, "2A", nil), w.class(f2.ID, s.ID, "2B", nil), w.class(f2.ID, s.ID, "2C", nil)
	math, eng := w.subject("MATH", "Mathematics"), w.subject("ENG", "English")
	teacher := w.user("teacher1@alpha.test", "teacher")
	w.assign(teacher, a.ID, math.ID)
	w.enroll(a, 2)
	w.run(t, []call{
		{name: "curriculum", method: "PUT", path: path("/api/core/forms/%d/subjects/", f2.ID),
			body: map[string]any{"subjects": []int64{math.ID, eng.ID}}, status: 200},
	})
	w.run(t, []call{
		{name: "form", method: "DELETE", path: path("/api/core/forms/%d/", f2.ID), status: 409,
			check: func(t *testing.T, body map[string]any) {
				assert.Equal(t, "Form 2 has 3 classes and 2 subjects in its curriculum; delete or move them first", errMsg(body))
				assert.Equal(t, map[string]int64{"classes": 3, "curriculum": 2}, dependentsOf(body))
			}},
		{name: "subject", method: "DELETE", path: path("/api/core/subjects/%d/", math.ID), status: 409,
			check: func(t *testing.T, body map[string]any) {
				assert.Equal(t, "Mathematics has 1 teacher assigned to it and 1 form that takes it; remove them first", errMsg(body))
				assert.Equal(t, map[string]int64{"subject_assignments": 1, "curriculum": 1}, dependentsOf(body))
			}},
		{name: "class", method: "DELETE", path: path("/api/core/classes/%d/", a.ID), status: 409,
			check: func(t *testing.T, body map[string]any) {
				assert.Contains(t, errMsg(body), "2A has 2 students enrolled")
				assert.Equal(t, map[string]int64{"enrollments": 2}, dependentsOf(body))
			}},
		{name: "session", method: "DELETE", path: path("/api/core/sessions/%d/", s.ID), status: 409,
			check: func(t *testing.T, body map[string]any) {
				assert.Equal(t, "2025/2026 has 1 term, 3 classes and 2 enrollments; delete or move them first", errMsg(body))
				assert.Equal(t, map[string]int64{"terms": 1, "classes": 3, "enrollments": 2}, dependentsOf(body))
			}},
		{name: "a class nothing refers to", method: "DELETE", path: path("/api/core/classes/%d/", b.ID), status: 204},
		{name: "a subject nothing refers to once off the curriculum", method: "PUT", path: path("/api/core/forms/%d/subjects/", f2.ID),
			body: map[string]any{"subjects": []int64{math.ID}}, status: 200},
		{name: "english goes", method: "DELETE", path: path("/api/core/subjects/%d/", eng.ID), status: 204},
		{name: "the form still has two classes and maths", method: "DELETE", path: path("/api/core/forms/%d/", f2.ID), status: 409,
			check: func(t *testing.T, body map[string]any) {
				assert.Equal(t, map[string]int64{"classes": 2, "curriculum": 1}, dependentsOf(body))
			}},
		{name: "2C goes", method: "DELETE", path: path("/api/core/classes/%d/", c.ID), status: 204},
	})
}
