package chatbot_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/db"
)

// TestSettings: admins set the channel; secrets are never given back; a number another
// school has is refused naming the field; bad input names each field and changes
// nothing, neither in the school's file nor in the catalog.
func TestSettings(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	s.CreateSchool("alpha", "Alpha School")
	s.CreateSchool("beta", "Beta School")
	alpha, beta := s.As("alpha", "admin@alpha.test"), s.As("beta", "admin@beta.test")

	status, got := alpha.JSON("GET", "/api/chatbot/settings/", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "not_configured", got["channel"].(map[string]any)["status"])
	assert.Equal(t, "https://graph.facebook.com", got["graph_url"])
	assert.Equal(t, "v22.0", got["graph_version"])

	status, got = alpha.JSON("PUT", "/api/chatbot/settings/", map[string]any{"phone_number_id": "106540352242922",
		"access_token": "EAAG-very-secret", "app_secret": "app-secret-value", "verify_token": "verify-me",
		"display_number": "+254 700 000001", "absence_template": "absence_alert", "alert_not_before": "09:30", "alert_delay_minutes": 45})
	require.Equal(t, 200, status, "%v", got)
	assert.Equal(t, "ok", got["channel"].(map[string]any)["status"])
	assert.Equal(t, true, got["access_token_set"])
	assert.Equal(t, true, got["app_secret_set"])
	assert.Equal(t, "09:30", got["alert_not_before"])
	_, _, raw := alpha.Do("GET", "/api/chatbot/settings/", "", nil)
	for _, secret := range []string{"EAAG-very-secret", "app-secret-value", "verify-me"} {
		assert.NotContains(t, string(raw), secret, "secrets are write-only")
	}
	var audit string
	s.WithSchool("alpha", func(tn *db.Tenant) error {
		return tn.ReadDB().QueryRowContext(context.Background(), `SELECT detail FROM audit_log WHERE action = 'chatbot.settings'`).Scan(&audit)
	})
	assert.Contains(t, audit, "access_token")
	assert.NotContains(t, audit, "EAAG-very-secret", "the audit log names what changed, never a secret")

	status, got = beta.JSON("PUT", "/api/chatbot/settings/", map[string]any{"phone_number_id": "106540352242922", "app_secret": "b"})
	require.Equal(t, 409, status, "%v", got)
	assert.Contains(t, got["error"].(map[string]any)["fields"], "phone_number_id")
	status, got = beta.JSON("GET", "/api/chatbot/settings/", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "", got["phone_number_id"], "beta's settings are unchanged")
	assert.Equal(t, false, got["app_secret_set"])

	bad := map[string]any{"phone_number_id": "12ab", "graph_url": "ftp://x", "graph_version": "22", "template_language": "english",
		"absence_template": "Absence Alert!", "alert_not_before": "25:00", "alert_delay_minutes": 5000, "access_token": "has space",
		"display_number": "call me"}
	status, got = alpha.JSON("PUT", "/api/chatbot/settings/", bad)
	require.Equal(t, 400, status)
	fields := got["error"].(map[string]any)["fields"].(map[string]any)
	for k := range bad {
		assert.Contains(t, fields, k)
	}
	status, _ = alpha.JSON("PUT", "/api/chatbot/settings/", map[string]any{"phone_number_id": 5})
	assert.Equal(t, 400, status)
	status, _, _ = alpha.Do("PUT", "/api/chatbot/settings/", "application/json", strings.NewReader(`{"phone_number_id":"1"`))
	assert.Equal(t, 400, status)
	status, got = alpha.JSON("GET", "/api/chatbot/settings/", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "106540352242922", got["phone_number_id"], "nothing of a refused request was written")
	assert.Equal(t, "09:30", got["alert_not_before"])

	// Alpha gives the number up; beta can then have it.
	status, _ = alpha.JSON("PUT", "/api/chatbot/settings/", map[string]any{"phone_number_id": ""})
	require.Equal(t, 200, status)
	status, got = beta.JSON("PUT", "/api/chatbot/settings/", map[string]any{"phone_number_id": "106540352242922"})
	require.Equal(t, 200, status, "%v", got)

	viewer := s.CreateUser("alpha", "viewer@alpha.test", "viewer")
	_ = viewer
	status, _ = s.As("alpha", "viewer@alpha.test").JSON("PUT", "/api/chatbot/settings/", map[string]any{"phone_number_id": "1"})
	assert.Equal(t, 403, status)
	status, _ = s.Client("alpha.localhost", "").JSON("GET", "/api/chatbot/settings/", nil)
	assert.Equal(t, 401, status)
}

// TestVerificationHandshake: Meta's GET with the verify token gets the challenge back,
// on the base domain (any school's token) and on a school's host (its own only).
func TestVerificationHandshake(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.addSchool("alpha", "1001")
	w.addSchool("beta", "2002")
	get := func(host, token, challenge string) (int, string) {
		t.Helper()
		q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token}, "hub.challenge": {challenge}}
		req, _ := http.NewRequest("GET", w.s.URL+"/webhooks/whatsapp?"+q.Encode(), nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := get("localhost", "verify-alpha", "1158201444")
	assert.Equal(t, 200, status)
	assert.Equal(t, "1158201444", body)
	status, body = get("beta.localhost", "verify-beta", "42")
	assert.Equal(t, 200, status)
	assert.Equal(t, "42", body)
	status, _ = get("beta.localhost", "verify-alpha", "42")
	assert.Equal(t, 403, status, "a school's host takes only its own token")
	status, _ = get("localhost", "guess", "42")
	assert.Equal(t, 403, status)
	status, _ = get("localhost", "verify-alpha", "<script>alert(1)</script>")
	assert.Equal(t, 403, status, "only a plain challenge is echoed")
}
