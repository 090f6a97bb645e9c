package chatbot_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
)

// TestBroadcastPages: a clerk sends a broadcast from the browser's form and follows it
// on its page to every guardian's outcome; a form without text or with a class that is
// not there is refused naming the field and sends nothing; a teacher may not open the
// pages, and a post without the form's token changes nothing.
func TestBroadcastPages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Amina <b>", "+254711000001", "Ana")
	w.guardian(a, "Bahati", "+254722000002", "Baraka")
	w.s.CreateUser("alpha", "clerk@alpha.test", auth.RoleClerk)
	w.s.CreateUser("alpha", "teacher@alpha.test", auth.RoleTeacher)
	clerk := w.s.Client("alpha.localhost", "")
	clerk.Login("clerk@alpha.test")
	teacher := w.s.Client("alpha.localhost", "")
	teacher.Login("teacher@alpha.test")

	status, _, page := clerk.Do("GET", "/chatbot/broadcasts", "", nil)
	require.Equal(t, 200, status)
	assert.Contains(t, string(page), "New broadcast")
	assert.Contains(t, string(page), `value="class:`+itoa(a.class)+`"`, "the classes of the current session")
	assert.NotContains(t, string(page), "not set up for sending")
	_, _, inbox := clerk.Do("GET", "/chatbot", "", nil)
	assert.Contains(t, string(inbox), `href="/chatbot/broadcasts"`, "the inbox leads to the broadcasts")

	send := func(form url.Values) (int, string) {
		t.Helper()
		status, _, body := clerk.Do("POST", "/chatbot/broadcasts", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		return status, string(body)
	}
	status, body := send(url.Values{"audience": {"school"}, "text": {"  "}})
	assert.Equal(t, 400, status)
	assert.Contains(t, body, `id="f-text-err"`)
	status, body = send(url.Values{"audience": {"class:999999"}, "text": {"Hello"}})
	assert.Equal(t, 400, status)
	assert.Contains(t, body, `id="f-audience-err"`)
	assert.Contains(t, body, "Hello", "what was typed stays")
	_, list := a.admin.JSON("GET", "/api/chatbot/broadcasts/", nil)
	assert.Equal(t, float64(0), list["count"], "nothing was sent")

	status, body = send(url.Values{"audience": {"class:" + itoa(a.class)}, "text": {"Sports day is on Friday.\nBring water."}})
	require.Equal(t, 200, status, "redirected to the broadcast: %.300s", body)
	assert.Contains(t, body, "The broadcast is on its way.")
	assert.Contains(t, body, "Sports day is on Friday.")
	_, list = a.admin.JSON("GET", "/api/chatbot/broadcasts/", nil)
	require.Equal(t, float64(1), list["count"])
	id := int64(list["results"].([]any)[0].(map[string]any)["id"].(float64))
	w.broadcastDone(a, id)

	deadline := time.Now().Add(20 * time.Second)
	for {
		status, _, page = clerk.Do("GET", "/chatbot/broadcasts/"+itoa(id), "", nil)
		require.Equal(t, 200, status)
		if !strings.Contains(string(page), `hx-get=`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	p := string(page)
	assert.NotContains(t, p, `hx-get=`, "a finished broadcast stops refreshing")
	assert.Contains(t, p, "Amina &lt;b&gt;")
	assert.Contains(t, p, "&#43;254711000001")
	assert.Equal(t, 2, strings.Count(p, `<td data-label="Status">sent`), "both guardians: %s", p)
	_, _, listPage := clerk.Do("GET", "/chatbot/broadcasts", "", nil)
	assert.Contains(t, string(listPage), "2 of 2 sent")

	status, _, _ = teacher.Do("GET", "/chatbot/broadcasts", "", nil)
	assert.Equal(t, 403, status)
	status, _, _ = teacher.Do("GET", "/chatbot/broadcasts/"+itoa(id), "", nil)
	assert.Equal(t, 403, status)
	clerk.CSRF = ""
	status, _ = send(url.Values{"audience": {"school"}, "text": {"Again"}})
	assert.Equal(t, 403, status, "no CSRF token, nothing sent")
	_, list = a.admin.JSON("GET", "/api/chatbot/broadcasts/", nil)
	assert.Equal(t, float64(1), list["count"])
}
