package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeDemoSimulatorWorks: the demo school that `sms serve --demo` makes answers in
// the WhatsApp simulator at once, with no WhatsApp account: a guardian's "hi" goes
// through the webhook, queue and worker and the bot's menu comes back. Its number sends
// nothing for real (no access token), and a second start leaves the settings alone.
func TestServeDemoSimulatorWorks(t *testing.T) {
	dir := newDataDir(t)
	s := startServe(t, map[string]string{"SMS_DATA": dir}, "--demo")
	assert.Contains(t, s.out.String(), "/chatbot/simulator", "the demo's addresses include the simulator")

	call := func(method, path, token string, body any) (int, map[string]any) {
		t.Helper()
		return s.call(t, method, "demo.localhost", path, token, body)
	}
	status, tok := call("POST", "/api/auth/token", "", map[string]string{"email": demoAdminEmail, "password": demoPassword, "name": "test"})
	require.Equal(t, http.StatusCreated, status, tok)
	token, _ := tok["token"].(string)

	status, st := call("GET", "/api/chatbot/settings/", token, nil)
	require.Equal(t, 200, status, st)
	assert.NotEmpty(t, st["phone_number_id"])
	assert.Equal(t, true, st["app_secret_set"])
	assert.Equal(t, false, st["access_token_set"], "the demo's number sends nothing for real")

	status, g := call("GET", "/api/core/guardians/?page_size=1", token, nil)
	require.Equal(t, 200, status, g)
	phone := strings.TrimPrefix(g["results"].([]any)[0].(map[string]any)["phone"].(string), "+")
	status, sent := call("POST", "/api/chatbot/simulator/messages/", token, map[string]string{"phone": phone, "text": "hi"})
	require.Equal(t, http.StatusAccepted, status, sent)

	deadline := time.Now().Add(20 * time.Second)
	for {
		status, th := call("GET", "/api/chatbot/simulator/threads/"+phone, token, nil)
		require.Equal(t, 200, status, th)
		msgs, _ := th["messages"].([]any)
		if len(msgs) >= 2 {
			last := msgs[len(msgs)-1].(map[string]any)
			assert.Equal(t, "out", last["direction"], "the bot answered: %v", msgs)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer in the simulator: %v", th)
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.Equal(t, 0, s.stop())

	// A second start finds the demo and leaves its WhatsApp settings as they are.
	s = startServe(t, map[string]string{"SMS_DATA": dir}, "--demo")
	status, again := call("GET", "/api/chatbot/settings/", token, nil)
	require.Equal(t, 200, status, again)
	assert.Equal(t, st["phone_number_id"], again["phone_number_id"])
	assert.Equal(t, st["updated_at"], again["updated_at"])
}
