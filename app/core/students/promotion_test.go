package students_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

func TestPromotion(t *testing.T) {
	w := newWorld(t)
	admin := w.as("admin")
	clerk := w.as("clerk")
	s1 := w.session("2025", "2025-01-06", "2025-11-28", true)
	s2 := w.session("2026", "2026-01-05", "2026-11-27", false)
	f1, f2, f3 := w.form("Form 1", 1), w.form("Form 2", 2), w.form("Form 3", 3)
	c1A, c1B := w.class(f1, s1, "Form 1A", 0, 0), w.class(f1, s1, "Form 1B", 0, 0)
	c3 := w.class(f3, s1, "Form 3 East", 0, 0)
	n2A := w.class(f2, s2, "Form 2A", 0, 0)
	w.class(f2, s2, "Form 2B", 1, 0) // room for one
	n1A := w.class(f1, s2, "Form 1A", 0, 0)
	mk := func(name string, class int64) int64 {
		return w.student(map[string]any{"first_name": name, "last_name": "Student", "gender": "female", "class": class})
	}
	a1, a2 := mk("A1", c1A), mk("A2", c1A)
	b1, b2 := mk("B1", c1B), mk("B2", c1B)
	top := mk("Top", c3)
	left := mk("Left", c1A)
	status, _ := admin.JSON("PATCH", path("/api/core/students/%d/", left), map[string]any{"status": "withdrawn"}) // not promoted
	require.Equal(t, 200, status)

	body := map[string]any{"from_session": s1, "to_session": s2}
	status, plan := admin.JSON("POST", "/api/core/promotions/preview/", body)
	require.Equal(t, 200, status, "%v", plan)
	moves := map[int64]string{}
	for _, r := range plan["students"].([]any) {
		row := r.(map[string]any)
		to := "-"
		if tc, ok := row["to_class"].(map[string]any); ok {
			to = tc["name"].(string)
		}
		moves[num(row["student"].(map[string]any)["id"])] = row["action"].(string) + " " + to
	}
	assert.Equal(t, map[int64]string{a1: "promote Form 2A", a2: "promote Form 2A", b1: "promote Form 2B", b2: "promote Form 2B",
		top: "graduate -"}, moves)
	assert.Contains(t, plan["problems"], "class", "Form 2B would be over capacity")
	counts := plan["counts"].(map[string]any)
	assert.EqualValues(t, 4, counts["promote"])
	assert.EqualValues(t, 1, counts["graduate"])

	// commit refuses a class over capacity, writing nothing
	before := w.counts()
	status, out := admin.JSON("POST", "/api/core/promotions/commit/", body)
	assert.Equal(t, 400, status)
	assert.Contains(t, fields(out)["class"], "Form 2B")
	assert.Equal(t, before, w.counts())

	bad := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"to_session": s2}, "from_session"},
		{map[string]any{"from_session": s1, "to_session": 999}, "to_session"},
		{map[string]any{"from_session": s1, "to_session": s1}, "to_session"},
		{map[string]any{"from_session": s2, "to_session": s1}, "to_session"},
		{map[string]any{"from_session": s1, "to_session": s2, "overrides": []map[string]any{{"student": left, "action": "repeat"}}}, "overrides[0].student"},
		{map[string]any{"from_session": s1, "to_session": s2, "overrides": []map[string]any{{"student": b2, "action": "expel"}}}, "overrides[0].action"},
		{map[string]any{"from_session": s1, "to_session": s2, "overrides": []map[string]any{{"student": b2, "action": "promote", "class": c1A}}}, "overrides[0].class"},
		{map[string]any{"from_session": s1, "to_session": s2, "overrides": []map[string]any{{"student": b2, "action": "graduate", "class": n2A}}}, "overrides[0].class"},
	}
	for _, c := range bad {
		status, out := admin.JSON("POST", "/api/core/promotions/commit/", c.body)
		assert.Equal(t, 400, status, "%v", c.body)
		assert.Contains(t, fields(out), c.field, "%v: %v", c.body, out)
	}
	assert.Equal(t, before, w.counts())
	status, _ = clerk.JSON("POST", "/api/core/promotions/commit/", body)
	assert.Equal(t, 403, status, "promotion is for the admin")
	assert.Equal(t, before, w.counts())

	// B2 repeats (no Form 1B next year: the first class of Form 1); the rest as proposed
	body["overrides"] = []map[string]any{{"student": b2, "action": "repeat"}}
	status, plan = admin.JSON("POST", "/api/core/promotions/preview/", body)
	require.Equal(t, 200, status)
	assert.Empty(t, plan["problems"])
	status, plan = admin.JSON("POST", "/api/core/promotions/commit/", body)
	require.Equal(t, 200, status, "%v", plan)
	assert.Equal(t, before["audit_log"]+1, w.count("audit_log"))

	history := func(sid int64) (string, []string) {
		_, st := admin.JSON("GET", path("/api/core/students/%d/", sid), nil)
		var hist []string
		for _, e := range st["enrollments"].([]any) {
			em := e.(map[string]any)
			hist = append(hist, fmt.Sprintf("%s %s %s", em["session"].(map[string]any)["name"], em["class"].(map[string]any)["name"], em["status"]))
		}
		return st["status"].(string), hist
	}
	for sid, want := range map[int64][]string{
		a1:   {"2026 Form 2A active", "2025 Form 1A promoted"},
		b1:   {"2026 Form 2B active", "2025 Form 1B promoted"},
		b2:   {"2026 Form 1A active", "2025 Form 1B repeated"},
		top:  {"2025 Form 3 East graduated"},
		left: {"2025 Form 1A left"},
	} {
		_, hist := history(sid)
		assert.Equal(t, want, hist, "student %d", sid)
	}
	st, _ := history(top)
	assert.Equal(t, "graduated", st)
	status, out = admin.JSON("GET", path("/api/core/students/?class=%d", n1A), nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 1, out["count"])

	// running it again changes nothing: everyone is enrolled in 2026 or has left
	before = w.counts()
	status, plan = admin.JSON("POST", "/api/core/promotions/commit/", map[string]any{"from_session": s1, "to_session": s2})
	require.Equal(t, 200, status, "%v", plan)
	assert.Empty(t, plan["students"])
	assert.Equal(t, before["enrollments"], w.count("enrollments"))
}

