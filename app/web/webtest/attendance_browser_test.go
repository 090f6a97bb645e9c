package webtest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// startServerAt is startServer with the App's clock pinned to at.
func startServerAt(t *testing.T, at time.Time) *server {
	t.Helper()
	ctx := context.Background()
	cfg := app.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.LogLevel = "error"
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	a.Clock = func() time.Time { return at }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := app.NewServer(a)
	go s.Fiber().Listener(ln)
	t.Cleanup(func() {
		s.Fiber().ShutdownWithTimeout(5 * time.Second)
		a.Close()
	})
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return &server{App: a, Port: port, addr: ln.Addr().String()}
}

// exec runs statements in one write transaction of a school's file; each returns the
// id it inserted.
func (s *server) exec(t *testing.T, schema string, fn func(ex func(q string, args ...any) int64)) {
	t.Helper()
	require.NoError(t, s.App.Pool.WithTenant(context.Background(), schema, func(tn *db.Tenant) error {
		return tn.Tx(context.Background(), func(_ *tenantdb.Queries, tx *sql.Tx) error {
			fn(func(q string, args ...any) int64 {
				res, err := tx.Exec(q, args...)
				require.NoError(t, err, q)
				id, err := res.LastInsertId()
				require.NoError(t, err)
				return id
			})
			return nil
		})
	}))
}

