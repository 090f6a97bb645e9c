package chatbot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/chatbot"
	"github.com/schoolsms/sms/app/chatbot/whatsapp"
)

// TestOrderPerPhoneAndRepeatedTriggers: a phone's messages are answered in the order
// WhatsApp stamped them, whether they come one webhook each in quick succession (with
// several workers free) or out of order within one batch; another phone writing at the
// same time keeps its own order. A trigger delivered again, and a message found pending
// again after its answer was sent (as after a crash between the two), send nothing
// more.
func TestOrderPerPhoneAndRepeatedTriggers(t *testing.T) {
	t.Parallel()
	url, js := startNATS(t)
	w := newWorld(t, func(a *app.App) { a.Config.NATSURL = url })
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Amina Otieno", "+254711000001", "Ana Otieno")
	w.guardian(a, "Baraka Mwangi", "+254722000002", "Bahati Mwangi")
	phones := []string{"254711000001", "254722000002"}
	for i, p := range phones {
		w.send(a, p, "wamid.start"+itoa(int64(i)), "menu")
		w.replies(p, 1)
	}

	// The attendance answer and the term dates answer tell which question they answer.
	const rounds = 8
	kind := func(s string) string {
		switch {
		case strings.Contains(s, "Attendance this term"):
			return "1"
		case strings.Contains(s, "Term 2:"):
			return "3"
		}
		return "?" + s
	}
	base := time.Now().Unix()
	var want []string
	msg := func(from string, i int, body string) map[string]any {
		m := text(from, fmt.Sprintf("wamid.%s.%02d", from, i), body)
		m["timestamp"] = strconv.FormatInt(base+int64(i), 10)
		return m
	}
	for i := range rounds {
		body := []string{"1", "3"}[i%2]
		want = append(want, body)
		for _, p := range phones { // one webhook per message, not waiting for answers
			b := webhook(map[string][]map[string]any{a.number: {msg(p, i, body)}})
			status, resp := w.post("localhost", b, whatsapp.Sign(a.secret, b))
			require.Equal(t, 200, status, "%v", resp)
		}
	}
	// One batch whose messages are listed newest first.
	var batch []map[string]any
	for i := rounds + 3; i >= rounds; i-- {
		batch = append(batch, msg(phones[0], i, []string{"1", "3"}[i%2]))
	}
	for i := rounds; i < rounds+4; i++ {
		want = append(want, []string{"1", "3"}[i%2])
	}
	b := webhook(map[string][]map[string]any{a.number: batch})
	status, resp := w.post("localhost", b, whatsapp.Sign(a.secret, b))
	require.Equal(t, 200, status, "%v", resp)

	for n, p := range phones {
		expect := want
		if n == 1 {
			expect = want[:rounds]
		}
		w.replies(p, 1+len(expect))
		var got []string
		for _, s := range w.graph.SentTo(p)[1:] {
			got = append(got, kind(body(s)))
		}
		assert.Equal(t, expect, got, "answers to %s in the order asked", p)
	}

	// The trigger again, and a message made pending again after its answer went out.
	conv := w.conversationID("alpha", phones[0])
	before := len(w.graph.Sent())
	w.exec("alpha", `UPDATE chatbot_inbound SET state = 'pending', handled_at = NULL WHERE wamid = ?`, "wamid."+phones[0]+".03")
	tr, _ := json.Marshal(map[string]any{"schema": "alpha", "conversation": conv})
	for range 3 {
		_, err := js.Publish(context.Background(), "chatbot.in.alpha", tr)
		require.NoError(t, err)
	}
	drained(t, js, chatbot.WorkStream, "chatbot-inbound")
	w.waitRows("alpha", "chatbot_inbound", "state = 'handled' AND wamid = ?", 1, "wamid."+phones[0]+".03")
	assert.Equal(t, before, len(w.graph.Sent()), "nothing sent twice")
	assert.Equal(t, 1, w.count("alpha", "chatbot_outbound", "reply_to = ?", "wamid."+phones[0]+".03"))
}

// TestRepeatedTriggerDoesNotHoldAWorker: a trigger for a conversation another worker is
// answering does not sit on a worker slot waiting for it; another phone is answered
// meanwhile, and the waiting message is answered after the first, in order.
func TestRepeatedTriggerDoesNotHoldAWorker(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(a *app.App) { a.Chatbot.Options.Workers = 2 })
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Amina Otieno", "+254711000001", "Ana Otieno")
	w.guardian(a, "Baraka Mwangi", "+254722000002", "Bahati Mwangi")
	const amina, baraka = "254711000001", "254722000002"
	w.send(a, amina, "wamid.a0", "menu")
	w.replies(amina, 1)
	w.send(a, baraka, "wamid.b0", "menu")
	w.replies(baraka, 1)

	w.graph.Hold()
	w.send(a, amina, "wamid.a1", "1")
	require.Eventually(t, func() bool { return w.graph.Held() == 1 }, 30*time.Second, 5*time.Millisecond,
		"the answer to Amina's first question reaches the Graph API and is held there")
	w.send(a, amina, "wamid.a2", "3") // a worker is answering Amina: this trigger finds her taken
	w.send(a, baraka, "wamid.b1", "1")
	require.Eventually(t, func() bool { return len(w.graph.SentTo(baraka)) == 2 }, 30*time.Second, 5*time.Millisecond,
		"Baraka is answered while Amina's answer is held, by the worker her second trigger went to")
	assert.Len(t, w.graph.SentTo(amina), 2, "Amina's second question waits for her first answer")

	w.graph.Release()
	got := w.replies(amina, 3)
	var bodies []string
	for _, s := range got {
		if s.To == amina {
			bodies = append(bodies, body(s))
		}
	}
	require.Len(t, bodies, 3)
	assert.Contains(t, bodies[1], "Attendance this term")
	assert.Contains(t, bodies[2], "Term 2:")
	time.Sleep(3 * testOptions.SweepEvery) // sweeps and redeliveries find nothing more to send
	assert.Len(t, w.graph.SentTo(amina), 3)
	assert.Len(t, w.graph.SentTo(baraka), 2)
}
