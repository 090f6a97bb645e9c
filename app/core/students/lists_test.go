package students_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAdmissionAndEnrollmentListOrdering: both lists take ordering= from a whitelist
// (and - for descending) like the other lists, refuse other fields naming ordering, and
// the enrollment list searches by student name or admission number.
func TestAdmissionAndEnrollmentListOrdering(t *testing.T) {
	w := newWorld(t)
	sc := w.school()
	admin := w.as("admin")
	for _, a := range []struct{ first, last, applied string }{
		{"Zawadi", "Achieng", "2026-01-10"}, {"Baraka", "Mutua", "2026-01-12"}, {"Amani", "Kamau", "2026-01-11"},
	} {
		status, out := admin.JSON("POST", "/api/core/admissions/", map[string]any{"first_name": a.first, "last_name": a.last,
			"gender": "female", "form": sc.form1, "applied_on": a.applied})
		require.Equal(t, 201, status, "%v", out)
	}
	firstNames := func(m map[string]any) []string {
		var out []string
		for _, r := range results(m) {
			out = append(out, r["first_name"].(string))
		}
		return out
	}
	for query, want := range map[string][]string{
		"":                      {"Baraka", "Amani", "Zawadi"}, // newest application first
		"?ordering=last_name":   {"Zawadi", "Amani", "Baraka"},
		"?ordering=-first_name": {"Zawadi", "Baraka", "Amani"},
		"?ordering=applied_on":  {"Zawadi", "Amani", "Baraka"},
	} {
		status, out := admin.JSON("GET", "/api/core/admissions/"+query, nil)
		require.Equal(t, 200, status, "%s: %v", query, out)
		assert.Equal(t, want, firstNames(out), query)
	}

	for _, s := range []struct {
		no, first, last string
		class           int64
	}{{"O-3", "Cleo", "Zulu", sc.c1A}, {"O-1", "Abel", "Mwangi", sc.c1B}, {"O-2", "Bora", "Atieno", sc.c2A}} {
		w.student(map[string]any{"admission_no": s.no, "first_name": s.first, "last_name": s.last, "gender": "female", "class": s.class})
	}
	studentNos := func(m map[string]any) []string {
		var out []string
		for _, r := range results(m) {
			out = append(out, r["student"].(map[string]any)["admission_no"].(string))
		}
		return out
	}
	for query, want := range map[string][]string{
		"":                                  {"O-3", "O-1", "O-2"}, // class, then name
		"?ordering=admission_no":            {"O-1", "O-2", "O-3"},
		"?ordering=-last_name":              {"O-3", "O-1", "O-2"},
		"?ordering=last_name":               {"O-2", "O-1", "O-3"},
		"?search=abel":                      {"O-1"},
		"?search=o-&ordering=-admission_no": {"O-3", "O-2", "O-1"},
	} {
		status, out := admin.JSON("GET", "/api/core/enrollments/"+query, nil)
		require.Equal(t, 200, status, "%s: %v", query, out)
		assert.Equal(t, want, studentNos(out), query)
		assert.EqualValues(t, len(want), out["count"], query)
	}

	for _, list := range []string{"/api/core/admissions/", "/api/core/enrollments/"} {
		status, out := admin.JSON("GET", list+"?ordering=password", nil)
		assert.Equal(t, 400, status, list)
		assert.Contains(t, fields(out), "ordering", list)
	}
}
