package students_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStudentLifecycle(t *testing.T) {
	w := newWorld(t)
	sc := w.school()
	w.country("KE")
	admin := w.as("admin")
	audits := w.count("audit_log")

	status, st := admin.JSON("POST", "/api/core/students/", map[string]any{
		"first_name": " Amani ", "last_name": "Otieno", "gender": "F", "date_of_birth": "2012-04-01",
		"class": sc.c1A, "guardians": []map[string]any{
			{"name": "Grace Otieno", "relationship": "mother", "phone": "0712 345 678", "is_primary": true},
			{"name": "John Otieno", "relationship": "father", "phone": "+254 722 000 111"},
		}})
	require.Equal(t, 201, status, "%v", st)
	sid := id(st)
	assert.Equal(t, "Amani", st["first_name"])
	assert.Equal(t, "female", st["gender"])
	assert.Equal(t, "active", st["status"])
	assert.Equal(t, fmt.Sprintf("ADM/%d/0001", now.Year()), st["admission_no"])
	cc := st["current_class"].(map[string]any)
	assert.Equal(t, "Form 1A", cc["name"])
	assert.Equal(t, "Form 1", cc["form"].(map[string]any)["name"])
	gs := st["guardians"].([]any)
	require.Len(t, gs, 2)
	g0 := gs[0].(map[string]any)
	assert.Equal(t, "Grace Otieno", g0["name"])
	assert.Equal(t, "+254712345678", g0["phone"])
	assert.Equal(t, "mother", g0["relationship"])
	assert.Equal(t, true, g0["is_primary"])
	assert.Equal(t, false, gs[1].(map[string]any)["is_primary"])
	es := st["enrollments"].([]any)
	require.Len(t, es, 1)
	assert.Equal(t, "active", es[0].(map[string]any)["status"])
	// student, 2 guardians, 2 links, enrollment: every write audited
	assert.Equal(t, audits+6, w.count("audit_log"))

	status, got := admin.JSON("GET", path("/api/core/students/%d/", sid), nil)
	require.Equal(t, 200, status)
	assert.Equal(t, st["admission_no"], got["admission_no"])
	assert.Len(t, got["guardians"], 2)

	// PATCH
	status, got = admin.JSON("PATCH", path("/api/core/students/%d/", sid), map[string]any{"middle_name": "Wanjiru", "date_of_birth": ""})
	require.Equal(t, 200, status, "%v", got)
	assert.Equal(t, "Wanjiru", got["middle_name"])
	assert.Nil(t, got["date_of_birth"])
	assert.Equal(t, "Amani", got["first_name"])
	status, logs := admin.JSON("GET", "/api/audit?page_size=1", nil)
	require.Equal(t, 200, status)
	entry := results(logs)[0]
	assert.Equal(t, "student.update", entry["action"])
	assert.Equal(t, "admin@alpha.test", entry["actor_email"])
	detail := entry["detail"].(map[string]any)
	assert.Equal(t, "", detail["before"].(map[string]any)["middle_name"])
	assert.Equal(t, "2012-04-01", detail["before"].(map[string]any)["date_of_birth"])
	assert.Equal(t, "Wanjiru", detail["after"].(map[string]any)["middle_name"])
	assert.Nil(t, detail["after"].(map[string]any)["date_of_birth"])

	// a sibling shares the guardian: the same phone links the same guardian
	status, sib := admin.JSON("POST", "/api/core/students/", map[string]any{"first_name": "Baraka", "last_name": "Otieno",
		"gender": "male", "guardians": []map[string]any{{"name": "G. Otieno", "phone": "+254712345678"}}})
	require.Equal(t, 201, status, "%v", sib)
	assert.Equal(t, g0["id"], sib["guardians"].([]any)[0].(map[string]any)["id"])
	assert.Equal(t, 2, w.count("guardians"))
	assert.Nil(t, sib["current_class"])

	// link / unlink a guardian through the student
	status, got = admin.JSON("POST", path("/api/core/students/%d/guardians/", id(sib)), map[string]any{"id": num(gs[1].(map[string]any)["id"]), "is_primary": true})
	require.Equal(t, 201, status, "%v", got)
	require.Len(t, got["guardians"], 2)
	assert.Equal(t, "John Otieno", got["guardians"].([]any)[0].(map[string]any)["name"], "the new primary comes first")
	status, _ = admin.JSON("DELETE", path("/api/core/students/%d/guardians/%d/", id(sib), num(gs[1].(map[string]any)["id"])), nil)
	assert.Equal(t, 204, status)
	_, got = admin.JSON("GET", path("/api/core/students/%d/", id(sib)), nil)
	require.Len(t, got["guardians"], 1)
	assert.Equal(t, true, got["guardians"].([]any)[0].(map[string]any)["is_primary"], "the remaining guardian becomes primary")

	// DELETE: never enrolled -> gone; enrolled -> refused; withdrawing ends the enrollment, kept as left
	status, _ = admin.JSON("DELETE", path("/api/core/students/%d/", id(sib)), nil)
	assert.Equal(t, 204, status)
	status, _ = admin.JSON("GET", path("/api/core/students/%d/", id(sib)), nil)
	assert.Equal(t, 404, status)
	status, _ = admin.JSON("DELETE", path("/api/core/students/%d/", sid), nil)
	require.Equal(t, 409, status)
	status, got = admin.JSON("PATCH", path("/api/core/students/%d/", sid), map[string]any{"status": "withdrawn"})
	require.Equal(t, 200, status, "%v", got)
	assert.Equal(t, "withdrawn", got["status"])
	assert.Nil(t, got["current_class"])
	assert.Equal(t, "left", got["enrollments"].([]any)[0].(map[string]any)["status"])
	assert.Equal(t, 1, w.count("students"))
	assert.Equal(t, 1, w.count("enrollments"))

	status, _ = admin.JSON("GET", "/api/core/students/99999/", nil)
	assert.Equal(t, 404, status)
	status, _ = admin.JSON("PATCH", "/api/core/students/99999/", map[string]any{"first_name": "X"})
	assert.Equal(t, 404, status)
	status, _ = admin.JSON("GET", "/api/core/students/abc/", nil)
	assert.Equal(t, 404, status)
}

