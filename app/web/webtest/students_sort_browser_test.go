package webtest

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/db"
)

// rowNames is the names of a list's rows in the order shown, "|"-joined.
const rowNames = `[...document.querySelectorAll('%s')].map(a => a.textContent.trim()).join('|')`

// TestListsSortOnAPhone: at 390 px, where the students list and the admissions list
// show their rows as cards without the header row, a "Sort by" select orders them;
// it is reached and changed with the keyboard, and the search, filters and page size
// stay in the address. At 1280 px the column headers still sort, and the select is
// not shown beside them.
func TestListsSortOnAPhone(t *testing.T) {
	c := startChrome(t)
	s := startServer(t)
	s.school(t, "demo", "Demo Secondary School")
	y := s.seedYear(t, "demo")
	// Admission numbers follow creation: Otieno 0001, Achieng 0002, Wanjiru 0003, Kamau 0004.
	for _, n := range [][2]string{{"Amani", "Otieno"}, {"Zawadi", "Achieng"}, {"Neema", "Wanjiru"}, {"Halima", "Kamau"}} {
		s.student(t, "demo", n[0], n[1], y.Class1A.ID, "")
	}
	s.student(t, "demo", "Other", "Class", y.Class2A.ID, "")
	base := s.url("demo.localhost", "")
	c.do("window", desktop(1280))
	c.signIn(base, "admin@demo.localhost", adminPass)
	names := fmt.Sprintf(rowNames, `#student-results tbody td[data-label="Name"] a`)
	list := fmt.Sprintf("%s/students?class=%d&page_size=50&search=a", base, y.Class1A.ID)

	c.do("phone", phone(), chromedp.Navigate(list), chromedp.WaitVisible(css(`#student-results tbody`)))
	assert.Equal(t, "Achieng, Zawadi|Kamau, Halima|Otieno, Amani|Wanjiru, Neema", c.str(names), "by name at first")
	assert.True(t, c.eval(`document.querySelector('#student-results thead').getBoundingClientRect().width <= 1`),
		"the header row is out of sight on a phone")
	c.do("sort by admission number, newest first, with the keyboard",
		chromedp.WaitVisible(css(`#f-ordering`)),
		c.shot("students-sort-390.png"),
		chromedp.Focus(css(`#f-ordering`)),
		chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown),
		chromedp.Poll[chromedp.Void](`location.search.includes('ordering=-admission_no')`),
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`(%s) === 'Kamau, Halima|Wanjiru, Neema|Achieng, Zawadi|Otieno, Amani'`, names)),
		c.shot("students-sorted-390.png"),
	)
	q, err := url.ParseQuery(c.str(`location.search.slice(1)`))
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint(y.Class1A.ID), q.Get("class"), "the class filter stays")
	assert.Equal(t, "50", q.Get("page_size"), "the page size stays")
	assert.Equal(t, "a", q.Get("search"), "the search stays")
	assert.Equal(t, "Admission no., descending", c.str(`document.querySelector('#f-ordering').selectedOptions[0].textContent`))
	assert.Equal(t, "", c.str(`document.documentElement.scrollWidth > document.documentElement.clientWidth ? "scrolls sideways" : ""`))

	// A page opened with an order shows it chosen, and another page size keeps it.
	c.do("reload and change the page size", chromedp.Reload(), chromedp.WaitVisible(css(`#f-ordering`)),
		chromedp.Focus(css(`#f-page-size`)), chromedp.KeyEvent(kb.ArrowUp),
		chromedp.Poll[chromedp.Void](`!location.search.includes('page_size=50')`))
	assert.Equal(t, "Admission no., descending", c.str(`document.querySelector('#f-ordering').selectedOptions[0].textContent`))
	assert.Contains(t, c.str(`location.search`), "ordering=-admission_no")
	assert.Equal(t, "Kamau, Halima|Wanjiru, Neema|Achieng, Zawadi|Otieno, Amani", c.str(names))

	// The admissions list: its own select, in its own small form.
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		for _, a := range []students.AdmissionInput{{FirstName: "Chebet", LastName: "Adongo", AppliedOn: "2025-08-01"},
			{FirstName: "Baraka", LastName: "Zulu", AppliedOn: "2025-08-20"}} {
			a.Gender, a.Form = "female", y.Form1.ID
			_, err := students.New(tn).CreateAdmission(ctx, a, auth.Meta{})
			require.NoError(t, err)
		}
	})
	applicants := fmt.Sprintf(rowNames, `main table tbody td[data-label="Applicant"] a, main table tbody td[data-label="Applicant"] strong`)
	c.do("admissions on a phone", chromedp.Navigate(base+"/admissions?status=applied"), chromedp.WaitVisible(css(`#f-ordering`)),
		c.shot("admissions-sort-390.png"))
	assert.Regexp(t, `Zulu.*Adongo`, c.str(applicants), "newest application first")
	c.do("sort applicants by name", chromedp.SetValue(css(`#f-ordering`), "last_name"),
		chromedp.Click(css(`form.sort-form button[type=submit]`)),
		chromedp.WaitReady(css(`#f-ordering option[selected][value="last_name"]`)))
	assert.Contains(t, c.str(`location.search`), "ordering=last_name")
	assert.Contains(t, c.str(`location.search`), "status=applied", "the tab stays")
	assert.Regexp(t, `Adongo.*Zulu`, c.str(applicants))

	// On a laptop the headers sort and the select is not shown.
	c.do("laptop", desktop(1280), chromedp.Navigate(list), chromedp.WaitVisible(css(`th a.sort`)),
		c.shot("students-sort-1280.png"))
	assert.False(t, c.eval(`!!document.querySelector('#f-ordering').offsetParent`), "no select beside the headers")
	c.do("sort by the header", chromedp.Click(css(`th:nth-child(2) a.sort`)),
		chromedp.WaitVisible(css(`th[aria-sort="ascending"]:nth-child(2)`)))
	assert.Equal(t, "Otieno, Amani|Achieng, Zawadi|Wanjiru, Neema|Kamau, Halima", c.str(names))
	assert.Equal(t, "admission_no", c.str(`document.querySelector('#f-ordering').value`), "the select follows the header")
	assert.Empty(t, filterNoise(c.consoleErrors()), "browser console errors")
}

