package settings_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
)

const chromium = "/usr/bin/chromium"

var artifacts = filepath.Join("..", "..", "..", "testdata", "artifacts")

// TestSettingsInBrowser: in headless Chromium an admin renames the school, sets its
// country, timezone and date format, uploads a logo and sees it in the top bar, at
// laptop (1280 px) and phone (390 px) widths, with no page wider than the screen.
// Screenshots go to testdata/artifacts.
func TestSettingsInBrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI for the browser test: %v", chromium, err)
		}
		t.Skipf("skipping the browser test: %s is not installed", chromium)
	}
	s := apptest.Start(t, apptest.At(now))
	s.CreateSchool("alpha", "Alpha School")
	base := s.URL + "/t/alpha"
	logo := filepath.Join(t.TempDir(), "crest.png")
	require.NoError(t, os.WriteFile(logo, pngOf(t, 120, 120), 0o644))
	require.NoError(t, os.MkdirAll(artifacts, 0o755))

	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("no-proxy-server", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancel()
	// The browser lives as long as the context of the first action: start it with ctx,
	// not with a step's shorter deadline.
	require.NoError(t, chromedp.Do(ctx))

	type css = chromedp.CSS
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		require.NoError(t, chromedp.Do(sctx, steps...), what)
	}
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			buf, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			abs, _ := filepath.Abs(filepath.Join(artifacts, name))
			t.Logf("screenshot: %s", abs)
			return os.WriteFile(abs, buf, 0o644)
		})
	}
	eval := func(js string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		require.NoError(t, err, js)
		return v
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		require.NoError(t, err, sel)
		return v
	}
	const fitsScreen = `document.documentElement.scrollWidth <= document.documentElement.clientWidth`
	const logoShown = `(() => { const i = document.querySelector('.topbar .brand img.brand-logo'); return !!i && i.complete && i.naturalWidth === 120 && i.getBoundingClientRect().width > 0 })()`

	do("sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(css(`#f-email`)),
		chromedp.SendKeys(css(`#f-email`), "admin@alpha.test"),
		chromedp.SendKeys(css(`#f-password`), apptest.Password),
		chromedp.Click(css(`main form button[type=submit]`)),
		chromedp.WaitVisible(css(`.nav a[href="/t/alpha/settings"]`)),
	)
	do("open the settings",
		chromedp.Click(css(`.nav a[href="/t/alpha/settings"]`)),
		chromedp.WaitVisible(css(`#f-timezone`)),
		shot("settings-1280.png"),
	)
	assert.True(t, eval(fitsScreen), "the settings page fits 1280 px")

	do("save a timezone that does not exist",
		chromedp.SetValue(css(`#f-timezone`), "Africa/Atlantis"),
		chromedp.Click(css(`form[action="/t/alpha/settings"] button[type=submit]`)),
		chromedp.WaitVisible(css(`#f-timezone-err`)),
	)
	assert.Contains(t, text(`#f-timezone-err`), "not a timezone known here")

	do("save the profile",
		chromedp.SetValue(css(`#f-name`), "Alpha Academy of Nairobi"),
		chromedp.SetValue(css(`#f-country-code`), "KE"),
		chromedp.SetValue(css(`#f-phone`), "0712 345 678"),
		chromedp.SetValue(css(`#f-timezone`), "Africa/Nairobi"),
		chromedp.SetValue(css(`#f-date-format`), "YYYY-MM-DD"),
		chromedp.Click(css(`form[action="/t/alpha/settings"] button[type=submit]`)),
		chromedp.WaitVisible(css(`.alert-ok`)),
	)
	assert.Contains(t, text(`.alert-ok`), "settings were saved")
	assert.Equal(t, "Alpha Academy of Nairobi", text(`.topbar .brand-name`))
	assert.Contains(t, text(`.page-head`), "2027-01-01", "today in Nairobi, in the chosen format")
	p := profileOf(t, s, "alpha")
	assert.Equal(t, "+254712345678", p.Phone)

	do("upload the logo",
		chromedp.SetUploadFiles(css(`#f-logo`), []string{logo}),
		chromedp.Click(css(`form[action="/t/alpha/settings/logo"] button[type=submit]`)),
		chromedp.WaitVisible(css(`.alert-ok`)),
		chromedp.WaitVisible(css(`.topbar .brand img.brand-logo`)),
		chromedp.Poll[chromedp.Void](logoShown, chromedp.WithPollingTimeout(10*time.Second)),
		shot("settings-logo-1280.png"),
	)
	assert.Contains(t, text(`.alert-ok`), "The logo was saved.")
	assert.True(t, eval(logoShown), "the logo is in the top bar")

	do("phone width",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(base+"/settings"),
		chromedp.WaitVisible(css(`#f-timezone`)),
		chromedp.Poll[chromedp.Void](logoShown, chromedp.WithPollingTimeout(10*time.Second)),
		shot("settings-390.png"),
	)
	assert.True(t, eval(fitsScreen), "the settings page fits 390 px")
	assert.True(t, eval(logoShown), "the logo is in the top bar on a phone")
	assert.True(t, eval(`document.querySelector('.logo-preview img').getBoundingClientRect().right <= window.innerWidth`))

	do("audit log on a phone",
		chromedp.Navigate(base+"/audit"),
		chromedp.WaitVisible(css(`table.audit`)),
		shot("audit-390.png"),
	)
	assert.True(t, eval(fitsScreen), "the audit log fits 390 px")
	assert.Contains(t, text(`table.audit`), "school.logo.set")
}