func TestStudentBadInput(t *testing.T) {
	w := newWorld(t)
	sc := w.school()
	admin := w.as("admin")
	existing := w.student(map[string]any{"admission_no": "A-1", "first_name": "Ada", "last_name": "Lovelace", "gender": "female"})
	ok := func(extra map[string]any) map[string]any {
		b := map[string]any{"first_name": "Ben", "last_name": "Okoro", "gender": "male"}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	full := w.class(sc.form1, sc.session, "Form 1C", 1, 0)
	w.student(map[string]any{"first_name": "Fills", "last_name": "Class", "gender": "male", "class": full})
	before := w.counts()

	cases := []struct {
		name   string
		body   map[string]any
		status int
		field  string
	}{
		{"no first name", map[string]any{"last_name": "X", "gender": "male"}, 400, "first_name"},
		{"blank last name", ok(map[string]any{"last_name": "   "}), 400, "last_name"},
		{"bad gender", ok(map[string]any{"gender": "robot"}), 400, "gender"},
		{"bad date", ok(map[string]any{"date_of_birth": "31/12/2012"}), 400, "date_of_birth"},
		{"future date", ok(map[string]any{"date_of_birth": "2999-01-01"}), 400, "date_of_birth"},
		{"bad status", ok(map[string]any{"status": "expelled"}), 400, "status"},
		{"name too long", ok(map[string]any{"first_name": strings.Repeat("x", 101)}), 400, "first_name"},
		{"unknown field", ok(map[string]any{"shoe_size": 9}), 400, "shoe_size"},
		{"wrong type", ok(map[string]any{"class": "Form 1A"}), 400, "class"},
		{"unknown class", ok(map[string]any{"class": 9999}), 400, "class"},
		{"full class", ok(map[string]any{"class": full}), 400, "class"},
		{"taken admission number", ok(map[string]any{"admission_no": "a-1"}), 409, "admission_no"},
		{"guardian without name", ok(map[string]any{"guardians": []map[string]any{{"phone": "+254712345678"}}}), 400, "guardians[0].name"},
		{"guardian phone garbage", ok(map[string]any{"guardians": []map[string]any{{"name": "G", "phone": "call me"}}}), 400, "guardians[0].phone"},
		{"guardian national phone without country", ok(map[string]any{"guardians": []map[string]any{{"name": "G", "phone": "0712345678"}}}), 400, "guardians[0].phone"},
		{"guardian bad email", ok(map[string]any{"guardians": []map[string]any{{"name": "G", "email": "nope"}}}), 400, "guardians[0].email"},
		{"unknown guardian", ok(map[string]any{"guardians": []map[string]any{{"id": 9999}}}), 400, "guardians[0].id"},
		{"two primaries", ok(map[string]any{"guardians": []map[string]any{{"name": "A", "is_primary": true}, {"name": "B", "is_primary": true}}}), 400, "guardians"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := admin.JSON("POST", "/api/core/students/", c.body)
			assert.Equal(t, c.status, status, "%v", out)
			assert.Contains(t, fields(out), c.field, "%v", out)
			assert.Equal(t, before, w.counts(), "a refused request writes nothing")
		})
	}

	patches := []struct {
		name   string
		body   map[string]any
		status int
		field  string
	}{
		{"blank admission number", map[string]any{"admission_no": " "}, 400, "admission_no"},
		{"bad gender", map[string]any{"gender": "x"}, 400, "gender"},
		{"bad status", map[string]any{"status": "gone"}, 400, "status"},
		{"unknown field", map[string]any{"class": sc.c1A}, 400, "class"},
		{"bad admitted_on", map[string]any{"admitted_on": "yesterday"}, 400, "admitted_on"},
	}
	other := w.student(map[string]any{"admission_no": "A-2", "first_name": "Bo", "last_name": "Diddley", "gender": "male"})
	before = w.counts()
	for _, c := range patches {
		t.Run("patch "+c.name, func(t *testing.T) {
			status, out := admin.JSON("PATCH", path("/api/core/students/%d/", existing), c.body)
			assert.Equal(t, c.status, status, "%v", out)
			assert.Contains(t, fields(out), c.field, "%v", out)
			assert.Equal(t, before, w.counts())
		})
	}
	status, out := admin.JSON("PATCH", path("/api/core/students/%d/", other), map[string]any{"admission_no": "A-1"})
	assert.Equal(t, 409, status)
	assert.Contains(t, fields(out), "admission_no")
	status, _, _ = admin.Do("POST", "/api/core/students/", "application/json", strings.NewReader("{not json"))
	assert.Equal(t, 400, status)
	assert.Equal(t, before, w.counts())
}

