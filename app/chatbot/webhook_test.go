package chatbot_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
)

// TestWebhookSignature: only a body signed with the school's app secret, over the exact
// bytes received, is stored; anything else is refused and stores nothing.
func TestWebhookSignature(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.addSchool("alpha", "1001")
	w.addSchool("beta", "2002")
	w.guardian(a, "Amina Otieno", "+254711000001", "Ana")

	msg := func(wamid string) []byte {
		return webhook(map[string][]map[string]any{a.number: {text("254711000001", wamid, "Habari 🌍 مرحبا")}})
	}
	b := msg("wamid.good")
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	reencoded, _ := json.Marshal(v)
	require.NotEqual(t, b, reencoded)

	refused := []struct {
		name, host string
		body       []byte
		sig        string
		status     int
	}{
		{"missing", "localhost", msg("wamid.1"), "", 401},
		{"wrong secret", "localhost", msg("wamid.2"), whatsapp.Sign("not-the-secret", msg("wamid.2")), 401},
		{"another school's secret", "localhost", msg("wamid.3"), whatsapp.Sign("secret-of-beta", msg("wamid.3")), 401},
		{"re-encoded JSON", "localhost", reencoded, whatsapp.Sign(a.secret, b), 401},
		{"garbage", "localhost", msg("wamid.4"), "sha256=deadbeef", 401},
		{"unknown number", "localhost", webhook(map[string][]map[string]any{"9999": {text("254711000001", "wamid.5", "hi")}}),
			whatsapp.Sign(a.secret, webhook(map[string][]map[string]any{"9999": {text("254711000001", "wamid.5", "hi")}})), 404},
		{"school host, its secret, another school's number", "alpha.localhost",
			webhook(map[string][]map[string]any{"2002": {text("254711000001", "wamid.6", "hi")}}),
			whatsapp.Sign(a.secret, webhook(map[string][]map[string]any{"2002": {text("254711000001", "wamid.6", "hi")}})), 404},
		{"school host, another school's secret", "alpha.localhost", msg("wamid.7"), whatsapp.Sign("secret-of-beta", msg("wamid.7")), 401},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			status, body := w.post(tc.host, tc.body, tc.sig)
			assert.Equal(t, tc.status, status, "%v", body)
		})
	}
	assert.Zero(t, w.count("alpha", "chatbot_inbound", ""), "nothing refused was stored")
	assert.Zero(t, w.count("beta", "chatbot_inbound", ""))

	status, body := w.post("localhost", b, whatsapp.Sign(a.secret, b))
	require.Equal(t, 200, status, "%v", body)
	assert.Equal(t, float64(1), body["messages"])
	assert.Equal(t, 1, w.count("alpha", "chatbot_inbound", "wamid = 'wamid.good' AND body = 'Habari 🌍 مرحبا'"), "the text is stored as written")
	status, _ = w.post("alpha.localhost", msg("wamid.host"), whatsapp.Sign(a.secret, msg("wamid.host")))
	require.Equal(t, 200, status, "the school's own host takes its own signed posts")
	w.replies("254711000001", 2)
}
