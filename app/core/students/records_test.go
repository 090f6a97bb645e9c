package students_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGuardians(t *testing.T) {
	w := newWorld(t)
	admin := w.as("admin")
	before := w.counts()

	// without a country, only international numbers are accepted
	status, out := admin.JSON("POST", "/api/core/guardians/", map[string]any{"name": "Grace", "phone": "0712 345 678"})
	assert.Equal(t, 400, status)
	assert.Contains(t, fields(out)["phone"], "international form")
	assert.Equal(t, before, w.counts())

	w.country("KE")
	before = w.counts()
	cases := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"no name", map[string]any{"phone": "0712345678"}, "name"},
		{"garbage phone", map[string]any{"name": "G", "phone": "07x2-345"}, "phone"},
		{"short phone", map[string]any{"name": "G", "phone": "0712 345"}, "phone"},
		{"bad email", map[string]any{"name": "G", "email": "g@"}, "email"},
		{"unknown field", map[string]any{"name": "G", "mobile": "0712345678"}, "mobile"},
		{"wrong type", map[string]any{"name": "G", "receives_messages": "yes"}, "receives_messages"},
	}
	for _, c := range cases {
		status, out := admin.JSON("POST", "/api/core/guardians/", c.body)
		assert.Equal(t, 400, status, c.name)
		assert.Contains(t, fields(out), c.field, c.name)
	}
	assert.Equal(t, before, w.counts())

	status, g := admin.JSON("POST", "/api/core/guardians/", map[string]any{"name": "Grace Wanjiru", "relationship": "aunt",
		"phone": "0712 345 678", "email": "Grace@Example.com", "receives_messages": false})
	require.Equal(t, 201, status, "%v", g)
	assert.Equal(t, "+254712345678", g["phone"])
	assert.Equal(t, "grace@example.com", g["email"])
	assert.Equal(t, false, g["receives_messages"])
	gid := id(g)

	status, out = admin.JSON("POST", "/api/core/guardians/", map[string]any{"name": "Someone", "phone": "+254 712 345678"})
	assert.Equal(t, 409, status, "a phone is one guardian's identity")
	assert.Contains(t, fields(out), "phone")

	status, g2 := admin.JSON("POST", "/api/core/guardians/", map[string]any{"name": "Peter Kamau", "phone": "00254733111222"})
	require.Equal(t, 201, status, "%v", g2)
	status, out = admin.JSON("PATCH", path("/api/core/guardians/%d/", id(g2)), map[string]any{"phone": "0712345678"})
	assert.Equal(t, 409, status)
	status, out = admin.JSON("PATCH", path("/api/core/guardians/%d/", id(g2)), map[string]any{"phone": "0733 999 888", "relationship": "uncle"})
	require.Equal(t, 200, status, "%v", out)
	assert.Equal(t, "+254733999888", out["phone"])
	assert.Equal(t, "uncle", out["relationship"])
	assert.Equal(t, "Peter Kamau", out["name"])

	status, out = admin.JSON("GET", "/api/core/guardians/?search=grace", nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 1, out["count"])
	status, out = admin.JSON("GET", "/api/core/guardians/?search=733999", nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 1, out["count"])
	status, out = admin.JSON("GET", "/api/core/guardians/?ordering=-name", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "Peter Kamau", results(out)[0]["name"])

	sid := w.student(map[string]any{"first_name": "Kid", "last_name": "Kamau", "gender": "male", "guardians": []map[string]any{{"id": gid}}})
	status, out = admin.JSON("GET", path("/api/core/guardians/%d/", gid), nil)
	require.Equal(t, 200, status)
	require.Len(t, out["students"], 1)
	assert.EqualValues(t, sid, num(out["students"].([]any)[0].(map[string]any)["id"]))
	status, out = admin.JSON("GET", path("/api/core/guardians/?student=%d", sid), nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 1, out["count"])

	status, _ = admin.JSON("DELETE", path("/api/core/guardians/%d/", gid), nil)
	assert.Equal(t, 204, status)
	assert.Equal(t, 0, w.count("student_guardians"))
	status, _ = admin.JSON("GET", path("/api/core/guardians/%d/", gid), nil)
	assert.Equal(t, 404, status)
}

