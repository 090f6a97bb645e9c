package chatbot_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
)

const chromium = "/usr/bin/chromium"

// TestSimulatorInBrowser: a school admin chats with the bot as a guardian in the
// simulator page in headless Chromium on a 390 px phone: the messages go through the
// webhook, queue and worker and the answers appear without a reload, list choices are
// buttons to tap; then the conversation is in the inbox, where the admin answers as
// staff and hands it back. Nothing reaches the Graph API.
func TestSimulatorInBrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI for the browser test: %v", chromium, err)
		}
		t.Skipf("skipping the browser test: %s is not installed", chromium)
	}
	w := newWorld(t)
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Amina Otieno", "+254711000001", "Ana Otieno", "Baraka Otieno")
	u, _ := url.Parse(w.s.URL)
	base := "http://alpha.localhost:" + u.Port()
	artifacts := filepath.Join("..", "..", "testdata", "artifacts")
	require.NoError(t, os.MkdirAll(artifacts, 0o755))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-proxy-server", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(390, 844))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	// The browser belongs to the context of its first use: start it on bctx, not on a
	// step's context that ends with the step.
	require.NoError(t, chromedp.Do(bctx))

	type css = chromedp.CSS
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			buf, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(artifacts, name), buf, 0o644)
		})
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 60*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			fctx, cancel := context.WithTimeout(bctx, 5*time.Second)
			defer cancel()
			chromedp.Do(fctx, shot("chatbot-failure.png"))
			t.Fatalf("%s: %v\nlogs: %s", what, err, w.s.Logs())
		}
	}
	text := func(sel string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 20*time.Second)
		defer cancel()
		s, err := chromedp.Run(sctx, chromedp.Text(css(sel)))
		require.NoError(t, err, sel)
		return s
	}
	// waitText waits until the element's text contains want (the page updates itself).
	waitText := func(sel, want string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](`(function(){var e=document.querySelector(`+jsString(sel)+`);return !!e && e.innerText.indexOf(`+jsString(want)+`)>=0;})()`,
			chromedp.WithPollingTimeout(45*time.Second))
	}

	do("sign in",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(css(`#f-email`)),
		chromedp.SendKeys(css(`#f-email`), "admin@alpha.test"),
		chromedp.SendKeys(css(`#f-password`), apptest.Password),
		chromedp.Click(css(`main form button[type=submit]`)),
		chromedp.WaitVisible(css(`.facts`)),
	)
	do("open the simulator",
		chromedp.Navigate(base+"/chatbot/simulator"),
		chromedp.WaitVisible(css(`#f-text`)),
		chromedp.Poll[chromedp.Void](`document.readyState === "complete" && !!window.htmx`),
		chromedp.SendKeys(css(`#f-text`), "habari 👋"),
		chromedp.Click(css(`#sim-send`)),
		waitText(`#sim-thread`, "Which of your children"),
		shot("chatbot-simulator-pick.png"),
	)
	// htmx takes over a part it swapped in once it settles (20 ms later); a tap before
	// that posts the page the old way. A person is not that quick; the test waits.
	wired := func(sel string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](`(function(){var e=document.querySelector(`+jsString(sel)+`);return !!e && !!e["htmx-internal-data"] && !!e["htmx-internal-data"].initHash;})()`,
			chromedp.WithPollingTimeout(10*time.Second))
	}
	do("pick a child by tapping",
		wired(`#sim-thread .bubble:last-child form`),
		chromedp.Click(css(`#sim-thread button[data-choice^="child:"]:last-of-type`)),
		waitText(`#sim-thread`, "What would you like to know about"),
		wired(`#sim-thread .bubble:last-child form`),
	)
	do("ask for term dates",
		chromedp.Evaluate[chromedp.Void](`window.samePage = true`),
		chromedp.Click(css(`#sim-thread .bubble:last-child button[data-choice="terms"]`)),
		waitText(`#sim-thread`, "Term 2: Mon 28 Apr 2025"),
		shot("chatbot-simulator-phone.png"),
	)
	do("type a word",
		chromedp.SendKeys(css(`#f-text`), "matokeo"),
		chromedp.Click(css(`#sim-send`)),
		waitText(`#sim-thread`, "no published results"),
	)
	overflow, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
	require.NoError(t, err)
	assert.False(t, overflow, "the simulator does not scroll sideways at 390 px")

	do("the inbox lists the conversation",
		chromedp.Navigate(base+"/chatbot?channel=simulator"),
		waitText(`#inbox`, "Amina Otieno"),
		shot("chatbot-inbox-phone.png"),
		chromedp.Click(css(`#inbox a`)),
		chromedp.WaitVisible(css(`#f-text`)),
		chromedp.SendKeys(css(`#f-text`), "Hello Amina, this is the office."),
		chromedp.Click(css(`.chat-reply button[type=submit]`)),
		chromedp.WaitVisible(css(`.alert-ok`)), // the page after the post
		waitText(`#thread`, "Hello Amina, this is the office."),
		waitText(`main .page-head`, "with staff"),
		shot("chatbot-thread-phone.png"),
		chromedp.Click(css(`.page-head form button`)),
		chromedp.WaitNotPresent(css(`.page-head form`)), // handed back: no button any more
	)
	assert.Contains(t, text(`main .page-head`), "the bot answers")
	assert.Contains(t, text(`.alert-ok`), "The bot answers this conversation again.")
	overflow, err = chromedp.Run(bctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
	require.NoError(t, err)
	assert.False(t, overflow, "the thread does not scroll sideways at 390 px")

	do("settings",
		chromedp.Navigate(base+"/chatbot/settings"),
		chromedp.WaitVisible(css(`#f-phone-number-id`)),
		shot("chatbot-settings-phone.png"),
	)
	assert.Contains(t, text(`main`), "working")
	assert.NotContains(t, text(`main`), "secret-of-alpha")
	assert.Empty(t, w.graph.Sent(), "the simulator never sends to a phone")
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
