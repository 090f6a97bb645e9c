package chatbot_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/chatbot/whatsapp/whatsapptest"
)

// TestWebhookBadInput: bodies that are not JSON, huge bodies, a batch of 100 messages,
// a sender that is not a phone number: none crashes the worker or stops the queue, each
// is refused or skipped with a log line, and the bot answers the next message as usual.
func TestWebhookBadInput(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Amina", "+254711000001", "Ana")

	t.Run("not JSON", func(t *testing.T) {
		b := []byte("this is not json at all")
		status, _ := w.post("localhost", b, whatsapp.Sign(a.secret, b))
		assert.Equal(t, 400, status)
		status, _ = w.post("alpha.localhost", b, whatsapp.Sign(a.secret, b))
		assert.Equal(t, 400, status, "signed by the school, still not a webhook")
		status, _ = w.post("alpha.localhost", b, "")
		assert.Equal(t, 401, status)
		b = []byte(`{"object":"whatsapp_business_account","entry":[]}`)
		status, _ = w.post("localhost", b, whatsapp.Sign(a.secret, b))
		assert.Equal(t, 400, status, "names no number")
	})

	t.Run("2 MB bodies", func(t *testing.T) {
		junk := bytes.Repeat([]byte("x"), 2<<20)
		status, _ := w.post("alpha.localhost", junk, whatsapp.Sign(a.secret, junk))
		assert.Equal(t, 400, status)
		status, _ = w.post("localhost", junk, "sha256=00")
		assert.Equal(t, 400, status, "the base domain cannot tell whose it is")
		long := webhook(map[string][]map[string]any{a.number: {text("254711000001", "wamid.long", strings.Repeat("a", 2<<20+1000))}})
		require.Greater(t, len(long), 2<<20)
		status, resp := w.post("localhost", long, whatsapp.Sign(a.secret, long))
		require.Equal(t, 200, status, "%v", resp)
		assert.Equal(t, 1, w.count("alpha", "chatbot_inbound", "wamid = 'wamid.long' AND length(body) = 8192"), "kept, clipped")
		w.replies("254711000001", 1)
		huge := bytes.Repeat([]byte(" "), 5<<20)
		status, _ = w.post("localhost", huge, whatsapp.Sign(a.secret, huge))
		assert.Equal(t, 413, status)
	})

	t.Run("a batch of 100 messages", func(t *testing.T) {
		var msgs []map[string]any
		for i := range 100 {
			phone := fmt.Sprintf("2547990%05d", i)
			msgs = append(msgs, text(phone, fmt.Sprintf("wamid.batch%03d", i), "hello"))
		}
		msgs = append(msgs, map[string]any{"from": "not-a-phone", "id": "wamid.badfrom", "timestamp": nowStamp(), "type": "text",
			"text": map[string]any{"body": "x"}})
		msgs = append(msgs, map[string]any{"from": "254711000001", "id": "", "type": "text", "text": map[string]any{"body": "x"}})
		b := webhook(map[string][]map[string]any{a.number: msgs})
		status, resp := w.post("localhost", b, whatsapp.Sign(a.secret, b))
		require.Equal(t, 200, status, "%v", resp)
		assert.Equal(t, float64(100), resp["messages"])
		assert.Equal(t, float64(2), resp["skipped"])
		w.graph.WaitSent(t, "an answer to each of the 100", func(s []whatsapptest.Sent) bool {
			n := 0
			for _, m := range s {
				if strings.HasPrefix(m.To, "2547990") {
					n++
				}
			}
			return n == 100
		})
		assert.Contains(t, w.s.Logs(), "its sender is not a phone number")
	})

	w.send(a, "254711000001", "wamid.after", "3")
	assert.Contains(t, body(w.nth("254711000001", 2)), "Term dates", "the worker still answers")
	assert.Empty(t, w.graph.Rejected())
}
