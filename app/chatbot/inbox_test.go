package chatbot_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInboxAndSimulator: staff see conversations (unread and waiting first), read a
// thread, answer as staff and hand back to the bot; the simulator goes through the same
// webhook, queue and worker, and its answers stay in the simulator.
func TestInboxAndSimulator(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Amina Otieno", "+254711000001", "Ana")
	w.guardian(a, "Bahati", "+254722000002", "Baraka")

	w.send(a, "254711000001", "wamid.1", "hi")
	w.replies("254711000001", 1)
	w.send(a, "254722000002", "wamid.2", "staff")
	w.replies("254722000002", 1)
	w.send(a, "254722000002", "wamid.3", "Is there school on Monday?")
	w.waitRows("alpha", "chatbot_inbound", "wamid = 'wamid.3' AND state = 'handled'", 1)

	status, list := a.admin.JSON("GET", "/api/chatbot/conversations/", nil)
	require.Equal(t, 200, status)
	require.Equal(t, float64(2), list["count"])
	first := list["results"].([]any)[0].(map[string]any)
	assert.Equal(t, "Bahati", first["name"], "waiting for staff comes first")
	assert.Equal(t, true, first["needs_staff"])
	assert.Equal(t, float64(2), first["unread"])
	assert.Equal(t, true, first["window_open"])
	id := itoa(int64(first["id"].(float64)))

	status, th := a.admin.JSON("GET", "/api/chatbot/conversations/"+id+"/", nil)
	require.Equal(t, 200, status)
	msgs := th["messages"].([]any)
	require.Len(t, msgs, 3)
	assert.Equal(t, "in", msgs[0].(map[string]any)["direction"])
	assert.Equal(t, "out", msgs[1].(map[string]any)["direction"])
	assert.Equal(t, "Is there school on Monday?", msgs[2].(map[string]any)["text"])

	status, sent := a.admin.JSON("POST", "/api/chatbot/conversations/"+id+"/reply/", map[string]any{"text": "Yes, from 8:00. — Office"})
	require.Equal(t, 202, status, "%v", sent)
	assert.Equal(t, "Yes, from 8:00. — Office", body(w.nth("254722000002", 2)))
	status, bad := a.admin.JSON("POST", "/api/chatbot/conversations/"+id+"/reply/", map[string]any{"text": ""})
	assert.Equal(t, 400, status)
	assert.Contains(t, bad["error"].(map[string]any)["fields"], "text")

	status, conv := a.admin.JSON("POST", "/api/chatbot/conversations/"+id+"/hand-back/", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "menu", conv["state"])
	w.send(a, "254722000002", "wamid.4", "3")
	assert.Contains(t, body(w.nth("254722000002", 3)), "Term dates", "the bot answers again")

	status, _ = a.admin.JSON("GET", "/api/chatbot/conversations/999/", nil)
	assert.Equal(t, 404, status)

	t.Run("simulator", func(t *testing.T) {
		before := len(w.graph.Sent())
		status, resp := a.admin.JSON("POST", "/api/chatbot/simulator/messages/", map[string]any{"phone": "254711000001", "text": "hello"})
		require.Equal(t, 202, status, "%v", resp)
		th := w.simulatorThread(a, "254711000001", 2)
		msgs := th["messages"].([]any)
		for msgs[1].(map[string]any)["status"] != "sent" { // stored before it is "sent" into the page
			th = w.simulatorThread(a, "254711000001", 2)
			msgs = th["messages"].([]any)
		}
		assert.Contains(t, msgs[1].(map[string]any)["text"], "What would you like to know about Ana?")
		assert.Equal(t, "sent", msgs[1].(map[string]any)["status"])

		status, resp = a.admin.JSON("POST", "/api/chatbot/simulator/messages/", map[string]any{"phone": "254711000001", "choice_id": "terms", "choice_title": "Term dates"})
		require.Equal(t, 202, status, "%v", resp)
		th = w.simulatorThread(a, "254711000001", 4)
		assert.Contains(t, th["messages"].([]any)[3].(map[string]any)["text"], "Term dates")
		assert.Len(t, w.graph.Sent(), before, "the simulator never sends to a phone")
		assert.Equal(t, 1, w.count("alpha", "chatbot_conversations", "channel = 'simulator' AND phone = '254711000001'"))

		// Staff may type the number as people write it: the same conversation goes on.
		status, resp = a.admin.JSON("POST", "/api/chatbot/simulator/messages/", map[string]any{"phone": "+254 711-000 001", "text": "hi"})
		require.Equal(t, 202, status, "%v", resp)
		w.simulatorThread(a, "254711000001", 5)
		status, th = a.admin.JSON("GET", "/api/chatbot/simulator/threads/+254711000001/", nil)
		require.Equal(t, 200, status, "%v", th)
		assert.GreaterOrEqual(t, len(th["messages"].([]any)), 5)
		status, th = a.admin.JSON("GET", "/api/chatbot/simulator/threads/%2B254711000001/", nil)
		require.Equal(t, 200, status, "the + encoded: %v", th)
		assert.GreaterOrEqual(t, len(th["messages"].([]any)), 5)
		assert.Equal(t, 1, w.count("alpha", "chatbot_conversations", "channel = 'simulator'"))

		status, resp = a.admin.JSON("POST", "/api/chatbot/simulator/messages/", map[string]any{"phone": "+254 7", "text": ""})
		require.Equal(t, 400, status)
		fields := resp["error"].(map[string]any)["fields"].(map[string]any)
		assert.Contains(t, fields, "phone")
		assert.Contains(t, fields, "text")
	})
}

// simulatorThread waits until the simulator's thread with phone has n messages.
func (w *world) simulatorThread(sc *school, phone string, n int) map[string]any {
	w.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		status, th := sc.admin.JSON("GET", "/api/chatbot/simulator/threads/"+phone+"/", nil)
		require.Equal(w.t, 200, status, "%v", th)
		if len(th["messages"].([]any)) >= n {
			return th
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("simulator thread has %d messages, want %d: %v", len(th["messages"].([]any)), n, th)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestThreadOrderWithinAMillisecond: messages are stamped to the millisecond, and a
// guardian's next message can land in the same millisecond as the bot's answer to the
// last one (or the answer in the same one as its question). The thread still shows each
// answer after its question and before what came next.
func TestThreadOrderWithinAMillisecond(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Bahati", "+254722000002", "Baraka")
	w.send(a, "254722000002", "wamid.1", "hi")
	w.replies("254722000002", 1)
	w.send(a, "254722000002", "wamid.2", "3")
	w.replies("254722000002", 2)
	w.send(a, "254722000002", "wamid.3", "hello again")
	w.waitRows("alpha", "chatbot_inbound", "wamid = 'wamid.3' AND state = 'handled'", 1)
	w.replies("254722000002", 3)

	const same = "2026-03-02T08:00:00.000Z"
	w.exec("alpha", "UPDATE chatbot_inbound SET received_at = ?", same)
	w.exec("alpha", "UPDATE chatbot_outbound SET created_at = ?", same)
	id := itoa(w.conversationID("alpha", "254722000002"))
	status, th := a.admin.JSON("GET", "/api/chatbot/conversations/"+id+"/", nil)
	require.Equal(t, 200, status)
	var got []string
	for _, m := range th["messages"].([]any) {
		m := m.(map[string]any)
		got = append(got, m["direction"].(string))
		if m["direction"] == "in" {
			got[len(got)-1] += " " + m["text"].(string)
		}
	}
	assert.Equal(t, []string{"in hi", "out", "in 3", "out", "in hello again", "out"}, got)
}
