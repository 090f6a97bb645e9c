package attendance_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWorkingDays: Monday to Friday until the admin says otherwise; a school that works
// on Saturdays keeps registers on Saturdays; bad settings are refused and change nothing.
func TestWorkingDays(t *testing.T) {
	w := newWorld(t, "alpha")
	sc := w.school("alpha")
	admin := w.as("alpha", "admin")
	status, out := admin.JSON("GET", "/api/core/settings/working-days/", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, []any{"monday", "tuesday", "wednesday", "thursday", "friday"}, out["working_days"])

	saturday := path("/api/core/classes/%d/attendance/2026-02-28/", sc.c1A)
	status, out = admin.JSON("PUT", saturday, marks(sc.students[sc.c1A], nil))
	require.Equal(t, 400, status)
	assert.Contains(t, fields(out)["date"], "Saturday; the school's working days are Monday to Friday")

	bad := []struct {
		body  any
		field string
	}{
		{map[string]any{"working_days": []string{}}, "working_days"},
		{map[string]any{"working_days": []string{"monday", "funday"}}, "working_days[1]"},
		{map[string]any{"working_days": "monday"}, "working_days"},
		{map[string]any{}, "working_days"},
		{map[string]any{"working_days": []string{"mon"}, "extra": 1}, "extra"},
	}
	for _, role := range []string{"teacher", "clerk", "viewer", "anonymous"} {
		w.as("alpha", role) // signing in is audited: before the snapshot
	}
	before := w.counts("alpha")
	for _, b := range bad {
		status, out := admin.JSON("PUT", "/api/core/settings/working-days/", b.body)
		assert.Equal(t, 400, status, "%v", b.body)
		assert.Contains(t, fields(out), b.field, "%v: %v", b.body, out)
	}
	for _, role := range []string{"teacher", "clerk", "viewer"} {
		status, _ := w.as("alpha", role).JSON("PUT", "/api/core/settings/working-days/", map[string]any{"working_days": []string{"sat"}})
		assert.Equal(t, 403, status, role)
	}
	status, _ = w.as("alpha", "anonymous").JSON("GET", "/api/core/settings/working-days/", nil)
	assert.Equal(t, 401, status)
	assert.Equal(t, before, w.counts("alpha"))

	status, out = admin.JSON("PUT", "/api/core/settings/working-days/", map[string]any{"working_days": []string{"Mon", "tuesday", "WED", "thu", "fri", "sat"}})
	require.Equal(t, 200, status, "%v", out)
	assert.Equal(t, []any{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}, out["working_days"])
	status, out = admin.JSON("PUT", saturday, marks(sc.students[sc.c1A], nil))
	assert.Equal(t, 200, status, "%v", out)
	status, out = w.as("alpha", "viewer").JSON("GET", "/api/core/settings/working-days/", nil)
	require.Equal(t, 200, status)
	assert.Len(t, out["working_days"], 6)
	status, out = admin.JSON("GET", "/api/core/attendance/school-days/2026-03-01/", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, false, out["school_day"])
	assert.Contains(t, out["closed_reason"], "Sunday; the school's working days are Monday to Saturday")
}

