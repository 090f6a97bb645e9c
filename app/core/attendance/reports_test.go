package attendance_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/schoolsms/sms/app/apptest"
)

// save keeps a register through the API and fails the test if it is refused.
func save(t *testing.T, c *apptest.Client, class int64, date string, body map[string]any) {
	t.Helper()
	status, out := c.JSON("PUT", path("/api/core/classes/%d/attendance/%s/", class, date), body)
	require.Equal(t, 200, status, "%s %v", date, out)
}

// TestStudentSummary: a student's term in numbers: days marked, each status and the
// attendance rate; teachers see their own students' only.
func TestStudentSummary(t *testing.T) {
	w := newWorld(t, "alpha", "beta")
	sc := w.school("alpha")
	w.school("beta")
	st := sc.students[sc.c1A]
	admin := w.as("alpha", "admin")
	save(t, admin, sc.c1A, "2026-03-02", marks(st, map[int64]string{st[0]: "absent"}))
	save(t, admin, sc.c1A, "2026-03-03", marks(st, map[int64]string{st[0]: "late"}))
	save(t, admin, sc.c1A, today, marks(st, map[int64]string{st[1]: "excused"}))

	status, sum := admin.JSON("GET", path("/api/core/students/%d/attendance/", st[0]), nil)
	require.Equal(t, 200, status, "%v", sum)
	assert.Equal(t, "Term 1", sum["term"].(map[string]any)["name"], "the current term")
	assert.EqualValues(t, 3, sum["days_marked"])
	assert.EqualValues(t, 1, sum["present"])
	assert.EqualValues(t, 1, sum["absent"])
	assert.EqualValues(t, 1, sum["late"])
	assert.EqualValues(t, 0, sum["excused"])
	assert.Equal(t, 66.7, sum["attendance_rate"], "present or late, of the days marked")
	// 5 Jan to 4 Mar: 43 weekdays, less the five of half term
	assert.EqualValues(t, 38, sum["school_days"])

	status, sum = admin.JSON("GET", path("/api/core/students/%d/attendance/?term=%d", st[0], sc.term2), nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 0, sum["days_marked"])
	assert.Nil(t, sum["attendance_rate"], "no day marked, no rate")
	assert.EqualValues(t, 0, sum["school_days"], "the term has not begun")

	for _, bad := range []string{"?term=999", "?term=abc", "?term=-1"} {
		status, out := admin.JSON("GET", path("/api/core/students/%d/attendance/%s", st[0], bad), nil)
		assert.Equal(t, 400, status, bad)
		assert.Contains(t, fields(out), "term", bad)
	}
	status, _ = admin.JSON("GET", "/api/core/students/999999/attendance/", nil)
	assert.Equal(t, 404, status)

	for role, want := range map[string]int{"teacher": 200, "subject": 404, "clerk": 200, "viewer": 200, "anonymous": 401} {
		status, _ := w.as("alpha", role).JSON("GET", path("/api/core/students/%d/attendance/", st[0]), nil)
		assert.Equal(t, want, status, role)
	}
	status, _ = w.as("alpha", "teacher").JSON("GET", path("/api/core/students/%d/attendance/", sc.students[sc.c1B][0]), nil)
	assert.Equal(t, 404, status, "not the teacher's student")

	// beta's student with the same id has beta's (empty) record
	status, sum = w.as("beta", "admin").JSON("GET", path("/api/core/students/%d/attendance/", st[0]), nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 0, sum["days_marked"])
	assert.True(t, strings.HasPrefix(sum["student"].(map[string]any)["admission_no"].(string), "beta-"))
}

