package chatbot_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/chatbot/whatsapp/whatsapptest"
)

// TestTwentyFourHourWindow: what WhatsApp would refuse outside the 24 hours after the
// phone last wrote goes as the school's template: an answer to an old message, a staff
// reply, and a message WhatsApp refused with 131047 after all.
func TestTwentyFourHourWindow(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Amina Otieno", "+254711000001", "Ana")
	phone := "254711000001"

	old := text(phone, "wamid.old", "results")
	old["timestamp"] = strconv.FormatInt(time.Now().Add(-30*time.Hour).Unix(), 10)
	b := webhook(map[string][]map[string]any{a.number: {old}})
	status, _ := w.post("localhost", b, whatsapp.Sign(a.secret, b))
	require.Equal(t, 200, status)
	m := w.nth(phone, 1)
	require.NotNil(t, m.Message.Template, "a message 30 hours old is answered with a template: %s", body(m))
	assert.Equal(t, "please_write_again", m.Message.Template.Name)
	assert.Equal(t, "Alpha School", m.Message.Template.Components[0].Parameters[0].Text)

	conv := w.conversationID("alpha", phone)
	status, resp := a.admin.JSON("POST", "/api/chatbot/conversations/"+itoa(conv)+"/reply/", map[string]any{"text": "Hello from the office"})
	require.Equal(t, 202, status, "%v", resp)
	m = w.nth(phone, 2)
	require.NotNil(t, m.Message.Template, "a staff reply outside the window is the template")

	// Staff have the conversation now: the bot stays quiet while the guardian writes.
	w.send(a, phone, "wamid.fresh", "Thank you, when is the meeting?")
	w.waitRows("alpha", "chatbot_inbound", "wamid = 'wamid.fresh' AND state = 'handled'", 1)
	status, resp = a.admin.JSON("POST", "/api/chatbot/conversations/"+itoa(conv)+"/reply/", map[string]any{"text": "Hello from the office"})
	require.Equal(t, 202, status, "%v", resp)
	m = w.nth(phone, 3)
	require.NotNil(t, m.Message.Text, "inside the window a staff reply is text")
	assert.Equal(t, "Hello from the office", m.Message.Text.Body)

	// WhatsApp's own view of the window can differ: a 131047 answer sends the template.
	w.graph.Fail(phone, whatsapptest.Failure{HTTPStatus: 400, Code: whatsapp.CodeOutsideWindow, Message: "(#131047) Re-engagement message"}, 1)
	status, _ = a.admin.JSON("POST", "/api/chatbot/conversations/"+itoa(conv)+"/hand-back/", nil)
	require.Equal(t, 200, status)
	w.send(a, phone, "wamid.after", "menu")
	m = w.nth(phone, 4)
	require.NotNil(t, m.Message.Template, "after 131047 the template goes instead: %s", body(m))
	assert.Equal(t, 1, w.count("alpha", "chatbot_outbound", "reply_to = 'wamid.after' AND status = 'failed' AND error_code = 131047"))

	// Or it accepts the message and reports it failed later, in a status.
	w.send(a, phone, "wamid.later", "3")
	m = w.nth(phone, 5)
	require.NotNil(t, m.Message.Text)
	w.waitRows("alpha", "chatbot_outbound", "wamid = ? AND status = 'sent'", 1, m.WAMID)
	failed := map[string]any{"id": m.WAMID, "status": "failed", "timestamp": nowStamp(), "recipient_id": phone,
		"errors": []any{map[string]any{"code": 131047, "title": "Re-engagement message"}}}
	b = webhook(map[string][]map[string]any{a.number: nil})
	b = []byte(replaceOnce(string(b), `"messages":null`, `"statuses":`+mustJSON([]any{failed})))
	status, _ = w.post("localhost", b, whatsapp.Sign(a.secret, b))
	require.Equal(t, 200, status)
	m = w.nth(phone, 6)
	require.NotNil(t, m.Message.Template, "the template follows a failed status with 131047: %s", body(m))
	// The same status again changes nothing.
	status, _ = w.post("localhost", b, whatsapp.Sign(a.secret, b))
	require.Equal(t, 200, status)
	w.send(a, phone, "wamid.last", "menu")
	w.replies(phone, 7)
	assert.Len(t, w.graph.SentTo(phone), 7)
}

