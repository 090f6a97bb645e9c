package webtest

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/clients"
)

// TestHolidaysEditedOnTheCalendarPage: on the school calendar page an admin adds a
// holiday (a last day before the first is refused next to the field), edits one (a day
// outside its term and an overlap with another holiday are refused next to the fields,
// with dates in the school's format), and removes one after saying yes (no keeps it),
// at 390 px and 1280 px; a teacher reads the same list without any of it.
func TestHolidaysEditedOnTheCalendarPage(t *testing.T) {
	c := startChrome(t)
	s := startServerAt(t, time.Date(2026, 3, 4, 7, 0, 0, 0, time.UTC))
	_, err := s.App.Clients.CreateWithAdmin(t.Context(), clients.CreateRequest{Schema: "greenfield", Name: "Greenfield Primary",
		Admin: &auth.NewUser{Email: "admin@greenfield.localhost", Name: "Ada Admin", Password: adminPass}}, auth.Meta{})
	require.NoError(t, err)
	s.user(t, "greenfield", "tess@greenfield.localhost", "Tess Teacher", auth.RoleTeacher, teacherPass)
	var halfTerm int64
	s.exec(t, "greenfield", func(ex func(string, ...any) int64) {
		session := ex("INSERT INTO academic_sessions (name, start_date, end_date, is_current) VALUES ('2026', '2026-01-05', '2026-12-04', 1)")
		term1 := ex("INSERT INTO terms (session_id, name, start_date, end_date, is_current) VALUES (?, 'Term 1', '2026-01-05', '2026-04-02', 1)", session)
		ex("INSERT INTO terms (session_id, name, start_date, end_date) VALUES (?, 'Term 2', '2026-04-27', '2026-08-06')", session)
		halfTerm = ex("INSERT INTO holidays (term_id, name, start_date, end_date) VALUES (?, 'Half term', '2026-02-16', '2026-02-20')", term1)
	})
	base := s.url("greenfield.localhost", "")
	calendar := base + "/attendance/calendar"
	row := func(name string) string {
		return c.str(fmt.Sprintf(`[...document.querySelectorAll('#holidays tbody tr')].map(r => r.innerText.replace(/\s+/g, ' ').trim()).filter(t => t.includes(%q)).join('|')`, name))
	}
	fieldError := func(field string) string {
		return c.str(fmt.Sprintf(`(document.getElementById('f-%s-err') || {}).textContent || ''`, field))
	}
	submit := chromedp.Click(css(`#holiday-form button[type=submit]`))

	c.do("window", desktop(1280))
	c.signIn(base, "admin@greenfield.localhost", adminPass)
	answers := answerDialogs(c.ctx, false)
	c.do("the calendar on a phone", phone(), chromedp.Navigate(calendar), chromedp.WaitVisible(css(`#holiday-form`)),
		c.shot("holidays-390.png"))
	assert.Contains(t, row("Half term"), "16/02/2026", "dates in the school's format")
	assert.Contains(t, row("Half term"), "20/02/2026")

	c.do("add with the last day before the first",
		chromedp.SendKeys(css(`#f-name`), "Madaraka Day"),
		chromedp.SetValue(css(`#f-start-date`), "2026-06-01"), chromedp.SetValue(css(`#f-end-date`), "2026-05-29"),
		submit, chromedp.WaitVisible(css(`#f-end-date-err`)), c.shot("holidays-add-error-390.png"))
	assert.Equal(t, "Must not be before the first day (01/06/2026)", fieldError("end-date"))
	assert.Equal(t, "Madaraka Day", c.str(`document.getElementById('f-name').value`), "what was typed stays")
	c.do("add", chromedp.SetValue(css(`#f-end-date`), "2026-06-01"), submit, chromedp.WaitVisible(css(`.alert-ok`)))
	assert.Contains(t, row("Madaraka Day"), "01/06/2026")
	assert.Contains(t, row("Madaraka Day"), "Term 2", "the term of its first day")

	c.do("edit half term", chromedp.Click(css(fmt.Sprintf(`#holidays a[href*="/attendance/calendar/holidays/%d#"]`, halfTerm))),
		chromedp.WaitVisible(css(`#holiday-form[action$="/holidays/`+fmt.Sprint(halfTerm)+`"]`)), c.shot("holidays-edit-390.png"))
	assert.Equal(t, "Half term", c.str(`document.getElementById('f-name').value`))
	assert.Equal(t, "2026-02-20", c.str(`document.getElementById('f-end-date').value`))
	c.do("past the end of its term", chromedp.SetValue(css(`#f-end-date`), "2026-04-10"), submit,
		chromedp.WaitVisible(css(`#f-end-date-err`)))
	assert.Equal(t, "Must be within the term Term 1 (05/01/2026 to 02/04/2026)", fieldError("end-date"))
	c.do("onto Madaraka Day", chromedp.SetValue(css(`#f-term`), "2"),
		chromedp.SetValue(css(`#f-start-date`), "2026-05-29"), chromedp.SetValue(css(`#f-end-date`), "2026-06-02"), submit,
		chromedp.WaitVisible(css(`#f-start-date-err`)), c.shot("holidays-edit-error-390.png"))
	assert.Equal(t, "Overlaps the holiday Madaraka Day (01/06/2026 to 01/06/2026)", fieldError("start-date"))
	assert.Equal(t, "2", c.str(`document.getElementById('f-term').value`), "the chosen term stays")
	c.do("a shorter half term", chromedp.SetValue(css(`#f-term`), "1"), chromedp.SetValue(css(`#f-name`), "Half-term break"),
		chromedp.SetValue(css(`#f-start-date`), "2026-02-16"), chromedp.SetValue(css(`#f-end-date`), "2026-02-19"), submit,
		chromedp.WaitVisible(css(`.alert-ok`)))
	assert.Contains(t, c.text(`.alert-ok`), "The holiday was saved.")
	assert.Contains(t, row("Half-term break"), "19/02/2026")
	assert.Empty(t, row("Half term "), "renamed, not added")

	removeMadaraka := chromedp.Click(css(`#holidays tr:nth-child(2) form button`))
	c.do("remove, then say no", removeMadaraka, chromedp.WaitVisible(css(`#holidays`)))
	assert.Equal(t, "Remove the holiday Madaraka Day? Its days become school days again.", answers.last())
	assert.NotEmpty(t, row("Madaraka Day"), "no keeps it")
	answers.set(true)
	// The page before the removal shows an alert too (the last save's): wait for the
	// removal's own, or the check could read the old page.
	c.do("remove, then say yes", removeMadaraka)
	c.waitFor(`location.search.includes("done=holiday_deleted") && document.readyState === "complete"`)
	c.do("the removal's page", chromedp.WaitVisible(css(`.alert-ok`)))
	assert.Contains(t, c.text(`.alert-ok`), "The holiday was removed.")
	assert.Empty(t, row("Madaraka Day"))
	assert.Equal(t, "", c.str(`document.documentElement.scrollWidth > document.documentElement.clientWidth ? "scrolls sideways" : ""`))

	c.do("edit on a laptop", desktop(1280), chromedp.Navigate(fmt.Sprintf("%s/holidays/%d", calendar, halfTerm)),
		chromedp.WaitVisible(css(`#holiday-form`)), c.shot("holidays-edit-1280.png"))
	assert.Equal(t, "Half-term break", c.str(`document.getElementById('f-name').value`))
	c.do("cancel", chromedp.Click(css(`#holiday-form a.btn-quiet`)), chromedp.WaitVisible(css(`#holidays`)))
	assert.Contains(t, c.str(`document.querySelector('#holiday-form h2, #holiday-form').closest('section').innerText`), "Add a holiday")

	// A teacher reads the calendar without forms or buttons.
	c.do("sign out", chromedp.Navigate(base+"/"), chromedp.WaitVisible(css(`.signout button`)),
		chromedp.Click(css(`.signout button`)), chromedp.WaitVisible(css(`#f-email`)))
	c.signIn(base, "tess@greenfield.localhost", teacherPass)
	for _, w := range []int64{1280, 390} {
		size := desktop(w)
		if w == 390 {
			size = phone()
		}
		c.do(fmt.Sprintf("teacher at %d px", w), size, chromedp.Navigate(calendar), chromedp.WaitVisible(css(`#holidays`)),
			c.shot(fmt.Sprintf("holidays-teacher-%d.png", w)))
		assert.Contains(t, row("Half-term break"), "16/02/2026")
		assert.False(t, c.eval(`!!document.querySelector('main form[method="post"]') || !!document.querySelector('#holidays a[href*="/holidays/"]')`),
			"no forms or edit links for a teacher")
	}
	assert.Empty(t, filterNoise(c.consoleErrors()), "browser console errors")
}