func TestPromotionNoTargetClass(t *testing.T) {
	w := newWorld(t)
	admin := w.as("admin")
	s1 := w.session("2025", "2025-01-06", "2025-11-28", true)
	s2 := w.session("2026", "2026-01-05", "2026-11-27", false)
	f1 := w.form("Form 1", 1)
	w.form("Form 2", 2)
	c1 := w.class(f1, s1, "Form 1 Blue", 0, 0)
	n1 := w.class(f1, s2, "Form 1 Blue", 0, 0)
	sid := w.student(map[string]any{"first_name": "X", "last_name": "Y", "gender": "male", "class": c1})
	before := w.counts()
	status, out := admin.JSON("POST", "/api/core/promotions/commit/", map[string]any{"from_session": s1, "to_session": s2})
	assert.Equal(t, 400, status)
	assert.Contains(t, fields(out)["to_session"], "no class of Form 2")
	assert.Equal(t, before, w.counts())
	status, out = admin.JSON("POST", "/api/core/promotions/commit/", map[string]any{"from_session": s1, "to_session": s2,
		"overrides": []map[string]any{{"student": sid, "action": "repeat"}}})
	require.Equal(t, 200, status, "%v", out)
	row := out["students"].([]any)[0].(map[string]any)
	assert.EqualValues(t, n1, num(row["to_class"].(map[string]any)["id"]), "same form, same stream")
	assert.Equal(t, true, row["overridden"])
}

