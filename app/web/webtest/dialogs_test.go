package webtest

import (
	"context"
	"sync"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// dialogs answers the JavaScript dialogs (confirm) of a browser tab as a person would:
// yes or no, as set, and remembers what each asked.
type dialogs struct {
	mu     sync.Mutex
	accept bool
	asked  []string
}

// answerDialogs starts answering the dialogs of the tab of ctx; the page waits for the
// answer, and so does the click that opened the dialog.
func answerDialogs(ctx context.Context, accept bool) *dialogs {
	d := &dialogs{accept: accept}
	opening := chromedp.Events(ctx, cdppage.JavascriptDialogOpening)
	go func() {
		for ev, err := range opening {
			if err != nil {
				return
			}
			d.mu.Lock()
			d.asked = append(d.asked, ev.Message)
			yes := d.accept
			d.mu.Unlock()
			// Answered from another goroutine than the one receiving the events.
			go chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: yes})
		}
	}()
	return d
}

// set makes the following dialogs be answered yes (true) or no (false).
func (d *dialogs) set(accept bool) {
	d.mu.Lock()
	d.accept = accept
	d.mu.Unlock()
}

// last is the question the latest dialog asked, "" if none did.
func (d *dialogs) last() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.asked) == 0 {
		return ""
	}
	return d.asked[len(d.asked)-1]
}

// count is how many dialogs were opened.
func (d *dialogs) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.asked)
}