// TestAttendanceBrowserFlow: on a 390 px phone, in real headless Chromium, a teacher
// lands on the attendance page with their own class, opens today's register (everyone
// present), taps three students' marks to absent, late and excused, adds a note, saves
// and sees the confirmation with the counts; the tracking sheet of the month shows the
// three marks. A Saturday is refused with the reason and no Save button. Nothing
// scrolls sideways. Screenshots in testdata/artifacts.
func TestAttendanceBrowserFlow(t *testing.T) {
	c := startChrome(t)
	// Wednesday 4 March 2026, 10:00 in Nairobi
	s := startServerAt(t, time.Date(2026, 3, 4, 7, 0, 0, 0, time.UTC))
	s.school(t, "greenfield", "Greenfield Primary")
	teacher := s.user(t, "greenfield", "tess@greenfield.localhost", "Tess Teacher", auth.RoleTeacher, teacherPass)
	names := []string{"Amara Okafor", "Brian Mwangi", "Cynthia Achieng", "David Otieno", "Esther Wanjiru", "Faith Njeri"}
	var class int64
	s.exec(t, "greenfield", func(ex func(string, ...any) int64) {
		ex("UPDATE school_profile SET timezone = 'Africa/Nairobi'")
		session := ex("INSERT INTO academic_sessions (name, start_date, end_date, is_current) VALUES ('2026', '2026-01-05', '2026-12-04', 1)")
		ex("INSERT INTO terms (session_id, name, start_date, end_date, is_current) VALUES (?, 'Term 1', '2026-01-05', '2026-04-02', 1)", session)
		form := ex("INSERT INTO forms (name, level) VALUES ('Grade 4', 4)")
		class = ex("INSERT INTO classes (form_id, session_id, name, class_teacher_id) VALUES (?, ?, 'Grade 4 East', ?)", form, session, teacher.ID)
		other := ex("INSERT INTO classes (form_id, session_id, name) VALUES (?, ?, 'Grade 4 West')", form, session)
		for i, n := range names {
			var first, last string
			fmt.Sscan(n, &first, &last)
			st := ex("INSERT INTO students (admission_no, first_name, last_name, gender) VALUES (?, ?, ?, 'female')", fmt.Sprintf("G4-%02d", i+1), first, last)
			ex("INSERT INTO enrollments (student_id, class_id, session_id, enrolled_on) VALUES (?, ?, ?, '2026-01-05')", st, class, session)
		}
		st := ex("INSERT INTO students (admission_no, first_name, last_name, gender) VALUES ('G4-99', 'Other', 'Pupil', 'male')")
		ex("INSERT INTO enrollments (student_id, class_id, session_id, enrolled_on) VALUES (?, ?, ?, '2026-01-05')", st, other, session)
	})
	school := s.url("greenfield.localhost", "")
	type css = chromedp.CSS
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)
	noSideways := func(page string) {
		t.Helper()
		assert.True(t, c.eval(`document.documentElement.scrollWidth <= window.innerWidth`), "%s scrolls sideways at 390 px", page)
	}
	mark := func(i int) string { return fmt.Sprintf(`#register li.reg-row:nth-child(%d) button.reg-mark`, i) }

	c.do("teacher signs in on a phone",
		phone,
		chromedp.Navigate(school+"/login"),
		chromedp.WaitVisible(css(`#f-email`)),
		chromedp.SendKeys(css(`#f-email`), "tess@greenfield.localhost"),
		chromedp.SendKeys(css(`#f-password`), teacherPass),
		chromedp.Click(css(`main form button[type=submit]`)),
		chromedp.WaitVisible(css(`.facts`)),
		chromedp.Navigate(school+"/attendance"),
		chromedp.WaitVisible(css(`#day-classes`)),
		c.shot("attendance-teacher-390.png"),
	)
	assert.Contains(t, c.text(`#classes-head`), "Your classes")
	classes := c.text(`#day-classes`)
	assert.Contains(t, classes, "Grade 4 East")
	assert.NotContains(t, classes, "Grade 4 West", "a teacher lands on their own classes")
	assert.Contains(t, classes, "Not marked")
	noSideways("the day overview")

	c.do("open today's register",
		chromedp.Click(css(`#day-classes a.btn-primary`)),
		chromedp.WaitVisible(css(mark(1))),
		c.shot("attendance-register-390.png"),
	)
	assert.Contains(t, c.text(`main .page-head`), "Wednesday 4 March 2026", "the school's today, in its timezone")
	for i := 1; i <= len(names); i++ {
		assert.Equal(t, "Present", c.text(mark(i)), "everyone present by default")
	}
	noSideways("the register")

	c.do("three exceptions and a note",
		chromedp.Click(css(mark(2))),
		chromedp.Click(css(mark(4))), chromedp.Click(css(mark(4))),
		chromedp.Click(css(mark(5))), chromedp.Click(css(mark(5))), chromedp.Click(css(mark(5))),
		chromedp.Click(css(`#register li.reg-row:nth-child(2) .reg-note summary`)),
		chromedp.SendKeys(css(`#register li.reg-row:nth-child(2) .reg-note input`), "Fever, mother called"),
		c.shot("attendance-register-marked-390.png"),
	)
	assert.Equal(t, "Absent", c.text(mark(2)))
	assert.Equal(t, "Late", c.text(mark(4)))
	assert.Equal(t, "Excused", c.text(mark(5)))
	assert.Contains(t, c.text(`.reg-counts`), "3 present · 1 absent · 1 late · 1 excused")

	c.do("save",
		chromedp.Click(css(`#register button[type=submit]`)),
		chromedp.WaitVisible(css(`#saved`)),
		c.shot("attendance-register-saved-390.png"),
	)
	assert.Contains(t, c.text(`#saved`), "3 present, 1 absent, 1 late, 1 excused")
	assert.Equal(t, "Absent", c.text(mark(2)), "the saved marks come back")
	assert.Contains(t, c.text(`#register li.reg-row:nth-child(2)`), "marked by Tess Teacher")

	c.do("the tracking sheet",
		chromedp.Click(css(`.page-head a[href*="/sheet"]`)),
		chromedp.WaitVisible(css(`#sheet`)),
		c.shot("attendance-sheet-390.png"),
	)
	sheetRow := func(i int) string {
		return c.text(fmt.Sprintf(`#sheet tbody tr:nth-child(%d)`, i))
	}
	assert.Contains(t, c.text(`main h1`), "Grade 4 East · March 2026")
	assert.Contains(t, sheetRow(2), "Brian Mwangi")
	assert.Contains(t, sheetRow(2), "A", "absent on the 4th")
	assert.Contains(t, sheetRow(4), "L")
	assert.Contains(t, sheetRow(5), "E")
	assert.True(t, c.eval(`document.querySelectorAll('#sheet td.mark-absent').length === 1 && document.querySelectorAll('#sheet td.mark-late').length === 1 && document.querySelectorAll('#sheet td.mark-excused').length === 1 && document.querySelectorAll('#sheet td.mark-present').length === 3`),
		"the three exceptions and three present marks, nothing else")
	assert.Contains(t, c.text(`#sheet tfoot`), "Unmarked")

	c.do("a Saturday is refused",
		chromedp.Navigate(fmt.Sprintf("%s/attendance/classes/%d?date=2026-03-07", school, class)),
		chromedp.WaitVisible(css(`#closed`)),
		c.shot("attendance-register-saturday-390.png"),
	)
	assert.Contains(t, c.text(`#closed`), "Saturday")
	assert.False(t, c.eval(`!!document.querySelector('#register button[type=submit]')`), "no Save on a closed day")
	assert.Equal(t, "2026-03-04", attrOf(t, c, `#f-date`, "max"), "the picker stops at today")

	c.do("desktop day overview",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(school+"/attendance"),
		chromedp.WaitVisible(css(`#day-classes`)),
		c.shot("attendance-overview-1280.png"),
	)
	assert.Contains(t, c.text(`#day-classes`), "Marked")

	var rows, absentEvents int
	require.NoError(t, s.App.Pool.WithTenant(context.Background(), "greenfield", func(tn *db.Tenant) error {
		if err := tn.ReadDB().QueryRowContext(context.Background(), "SELECT count(*) FROM attendance WHERE date = '2026-03-04'").Scan(&rows); err != nil {
			return err
		}
		return tn.ReadDB().QueryRowContext(context.Background(), "SELECT count(*) FROM outbox WHERE type = 'attendance.absent'").Scan(&absentEvents)
	}))
	assert.Equal(t, len(names), rows, "one mark per student")
	assert.Equal(t, 1, absentEvents, "one absence alert")
	c.mu.Lock()
	assert.Empty(t, filterNoise(c.problems), "no console errors")
	c.mu.Unlock()
}

func attrOf(t *testing.T, c *chrome, sel, name string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(c.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	require.NoError(t, err, sel)
	return v.Value
}
