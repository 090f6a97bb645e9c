package webtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/db"
)

// TestOfficePagesInTheBrowser opens the office pages this part of the appliance has
// (the dashboard's cards, the sortable students list, a guardian's edit page, a form's
// and a subject's edit pages, a delete refused with what depends on it, the import's
// problems with the class line and its link, the promotions preview) in Chromium at
// 1280 and 390 px, saves a screenshot of each and checks that no page scrolls sideways
// and that the sort header clicked orders the list.
func TestOfficePagesInTheBrowser(t *testing.T) {
	c := startChrome(t)
	s := startServer(t)
	s.school(t, "demo", "Demo Secondary School")
	y := s.seedYear(t, "demo")
	var st students.StudentDetail
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		a := academics.New(tn)
		next, err := a.CreateSession(ctx, academics.SessionInput{Name: "2026/2027", StartDate: "2026-09-01", EndDate: "2027-07-31"}, auth.Meta{})
		require.NoError(t, err)
		for _, f := range []academics.Form{y.Form1, y.Form2} {
			_, err = a.CreateClass(ctx, academics.ClassInput{SessionID: next.ID, FormID: f.ID, Name: strings.TrimPrefix(f.Name, "Form ") + "A"}, auth.Meta{})
			require.NoError(t, err)
		}
		_, err = a.UpdateClass(ctx, y.Class2A.ID, academics.ClassPatch{Capacity: academics.Value(int64(3))}, auth.Meta{})
		require.NoError(t, err)
		_, err = a.SetCurriculum(ctx, y.Form1.ID, []int64{y.Subject.ID}, auth.Meta{})
		require.NoError(t, err)
		sv := students.New(tn)
		for i, n := range []string{"Wanjiru Otieno", "Baraka Kiprono", "Chebet Mutai", "Daudi Ochieng", "Esther Wambui"} {
			name := strings.Fields(n)
			g := "female"
			if i%2 == 1 {
				g = "male"
			}
			in := students.StudentInput{FirstName: name[0], LastName: name[1], Gender: g, Class: y.Class1A.ID,
				Guardians: []students.GuardianRef{{GuardianInput: students.GuardianInput{Name: "Parent " + name[1], Relationship: "Mother",
					Phone: fmt.Sprintf("+2547120000%02d", i)}}}}
			d, err := sv.CreateStudent(ctx, in, auth.Meta{})
			require.NoError(t, err)
			if i == 0 {
				st = d
			}
		}
		_, err = sv.CreateAdmission(ctx, students.AdmissionInput{FirstName: "Ann", LastName: "Wafula", Gender: "female", Form: y.Form1.ID}, auth.Meta{})
		require.NoError(t, err)
	})
	base := s.url("demo.localhost", "")
	c.do("window", desktop(1280))
	c.signIn(base, "admin@demo.localhost", adminPass)

	var file strings.Builder
	file.WriteString("first_name,last_name,gender,date_of_birth,class,guardian_name,guardian_phone\n")
	file.WriteString("Amara,Okafor,female,2014-02-30,2A,,\nBrian,,male,,2A,,\nCara,Njeri,female,,9Z,Grace,call me\n")
	for i := range 6 {
		fmt.Fprintf(&file, "Kid,Number%d,female,,2A,,\n", i)
	}
	b, token := s.signedIn(t, base, "admin@demo.localhost", adminPass)
	upload, _ := b.checkFile(base, token, "form2.csv", file.String())
	// The kept file is its uploader's: the browser signs in as the same admin, another
	// session of the same user.

	pages := []struct{ name, path, wait string }{
		{"dashboard", "/", ".fact-wide"},
		{"students", "/students?page_size=50", "#student-results"},
		{"guardian", fmt.Sprintf("/students/%d/guardians/%d", st.ID, st.Guardians[0].ID), "main form"},
		{"form-edit", fmt.Sprintf("/academics/forms/%d", y.Form1.ID), "main form"},
		{"subject-edit", fmt.Sprintf("/academics/subjects/%d", y.Subject.ID), "main form"},
		{"import-problems", "/students/import?upload=" + upload, "#import-problems"},
		{"promotions", "/promotions", "#promotion-summary"},
		{"enroll", "/admissions", "main h1"},
	}
	for _, w := range []int64{1280, 390} {
		size := desktop(w)
		if w == 390 {
			size = phone()
		}
		for _, p := range pages {
			c.do(p.name, size, chromedp.Navigate(base+p.path), chromedp.WaitVisible(css(p.wait)),
				c.shot(fmt.Sprintf("office-%s-%d.png", p.name, w)))
			assert.Equal(t, "", c.str(`document.documentElement.scrollWidth > document.documentElement.clientWidth ? "scrolls sideways" : ""`),
				"%s at %d px", p.name, w)
		}
	}

	// The delete of Form 1 is refused with what depends on it.
	c.do("delete form 1", desktop(1280), chromedp.Navigate(fmt.Sprintf("%s/academics/forms/%d", base, y.Form1.ID)),
		chromedp.WaitVisible(css(`.danger-zone button`)))
	answers := answerDialogs(c.ctx, true)
	c.do("confirm", chromedp.Click(css(`.danger-zone button`)), chromedp.WaitVisible(css(`.alert-error`)),
		c.shot("office-delete-refused-1280.png"))
	assert.Contains(t, answers.last(), "Delete Form 1?")
	assert.Contains(t, c.text(`.alert-error`), "Form 1 has 2 classes, 1 application for admission and 1 subject in its curriculum")

	// Sorting by a header in the browser.
	c.do("sort by admission number", chromedp.Navigate(base+"/students"), chromedp.WaitVisible(css(`th a.sort`)),
		chromedp.Click(css(`th:nth-child(2) a.sort`)), chromedp.WaitVisible(css(`th[aria-sort="ascending"]:nth-child(2)`)))
	assert.Contains(t, c.str(`location.search`), "ordering=admission_no")
	assert.Empty(t, withoutStatus(filterNoise(c.consoleErrors()), 409), "browser console errors besides the refused delete")
}
