package webtest

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/clients"
)

// TestStudentPageShowsTermAttendance: a student's page shows their attendance in the
// current term (days marked, each mark, the rate), another term through the term
// picker, and says plainly when nothing is marked; at 1280 and 390 px, for the admin
// and for the class teacher.
func TestStudentPageShowsTermAttendance(t *testing.T) {
	c := startChrome(t)
	// Wednesday 4 March 2026
	s := startServerAt(t, time.Date(2026, 3, 4, 7, 0, 0, 0, time.UTC))
	_, err := s.App.Clients.CreateWithAdmin(t.Context(), clients.CreateRequest{Schema: "greenfield", Name: "Greenfield Primary",
		Admin: &auth.NewUser{Email: "admin@greenfield.localhost", Name: "Ada Admin", Password: adminPass}}, auth.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	teacher := s.user(t, "greenfield", "tess@greenfield.localhost", "Tess Teacher", auth.RoleTeacher, teacherPass)
	var marked, unmarked, term2, class int64
	s.exec(t, "greenfield", func(ex func(string, ...any) int64) {
		session := ex("INSERT INTO academic_sessions (name, start_date, end_date, is_current) VALUES ('2026', '2026-01-05', '2026-12-04', 1)")
		ex("INSERT INTO terms (session_id, name, start_date, end_date, is_current) VALUES (?, 'Term 1', '2026-01-05', '2026-04-02', 1)", session)
		term2 = ex("INSERT INTO terms (session_id, name, start_date, end_date) VALUES (?, 'Term 2', '2026-04-27', '2026-08-06')", session)
		form := ex("INSERT INTO forms (name, level) VALUES ('Grade 4', 4)")
		class = ex("INSERT INTO classes (form_id, session_id, name, class_teacher_id) VALUES (?, ?, 'Grade 4 East', ?)", form, session, teacher.ID)
		marked = ex("INSERT INTO students (admission_no, first_name, last_name, gender) VALUES ('G4-01', 'Amara', 'Okafor', 'female')")
		unmarked = ex("INSERT INTO students (admission_no, first_name, last_name, gender) VALUES ('G4-02', 'Brian', 'Mwangi', 'male')")
		for _, st := range []int64{marked, unmarked} {
			ex("INSERT INTO enrollments (student_id, class_id, session_id, enrolled_on) VALUES (?, ?, ?, '2026-01-05')", st, class, session)
		}
		for d, status := range map[string]string{"2026-03-02": "present", "2026-03-03": "absent", "2026-03-04": "late", "2026-02-27": "present",
			"2026-02-26": "excused"} {
			ex("INSERT INTO attendance (student_id, date, class_id, status, marked_at) VALUES (?, ?, ?, ?, '2026-03-04T08:00:00.000Z')",
				marked, d, class, status)
		}
	})
	base := s.url("greenfield.localhost", "")
	for _, who := range []struct{ email, pw string }{{"admin@greenfield.localhost", adminPass}, {"tess@greenfield.localhost", teacherPass}} {
		c.do("window", desktop(1280))
		c.signIn(base, who.email, who.pw)
		for _, w := range []int64{1280, 390} {
			size := desktop(w)
			if w == 390 {
				size = phone()
			}
			c.do(fmt.Sprintf("%s: the student's page at %d px", who.email, w), size,
				chromedp.Navigate(fmt.Sprintf("%s/students/%d", base, marked)), chromedp.WaitVisible(css(`#attendance-summary`)),
				c.shot(fmt.Sprintf("student-attendance-%d.png", w)))
			assert.Contains(t, c.text(`#attendance h2`), "Term 1")
			sum := c.text(`#attendance-summary`)
			for _, want := range []string{"Days marked\n5", "Present\n2", "Absent\n1", "Late\n1", "Excused\n1", "Attendance rate\n60.0%"} {
				assert.Contains(t, sum, want, "%s at %d px", who.email, w)
			}
			assert.Equal(t, "", c.str(`document.documentElement.scrollWidth > document.documentElement.clientWidth ? "scrolls sideways" : ""`))
		}
		c.do("another term", chromedp.SetValue(css(`#f-term`), fmt.Sprint(term2)),
			chromedp.Click(css(`#attendance form button[type=submit]`)),
			chromedp.WaitReady(css(fmt.Sprintf(`#f-term option[selected][value="%d"]`, term2))),
			chromedp.WaitVisible(css(`#attendance-summary`)), c.shot("student-attendance-term2-390.png"))
		assert.Equal(t, "No attendance is marked for Amara in Term 2 yet (27/04/2026 to 06/08/2026).", c.text(`#attendance-summary`))
		c.do("a student not yet marked", chromedp.Navigate(fmt.Sprintf("%s/students/%d", base, unmarked)),
			chromedp.WaitVisible(css(`#attendance-summary`)))
		assert.Equal(t, "No attendance is marked for Brian in Term 1 yet (05/01/2026 to 02/04/2026).", c.text(`#attendance-summary`))
		c.do("sign out", desktop(1280), chromedp.Navigate(base+"/"), chromedp.WaitVisible(css(`.signout button`)),
			chromedp.Click(css(`.signout button`)), chromedp.WaitVisible(css(`#f-email`)))
	}
	// The class's tracking sheet writes the same rate (not the address of a number).
	c.signIn(base, "admin@greenfield.localhost", adminPass)
	c.do("the tracking sheet", chromedp.Navigate(fmt.Sprintf("%s/attendance/classes/%d/sheet?month=2026-03", base, class)),
		chromedp.WaitVisible(css(`#sheet`)))
	assert.Contains(t, c.text(`#sheet tbody`), "66.7%", "March: present, absent, late")
	assert.NotContains(t, c.text(`#sheet tbody`), "float64")
	assert.Empty(t, filterNoise(c.consoleErrors()), "browser console errors")
}