func TestStudentListFilters(t *testing.T) {
	w := newWorld(t)
	sc := w.school()
	old := w.session("2024/2025", "2024-09-01", "2025-07-31", false)
	oldClass := w.class(sc.form1, old, "Form 1A", 0, 0)
	admin := w.as("admin")
	mk := func(no, first, middle, last, dob string, class int64) int64 {
		b := map[string]any{"admission_no": no, "first_name": first, "middle_name": middle, "last_name": last, "gender": "female", "date_of_birth": dob}
		if class > 0 {
			b["class"] = class
		}
		return w.student(b)
	}
	mk("S-001", "Mary", "Jane", "Wanjiku", "2012-01-05", sc.c1A)
	mk("S-002", "Mary", "", "Achieng", "2011-06-01", sc.c1B)
	mk("S-003", "Grace", "Mary", "Njeri", "2010-02-02", sc.c2A)
	s4 := mk("S-004", "Zawadi", "", "Akinyi", "", 0)
	w.exec("INSERT INTO enrollments (student_id, class_id, session_id, status) VALUES (?, ?, ?, 'promoted')", s4, oldClass, old)
	s5 := mk("X-105", "Old", "", "Boy", "2009-01-01", sc.c2A)
	status, _ := admin.JSON("PATCH", path("/api/core/students/%d/", s5), map[string]any{"status": "suspended"})
	require.Equal(t, 200, status)

	cases := []struct {
		query string
		want  []string
	}{
		{"", []string{"S-002", "S-004", "X-105", "S-003", "S-001"}}, // by last name
		{"?ordering=admission_no", []string{"S-001", "S-002", "S-003", "S-004", "X-105"}},
		{"?ordering=-admission_no", []string{"X-105", "S-004", "S-003", "S-002", "S-001"}},
		{"?ordering=first_name,-last_name", []string{"S-003", "S-001", "S-002", "X-105", "S-004"}},
		{"?ordering=date_of_birth", []string{"S-004", "X-105", "S-003", "S-002", "S-001"}},
		{fmt.Sprintf("?class=%d", sc.c1A), []string{"S-001"}},
		{fmt.Sprintf("?form=%d", sc.form1), []string{"S-002", "S-001"}},
		{fmt.Sprintf("?form=%d&session=%d", sc.form1, old), []string{"S-004"}},
		{fmt.Sprintf("?session=%d", old), []string{"S-004"}},
		{fmt.Sprintf("?class=%d", oldClass), []string{"S-004"}},
		{fmt.Sprintf("?form=%d", sc.form2), []string{"X-105", "S-003"}},
		{"?status=suspended", []string{"X-105"}},
		{fmt.Sprintf("?status=active&form=%d", sc.form2), []string{"S-003"}},
		{"?search=mary", []string{"S-002", "S-003", "S-001"}},
		{"?search=MARY+wan", []string{"S-001"}},
		{"?search=mary%20njeri", []string{"S-003"}},
		{"?search=s-00", []string{"S-002", "S-004", "S-003", "S-001"}},
		{"?search=105", []string{"X-105"}},
		{"?search=nobody", nil},
		{"?search=%25", nil},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			status, out := admin.JSON("GET", "/api/core/students/"+c.query, nil)
			require.Equal(t, 200, status, "%v", out)
			assert.Equal(t, c.want, admissionNos(out))
			assert.EqualValues(t, len(c.want), out["count"])
		})
	}

	// current_class in lists
	_, out := admin.JSON("GET", "/api/core/students/?ordering=admission_no", nil)
	rs := results(out)
	assert.Equal(t, "Form 1A", rs[0]["current_class"].(map[string]any)["name"])
	assert.Nil(t, rs[3]["current_class"], "enrolled only in an old session")

	// paging
	status, out = admin.JSON("GET", "/api/core/students/?ordering=admission_no&page_size=2&page=2", nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 5, out["count"])
	assert.Equal(t, []string{"S-003", "S-004"}, admissionNos(out))
	assert.Contains(t, out["next"], "page=3")
	assert.Contains(t, out["previous"], "page=1")
	assert.Contains(t, out["next"], "ordering=admission_no")

	bad := []struct{ query, field string }{
		{"?class=abc", "class"},
		{"?form=-1", "form"},
		{"?session=0", "session"},
		{"?status=gone", "status"},
		{"?ordering=password", "ordering"},
		{"?page=0", "page"},
		{"?page_size=100000", "page_size"},
	}
	for _, b := range bad {
		status, out := admin.JSON("GET", "/api/core/students/"+b.query, nil)
		assert.Equal(t, 400, status, b.query)
		assert.Contains(t, fields(out), b.field, b.query)
	}
}