// TestTrackingSheet: a class's month as students by school days, with per-student and
// per-day totals, as JSON and as formula-safe CSV and xlsx files.
func TestTrackingSheet(t *testing.T) {
	w := newWorld(t, "alpha")
	sc := w.school("alpha")
	// a name a spreadsheet would run as a formula
	evil := w.student("alpha", sc, sc.c1A, "=1+1", "=HYPERLINK(\"http://x\")", "Zulu")
	st := append(sc.students[sc.c1A], evil)
	teacher := w.as("alpha", "teacher")
	save(t, teacher, sc.c1A, "2026-03-02", marks(st, map[int64]string{st[0]: "absent"}))
	save(t, teacher, sc.c1A, "2026-03-03", marks(st, map[int64]string{st[0]: "absent", st[1]: "late"}))
	save(t, teacher, sc.c1A, today, marks(st, map[int64]string{st[2]: "excused"}))

	status, sh := teacher.JSON("GET", path("/api/core/classes/%d/tracking-sheet/?month=2026-03", sc.c1A), nil)
	require.Equal(t, 200, status, "%v", sh)
	days := sh["days"].([]any)
	assert.Len(t, days, 22, "the weekdays of March 2026")
	assert.Equal(t, "2026-03-02", days[0])
	rows := list(sh["students"])
	require.Len(t, rows, 4)
	first := rows[0] // Achieng
	assert.Equal(t, "Achieng OneA", first["student"].(map[string]any)["name"])
	assert.Equal(t, []any{"absent", "absent", "present", nil}, first["marks"].([]any)[:4])
	assert.EqualValues(t, 2, first["absent"])
	assert.EqualValues(t, 1, first["present"])
	assert.EqualValues(t, 0, first["unmarked"], "days still to come are not unmarked")
	assert.Equal(t, 33.3, first["attendance_rate"])
	totals := list(sh["day_totals"])
	assert.EqualValues(t, 2, totals[1]["present"], "3 March: Chebet and the fourth student")
	assert.EqualValues(t, 1, totals[1]["late"])
	assert.EqualValues(t, 1, totals[1]["absent"])
	assert.EqualValues(t, 0, totals[5]["unmarked"], "9 March is still to come")

	status, sh = teacher.JSON("GET", path("/api/core/classes/%d/tracking-sheet/?month=2026-02", sc.c1A), nil)
	require.Equal(t, 200, status)
	assert.Len(t, sh["days"], 15, "February's weekdays without half term")
	assert.EqualValues(t, 4*15, sh["totals"].(map[string]any)["unmarked"])

	status, sh = teacher.JSON("GET", path("/api/core/classes/%d/tracking-sheet/", sc.c1A), nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "2026-03", sh["month"], "this month by default")

	code, head, raw := teacher.Do("GET", path("/api/core/classes/%d/tracking-sheet/?month=2026-03&format=csv", sc.c1A), "", nil)
	require.Equal(t, 200, code, string(raw))
	assert.Contains(t, head.Get("Content-Disposition"), "attendance-alpha-Form-1A-2026-03.csv")
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, []string{"admission_no", "name", "02", "03", "04", "05"}, recs[0][:6])
	assert.Equal(t, []string{"alpha-1A-0", "Achieng OneA", "A", "A", "P", ""}, recs[1][:6])
	var evilRow []string
	for _, r := range recs {
		if strings.Contains(r[1], "HYPERLINK") {
			evilRow = r
		}
	}
	require.NotNil(t, evilRow)
	assert.Equal(t, "'=1+1", evilRow[0], "neutralised")
	assert.True(t, strings.HasPrefix(evilRow[1], "'="), "neutralised: %q", evilRow[1])
	assert.Equal(t, "total absent", recs[len(recs)-4][1])

	code, _, raw = teacher.Do("GET", path("/api/core/classes/%d/tracking-sheet/?month=2026-03&format=xlsx", sc.c1A), "", nil)
	require.Equal(t, 200, code)
	x, err := excelize.OpenReader(bytes.NewReader(raw))
	require.NoError(t, err)
	xrows, err := x.GetRows("Attendance")
	require.NoError(t, err)
	assert.Equal(t, []string{"alpha-1A-0", "Achieng OneA", "A", "A", "P"}, xrows[1][:5])
	for r := 1; r <= len(xrows); r++ {
		for c := 1; c <= 3; c++ {
			cell, _ := excelize.CoordinatesToCellName(c, r)
			f, err := x.GetCellFormula("Attendance", cell)
			require.NoError(t, err)
			assert.Empty(t, f, "no formula in %s", cell)
		}
	}

	for q, field := range map[string]string{"?month=2026-13": "month", "?month=March": "month", "?format=pdf": "format"} {
		status, out := teacher.JSON("GET", path("/api/core/classes/%d/tracking-sheet/%s", sc.c1A, q), nil)
		assert.Equal(t, 400, status, q)
		assert.Contains(t, fields(out), field, q)
	}
	for role, want := range map[string]int{"teacher": 200, "subject": 403, "clerk": 200, "viewer": 200, "anonymous": 401} {
		status, _ := w.as("alpha", role).JSON("GET", path("/api/core/classes/%d/tracking-sheet/", sc.c1A), nil)
		assert.Equal(t, want, status, role)
	}
}

