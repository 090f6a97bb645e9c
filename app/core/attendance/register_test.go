package attendance_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
)

// TestRegisterGet: the register lists every student in the class that day with the
// mark (null when unmarked), and says whether it can be saved and why not.
func TestRegisterGet(t *testing.T) {
	w := newWorld(t, "alpha")
	sc := w.school("alpha")
	// a student who joined 1A after the date asked and one who left before it
	late := w.exec("alpha", "INSERT INTO students (admission_no, first_name, last_name, gender) VALUES ('NEW', 'Newly', 'Joined', 'male')")
	w.exec("alpha", "INSERT INTO enrollments (student_id, class_id, session_id, enrolled_on) VALUES (?, ?, ?, '2026-03-02')", late, sc.c1A, sc.session)
	gone := w.exec("alpha", "INSERT INTO students (admission_no, first_name, last_name, gender, status) VALUES ('OLD', 'Long', 'Gone', 'male', 'withdrawn')")
	w.exec("alpha", "INSERT INTO enrollments (student_id, class_id, session_id, status, enrolled_on, ended_on) VALUES (?, ?, ?, 'left', '2026-01-05', '2026-02-02')", gone, sc.c1A, sc.session)

	admin := w.as("alpha", "admin")
	status, reg := admin.JSON("GET", path("/api/core/classes/%d/attendance/2026-02-02/", sc.c1A), nil)
	require.Equal(t, 200, status, "%v", reg)
	var names []string
	for _, e := range list(reg["entries"]) {
		names = append(names, e["name"].(string))
		assert.Nil(t, e["status"], "unmarked")
		assert.Nil(t, e["marked_by"])
	}
	assert.Equal(t, []string{"Achieng OneA", "Baraka OneA", "Chebet OneA"}, names, "the leaver's last day was before; the newcomer came later")
	assert.Equal(t, true, reg["open"])
	assert.Equal(t, "Term 1", reg["term"].(map[string]any)["name"])
	assert.EqualValues(t, 3, reg["counts"].(map[string]any)["unmarked"])

	status, reg = admin.JSON("GET", path("/api/core/classes/%d/attendance/%s/", sc.c1A, today), nil)
	require.Equal(t, 200, status)
	assert.Len(t, list(reg["entries"]), 4, "the newcomer is in from the day they joined")

	closed := map[string]string{
		"2026-02-18": "holiday Half term",
		"2026-03-07": "Saturday",
		"2026-03-05": "after today",
		"2026-04-15": "outside every term",
	}
	for date, why := range closed {
		status, reg := admin.JSON("GET", path("/api/core/classes/%d/attendance/%s/", sc.c1A, date), nil)
		require.Equal(t, 200, status, date)
		assert.Equal(t, false, reg["open"], date)
		assert.Contains(t, reg["closed_reason"], why, date)
	}

	for _, bad := range []string{"2026-02-30", "yesterday", "2026-3-4", "04-03-2026"} {
		status, out := admin.JSON("GET", path("/api/core/classes/%d/attendance/%s/", sc.c1A, bad), nil)
		assert.Equal(t, 400, status, bad)
		assert.Contains(t, fields(out), "date", bad)
	}
	status, _ = admin.JSON("GET", path("/api/core/classes/%d/attendance/%s/", 9999, today), nil)
	assert.Equal(t, 404, status)
}