// TestStudentDeleteRefusedInTheBrowser: at 1280 and 390 px the Delete button of a
// student with a class history and attendance asks first, then shows in the page's
// usual layout what keeps the record; a student entered twice is deleted.
func TestStudentDeleteRefusedInTheBrowser(t *testing.T) {
	c := startChrome(t)
	s := startServer(t)
	s.school(t, "demo", "Demo Secondary School")
	y := s.seedYear(t, "demo")
	kept := s.student(t, "demo", "Amina", "Njeri", y.Class1A.ID, "Grace Njeri")
	s.exec(t, "demo", func(ex func(string, ...any) int64) {
		for _, d := range []string{"2025-11-03", "2025-11-04", "2025-11-05"} {
			ex("INSERT INTO attendance (student_id, date, class_id, status, marked_at) VALUES (?, ?, ?, 'present', '2025-11-03T08:00:00.000Z')",
				kept.ID, d, y.Class1A.ID)
		}
	})
	base := s.url("demo.localhost", "")
	c.do("window", desktop(1280))
	c.signIn(base, "admin@demo.localhost", adminPass)
	answers := answerDialogs(c.ctx, true)
	for _, w := range []int64{1280, 390} {
		size := desktop(w)
		if w == 390 {
			size = phone()
		}
		c.do(fmt.Sprintf("delete at %d px", w), size, chromedp.Navigate(fmt.Sprintf("%s/students/%d/edit", base, kept.ID)),
			chromedp.WaitVisible(css(`.danger-zone button`)),
			chromedp.Click(css(`.danger-zone button`)), chromedp.WaitVisible(css(`.alert-error`)),
			c.shot(fmt.Sprintf("student-delete-refused-%d.png", w)))
		assert.Equal(t, "Delete the record of Amina Njeri? This cannot be undone.", answers.last())
		assert.Equal(t, "Amina Njeri has 1 enrollment and 3 attendance marks; a student with a record is withdrawn (set the status), not deleted",
			c.text(`.alert-error`))
		assert.True(t, c.eval(`!!document.querySelector('.topbar') && !!document.querySelector('#f-first-name') && !!document.querySelector('.danger-zone button')`),
			"the usual page around the message, with its form and the button")
		assert.Equal(t, "", c.str(`document.documentElement.scrollWidth > document.documentElement.clientWidth ? "scrolls sideways" : ""`))
	}
	assert.Equal(t, int64(1), s.countStudents(t, "demo"))

	twice := s.student(t, "demo", "Amina", "Njeri", 0, "Grace Njeri")
	c.do("delete the one entered twice", phone(), chromedp.Navigate(fmt.Sprintf("%s/students/%d/edit", base, twice.ID)),
		chromedp.WaitVisible(css(`.danger-zone button`)),
		chromedp.Click(css(`.danger-zone button`)), chromedp.WaitVisible(css(`.alert-ok`)))
	assert.Equal(t, int64(1), s.countStudents(t, "demo"))
	assert.Empty(t, withoutStatus(filterNoise(c.consoleErrors()), 409), "browser console errors besides the refused delete")
}