// TestGraphAPIErrors: retried answers are retried, final ones are not; an expired token
// marks the school's channel failing for admins until a new one is set; work that keeps
// failing ends in the dead letters.
func TestGraphAPIErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Amina", "+254711000001", "Ana")
	w.guardian(a, "Bahati", "+254722000002", "Baraka")
	w.guardian(a, "Chiku", "+254733000003", "Chausiku")

	t.Run("rate limits are retried", func(t *testing.T) {
		w.graph.Fail("254711000001", whatsapptest.Failure{HTTPStatus: 429, Code: whatsapp.CodeThroughput, Message: "(#130429) Rate limit hit"}, 1)
		w.graph.Fail("254711000001", whatsapptest.Failure{HTTPStatus: 400, Code: whatsapp.CodePairRateLimit, Message: "(#131056) pair rate limit"}, 1)
		w.send(a, "254711000001", "wamid.r1", "hi")
		w.replies("254711000001", 1)
		assert.Len(t, w.graph.SentTo("254711000001"), 1)
	})

	t.Run("undeliverable is not retried", func(t *testing.T) {
		w.graph.Fail("254722000002", whatsapptest.Failure{HTTPStatus: 400, Code: whatsapp.CodeUndeliverable, Message: "(#131026) Message undeliverable"}, 1)
		w.send(a, "254722000002", "wamid.u1", "hi")
		w.waitRows("alpha", "chatbot_outbound", "reply_to = 'wamid.u1' AND status = 'failed' AND error_code = 131026", 1)
		w.send(a, "254722000002", "wamid.u2", "hi")
		w.replies("254722000002", 1)
		assert.Len(t, w.graph.SentTo("254722000002"), 1, "the refused message was not sent again")
	})

	t.Run("an expired token marks the channel failing", func(t *testing.T) {
		w.graph.SetToken(a.number, "a-new-token")
		w.send(a, "254733000003", "wamid.t1", "hi")
		w.waitRows("alpha", "chatbot_outbound", "reply_to = 'wamid.t1' AND status = 'failed' AND error_code = 190", 1)
		status, s := a.admin.JSON("GET", "/api/chatbot/settings/", nil)
		require.Equal(t, 200, status)
		ch := s["channel"].(map[string]any)
		assert.Equal(t, "failing", ch["status"])
		assert.Contains(t, ch["error"], "access token")
		assert.NotNil(t, ch["since"])
		status, s = a.admin.JSON("PUT", "/api/chatbot/settings/", map[string]any{"access_token": "a-new-token"})
		require.Equal(t, 200, status)
		assert.Equal(t, "ok", s["channel"].(map[string]any)["status"], "a new token clears it")
		w.send(a, "254733000003", "wamid.t2", "hi")
		w.replies("254733000003", 1)
	})

	t.Run("a Graph API that keeps failing ends in the dead letters", func(t *testing.T) {
		w.graph.Fail("254711000001", whatsapptest.Failure{HTTPStatus: 500, Code: 2, Message: "Service temporarily unavailable"}, -1)
		w.send(a, "254711000001", "wamid.d1", "hi")
		w.waitRows("alpha", "chatbot_dead_letters", "kind = 'outbound' AND ref = 'reply:wamid.d1:0'", 1)
		status, list := a.admin.JSON("GET", "/api/chatbot/dead-letters/", nil)
		require.Equal(t, 200, status)
		require.Equal(t, float64(1), list["count"])
		dl := list["results"].([]any)[0].(map[string]any)
		assert.Equal(t, "254711000001", dl["phone"])
		assert.Contains(t, dl["error"], "Service temporarily unavailable")
		status, st := a.admin.JSON("GET", "/api/chatbot/status/", nil)
		require.Equal(t, 200, status)
		assert.Equal(t, float64(1), st["dead_letters"])
		assert.Equal(t, true, st["worker_running"])
	})
}

// TestStatuses: delivery statuses update the messages sent, in whatever order they
// come; statuses of unknown messages are kept and harm nothing.
func TestStatuses(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Amina", "+254711000001", "Ana")
	w.send(a, "254711000001", "wamid.s1", "hi")
	sent := w.nth("254711000001", 1)
	w.waitRows("alpha", "chatbot_outbound", "wamid = ? AND status = 'sent'", 1, sent.WAMID)

	statuses := func(list ...map[string]any) []byte {
		b := webhook(map[string][]map[string]any{a.number: nil})
		// put the statuses where Meta does, beside (not in) messages
		return []byte(replaceOnce(string(b), `"messages":null`, `"statuses":`+mustJSON(list)))
	}
	st := func(id, status string) map[string]any {
		return map[string]any{"id": id, "status": status, "timestamp": nowStamp(), "recipient_id": "254711000001"}
	}
	b := statuses(st(sent.WAMID, "read"), st(sent.WAMID, "delivered"), st("wamid.NOT-OURS", "delivered"), st(sent.WAMID, "deleted"))
	status, resp := w.post("localhost", b, whatsapp.Sign(a.secret, b))
	require.Equal(t, 200, status, "%v", resp)
	assert.Equal(t, float64(3), resp["statuses"])
	assert.Equal(t, float64(1), resp["skipped"], "an unknown status kind is skipped, and logged")
	assert.Equal(t, 1, w.count("alpha", "chatbot_outbound", "wamid = ? AND status = 'read'", sent.WAMID), "read stays read when delivered comes after it")
	failed := st(sent.WAMID, "failed")
	failed["errors"] = []any{map[string]any{"code": 131026, "title": "Message undeliverable"}}
	b = statuses(failed)
	status, _ = w.post("localhost", b, whatsapp.Sign(a.secret, b))
	require.Equal(t, 200, status)
	assert.Equal(t, 1, w.count("alpha", "chatbot_outbound", "wamid = ? AND status = 'failed' AND error_code = 131026", sent.WAMID))
}