// TestRegisterSave: a whole register is saved in one request; saving again replaces the
// marks (never duplicates them), keeps who made the unchanged ones, and records who
// changed the others.
func TestRegisterSave(t *testing.T) {
	w := newWorld(t, "alpha")
	sc := w.school("alpha")
	st := sc.students[sc.c1A]
	teacher := w.as("alpha", "teacher")
	status, reg := teacher.JSON("PUT", path("/api/core/classes/%d/attendance/%s/", sc.c1A, today),
		marks(st, map[int64]string{st[1]: "absent"}))
	require.Equal(t, 200, status, "%v", reg)
	entries := list(reg["entries"])
	require.Len(t, entries, 3)
	assert.Equal(t, "present", entries[0]["status"])
	assert.Equal(t, "absent", entries[1]["status"])
	assert.EqualValues(t, w.userID("alpha", "teacher"), entries[0]["marked_by"])
	assert.Equal(t, "teacher@alpha.test", entries[0]["marked_by_name"])
	assert.Equal(t, "2026-03-04T09:00:00.000Z", entries[0]["marked_at"], "the appliance's clock")
	assert.EqualValues(t, 2, reg["counts"].(map[string]any)["present"])
	assert.Equal(t, 3, w.count("alpha", "attendance"))

	// the admin changes one mark and adds a note to another
	body := marks(st, map[int64]string{st[1]: "late"})
	body["entries"].([]map[string]any)[2]["note"] = "left at noon\nfor the clinic"
	status, reg = w.as("alpha", "admin").JSON("PUT", path("/api/core/classes/%d/attendance/%s/", sc.c1A, today), body)
	require.Equal(t, 200, status, "%v", reg)
	entries = list(reg["entries"])
	assert.Equal(t, 3, w.count("alpha", "attendance"), "re-marking replaces")
	assert.Equal(t, "teacher@alpha.test", entries[0]["marked_by_name"], "an unchanged mark keeps who made it")
	assert.Equal(t, "late", entries[1]["status"])
	assert.Equal(t, "Admin", entries[1]["marked_by_name"])
	assert.Equal(t, "left at noon\nfor the clinic", entries[2]["note"], "newlines are kept")

	audits := w.count("alpha", "audit_log")
	status, _ = w.as("alpha", "admin").JSON("PUT", path("/api/core/classes/%d/attendance/%s/", sc.c1A, today), body)
	require.Equal(t, 200, status)
	assert.Equal(t, audits, w.count("alpha", "audit_log"), "a save that changes nothing records nothing")

	// any school day of the term up to today can be kept
	status, _ = teacher.JSON("PUT", path("/api/core/classes/%d/attendance/2026-01-05/", sc.c1A), marks(st, nil))
	assert.Equal(t, 200, status)
	assert.Equal(t, 6, w.count("alpha", "attendance"))
}

// TestRegisterRefusals: bad registers are refused with 400 naming the field, and write
// nothing.
func TestRegisterRefusals(t *testing.T) {
	w := newWorld(t, "alpha")
	sc := w.school("alpha")
	st := sc.students[sc.c1A]
	other := sc.students[sc.c1B][0]
	admin := w.as("alpha", "admin")
	url := path("/api/core/classes/%d/attendance/%s/", sc.c1A, today)
	many := make([]map[string]any, 10000)
	for i := range many {
		many[i] = map[string]any{"student": i + 1, "status": "present"}
	}
	withNote := func(note string) map[string]any {
		b := marks(st, nil)
		b["entries"].([]map[string]any)[0]["note"] = note
		return b
	}
	cases := []struct {
		name  string
		date  string
		body  any
		raw   string // sent as is when set
		field string
		says  string
	}{
		{name: "impossible date", date: "2026-02-30", body: marks(st, nil), field: "date", says: "YYYY-MM-DD"},
		{name: "a word for a date", date: "yesterday", body: marks(st, nil), field: "date"},
		{name: "future date", date: "2026-03-05", body: marks(st, nil), field: "date", says: "after today"},
		{name: "weekend", date: "2026-02-28", body: marks(st, nil), field: "date", says: "Saturday"},
		{name: "holiday", date: "2026-02-17", body: marks(st, nil), field: "date", says: "Half term"},
		{name: "outside every term", date: "2026-01-02", body: marks(st, nil), field: "date", says: "outside every term"},
		{name: "student twice", body: map[string]any{"entries": []map[string]any{{"student": st[0], "status": "present"},
			{"student": st[1], "status": "present"}, {"student": st[2], "status": "present"}, {"student": st[0], "status": "absent"}}},
			field: "entries[3].student", says: "twice"},
		{name: "student of another class", body: marks(append([]int64{other}, st...), nil), field: "entries[0].student",
			says: "not in Form 1A"},
		{name: "unknown student", body: marks(append([]int64{999999}, st...), nil), field: "entries[0].student"},
		{name: "missing student", body: marks(st[:2], nil), field: "entries", says: "missing 1 of the 3"},
		{name: "unknown status", body: marks(st, map[int64]string{st[0]: "sick"}), field: "entries[0].status", says: "present, absent, late, excused"},
		{name: "no status", body: marks(st, map[int64]string{st[0]: ""}), field: "entries[0].status"},
		{name: "empty body", raw: " ", field: "entries"},
		{name: "no entries", raw: "{}", field: "entries"},
		{name: "entries not a list", raw: `{"entries": {"student": 1}}`, field: "entries"},
		{name: "unknown field", raw: `{"entries": [], "class": 3}`, field: "class"},
		{name: "10,000 entries", body: map[string]any{"entries": many}, field: "entries", says: "at most"},
		{name: "note of 100 KB", body: withNote(strings.Repeat("x", 100<<10)), field: "entries[0].note", says: "at most 500"},
		{name: "note with a control character", body: withNote("late\x1b[2J"), field: "entries[0].note", says: "control"},
		{name: "note turning text around", body: withNote("ok\u202egnp.exe"), field: "entries[0].note", says: "direction"},
		{name: "student not an id", raw: `{"entries": [{"student": "x", "status": "present"}]}`, field: "entries.student"},
	}
	before := w.counts("alpha")
	for _, tc := range cases {
		u := url
		if tc.date != "" {
			u = path("/api/core/classes/%d/attendance/%s/", sc.c1A, tc.date)
		}
		var status int
		var out map[string]any
		if tc.raw != "" {
			code, _, raw := admin.Do("PUT", u, "application/json", strings.NewReader(tc.raw))
			status, out = code, decode(t, raw)
		} else {
			status, out = admin.JSON("PUT", u, tc.body)
		}
		assert.Equal(t, 400, status, "%s: %v", tc.name, out)
		if assert.Contains(t, fields(out), tc.field, "%s: %v", tc.name, out) && tc.says != "" {
			assert.Contains(t, fields(out)[tc.field], tc.says, tc.name)
		}
	}
	assert.Equal(t, before, w.counts("alpha"), "nothing was written")
}