func TestAdmissionNumbers(t *testing.T) {
	w := newWorld(t)
	admin := w.as("admin")
	clerk := w.as("clerk")
	teacher := w.as("teacher")
	year := now.Year()
	mk := func(no string) string {
		status, out := clerk.JSON("POST", "/api/core/students/", map[string]any{"admission_no": no, "first_name": "A", "last_name": "B", "gender": "male"})
		require.Equal(t, 201, status, "%v", out)
		return out["admission_no"].(string)
	}
	assert.Equal(t, fmt.Sprintf("ADM/%d/0001", year), mk(""))
	assert.Equal(t, fmt.Sprintf("ADM/%d/0002", year), mk(""))
	mk(fmt.Sprintf("ADM/%d/0003", year)) // typed by hand
	assert.Equal(t, fmt.Sprintf("ADM/%d/0004", year), mk(""), "numbers already taken are skipped")

	status, out := clerk.JSON("GET", "/api/core/settings/admission-number-pattern/", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "ADM/{year}/{seq:04}", out["pattern"])
	assert.Equal(t, "ADM/{year}/{seq:04}", out["default"])
	assert.Equal(t, fmt.Sprintf("ADM/%d/0005", year), out["next"])

	before := w.counts()
	for _, bad := range []string{"", "ADM", "ADM/{year}", "{seq}/{seq}", "A{seq:0}", "A{seq:13}", "A{seq:x}", "A{month}{seq}", "A{seq", "A}{seq}", " A{seq}", strings.Repeat("x", 41) + "{seq}"} {
		status, out := admin.JSON("PUT", "/api/core/settings/admission-number-pattern/", map[string]any{"pattern": bad})
		assert.Equal(t, 400, status, "%q: %v", bad, out)
		assert.Contains(t, fields(out), "pattern", bad)
	}
	assert.Equal(t, before, w.counts())
	status, _ = clerk.JSON("PUT", "/api/core/settings/admission-number-pattern/", map[string]any{"pattern": "S{seq}"})
	assert.Equal(t, 403, status, "only the admin changes the pattern")
	status, _ = teacher.JSON("GET", "/api/core/settings/admission-number-pattern/", nil)
	assert.Equal(t, 403, status)

	status, out = admin.JSON("PUT", "/api/core/settings/admission-number-pattern/", map[string]any{"pattern": "{yy}-{seq:03}"})
	require.Equal(t, 200, status, "%v", out)
	yy := fmt.Sprintf("%02d", year%100)
	assert.Equal(t, yy+"-001", out["next"])
	assert.Equal(t, before["audit_log"]+1, w.count("audit_log"))
	assert.Equal(t, yy+"-001", mk(""))
	assert.Equal(t, yy+"-002", mk(""))
	status, out = admin.JSON("PUT", "/api/core/settings/admission-number-pattern/", map[string]any{"pattern": "ADM/{year}/{seq:04}"})
	require.Equal(t, 200, status)
	assert.Equal(t, fmt.Sprintf("ADM/%d/0005", year), out["next"], "each prefix keeps its own sequence")
}
