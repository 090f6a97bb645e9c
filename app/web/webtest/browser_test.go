package webtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	chromium    = "/usr/bin/chromium"
	stepTimeout = 20 * time.Second
)

// artifacts is where screenshots go: testdata/artifacts at the repository root.
var artifacts = filepath.Join("..", "..", "..", "testdata", "artifacts")

// TestBrowserFlow drives the real pages in headless Chromium: a platform admin signs in
// and creates a school with its first admin through the form, then that admin signs in
// at the school's own host name, sees the dashboard, adds a teacher and deactivates the
// teacher with the htmx button. It saves screenshots at laptop, phone and tablet sizes, and checks that no page
// scrolls sideways on a 360 px phone.
func TestBrowserFlow(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI for the browser test: %v", chromium, err)
		}
		t.Skipf("skipping the browser test: %s is not installed (apt-get install chromium)", chromium)
	}
	require.NoError(t, os.MkdirAll(artifacts, 0o755))

	s := startServer(t)
	platform := s.url("localhost", "")
	school := s.url("greenfield.localhost", "")

	// The browser lives as long as the test; each step below has its own deadline, so
	// a hang fails one step quickly and still leaves a screenshot of what was on screen.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := []chromedp.ExecAllocatorOption{
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
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancelBrowser()

	// Console errors and CSP violations would mean a broken page even if it looks fine.
	var mu sync.Mutex
	var problems []string
	messages := chromedp.Console(bctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()

	shot := func(name string) chromedp.Action[chromedp.Void] {
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
			t.Logf("screenshot: %s", abs)
			return nil
		})
	}
	text := func(sel string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, stepTimeout)
		defer cancel()
		s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
		require.NoError(t, err, sel)
		return s
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, stepTimeout)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			fctx, cancel := context.WithTimeout(bctx, 5*time.Second)
			defer cancel()
			loc, _ := chromedp.Run(fctx, chromedp.Location())
			chromedp.Do(fctx, shot("failure.png"))
			t.Fatalf("%s: %v (page: %s)", what, err, loc)
		}
	}
	type css = chromedp.CSS
	submit := chromedp.Click(css(`main form button[type=submit]`))

	// The platform admin signs in.
	do("platform admin signs in",
		chromedp.Navigate(platform+"/login"),
		chromedp.WaitVisible(css(`#f-email`)),
		shot("platform-login.png"),
		chromedp.SendKeys(css(`#f-email`), platformEmail),
		chromedp.SendKeys(css(`#f-password`), platformPass),
		submit,
		chromedp.WaitVisible(css(`.empty`)),
	)
	assert.Equal(t, "Schools", text(`main h1`))
	assert.Contains(t, text(`.topbar`), "SMS Platform")

	// ... opens the form, gets field errors, fixes them and creates the school.
	do("new school form with errors",
		chromedp.Click(css(`.page-head a[href="/schools/new"]`)),
		chromedp.WaitVisible(css(`#f-schema-name`)),
		chromedp.SendKeys(css(`#f-name`), "Greenfield Primary"),
		chromedp.SendKeys(css(`#f-schema-name`), "Green Field"),
		chromedp.SendKeys(css(`#f-admin-email`), "head@greenfield.localhost"),
		chromedp.SendKeys(css(`#f-admin-name`), "Grace Head"),
		chromedp.SendKeys(css(`#f-admin-password`), "short"),
		submit,
		chromedp.WaitVisible(css(`#f-admin-password-err`)),
		shot("platform-new-school-errors.png"),
	)
	assert.Contains(t, text(`#f-admin-password-err`), "at least")
	assert.Contains(t, text(`.alert-error`), "Please correct the highlighted fields.")
	kept, err := chromedp.Run(bctx, chromedp.Value(css(`#f-name`)))
	require.NoError(t, err)
	assert.Equal(t, "Greenfield Primary", kept, "values survive the error")

	do("create the school",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("f-schema-name").value = ""`),
		chromedp.SendKeys(css(`#f-schema-name`), "greenfield"),
		chromedp.SendKeys(css(`#f-admin-password`), adminPass),
		submit,
		chromedp.WaitVisible(css(`.alert-ok`)),
		shot("platform-school-created.png"),
	)
	assert.Contains(t, text(`.alert-ok`), "The school was created.")
	assert.Equal(t, "Greenfield Primary", text(`main h1`))
	assert.Contains(t, text(`.domain-list`), "greenfield.localhost")
	do("schools list", chromedp.Navigate(platform+"/"), chromedp.WaitVisible(css(`tbody`)), shot("platform-schools.png"))
	assert.Contains(t, text(`tbody`), "Greenfield Primary")

	// The school's first admin signs in at the school's own host name.
	do("school admin signs in",
		chromedp.Navigate(school+"/login"),
		chromedp.WaitVisible(css(`#f-email`)),
		chromedp.SendKeys(css(`#f-email`), "head@greenfield.localhost"),
		chromedp.SendKeys(css(`#f-password`), adminPass),
		submit,
		chromedp.WaitVisible(css(`.facts`)),
		shot("school-dashboard.png"),
	)
	assert.Equal(t, "Greenfield Primary", text(`main h1`))
	assert.Contains(t, text(`.topbar .brand`), "Greenfield Primary")
	assert.Contains(t, text(`.welcome`), "Grace Head")

	// ... adds a teacher, then deactivates her with the htmx button (saying yes when asked):
	// the row changes in place, without a page load.
	answerDialogs(bctx, true)
	do("add and deactivate a teacher",
		chromedp.Navigate(school+"/users/new"),
		chromedp.WaitVisible(css(`#f-email`)),
		chromedp.SendKeys(css(`#f-email`), "tia@greenfield.localhost"),
		chromedp.SendKeys(css(`#f-name`), "Tia Teacher"),
		chromedp.SetValue(css(`#f-role`), "teacher"),
		chromedp.SendKeys(css(`#f-password`), teacherPass),
		submit,
		chromedp.WaitVisible(css(`.alert-ok`)),
		chromedp.Evaluate[chromedp.Void](`window.samePage = true`),
		chromedp.Click(css(`tbody button`)),
		chromedp.WaitVisible(css(`tbody tr.row-off`)),
		shot("school-users.png"),
	)
	same, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.samePage === true`))
	require.NoError(t, err)
	assert.True(t, same, "the row was swapped by htmx, not by a page load")
	assert.Contains(t, text(`tbody tr.row-off`), "Inactive")

	// The same pages at phone size.
	do("phone size",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(school+"/"),
		chromedp.WaitVisible(css(`.facts`)),
		shot("school-dashboard-phone.png"),
		chromedp.Navigate(school+"/users"),
		chromedp.WaitVisible(css(`tbody`)),
		shot("school-users-phone.png"),
		chromedp.Click(css(`tbody tr.row-off a`)),
		chromedp.WaitVisible(css(`#f-password-confirm`)),
		shot("school-user-edit-phone.png"),
		chromedp.Navigate(platform+"/schools/greenfield"),
		chromedp.WaitVisible(css(`.domain-list`)),
		shot("platform-school-phone.png"),
	)
	// No page scrolls sideways on the smallest phones or on a tablet.
	wide := chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`)
	for _, size := range []struct{ w, h int64 }{{360, 740}, {390, 844}, {768, 1024}} {
		do("resize", chromedp.EmulateViewport(size.w, size.h, chromedp.EmulateScale(2), chromedp.EmulateMobile))
		for _, u := range []string{school + "/", school + "/users", school + "/users/new", platform + "/", platform + "/schools/greenfield", platform + "/schools/new"} {
			do("open "+u, chromedp.Navigate(u), chromedp.WaitVisible(css(`main h1`)))
			overflow, err := chromedp.Run(bctx, wide)
			require.NoError(t, err)
			assert.False(t, overflow, "%s scrolls sideways at %dx%d", u, size.w, size.h)
		}
	}
	do("tablet", chromedp.Navigate(school+"/users"), chromedp.WaitVisible(css(`tbody`)), shot("school-users-tablet.png"))
	do("small phone",
		chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(platform+"/"), chromedp.WaitVisible(css(`tbody`)), shot("platform-schools-phone.png"))

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		assert.NotContains(t, p, "Content Security Policy")
	}
	assert.Empty(t, filterNoise(problems), "browser console errors")
}

// filterNoise drops console errors that are expected: the 4xx answers of the form
// submissions above with field errors.
func filterNoise(in []string) []string {
	var out []string
	for _, p := range in {
		if strings.Contains(p, "status of 400") {
			continue
		}
		out = append(out, p)
	}
	return out
}