// TestRegisterRights: admins keep any class's register, teachers the classes they lead
// or teach; clerks and viewers read; nobody signed in does nothing.
func TestRegisterRights(t *testing.T) {
	w := newWorld(t, "alpha")
	sc := w.school("alpha")
	type call struct {
		role  string
		class int64
		get   int
		put   int
	}
	calls := []call{
		{"admin", sc.c1B, 200, 200},
		{"teacher", sc.c1A, 200, 200},   // leads 1A
		{"subject", sc.c2A, 200, 200},   // teaches a subject in 2A
		{"teacher", sc.c1B, 403, 403},   // neither
		{"subject", sc.c1A, 403, 403},   // neither
		{"clerk", sc.c1A, 200, 403},     // reads
		{"viewer", sc.c1A, 200, 403},    // reads
		{"anonymous", sc.c1A, 401, 401}, // nobody
	}
	for _, c := range calls {
		url := path("/api/core/classes/%d/attendance/%s/", c.class, today)
		cl := w.as("alpha", c.role)
		status, out := cl.JSON("GET", url, nil)
		assert.Equal(t, c.get, status, "%s GET class %d: %v", c.role, c.class, out)
		before := w.count("alpha", "attendance")
		status, out = cl.JSON("PUT", url, marks(sc.students[c.class], nil))
		assert.Equal(t, c.put, status, "%s PUT class %d: %v", c.role, c.class, out)
		if c.put != 200 {
			assert.Equal(t, before, w.count("alpha", "attendance"), c.role)
		}
	}
}

// TestAbsenceEvents: a save that makes a student newly absent for a day writes one
// attendance.absent event, in the same transaction, with exactly the data the bot
// reads; saving again, or changing the mark back and forth, writes no second one.
func TestAbsenceEvents(t *testing.T) {
	w := newWorld(t, "alpha")
	sc := w.school("alpha")
	st := sc.students[sc.c1A]
	teacher := w.as("alpha", "teacher")
	url := path("/api/core/classes/%d/attendance/%s/", sc.c1A, today)
	save := func(except map[int64]string) {
		t.Helper()
		status, out := teacher.JSON("PUT", url, marks(st, except))
		require.Equal(t, 200, status, "%v", out)
	}
	save(map[int64]string{st[0]: "absent"})
	events := w.outbox("alpha")
	require.Len(t, events, 1)
	assert.Equal(t, "attendance.absent", events[0].Type)
	assert.Equal(t, map[string]any{"student_id": float64(st[0]), "class_id": float64(sc.c1A), "date": today}, events[0].Data)

	save(map[int64]string{st[0]: "absent"}) // the same register again
	save(map[int64]string{})                // present again
	save(map[int64]string{st[0]: "absent"}) // and absent once more
	save(map[int64]string{st[0]: "excused", st[1]: "late"})
	assert.Len(t, w.outbox("alpha"), 1, "one alert per student and day")

	save(map[int64]string{st[0]: "absent", st[2]: "absent"})
	events = w.outbox("alpha")
	require.Len(t, events, 2, "another student absent is another alert")
	assert.ElementsMatch(t, []any{float64(st[0]), float64(st[2])}, []any{events[0].Data["student_id"], events[1].Data["student_id"]})
	assert.Equal(t, 2, w.count("alpha", "attendance_alerts"))

	// the same student absent on another day is that day's alert
	status, _ := teacher.JSON("PUT", path("/api/core/classes/%d/attendance/2026-03-03/", sc.c1A), marks(st, map[int64]string{st[0]: "absent"}))
	require.Equal(t, 200, status)
	events = w.outbox("alpha")
	require.Len(t, events, 3)
	days := map[string]int{}
	for _, e := range events {
		days[e.Data["date"].(string)]++
	}
	assert.Equal(t, map[string]int{today: 2, "2026-03-03": 1}, days)
}

