package webtest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chrome is a headless Chromium for one test, with helpers that give each step its own
// deadline and save a screenshot when a step fails.
type chrome struct {
	t        *testing.T
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

func startChrome(t *testing.T) *chrome {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI for the browser test: %v", chromium, err)
		}
		t.Skipf("skipping the browser test: %s is not installed (apt-get install chromium)", chromium)
	}
	require.NoError(t, os.MkdirAll(artifacts, 0o755))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancelBrowser)
	c := &chrome{t: t, ctx: bctx}
	messages := chromedp.Console(bctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				c.mu.Lock()
				c.problems = append(c.problems, m.String())
				c.mu.Unlock()
			}
		}
	}()
	return c
}

// shot saves a full-page screenshot into testdata/artifacts.
func (c *chrome) shot(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		buf, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return err
		}
		p := filepath.Join(artifacts, name)
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			return err
		}
		abs, _ := filepath.Abs(p)
		c.t.Logf("screenshot: %s", abs)
		return nil
	})
}

// do runs the steps within stepTimeout, failing the test (with a screenshot) if not.
func (c *chrome) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	sctx, cancel := context.WithTimeout(c.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		fctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
		defer cancel()
		loc, _ := chromedp.Run(fctx, chromedp.Location())
		chromedp.Do(fctx, c.shot("failure-students.png"))
		c.t.Fatalf("%s: %v (page: %s)", what, err, loc)
	}
}

// text is the visible text of the first element sel matches.
func (c *chrome) text(sel string) string {
	c.t.Helper()
	sctx, cancel := context.WithTimeout(c.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(c.t, err, sel)
	return s
}

func (c *chrome) eval(js string) bool {
	c.t.Helper()
	v, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool](js))
	require.NoError(c.t, err, js)
	return v
}

