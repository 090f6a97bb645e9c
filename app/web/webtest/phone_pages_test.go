package webtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/demo"
	"github.com/schoolsms/sms/db"
)

// TestDemoSchoolPagesOnAPhone opens the office's pages of a school in full use (the demo
// seed: a term of registers, marked assessments, notices) on a 390 px phone and a 768 px
// tablet in Chromium, with an absence note as long as a clerk writes, and checks that
// none of them scrolls sideways. Tables turn into cards on a phone and scroll inside
// their box on a tablet; a card cell that holds several things (a name and a note, a
// row of grade counts, several guardians) must wrap inside the card.
func TestDemoSchoolPagesOnAPhone(t *testing.T) {
	c := startChrome(t)
	// Wednesday 4 March 2026, 10:00 in Nairobi: a school day in the demo's first term.
	at := time.Date(2026, 3, 4, 7, 0, 0, 0, time.UTC)
	s := startServerAt(t, at)
	s.school(t, "demo", "Demo Secondary School")
	const note = "Taken to hospital by her aunt after a fall at home; back on Monday with a letter"
	s.exec(t, "demo", func(ex func(string, ...any) int64) {
		ex(`UPDATE school_profile SET timezone = 'Africa/Nairobi'`)
	})
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		seeded, err := demo.Seed(ctx, tn, demo.Options{Today: at}, auth.Meta{})
		require.NoError(t, err)
		require.NotZero(t, seeded.Assessments)
	})
	s.exec(t, "demo", func(ex func(string, ...any) int64) {
		ex(`UPDATE attendance SET status = 'excused', note = ?
			WHERE rowid = (SELECT min(rowid) FROM attendance WHERE date = '2026-03-04')`, note)
	})
	base := s.url("demo.localhost", "")
	c.do("window", desktop(1280))
	c.signIn(base, "admin@demo.localhost", adminPass)

	pages := []struct{ name, path, wait string }{
		{"attendance", "/attendance", "#absentees"},
		{"results", "/exams/results", "main table"},
		{"assessments", "/exams", "main h1"},
		{"report-cards", "/exams/report-cards", "main h1"},
		{"students", "/students", "#student-results"},
		{"users", "/users", "main table"},
		{"notices", "/notices", "main h1"},
		{"audit", "/audit", "main h1"},
		{"whatsapp", "/chatbot", "main h1"},
		{"broadcasts", "/chatbot/broadcasts", "#broadcast-form"},
	}
	for _, w := range []int64{390, 768} {
		size := phone()
		if w == 768 {
			size = chromedp.EmulateViewport(768, 1024, chromedp.EmulateScale(2), chromedp.EmulateMobile)
		}
		for _, p := range pages {
			c.do(p.name, size, chromedp.Navigate(base+p.path), chromedp.WaitVisible(css(p.wait)),
				c.shot(fmt.Sprintf("phone-%s-%d.png", p.name, w)))
			assert.Equal(t, "", c.str(`document.documentElement.scrollWidth > document.documentElement.clientWidth ?
				"scrolls sideways: " + document.documentElement.scrollWidth + " px wide" : ""`),
				"%s at %d px", p.name, w)
		}
	}
	c.do("phone again", phone())
	c.do("attendance again", chromedp.Navigate(base+"/attendance"), chromedp.WaitVisible(css(`#absentees`)))
	assert.Contains(t, c.text(`#absentees`), note, "the whole note is shown")
	c.mu.Lock()
	assert.Empty(t, filterNoise(c.problems), "no console errors")
	c.mu.Unlock()
}