// TestRegisterIsolation: one school's register, marks and events never show in another
// school, even where their ids are the same.
func TestRegisterIsolation(t *testing.T) {
	w := newWorld(t, "alpha", "beta")
	a := w.school("alpha")
	b := w.school("beta")
	require.Equal(t, a.c1A, b.c1A, "the same ids in both files")
	status, _ := w.as("alpha", "admin").JSON("PUT", path("/api/core/classes/%d/attendance/%s/", a.c1A, today),
		marks(a.students[a.c1A], map[int64]string{a.students[a.c1A][0]: "absent"}))
	require.Equal(t, 200, status)

	status, reg := w.as("beta", "admin").JSON("GET", path("/api/core/classes/%d/attendance/%s/", b.c1A, today), nil)
	require.Equal(t, 200, status)
	for _, e := range list(reg["entries"]) {
		assert.Nil(t, e["status"], "beta's register is unmarked")
		assert.True(t, strings.HasPrefix(e["admission_no"].(string), "beta-"), "beta's students only")
	}
	assert.Zero(t, w.count("beta", "attendance"))
	assert.Empty(t, w.outbox("beta"))

	// alpha's token does not open beta
	c := w.as("alpha", "admin")
	cross := w.s.Client("beta.localhost", "")
	cross.Token = c.Token
	status, _ = cross.JSON("GET", path("/api/core/classes/%d/attendance/%s/", b.c1A, today), nil)
	assert.Equal(t, 401, status)

	// a beta admin saving alpha's student ids in beta's class is refused: they are not there
	alphaOnly := w.exec("alpha", "INSERT INTO students (admission_no, first_name, last_name, gender) VALUES ('ONLY', 'Alpha', 'Only', 'male')")
	body := marks(b.students[b.c1A], nil)
	body["entries"] = append(body["entries"].([]map[string]any), map[string]any{"student": alphaOnly, "status": "absent"})
	status, out := w.as("beta", "admin").JSON("PUT", path("/api/core/classes/%d/attendance/%s/", b.c1A, today), body)
	assert.Equal(t, 400, status, "%v", out)
	assert.Contains(t, fields(out), "entries[3].student")
	assert.Zero(t, w.count("beta", "attendance"))
}

// TestRegisterTodayIsTheSchoolsDate: the newest register a school can keep is for its
// own date: at 22:30 UTC on 4 March it is 5 March in Nairobi.
func TestRegisterTodayIsTheSchoolsDate(t *testing.T) {
	t.Parallel()
	w := &world{t: t, s: apptest.Start(t, apptest.At(time.Date(2026, 3, 4, 22, 30, 0, 0, time.UTC))),
		clients: map[string]*apptest.Client{}, ids: map[string]int64{}}
	w.s.CreateSchool("nairobi", "Nairobi")
	w.s.CreateSchool("london", "London")
	w.exec("nairobi", "UPDATE school_profile SET timezone = 'Africa/Nairobi'")
	for schema, want := range map[string]int{"nairobi": 200, "london": 400} {
		sc := w.school(schema)
		status, out := w.as(schema, "admin").JSON("PUT", path("/api/core/classes/%d/attendance/2026-03-05/", sc.c1A),
			marks(sc.students[sc.c1A], nil))
		assert.Equal(t, want, status, "%s: %v", schema, out)
	}
}