func TestAdmissions(t *testing.T) {
	w := newWorld(t)
	sc := w.school()
	w.country("KE")
	admin := w.as("admin")
	clerk := w.as("clerk")
	apply := map[string]any{"first_name": "Neema", "last_name": "Mwangi", "gender": "female", "date_of_birth": "2013-03-03",
		"form": sc.form1, "guardian_name": "Ruth Mwangi", "guardian_relationship": "mother", "guardian_phone": "0722 111 222"}

	before := w.counts()
	bad := []struct {
		name  string
		patch map[string]any
		field string
	}{
		{"no form", map[string]any{"form": 0}, "form"},
		{"unknown form", map[string]any{"form": 999}, "form"},
		{"bad phone", map[string]any{"guardian_phone": "not a phone"}, "guardian_phone"},
		{"bad email", map[string]any{"guardian_email": "x@y"}, "guardian_email"},
		{"no last name", map[string]any{"last_name": ""}, "last_name"},
		{"bad applied_on", map[string]any{"applied_on": "soon"}, "applied_on"},
		{"status is not input", map[string]any{"status": "enrolled"}, "status"},
	}
	for _, c := range bad {
		body := map[string]any{}
		for k, v := range apply {
			body[k] = v
		}
		for k, v := range c.patch {
			body[k] = v
		}
		status, out := clerk.JSON("POST", "/api/core/admissions/", body)
		assert.Equal(t, 400, status, c.name)
		assert.Contains(t, fields(out), c.field, c.name)
	}
	assert.Equal(t, before, w.counts())

	status, a := clerk.JSON("POST", "/api/core/admissions/", apply)
	require.Equal(t, 201, status, "%v", a)
	aid := id(a)
	assert.Equal(t, "applied", a["status"])
	assert.Equal(t, "+254722111222", a["guardian_phone"])
	assert.Equal(t, "Form 1", a["form"].(map[string]any)["name"])
	assert.Equal(t, today, a["applied_on"])

	// enrolling needs an accepted application
	status, out := clerk.JSON("POST", path("/api/core/admissions/%d/enroll/", aid), map[string]any{"class": sc.c1A})
	assert.Equal(t, 400, status)
	assert.Contains(t, fields(out), "status")

	transitions := []struct {
		to     string
		status int
	}{
		{"enrolled", 400}, {"withdrawn", 400}, {"accepted", 200}, {"accepted", 200}, {"rejected", 400}, {"applied", 400},
	}
	for _, tr := range transitions {
		status, out := clerk.JSON("PATCH", path("/api/core/admissions/%d/", aid), map[string]any{"status": tr.to})
		assert.Equal(t, tr.status, status, "-> %s: %v", tr.to, out)
		if tr.status == 400 {
			assert.Contains(t, fields(out), "status")
		}
	}
	status, out = clerk.JSON("GET", path("/api/core/admissions/%d/", aid), nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "accepted", out["status"])
	assert.NotNil(t, out["decided_on"])

	// the guardian of an earlier child is reused by phone
	sibling := w.student(map[string]any{"first_name": "Older", "last_name": "Mwangi", "gender": "male",
		"guardians": []map[string]any{{"name": "Ruth W. Mwangi", "phone": "+254722111222"}}})

	// atomicity: a full class stops the whole enrollment
	fill := func(class int64, n int) {
		for i := range n {
			w.student(map[string]any{"first_name": fmt.Sprintf("Filler%d", i), "last_name": "X", "gender": "male", "class": class})
		}
	}
	fill(sc.c1A, 3)
	before = w.counts()
	status, out = clerk.JSON("POST", path("/api/core/admissions/%d/enroll/", aid), map[string]any{"class": sc.c1A})
	assert.Equal(t, 400, status)
	assert.Contains(t, fields(out)["class"], "full")
	assert.Equal(t, before, w.counts(), "no student, guardian, link, enrollment or counter was written")
	_, out = clerk.JSON("GET", path("/api/core/admissions/%d/", aid), nil)
	assert.Equal(t, "accepted", out["status"])
	// a taken admission number stops it too
	status, out = clerk.JSON("POST", path("/api/core/admissions/%d/enroll/", aid), map[string]any{"class": sc.c1B, "admission_no": fmt.Sprintf("ADM/%d/0001", now.Year())})
	assert.Equal(t, 409, status, "%v", out)
	assert.Contains(t, fields(out), "admission_no")
	assert.Equal(t, before, w.counts())
	status, out = clerk.JSON("POST", path("/api/core/admissions/%d/enroll/", aid), map[string]any{"class": 9999})
	assert.Equal(t, 400, status)
	assert.Contains(t, fields(out), "class")
	assert.Equal(t, before, w.counts())

	status, out = clerk.JSON("POST", path("/api/core/admissions/%d/enroll/", aid), map[string]any{"class": sc.c1B, "admission_no": "NEW-1"})
	require.Equal(t, 201, status, "%v", out)
	adm := out["admission"].(map[string]any)
	st := out["student"].(map[string]any)
	assert.Equal(t, "enrolled", adm["status"])
	assert.EqualValues(t, id(st), num(adm["student"]))
	assert.Equal(t, "NEW-1", st["admission_no"])
	assert.Equal(t, "Neema", st["first_name"])
	assert.Equal(t, "2013-03-03", st["date_of_birth"])
	assert.Equal(t, "Form 1B", st["current_class"].(map[string]any)["name"])
	gs := st["guardians"].([]any)
	require.Len(t, gs, 1)
	assert.Equal(t, true, gs[0].(map[string]any)["is_primary"])
	_, sib := admin.JSON("GET", path("/api/core/students/%d/", sibling), nil)
	assert.Equal(t, sib["guardians"].([]any)[0].(map[string]any)["id"], gs[0].(map[string]any)["id"], "the sibling's guardian is reused")
	assert.Equal(t, before["students"]+1, w.count("students"))
	assert.Equal(t, before["guardians"], w.count("guardians"))
	assert.Equal(t, before["enrollments"]+1, w.count("enrollments"))

	// an enrolled application is kept as it is
	status, _ = clerk.JSON("POST", path("/api/core/admissions/%d/enroll/", aid), map[string]any{"class": sc.c1B})
	assert.Equal(t, 400, status)
	status, _ = clerk.JSON("PATCH", path("/api/core/admissions/%d/", aid), map[string]any{"first_name": "Changed"})
	assert.Equal(t, 400, status)
	status, out = clerk.JSON("PATCH", path("/api/core/admissions/%d/", aid), map[string]any{"notes": "sports scholarship"})
	assert.Equal(t, 200, status, "%v", out)
	status, _ = clerk.JSON("DELETE", path("/api/core/admissions/%d/", aid), nil)
	assert.Equal(t, 409, status)

	// a second application: rejected, then deleted
	status, b := clerk.JSON("POST", "/api/core/admissions/", map[string]any{"first_name": "Other", "last_name": "Kid", "gender": "male", "form": sc.form2})
	require.Equal(t, 201, status)
	status, _ = clerk.JSON("PATCH", path("/api/core/admissions/%d/", id(b)), map[string]any{"status": "rejected"})
	assert.Equal(t, 200, status)
	status, _ = clerk.JSON("PATCH", path("/api/core/admissions/%d/", id(b)), map[string]any{"status": "accepted"})
	assert.Equal(t, 400, status)
	status, out = clerk.JSON("GET", "/api/core/admissions/?status=rejected", nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 1, out["count"])
	status, out = clerk.JSON("GET", "/api/core/admissions/?search=neema", nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 1, out["count"])
	status, _ = clerk.JSON("GET", "/api/core/admissions/?status=maybe", nil)
	assert.Equal(t, 400, status)
	status, _ = clerk.JSON("DELETE", path("/api/core/admissions/%d/", id(b)), nil)
	assert.Equal(t, 204, status)
	assert.Equal(t, 1, w.count("admissions"))
}

