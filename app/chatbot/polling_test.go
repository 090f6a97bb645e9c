package chatbot_test

import (
	"html"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var pollRe = regexp.MustCompile(`hx-get="([^"]+)" hx-trigger="every`)

// TestThreadPagesKeepPolling: a conversation's page and the simulator poll for new
// messages as long as they are open: each polled part names the next address (the
// first poll used to end the polling, so a guardian's second message or a slow answer
// never showed), a poll while nothing changed answers 204 so htmx leaves the page (and
// the buttons under a finger) alone, and a new message comes with the next poll.
func TestThreadPagesKeepPolling(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Amina Otieno", "+254711000001", "Ana")
	admin := w.s.Client("alpha.localhost", "")
	admin.Login("admin@alpha.test")

	w.send(a, "254711000001", "wamid.1", "hi")
	w.replies("254711000001", 1)
	_, list := a.admin.JSON("GET", "/api/chatbot/conversations/", nil)
	id := itoa(int64(list["results"].([]any)[0].(map[string]any)["id"].(float64)))

	poll := func(page string) string {
		t.Helper()
		m := pollRe.FindStringSubmatch(page)
		require.NotNil(t, m, "the part polls: %.300s", page)
		return html.UnescapeString(m[1])
	}
	status, _, page := admin.Do("GET", "/chatbot/c/"+id, "", nil)
	require.Equal(t, 200, status)
	next := poll(string(page))

	status, _, part := admin.Do("GET", next, "", nil)
	if status != 204 { // the first reply's status may still have moved on
		next = poll(string(part))
		status, _, part = admin.Do("GET", next, "", nil)
	}
	assert.Equal(t, 204, status, "nothing new: %s", part)

	// follow polls as the page does until one answers 204 (the reply's status may
	// still move on after the message is handled); what the 200s showed is returned.
	follow := func(url string) string {
		t.Helper()
		var shown string
		for range 50 {
			status, _, part := admin.Do("GET", url, "", nil)
			if status == 204 {
				return shown
			}
			require.Equal(t, 200, status)
			shown += string(part)
			next := poll(string(part))
			require.NotEqual(t, url, next, "the next poll asks from what is now shown")
			url = next
		}
		t.Fatal("the thread never settled")
		return ""
	}
	w.send(a, "254711000001", "wamid.2", "Is there school on Monday?")
	w.waitRows("alpha", "chatbot_inbound", "wamid = 'wamid.2' AND state = 'handled'", 1)
	assert.Contains(t, follow(next), "Is there school on Monday?")

	// The simulator's thread the same way.
	status, sent := a.admin.JSON("POST", "/api/chatbot/simulator/messages/", map[string]any{"phone": "254711000001", "text": "hello"})
	require.Equal(t, 202, status, "%v", sent)
	w.waitRows("alpha", "chatbot_inbound", "channel = 'simulator' AND state = 'handled'", 1)
	status, _, page = admin.Do("GET", "/chatbot/simulator?phone=254711000001", "", nil)
	require.Equal(t, 200, status)
	next = poll(string(page))
	follow(next)
	status, sent = a.admin.JSON("POST", "/api/chatbot/simulator/messages/", map[string]any{"phone": "254711000001", "text": "menu"})
	require.Equal(t, 202, status, "%v", sent)
	w.waitRows("alpha", "chatbot_inbound", "channel = 'simulator' AND state = 'handled'", 2)
	assert.Contains(t, follow(next), "menu")
}
