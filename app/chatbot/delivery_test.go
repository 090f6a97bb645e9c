package chatbot_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/chatbot/whatsapp/whatsapptest"
)

// TestDuplicateDeliveryGetsOneReply: Meta delivers the same message several times, at
// once and later; it is stored once and answered once.
func TestDuplicateDeliveryGetsOneReply(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Amina Otieno", "+254711000001", "Ana")
	b := webhook(map[string][]map[string]any{a.number: {text("254711000001", "wamid.once", "menu")}})
	sig := whatsapp.Sign(a.secret, b)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _ := w.post("localhost", b, sig)
			assert.Equal(t, 200, status)
		}()
	}
	wg.Wait()
	w.replies("254711000001", 1)
	// Once more after the answer went out, as Meta's retries do hours later.
	status, resp := w.post("alpha.localhost", b, sig)
	require.Equal(t, 200, status)
	assert.Equal(t, float64(1), resp["duplicates"])
	w.send(a, "254711000001", "wamid.next", "3")
	w.replies("254711000001", 2)
	sent := w.graph.SentTo("254711000001")
	require.Len(t, sent, 2, "one reply to the repeated message, one to the next")
	assert.Contains(t, body(sent[0]), "What would you like to know about Ana?")
	assert.Equal(t, 1, w.count("alpha", "chatbot_inbound", "wamid = 'wamid.once'"))
	assert.Equal(t, 1, w.count("alpha", "chatbot_outbound", "reply_to = 'wamid.once'"))
	require.Eventually(t, func() bool { return sentCounted(t, w) == 2 }, 5*time.Second, 20*time.Millisecond,
		"the operator's metrics count each message sent once")
}

// sentCounted is sms_whatsapp_outbound_total{result="sent"} of the world's appliance.
func sentCounted(t *testing.T, w *world) float64 {
	families, err := w.s.App.Metrics.Registry.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != "sms_whatsapp_outbound_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == "sent" {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestManyConversationsAcrossTwoSchools: 100 guardians, half in each school, write at
// once (to the base domain and to the schools' hosts). Each gets exactly one answer, on
// its own phone, from its own school's number, about its own child.
func TestManyConversationsAcrossTwoSchools(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	schools := []*school{w.addSchool("alpha", "1001"), w.addSchool("beta", "2002")}
	type parent struct {
		sc    *school
		phone string
		child string
	}
	var parents []parent
	for i := range 100 {
		sc := schools[i%2]
		p := parent{sc: sc, phone: fmt.Sprintf("2547%08d", i), child: fmt.Sprintf("Kid%03d", i)}
		w.guardian(sc, "Parent "+p.child, "+"+p.phone, p.child)
		parents = append(parents, p)
	}
	var wg sync.WaitGroup
	for i, p := range parents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := webhook(map[string][]map[string]any{p.sc.number: {text(p.phone, fmt.Sprintf("wamid.m%03d", i), "hi")}})
			host := "localhost"
			if i%4 < 2 {
				host = p.sc.schema + ".localhost"
			}
			status, resp := w.post(host, b, whatsapp.Sign(p.sc.secret, b))
			assert.Equal(t, 200, status, "%v", resp)
		}()
	}
	wg.Wait()
	w.graph.WaitSent(t, "100 replies", func(s []whatsapptest.Sent) bool { return len(s) >= 100 })
	for _, p := range parents {
		sent := w.graph.SentTo(p.phone)
		require.Len(t, sent, 1, p.phone)
		assert.Equal(t, p.sc.number, sent[0].PhoneNumberID, "answered from its own school's number")
		assert.Contains(t, body(sent[0]), "know about "+p.child+"?")
	}
	assert.Len(t, w.graph.Sent(), 100)
	assert.Equal(t, 50, w.count("alpha", "chatbot_inbound", ""))
	assert.Equal(t, 50, w.count("beta", "chatbot_inbound", ""))
}

// TestBatchNamingTwoSchools: one POST on the base domain with entries for two schools'
// numbers. Signed with a secret both share (one Meta app), each entry is stored in its
// own school; signed with one school's secret only, nothing is stored anywhere.
func TestBatchNamingTwoSchools(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, b := w.addSchool("alpha", "1001"), w.addSchool("beta", "2002")
	w.guardian(a, "Amina", "+254711000001", "Ana")
	w.guardian(b, "Bahati", "+254722000002", "Baraka")
	batch := webhook(map[string][]map[string]any{
		a.number: {text("254711000001", "wamid.a1", "hi")},
		b.number: {text("254722000002", "wamid.b1", "hi")},
	})
	status, _ := w.post("localhost", batch, whatsapp.Sign(a.secret, batch))
	assert.Equal(t, 401, status, "alpha's secret does not open beta")
	assert.Zero(t, w.count("alpha", "chatbot_inbound", ""))
	assert.Zero(t, w.count("beta", "chatbot_inbound", ""))

	status, _ = w.post("alpha.localhost", batch, whatsapp.Sign(a.secret, batch))
	assert.Equal(t, 404, status, "alpha's host never stores beta's messages")
	assert.Zero(t, w.count("alpha", "chatbot_inbound", ""))

	shared := "one-meta-app-secret"
	for _, sc := range []*school{a, b} {
		status, resp := sc.admin.JSON("PUT", "/api/chatbot/settings/", map[string]any{"app_secret": shared})
		require.Equal(t, 200, status, "%v", resp)
	}
	status, resp := w.post("localhost", batch, whatsapp.Sign(shared, batch))
	require.Equal(t, 200, status, "%v", resp)
	assert.Equal(t, float64(2), resp["messages"])
	assert.Equal(t, 1, w.count("alpha", "chatbot_inbound", "wamid = 'wamid.a1'"))
	assert.Equal(t, 0, w.count("alpha", "chatbot_inbound", "wamid = 'wamid.b1'"))
	assert.Equal(t, 1, w.count("beta", "chatbot_inbound", "wamid = 'wamid.b1'"))
	assert.Equal(t, 0, w.count("beta", "chatbot_inbound", "wamid = 'wamid.a1'"))
	assert.Equal(t, "1001", w.nth("254711000001", 1).PhoneNumberID)
	assert.Equal(t, "2002", w.nth("254722000002", 1).PhoneNumberID)
}
