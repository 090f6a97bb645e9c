package webtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/exams"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/db"
)

// TestMarkSheetBrowserFlow: in headless Chromium a teacher sees on the dashboard that a
// mark sheet is empty, types a column of marks with the keyboard (Enter moves down),
// gets a mistyped mark (12,5) named next to its row with what was typed kept, fixes it,
// pastes the rest of the column as a spreadsheet would, is warned before leaving with
// unsaved marks, saves, and as class teacher sees the grade on the report card preview.
// An admin then looks at the results and the report cards of the class.
func TestMarkSheetBrowserFlow(t *testing.T) {
	c := startChrome(t)
	s := startServer(t)
	s.school(t, "hill", "Hill View Secondary")
	base := s.url("hill.localhost", "")
	teacher := s.user(t, "hill", "tess@hill.localhost", "Tess Teacher", auth.RoleTeacher, teacherPass)
	var term academics.Term
	var class academics.Class
	var ids []int64
	var sheet exams.Assessment
	s.withSchool(t, "hill", func(ctx context.Context, tn *db.Tenant) {
		a, m := academics.New(tn), auth.Meta{}
		sess, err := a.CreateSession(ctx, academics.SessionInput{Name: "2026", StartDate: "2026-01-05", EndDate: "2026-12-18", IsCurrent: true}, m)
		require.NoError(t, err)
		term, err = a.CreateTerm(ctx, academics.TermInput{SessionID: sess.ID, Name: "Term 3", StartDate: "2026-09-01", EndDate: "2026-12-04",
			NextTermBegins: "2027-01-04", IsCurrent: true}, m)
		require.NoError(t, err)
		form, err := a.CreateForm(ctx, academics.FormInput{Name: "Form 4", Level: 4}, m)
		require.NoError(t, err)
		class, err = a.CreateClass(ctx, academics.ClassInput{FormID: form.ID, SessionID: sess.ID, Name: "4 Hill", ClassTeacherID: &teacher.ID}, m)
		require.NoError(t, err)
		eng, err := a.CreateSubject(ctx, academics.SubjectInput{Code: "ENG", Name: "English"}, m)
		require.NoError(t, err)
		_, err = a.SetCurriculum(ctx, form.ID, []int64{eng.ID}, m)
		require.NoError(t, err)
		_, err = a.AssignSubject(ctx, academics.AssignmentInput{TeacherID: teacher.ID, ClassID: class.ID, SubjectID: eng.ID}, m)
		require.NoError(t, err)
		for _, n := range [][2]string{{"Amina", "Otieno"}, {"Brian", "Kamau"}, {"Chebet", "Kiprono"}, {"Zoë", "Ñúñez"}} {
			st, err := students.New(tn).CreateStudent(ctx, students.StudentInput{FirstName: n[0], LastName: n[1], Gender: "female", Class: class.ID}, m)
			require.NoError(t, err)
			ids = append(ids, st.ID)
		}
		max, weight := 50.0, 1.0
		sheet, err = exams.New(tn).CreateAssessment(ctx, exams.Viewer{}, exams.AssessmentInput{TermID: term.ID, ClassID: class.ID,
			SubjectID: eng.ID, Name: "CAT 1", Kind: "test", Date: "2026-10-01", MaxScore: &max, Weight: &weight}, m)
		require.NoError(t, err)
	})

	c.do("window", desktop(1280))
	c.signIn(base, "tess@hill.localhost", teacherPass)
	c.do("dashboard", chromedp.Navigate(base+"/"), chromedp.WaitVisible(css(`.facts`)), c.shot("exams-dashboard-teacher.png"))
	assert.Contains(t, strings.ToLower(c.text(`.facts`)), "empty mark sheets")
	assert.Contains(t, c.text(`.facts`), "English CAT 1 (4 Hill)")

	// The sheet lists students by name; rows are the ids in its order.
	var rows []int64
	s.withSchool(t, "hill", func(ctx context.Context, tn *db.Tenant) {
		sh, err := exams.New(tn).MarkSheet(ctx, exams.Viewer{}, sheet.ID)
		require.NoError(t, err)
		for _, r := range sh.Rows {
			rows = append(rows, r.StudentID)
		}
	})
	require.ElementsMatch(t, ids, rows)
	sheetURL := fmt.Sprintf("%s/exams/assessments/%d", base, sheet.ID)
	first := fmt.Sprintf(`#score-%d`, rows[0])
	c.do("open the sheet", chromedp.Navigate(sheetURL), chromedp.WaitVisible(css(first)))
	c.do("type a column",
		chromedp.Click(css(first)),
		chromedp.KeyEvent("40"), chromedp.KeyEvent(kb.Enter),
		chromedp.KeyEvent("35.5"), chromedp.KeyEvent(kb.Enter),
		chromedp.KeyEvent("12,5"), chromedp.KeyEvent(kb.Enter),
		chromedp.KeyEvent("a"),
	)
	assert.Equal(t, fmt.Sprintf("score-%d", rows[3]), c.str(`document.activeElement.id`), "Enter moved down the column")
	c.do("arrow up", chromedp.KeyEvent(kb.ArrowUp))
	assert.Equal(t, fmt.Sprintf("score-%d", rows[2]), c.str(`document.activeElement.id`))
	assert.True(t, c.eval(`(() => { const e = new Event("beforeunload", {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented; })()`),
		"leaving with unsaved marks asks first")
	c.do("save with a mistake", chromedp.Click(css(`form[data-marksheet] button[type=submit]`)), chromedp.WaitVisible(css(`tr.has-error .field-error`)),
		c.shot("exams-marksheet-error.png"))
	assert.Contains(t, c.text(`tr.has-error .field-error`), "12.5", "the row's error says how to write the mark")
	assert.Equal(t, "12,5", c.str(`document.querySelector("tr.has-error input").value`), "what was typed is kept")
	assert.Equal(t, "40", c.str(fmt.Sprintf(`document.querySelector("#score-%d").value`, rows[0])))
	assert.True(t, c.eval(`(() => { const e = new Event("beforeunload", {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented; })()`),
		"the refused marks are still unsaved: leaving asks first")

	// Paste a column from a spreadsheet into the third cell: it fills the third and fourth.
	c.str(fmt.Sprintf(`(() => {
	  const input = document.querySelector("#score-%d");
	  input.focus();
	  const dt = new DataTransfer();
	  dt.setData("text/plain", "25\r\n48.5\r\n");
	  input.dispatchEvent(new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true}));
	  return "";
	})()`, rows[2]))
	assert.Equal(t, "25", c.str(fmt.Sprintf(`document.querySelector("#score-%d").value`, rows[2])))
	assert.Equal(t, "48.5", c.str(fmt.Sprintf(`document.querySelector("#score-%d").value`, rows[3])))
	c.do("sheet filled", c.shot("exams-marksheet-filled.png"))
	c.do("save", chromedp.Click(css(`form[data-marksheet] button[type=submit]`)), chromedp.WaitVisible(css(`.alert-ok`)),
		c.shot("exams-marksheet-saved.png"))
	assert.Contains(t, c.text(`.alert-ok`), "The marks were saved.")
	assert.False(t, c.eval(`(() => { const e = new Event("beforeunload", {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented; })()`),
		"nothing unsaved after saving")
	s.withSchool(t, "hill", func(ctx context.Context, tn *db.Tenant) {
		sh, err := exams.New(tn).MarkSheet(ctx, exams.Viewer{}, sheet.ID)
		require.NoError(t, err)
		var got []string
		for _, r := range sh.Rows {
			got = append(got, r.Score.String())
		}
		assert.Equal(t, []string{"40", "35.5", "25", "48.5"}, got)
	})

	// The class teacher previews Zoë's card (last by name): 48.5 of 50 is 97.0 %, an A.
	require.Equal(t, ids[3], rows[3])
	c.do("report card preview", chromedp.Navigate(fmt.Sprintf("%s/exams/report-cards/%d?term=%d", base, rows[3], term.ID)),
		chromedp.WaitVisible(css(`#report-card`)), c.shot("exams-report-card.png"))
	assert.Equal(t, "A", c.text(`.rc-grade[data-subject="ENG"]`))
	assert.Contains(t, c.text(`#report-card`), "Zoë Ñúñez")
	assert.Contains(t, c.text(`#report-card`), "97.0")
	assert.Contains(t, c.text(`#report-card`), "Mean: 97.00%")

	// An admin: results, report cards of the class, publishing.
	c.do("sign out", chromedp.Click(css(`.topbar .signout button`)), chromedp.WaitVisible(css(`#f-email`)))
	c.signIn(base, "admin@hill.localhost", adminPass)
	q := fmt.Sprintf("?term=%d&class=%d", term.ID, class.ID)
	c.do("results", chromedp.Navigate(base+"/exams/results"+q), chromedp.WaitVisible(css(`.sheet-grid`)), c.shot("exams-results.png"))
	assert.Contains(t, c.text(`.sheet-grid tbody tr`), "Zoë Ñúñez")
	assert.False(t, c.eval(`document.body.innerText.includes("%!")`), "no number is printed wrongly")
	answers := answerDialogs(c.ctx, true)
	c.do("cards", chromedp.Navigate(base+"/exams/report-cards"+q), chromedp.WaitVisible(css(`.workflow`)), c.shot("exams-cards.png"))
	c.do("publish", chromedp.Click(css(`.workflow form[data-confirm] button`)), chromedp.WaitVisible(css(`.alert-ok`)),
		c.shot("exams-cards-published.png"))
	assert.Contains(t, answers.last(), "Publish the report cards of 4 Hill")
	assert.Contains(t, c.text(`.alert-ok`), "published")
	assert.False(t, c.eval(`document.body.innerText.includes("%!")`), "no number is printed wrongly")
	c.do("phone", phone(), chromedp.Navigate(sheetURL), chromedp.WaitVisible(css(first)), c.shot("exams-marksheet-phone.png"))
	assert.False(t, c.eval(`document.documentElement.scrollWidth > document.documentElement.clientWidth`), "the sheet does not scroll sideways on a phone")

	c.mu.Lock()
	defer c.mu.Unlock()
	assert.Empty(t, filterNoise(c.problems), "browser console errors")
}
