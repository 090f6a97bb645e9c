package chatbot_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
)

// TestWhatsAppPages: who may open which page, the settings form (secrets never shown,
// a bad field named and nothing saved, a secret kept when its box is left empty), and
// the CSRF token on every post.
func TestWhatsAppPages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.addSchool("alpha", "1001")
	w.s.CreateUser("alpha", "clerk@alpha.test", auth.RoleClerk)
	w.s.CreateUser("alpha", "teacher@alpha.test", auth.RoleTeacher)
	admin := w.s.Client("alpha.localhost", "")
	admin.Login("admin@alpha.test")
	clerk := w.s.Client("alpha.localhost", "")
	clerk.Login("clerk@alpha.test")
	teacher := w.s.Client("alpha.localhost", "")
	teacher.Login("teacher@alpha.test")

	for _, tc := range []struct {
		who    string
		status map[string]int
	}{
		{"admin", map[string]int{"/chatbot": 200, "/chatbot/simulator": 200, "/chatbot/settings": 200}},
		{"clerk", map[string]int{"/chatbot": 200, "/chatbot/simulator": 200, "/chatbot/settings": 403}},
		{"teacher", map[string]int{"/chatbot": 403, "/chatbot/simulator": 403, "/chatbot/settings": 403}},
	} {
		c := map[string]*apptest.Client{"admin": admin, "clerk": clerk, "teacher": teacher}[tc.who]
		for path, want := range tc.status {
			status, _, _ := c.Do("GET", path, "", nil)
			assert.Equal(t, want, status, "%s %s", tc.who, path)
		}
	}

	status, _, page := admin.Do("GET", "/chatbot/settings", "", nil)
	require.Equal(t, 200, status)
	assert.NotContains(t, string(page), "secret-of-alpha")
	assert.NotContains(t, string(page), "token-of-alpha")
	assert.Contains(t, string(page), "/webhooks/whatsapp")

	form := url.Values{"phone_number_id": {"1001"}, "graph_url": {"not a url"}, "graph_version": {"v22.0"}, "template_language": {"en"},
		"alert_not_before": {"10:00"}, "alert_delay_minutes": {"60"}, "app_secret": {"new-secret"}}
	status, _, page = admin.Do("POST", "/chatbot/settings", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	assert.Equal(t, 400, status)
	assert.Contains(t, string(page), "Must be an http(s) address")
	_, st := a.admin.JSON("GET", "/api/chatbot/settings/", nil)
	assert.Equal(t, w.graph.URL, st["graph_url"], "nothing was saved")

	form.Set("graph_url", w.graph.URL)
	form.Set("app_secret", "")
	form.Set("display_number", "+254 700 000001")
	status, _, page = admin.Do("POST", "/chatbot/settings", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.Equal(t, 200, status, "redirected to the form")
	assert.Contains(t, string(page), "The WhatsApp settings were saved.")
	_, st = a.admin.JSON("GET", "/api/chatbot/settings/", nil)
	assert.Equal(t, "+254 700 000001", st["display_number"])
	assert.Equal(t, true, st["app_secret_set"], "an empty secret box keeps the secret")

	admin.CSRF = ""
	status, _, _ = admin.Do("POST", "/chatbot/settings", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	assert.Equal(t, 403, status, "no CSRF token, no change")
}