// TestStudentsBrowserFlow: in real headless Chromium, a school admin sets up the academic
// basics (a session, a form, a class) through the academic setup page, creates a student
// with a guardian through the new student form (first with a mistake the server marks),
// finds the student by typing in the search box of the students list (htmx swaps the
// results in place), opens the profile and sees the guardian. Screenshots at laptop,
// tablet and phone sizes; no page scrolls sideways on a phone or tablet.
func TestStudentsBrowserFlow(t *testing.T) {
	c := startChrome(t)
	s := startServer(t)
	s.school(t, "greenfield", "Greenfield Primary")
	school := s.url("greenfield.localhost", "")
	type css = chromedp.CSS
	submitIn := func(form string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(css(`form[method="post"]` + form + ` button[type=submit]`))
	}

	c.do("admin signs in",
		chromedp.Navigate(school+"/login"),
		chromedp.WaitVisible(css(`#f-email`)),
		chromedp.SendKeys(css(`#f-email`), "admin@greenfield.localhost"),
		chromedp.SendKeys(css(`#f-password`), adminPass),
		chromedp.Click(css(`main form button[type=submit]`)),
		chromedp.WaitVisible(css(`.facts`)),
	)
	assert.Contains(t, c.text(`.topbar .nav`), "Academics")

	// The academic basics, through the setup page.
	c.do("create a session",
		chromedp.Click(css(`.nav a[href="/academics"]`)),
		chromedp.WaitVisible(css(`form[method="post"][action="/academics/sessions"]`)),
		c.shot("academics-empty.png"),
		chromedp.SendKeys(css(`#f-name`), "2025/2026"),
		chromedp.SetValue(css(`#f-start-date`), "2025-09-01"),
		chromedp.SetValue(css(`#f-end-date`), "2026-07-31"),
		submitIn(`[action="/academics/sessions"]`),
		chromedp.WaitVisible(css(`.alert-ok`)),
	)
	assert.Contains(t, c.text(`.alert-ok`), "The session was created.")
	assert.Contains(t, c.text(`main table`), "2025/2026")
	assert.Contains(t, c.text(`main table`), "Current", "the first session is the current one")

	c.do("create a form",
		chromedp.Click(css(`.tabs a[href="/academics/forms"]`)),
		chromedp.WaitVisible(css(`form[method="post"][action="/academics/forms"]`)),
		chromedp.SendKeys(css(`#f-name`), "Form 1"),
		chromedp.SendKeys(css(`#f-level`), "1"),
		submitIn(`[action="/academics/forms"]`),
		chromedp.WaitVisible(css(`.alert-ok`)),
	)
	assert.Contains(t, c.text(`main table`), "Form 1")

	c.do("create a class",
		chromedp.Click(css(`.tabs a[href="/academics/classes"]`)),
		chromedp.WaitVisible(css(`form[method="post"][action="/academics/classes"]`)),
		chromedp.SetValue(css(`#f-form`), "1"),
		chromedp.SendKeys(css(`#f-name`), "1A"),
		chromedp.SendKeys(css(`#f-capacity`), "40"),
		submitIn(`[action="/academics/classes"]`),
		chromedp.WaitVisible(css(`.alert-ok`)),
		c.shot("academics-classes.png"),
	)
	assert.Contains(t, c.text(`.alert-ok`), "The class was created.")
	assert.Contains(t, c.text(`main table`), "1A")
	assert.Contains(t, c.text(`main table`), "of 40")

	// Two other students, so that the search has something to leave out.
	s.student(t, "greenfield", "Brian", "Mwangi", 0, "")
	s.student(t, "greenfield", "Cynthia", "Achieng", 0, "")

	// A student with a guardian, through the form; a phone the school cannot read is
	// marked at its field and the typed values stay.
	c.do("new student form with a mistake",
		chromedp.Click(css(`.nav a[href="/students"]`)),
		chromedp.WaitVisible(css(`#student-results`)),
		chromedp.Click(css(`.page-head a[href="/students/new"]`)),
		chromedp.WaitVisible(css(`#f-first-name`)),
		chromedp.SendKeys(css(`#f-first-name`), "Amara"),
		chromedp.SendKeys(css(`#f-last-name`), "Okafor"),
		chromedp.SetValue(css(`#f-gender`), "female"),
		chromedp.SetValue(css(`#f-date-of-birth`), "2014-03-31"),
		chromedp.SetValue(css(`#f-class`), "1"),
		chromedp.SendKeys(css(`#f-guardian-name`), "Grace Okafor"),
		chromedp.SendKeys(css(`#f-guardian-relationship`), "Mother"),
		chromedp.SendKeys(css(`#f-guardian-phone`), "0712 345 678"),
		chromedp.SendKeys(css(`#f-guardian-email`), "grace@example.org"),
		chromedp.Click(css(`main form button[type=submit]`)),
		chromedp.WaitVisible(css(`#f-guardian-phone-err`)),
		c.shot("student-new-errors.png"),
	)
	assert.Contains(t, c.text(`#f-guardian-phone-err`), "international form")
	kept, err := chromedp.Run(c.ctx, chromedp.Value(css(`#f-guardian-name`)))
	require.NoError(t, err)
	assert.Equal(t, "Grace Okafor", kept)
	assert.Equal(t, int64(2), s.countStudents(t, "greenfield"), "nothing was written")

	c.do("create the student",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("f-guardian-phone").value = ""`),
		chromedp.SendKeys(css(`#f-guardian-phone`), "+254 712 345 678"),
		chromedp.Click(css(`main form button[type=submit]`)),
		chromedp.WaitVisible(css(`.alert-ok`)),
	)
	assert.Contains(t, c.text(`.alert-ok`), "The student was created.")
	assert.Contains(t, c.text(`main h1`), "Amara Okafor")
	assert.Contains(t, c.text(`#guardians`), "Grace Okafor")

	// The list: typing in the search box swaps the results without a page load.
	c.do("search the list",
		chromedp.Click(css(`.nav a[href="/students"]`)),
		chromedp.WaitVisible(css(`#student-results[data-count="3"]`)),
		chromedp.Evaluate[chromedp.Void](`window.samePage = true`),
		chromedp.SendKeys(css(`#f-search`), "okaf"),
		chromedp.WaitVisible(css(`#student-results[data-count="1"]`)),
		c.shot("students-search.png"),
	)
	assert.True(t, c.eval(`window.samePage === true`), "the results were swapped by htmx, not by a page load")
	assert.Contains(t, c.text(`#student-results tbody`), "Okafor")
	assert.NotContains(t, c.text(`#student-results tbody`), "Mwangi")
	loc, err := chromedp.Run(c.ctx, chromedp.Location())
	require.NoError(t, err)
	assert.Contains(t, loc, "search=okaf", "the address keeps the search, for reloading and sharing")
	href, err := chromedp.Run(c.ctx, chromedp.AttributeValue(css(`#student-results a[download]`), "href"))
	require.NoError(t, err)
	assert.Equal(t, "/api/core/students/export/?format=csv&search=okaf", href.Value, "the export follows the search")

	c.do("open the profile",
		chromedp.Click(css(`#student-results tbody a`)),
		chromedp.WaitVisible(css(`#guardians`)),
		c.shot("student-profile.png"),
	)
	assert.Contains(t, c.text(`#guardians`), "Grace Okafor")
	assert.Contains(t, c.text(`#guardians`), "Mother")
	assert.Contains(t, c.text(`#guardians`), "+254712345678")
	assert.Contains(t, c.text(`#guardians`), "grace@example.org")
	assert.Contains(t, c.text(`main`), "1A")
	profile, err := chromedp.Run(c.ctx, chromedp.Location())
	require.NoError(t, err)

	// The import, with a real file upload: a check that finds a problem, then a clean
	// file, its preview and the import.
	dir := t.TempDir()
	badCSV, goodCSV := filepath.Join(dir, "bad.csv"), filepath.Join(dir, "good.csv")
	require.NoError(t, os.WriteFile(badCSV, []byte("first_name,last_name,gender,class\nDaniel,Kiprop,male,1A\nEsther,Wanjiru,female,4Z\n"), 0o644))
	require.NoError(t, os.WriteFile(goodCSV, []byte("first_name,last_name,gender,class,guardian_name,guardian_phone\nDaniel,Kiprop,male,1A,Ruth Kiprop,+254722000111\nEsther,Wanjiru,female,1A,,\n"), 0o644))
	c.do("check a file with a problem",
		chromedp.Navigate(school+"/students/import"),
		chromedp.WaitVisible(css(`#f-file`)),
		chromedp.SetUploadFiles(css(`#f-file`), []string{badCSV}),
		chromedp.Click(css(`form[method="post"][action="/students/import"] button[type=submit]`)),
		chromedp.WaitVisible(css(`#import-problems`)),
		c.shot("student-import-problems.png"),
	)
	assert.Contains(t, c.text(`#import-problems`), "4Z")
	c.do("check and import a clean file",
		chromedp.SetUploadFiles(css(`#f-file`), []string{goodCSV}),
		chromedp.Click(css(`input[value="check"] ~ .form-actions button`)),
		chromedp.WaitVisible(css(`#import-preview`)),
		c.shot("student-import-preview.png"),
		chromedp.Click(css(`#import-preview button[type=submit]`)),
		chromedp.WaitVisible(css(`.alert-ok`)),
	)
	assert.Contains(t, c.text(`.alert-ok`), "2 students created")
	assert.Equal(t, int64(5), s.countStudents(t, "greenfield"))

	// An application, accepted, enrolled into 1A through the enroll page.
	c.do("record and accept an application",
		chromedp.Navigate(school+"/admissions/new"),
		chromedp.WaitVisible(css(`#f-first-name`)),
		chromedp.SendKeys(css(`#f-first-name`), "Faith"),
		chromedp.SendKeys(css(`#f-last-name`), "Chebet"),
		chromedp.SetValue(css(`#f-gender`), "female"),
		chromedp.SetValue(css(`#f-form`), "1"),
		chromedp.SendKeys(css(`#f-guardian-name`), "John Chebet"),
		chromedp.Click(css(`main form button[type=submit]`)),
		chromedp.WaitVisible(css(`.alert-ok`)),
		chromedp.Click(css(`tbody button.btn-primary`)),
		chromedp.WaitVisible(css(`tbody a[href$="/enroll"]`)),
		c.shot("admissions.png"),
		chromedp.Click(css(`tbody a[href$="/enroll"]`)),
		chromedp.WaitVisible(css(`#f-class`)),
		c.shot("admission-enroll.png"),
		chromedp.Click(css(`main form button[type=submit]`)),
		chromedp.WaitVisible(css(`.alert-ok`)),
	)
	assert.Contains(t, c.text(`.alert-ok`), "The applicant is enrolled")
	assert.Contains(t, c.text(`#guardians`), "John Chebet")

	c.do("more pages",
		chromedp.Navigate(profile+"/edit"),
		chromedp.WaitVisible(css(`#f-first-name`)),
		c.shot("student-edit.png"),
		chromedp.Navigate(school+"/academics/terms"),
		chromedp.WaitVisible(css(`main h1`)),
		c.shot("academics-terms.png"),
	)

	// Tablet and phone sizes.
	c.do("tablet",
		chromedp.EmulateViewport(768, 1024, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(school+"/students"),
		chromedp.WaitVisible(css(`#student-results`)),
		c.shot("students-tablet.png"),
		chromedp.Navigate(school+"/academics/classes"),
		chromedp.WaitVisible(css(`main table`)),
		c.shot("academics-classes-tablet.png"),
	)
	c.do("phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(school+"/students"),
		chromedp.WaitVisible(css(`#student-results`)),
		c.shot("students-phone.png"),
		chromedp.Navigate(profile),
		chromedp.WaitVisible(css(`#guardians`)),
		c.shot("student-profile-phone.png"),
		chromedp.Navigate(school+"/students/new"),
		chromedp.WaitVisible(css(`#f-first-name`)),
		c.shot("student-new-phone.png"),
		chromedp.Navigate(school+"/academics/classes"),
		chromedp.WaitVisible(css(`main table`)),
		c.shot("academics-classes-phone.png"),
		chromedp.Navigate(school+"/admissions"),
		chromedp.WaitVisible(css(`main table`)),
		c.shot("admissions-phone.png"),
	)
	wide := chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`)
	pages := []string{"/students", "/students/new", "/students/import", "/admissions", "/admissions/new",
		"/academics", "/academics/terms", "/academics/forms", "/academics/classes", "/academics/subjects", "/academics/assignments"}
	for _, size := range []struct{ w, h int64 }{{390, 844}, {768, 1024}} {
		c.do("resize", chromedp.EmulateViewport(size.w, size.h, chromedp.EmulateScale(2), chromedp.EmulateMobile))
		for _, p := range append(pages, profile[len(school):]) {
			c.do("open "+p, chromedp.Navigate(school+p), chromedp.WaitVisible(css(`main h1`)))
			overflow, err := chromedp.Run(c.ctx, wide)
			require.NoError(t, err)
			assert.False(t, overflow, "%s scrolls sideways at %dx%d", p, size.w, size.h)
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.problems {
		assert.NotContains(t, p, "Content Security Policy")
	}
	assert.Empty(t, filterNoise(c.problems), "browser console errors")
}

// waitFor evaluates js in the page until it is true, through navigations (which end an
// evaluation under way, as chromedp.Poll's does), or fails the test after stepTimeout.
func (c *chrome) waitFor(js string) {
	c.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		sctx, cancel := context.WithTimeout(c.ctx, time.Second)
		ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("waited %s for %s", stepTimeout, js)
}