// TestHolidays: holidays lie inside their term, end on or after their first day and do
// not overlap; every refusal names its field and writes nothing; only admins change them.
func TestHolidays(t *testing.T) {
	w := newWorld(t, "alpha")
	sc := w.school("alpha")
	admin := w.as("alpha", "admin")

	status, h := admin.JSON("POST", "/api/core/holidays/", map[string]any{"name": "Madaraka Day", "start_date": "2026-06-01", "end_date": "2026-06-01"})
	require.Equal(t, 201, status, "%v", h)
	assert.EqualValues(t, sc.term2, h["term"], "the term is the one the day falls in")
	assert.Equal(t, "Term 2", h["term_name"])
	madaraka := num(h["id"])

	cases := []struct {
		name  string
		body  map[string]any
		field string
		says  string
	}{
		{"ends before it starts", map[string]any{"term": sc.term1, "name": "Back to front", "start_date": "2026-03-10", "end_date": "2026-03-09"}, "end_date", "before start_date"},
		{"overlaps half term", map[string]any{"term": sc.term1, "name": "Long weekend", "start_date": "2026-02-20", "end_date": "2026-02-23"}, "start_date", "overlaps the holiday Half term"},
		{"inside half term", map[string]any{"name": "Inside", "start_date": "2026-02-17", "end_date": "2026-02-17"}, "end_date", "overlaps"},
		{"outside its term", map[string]any{"term": sc.term1, "name": "Late", "start_date": "2026-04-01", "end_date": "2026-04-05"}, "end_date", "within the term Term 1"},
		{"in no term", map[string]any{"name": "Break", "start_date": "2026-04-10", "end_date": "2026-04-11"}, "term", "no term contains"},
		{"impossible date", map[string]any{"term": sc.term1, "name": "Odd", "start_date": "2026-02-30", "end_date": "2026-03-01"}, "start_date", "YYYY-MM-DD"},
		{"a word for a date", map[string]any{"term": sc.term1, "name": "Odd", "start_date": "2026-03-01", "end_date": "tomorrow"}, "end_date", ""},
		{"no name", map[string]any{"term": sc.term1, "start_date": "2026-03-10", "end_date": "2026-03-10"}, "name", "required"},
		{"name with controls", map[string]any{"term": sc.term1, "name": "Day\x07off", "start_date": "2026-03-10", "end_date": "2026-03-10"}, "name", "control"},
		{"name too long", map[string]any{"term": sc.term1, "name": strings.Repeat("n", 101), "start_date": "2026-03-10", "end_date": "2026-03-10"}, "name", "at most 100"},
		{"unknown term", map[string]any{"term": 999, "name": "X", "start_date": "2026-03-10", "end_date": "2026-03-10"}, "term", "no term"},
		{"unknown field", map[string]any{"term": sc.term1, "name": "X", "start_date": "2026-03-10", "end_date": "2026-03-10", "days": 1}, "days", ""},
	}
	for _, role := range []string{"teacher", "clerk", "viewer", "anonymous"} {
		w.as("alpha", role) // signing in is audited: before the snapshot
	}
	before := w.counts("alpha")
	for _, tc := range cases {
		status, out := admin.JSON("POST", "/api/core/holidays/", tc.body)
		assert.Equal(t, 400, status, "%s: %v", tc.name, out)
		if assert.Contains(t, fields(out), tc.field, "%s: %v", tc.name, out) && tc.says != "" {
			assert.Contains(t, fields(out)[tc.field], tc.says, tc.name)
		}
	}
	status, out := admin.JSON("PATCH", path("/api/core/holidays/%d/", madaraka), map[string]any{"start_date": "2026-06-02"})
	assert.Equal(t, 400, status, "%v", out)
	assert.Contains(t, fields(out), "end_date")
	status, out = admin.JSON("PATCH", path("/api/core/holidays/%d/", sc.halfTerm), map[string]any{"end_date": "2026-06-01", "term": sc.term2})
	assert.Equal(t, 400, status, "%v", out)
	for _, role := range []string{"teacher", "clerk", "viewer"} {
		c := w.as("alpha", role)
		status, _ := c.JSON("POST", "/api/core/holidays/", map[string]any{"name": "X", "start_date": "2026-03-10", "end_date": "2026-03-10"})
		assert.Equal(t, 403, status, role)
		status, _ = c.JSON("PATCH", path("/api/core/holidays/%d/", madaraka), map[string]any{"name": "Y"})
		assert.Equal(t, 403, status, role)
		status, _ = c.JSON("DELETE", path("/api/core/holidays/%d/", madaraka), nil)
		assert.Equal(t, 403, status, role)
		status, _ = c.JSON("GET", "/api/core/holidays/", nil)
		assert.Equal(t, 200, status, role)
	}
	status, _ = w.as("alpha", "anonymous").JSON("GET", "/api/core/holidays/", nil)
	assert.Equal(t, 401, status)
	assert.Equal(t, before, w.counts("alpha"), "nothing was written")

	// a holiday closes its days to registers, and stops doing so when moved
	status, h = admin.JSON("POST", "/api/core/holidays/", map[string]any{"term": sc.term1, "name": "Sports day", "start_date": "2026-03-03", "end_date": "2026-03-03"})
	require.Equal(t, 201, status, "%v", h)
	reg := path("/api/core/classes/%d/attendance/2026-03-03/", sc.c1A)
	status, out = admin.JSON("PUT", reg, marks(sc.students[sc.c1A], nil))
	require.Equal(t, 400, status)
	assert.Contains(t, fields(out)["date"], "is a holiday (Sports day)")
	status, out = admin.JSON("PATCH", path("/api/core/holidays/%d/", num(h["id"])), map[string]any{"start_date": "2026-03-02", "end_date": "2026-03-02"})
	require.Equal(t, 200, status, "%v", out)
	status, _ = admin.JSON("PUT", reg, marks(sc.students[sc.c1A], nil))
	assert.Equal(t, 200, status)

	status, out = admin.JSON("GET", path("/api/core/holidays/?term=%d", sc.term1), nil)
	require.Equal(t, 200, status)
	var names []string
	for _, r := range list(out["results"]) {
		names = append(names, r["name"].(string))
	}
	assert.Equal(t, []string{"Half term", "Sports day"}, names, "earliest first")
	status, _ = admin.JSON("DELETE", path("/api/core/holidays/%d/", madaraka), nil)
	assert.Equal(t, 204, status)
	status, _ = admin.JSON("GET", path("/api/core/holidays/%d/", madaraka), nil)
	assert.Equal(t, 404, status)
	status, _ = admin.JSON("GET", "/api/core/holidays/?ordering=password", nil)
	assert.Equal(t, 400, status)
}

// TestHolidayIsolation: a school sees and changes only its own holidays.
func TestHolidayIsolation(t *testing.T) {
	w := newWorld(t, "alpha", "beta")
	a := w.school("alpha")
	w.school("beta")
	status, out := w.as("beta", "admin").JSON("GET", "/api/core/holidays/", nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 1, out["count"], "beta's half term only")
	status, _ = w.as("beta", "admin").JSON("POST", "/api/core/holidays/", map[string]any{"name": "Beta day", "start_date": "2026-03-10", "end_date": "2026-03-10"})
	require.Equal(t, 201, status)
	assert.Equal(t, 1, w.count("alpha", "holidays"))
	status, out = w.as("alpha", "admin").JSON("GET", path("/api/core/holidays/%d/", a.halfTerm), nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "Half term", out["name"])
	status, _ = w.as("beta", "admin").JSON("DELETE", path("/api/core/holidays/%d/", a.halfTerm), nil)
	assert.Equal(t, 204, status, "beta's own half term has the same id")
	assert.Equal(t, 1, w.count("alpha", "holidays"), "alpha's is untouched")
}