func TestEnrollments(t *testing.T) {
	w := newWorld(t)
	sc := w.school()
	next := w.session("2026/2027", "2026-09-01", "2027-07-31", false)
	next1A := w.class(sc.form1, next, "Form 1A", 0, 0)
	admin := w.as("admin")
	a := w.student(map[string]any{"first_name": "A", "last_name": "One", "gender": "male"})
	b := w.student(map[string]any{"first_name": "B", "last_name": "Two", "gender": "male"})
	gone := w.student(map[string]any{"first_name": "C", "last_name": "Gone", "gender": "male", "status": "withdrawn"})

	before := w.counts()
	bad := []struct {
		body   map[string]any
		status int
		field  string
	}{
		{map[string]any{"class": sc.c1A}, 400, "student"},
		{map[string]any{"student": a}, 400, "class"},
		{map[string]any{"student": 9999, "class": sc.c1A}, 400, "student"},
		{map[string]any{"student": a, "class": 9999}, 400, "class"},
		{map[string]any{"student": gone, "class": sc.c1A}, 400, "student"},
	}
	for _, c := range bad {
		status, out := admin.JSON("POST", "/api/core/enrollments/", c.body)
		assert.Equal(t, c.status, status, "%v", c.body)
		assert.Contains(t, fields(out), c.field, "%v: %v", c.body, out)
	}
	assert.Equal(t, before, w.counts())

	status, e := admin.JSON("POST", "/api/core/enrollments/", map[string]any{"student": a, "class": sc.c1A})
	require.Equal(t, 201, status, "%v", e)
	eid := id(e)
	assert.Equal(t, "Form 1A", e["class"].(map[string]any)["name"])
	assert.Equal(t, "2025/2026", e["session"].(map[string]any)["name"])
	assert.Equal(t, "active", e["status"])

	status, out := admin.JSON("POST", "/api/core/enrollments/", map[string]any{"student": a, "class": sc.c1B})
	assert.Equal(t, 409, status, "one enrollment per session")
	assert.Contains(t, fields(out), "student")
	status, out = admin.JSON("POST", "/api/core/enrollments/", map[string]any{"student": a, "class": next1A})
	assert.Equal(t, 201, status, "another session is fine: %v", out)

	// capacity: 1A holds 3
	for i := range 2 {
		w.student(map[string]any{"first_name": fmt.Sprint("F", i), "last_name": "X", "gender": "male", "class": sc.c1A})
	}
	before = w.counts()
	status, out = admin.JSON("POST", "/api/core/enrollments/", map[string]any{"student": b, "class": sc.c1A})
	assert.Equal(t, 400, status)
	assert.Contains(t, fields(out)["class"], "Form 1A is full: 3 of 3")
	assert.Equal(t, before, w.counts())

	// move within the session; not across sessions
	status, out = admin.JSON("PATCH", path("/api/core/enrollments/%d/", eid), map[string]any{"class": sc.c1B})
	require.Equal(t, 200, status, "%v", out)
	assert.Equal(t, "Form 1B", out["class"].(map[string]any)["name"])
	status, out = admin.JSON("PATCH", path("/api/core/enrollments/%d/", eid), map[string]any{"class": next1A})
	assert.Equal(t, 400, status)
	assert.Contains(t, fields(out), "class")
	status, out = admin.JSON("PATCH", path("/api/core/enrollments/%d/", eid), map[string]any{"status": "done"})
	assert.Equal(t, 400, status)
	assert.Contains(t, fields(out), "status")
	// 1A has room again: b can join
	status, _ = admin.JSON("POST", "/api/core/enrollments/", map[string]any{"student": b, "class": sc.c1A})
	assert.Equal(t, 201, status)
	status, out = admin.JSON("PATCH", path("/api/core/enrollments/%d/", eid), map[string]any{"class": sc.c1A})
	assert.Equal(t, 400, status, "1A is full again")
	assert.Contains(t, fields(out)["class"], "full")

	// filters
	status, out = admin.JSON("GET", path("/api/core/enrollments/?student=%d", a), nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 2, out["count"])
	assert.Equal(t, "2026/2027", results(out)[0]["session"].(map[string]any)["name"], "newest session first")
	status, out = admin.JSON("GET", path("/api/core/enrollments/?class=%d&status=active", sc.c1A), nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 3, out["count"])
	status, _ = admin.JSON("GET", "/api/core/enrollments/?status=nope", nil)
	assert.Equal(t, 400, status)

	// DELETE ends the enrollment and keeps it
	n := w.count("enrollments")
	status, out = admin.JSON("DELETE", path("/api/core/enrollments/%d/", eid), nil)
	require.Equal(t, 200, status, "%v", out)
	assert.Equal(t, "left", out["status"])
	assert.Equal(t, today, out["ended_on"])
	assert.Equal(t, n, w.count("enrollments"))
	status, out = admin.JSON("PATCH", path("/api/core/enrollments/%d/", eid), map[string]any{"status": "active"})
	require.Equal(t, 200, status, "%v", out)
	assert.Nil(t, out["ended_on"])
	status, _ = admin.JSON("GET", "/api/core/enrollments/99999/", nil)
	assert.Equal(t, 404, status)

	// a student who transfers out leaves the class: the place is free again
	status, out = admin.JSON("PATCH", path("/api/core/students/%d/", b), map[string]any{"status": "transferred"})
	require.Equal(t, 200, status, "%v", out)
	assert.Nil(t, out["current_class"])
	assert.Equal(t, "left", out["enrollments"].([]any)[0].(map[string]any)["status"])
	status, out = admin.JSON("PATCH", path("/api/core/enrollments/%d/", eid), map[string]any{"class": sc.c1A})
	assert.Equal(t, 200, status, "%v", out)
}