func TestExport(t *testing.T) {
	w := newWorld(t)
	sc := w.school()
	w.country("KE")
	w.student(map[string]any{"admission_no": "E-1", "first_name": "Amani", "middle_name": "W", "last_name": "Otieno",
		"gender": "female", "date_of_birth": "2012-04-01", "class": sc.c1A, "guardians": []map[string]any{
			{"name": "Second", "phone": "0733 000 111"},
			{"name": "Grace Otieno", "relationship": "mother", "phone": "0712 345 678", "email": "grace@example.com", "is_primary": true}}})
	w.student(map[string]any{"admission_no": "E-2", "first_name": "=cmd()", "last_name": "Bell", "gender": "male", "class": sc.c1B})
	w.student(map[string]any{"admission_no": "E-3", "first_name": "No", "last_name": "Class", "gender": "other"})
	admin := w.as("admin")
	header := "admission_no,first_name,middle_name,last_name,gender,date_of_birth,class,guardian_name,guardian_relationship,guardian_phone,guardian_email"

	status, h, raw := admin.Do("GET", "/api/core/students/export/?format=csv&ordering=admission_no", "", nil)
	require.Equal(t, 200, status, string(raw))
	assert.Contains(t, h.Get("Content-Type"), "text/csv")
	assert.Regexp(t, `^attachment; filename="students-alpha-\d{4}-\d{2}-\d{2}\.csv"$`, h.Get("Content-Disposition"))
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 4)
	assert.Equal(t, header, strings.Join(recs[0], ","))
	assert.Equal(t, []string{"E-1", "Amani", "W", "Otieno", "female", "2012-04-01", "Form 1A", "Grace Otieno", "mother", "+254712345678", "grace@example.com"}, recs[1])
	assert.Equal(t, "'=cmd()", recs[2][1], "formulas are neutralised in CSV")
	assert.Equal(t, "Form 1B", recs[2][6])
	assert.Equal(t, []string{"E-3", "No", "", "Class", "other", "", "", "", "", "", ""}, recs[3])

	// filters as in the list; a teacher exports only their students
	_, _, raw = admin.Do("GET", path("/api/core/students/export/?class=%d", sc.c1B), "", nil)
	recs, err = csv.NewReader(bytes.NewReader(raw)).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, "E-2", recs[1][0])
	_, _, raw = w.as("teacher").Do("GET", "/api/core/students/export/", "", nil)
	recs, err = csv.NewReader(bytes.NewReader(raw)).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, "E-1", recs[1][0])

	status, h, raw = admin.Do("GET", "/api/core/students/export/?format=xlsx&ordering=-admission_no", "", nil)
	require.Equal(t, 200, status, string(raw))
	assert.Equal(t, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", h.Get("Content-Type"))
	assert.Contains(t, h.Get("Content-Disposition"), ".xlsx\"")
	x, err := excelize.OpenReader(bytes.NewReader(raw))
	require.NoError(t, err)
	defer x.Close()
	rows, err := x.GetRows("Students")
	require.NoError(t, err)
	require.Len(t, rows, 4)
	assert.Equal(t, header, strings.Join(rows[0], ","))
	assert.Equal(t, "E-3", rows[1][0])
	assert.Equal(t, "=cmd()", rows[2][1], "xlsx cells are text, kept as they are")
	assert.Equal(t, []string{"E-1", "Amani", "W", "Otieno", "female", "2012-04-01", "Form 1A", "Grace Otieno", "mother", "+254712345678", "grace@example.com"}, rows[3])

	status, out := admin.JSON("GET", "/api/core/students/export/?format=pdf", nil)
	assert.Equal(t, 400, status)
	assert.Contains(t, fields(out), "format")
	status, out = admin.JSON("GET", "/api/core/students/export/?status=nope", nil)
	assert.Equal(t, 400, status)
	assert.Contains(t, fields(out), "status")
}