// TestDayOverview: which classes have marked today, with their counts; teachers see
// their own classes.
func TestDayOverview(t *testing.T) {
	w := newWorld(t, "alpha", "beta")
	sc := w.school("alpha")
	b := w.school("beta")
	w.exec("alpha", "INSERT INTO classes (form_id, session_id, name) VALUES (?, ?, 'Form 2B')", sc.form2, sc.session)
	st := sc.students[sc.c1A]
	save(t, w.as("alpha", "teacher"), sc.c1A, today, marks(st, map[int64]string{st[0]: "absent", st[1]: "late"}))
	save(t, w.as("beta", "admin"), b.c1B, today, marks(b.students[b.c1B], nil))

	status, ov := w.as("alpha", "admin").JSON("GET", "/api/core/attendance/overview/", nil)
	require.Equal(t, 200, status, "%v", ov)
	assert.Equal(t, today, ov["date"])
	assert.Equal(t, true, ov["school_day"])
	states := map[string]string{}
	for _, c := range list(ov["classes"]) {
		states[c["class"].(map[string]any)["name"].(string)] = c["state"].(string)
	}
	assert.Equal(t, map[string]string{"Form 1A": "marked", "Form 1B": "unmarked", "Form 2A": "unmarked", "Form 2B": "empty"}, states,
		"beta's marks are beta's")
	assert.EqualValues(t, 2, ov["classes_unmarked"])
	tot := ov["totals"].(map[string]any)
	assert.EqualValues(t, 1, tot["present"])
	assert.EqualValues(t, 1, tot["absent"])
	assert.EqualValues(t, 1, tot["late"])
	assert.EqualValues(t, 3, tot["unmarked"], "1B's two and 2A's one")

	status, ov = w.as("alpha", "teacher").JSON("GET", "/api/core/attendance/overview/", nil)
	require.Equal(t, 200, status)
	require.Len(t, list(ov["classes"]), 1, "the teacher's class only")
	status, ov = w.as("alpha", "subject").JSON("GET", "/api/core/attendance/overview/?date=2026-03-03", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "Form 2A", list(ov["classes"])[0]["class"].(map[string]any)["name"])

	status, ov = w.as("alpha", "viewer").JSON("GET", "/api/core/attendance/overview/?date=2026-02-17", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, false, ov["school_day"])
	assert.Contains(t, ov["closed_reason"], "Half term")
	for _, bad := range []string{"2026-02-30", "today", "2026-3-1"} {
		status, out := w.as("alpha", "viewer").JSON("GET", "/api/core/attendance/overview/?date="+bad, nil)
		assert.Equal(t, 400, status, bad)
		assert.Contains(t, fields(out), "date")
	}
	status, _ = w.as("alpha", "anonymous").JSON("GET", "/api/core/attendance/overview/", nil)
	assert.Equal(t, 401, status)
}

// TestAbsentees: who was away on a day, with the guardians to call, for admins and
// clerks only.
func TestAbsentees(t *testing.T) {
	w := newWorld(t, "alpha", "beta")
	sc := w.school("alpha")
	b := w.school("beta")
	st := sc.students[sc.c1A]
	body := marks(st, map[int64]string{st[0]: "absent", st[1]: "excused", st[2]: "late"})
	body["entries"].([]map[string]any)[1]["note"] = "dentist"
	save(t, w.as("alpha", "teacher"), sc.c1A, today, body)
	save(t, w.as("beta", "admin"), b.c1A, today, marks(b.students[b.c1A], map[int64]string{b.students[b.c1A][2]: "absent"}))

	status, out := w.as("alpha", "clerk").JSON("GET", "/api/core/attendance/absentees/", nil)
	require.Equal(t, 200, status, "%v", out)
	assert.Equal(t, today, out["date"])
	rows := list(out["absentees"])
	require.Len(t, rows, 2, "absent and excused; late is there")
	assert.Equal(t, "Achieng OneA", rows[0]["student"].(map[string]any)["name"])
	assert.Equal(t, "absent", rows[0]["status"])
	assert.Equal(t, "excused", rows[1]["status"])
	assert.Equal(t, "dentist", rows[1]["note"])
	g := list(rows[0]["guardians"])
	require.Len(t, g, 1)
	assert.Equal(t, "Parent of Achieng", g[0]["name"])
	assert.True(t, strings.HasPrefix(g[0]["phone"].(string), "+2547"))

	status, out = w.as("alpha", "admin").JSON("GET", "/api/core/attendance/absentees/?date=2026-03-03", nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 0, out["count"])
	for role, want := range map[string]int{"teacher": 403, "viewer": 403, "anonymous": 401} {
		status, _ := w.as("alpha", role).JSON("GET", "/api/core/attendance/absentees/", nil)
		assert.Equal(t, want, status, role)
	}
	status, out = w.as("alpha", "admin").JSON("GET", "/api/core/attendance/absentees/?date=31-12-2026", nil)
	assert.Equal(t, 400, status)
	assert.Contains(t, fields(out), "date")

	status, out = w.as("beta", "admin").JSON("GET", "/api/core/attendance/absentees/", nil)
	require.Equal(t, 200, status)
	rows = list(out["absentees"])
	require.Len(t, rows, 1, "beta's absentee only")
	assert.Equal(t, "Chebet OneA", rows[0]["student"].(map[string]any)["name"])
	assert.True(t, strings.HasPrefix(rows[0]["student"].(map[string]any)["admission_no"].(string), "beta-"))
}
