package chatbot_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
)

// TestConversation walks a guardian with two children through the bot: pick a child,
// the menu, each menu item by list choice, number and word (English and Swahili),
// switching child, talking to the school, stop and start.
func TestConversation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.addSchool("alpha", "1001")
	_, kids := w.guardian(a, "Amina Otieno", "+254711000001", "Ana Otieno", "Baraka Otieno")
	phone := "254711000001"
	n, seq := 0, 0
	say := func(body string) string {
		t.Helper()
		n++
		seq++
		w.send(a, phone, "wamid.c"+itoa(int64(seq)), body)
		return body
	}
	got := func() string { t.Helper(); return body(w.nth(phone, n)) }

	say("Hello")
	first := w.nth(phone, 1)
	assert.Contains(t, body(first), "Which of your children")
	assert.Equal(t, []string{"child:" + itoa(kids[0]), "child:" + itoa(kids[1])}, rowIDs(first))
	assert.Equal(t, "1001", first.PhoneNumberID, "sent from the school's own number")

	n++
	w.pick(a, phone, "wamid.pick", "child:"+itoa(kids[1]), "Baraka Otieno")
	menu := w.nth(phone, n)
	assert.Contains(t, body(menu), "What would you like to know about Baraka?")
	assert.Equal(t, []string{"att", "results", "terms", "notices", "staff", "switch"}, rowIDs(menu))

	n++
	w.pick(a, phone, "wamid.att", "att", "Attendance this term")
	assert.Contains(t, got(), "Attendance this term — Baraka Otieno")
	assert.Contains(t, got(), "Present 41 of 43 days (student "+itoa(kids[1])+")", "the attendance source was asked about the chosen child")

	say("3")
	assert.Contains(t, got(), "Term 2: Mon 28 Apr 2025 – Fri 1 Aug 2025 (this term)")
	assert.Contains(t, got(), "Next term begins: Mon 25 Aug 2025")

	say("MATOKEO!")
	assert.Contains(t, got(), "no published results for Baraka", "results are not available yet, said so in a parent's words")

	say("notices")
	assert.Contains(t, got(), "There are no current notices.", "the school has none, and the bot says so")

	say("switch")
	assert.Contains(t, got(), "Which of your children")
	say("1")
	assert.Contains(t, got(), "know about Ana?")

	say("what is the weather like?")
	assert.Contains(t, got(), "Sorry, I did not understand that.", "no language model: the menu")

	say("staff")
	assert.Contains(t, got(), "A member of staff will answer here")
	before := len(w.graph.SentTo(phone))
	say("When is the trip?")
	say("Please call me")
	// Staff have the conversation: the bot stays quiet, the messages wait in the inbox.
	w.send(a, phone, "wamid.menu-again", "menu")
	n++
	assert.Contains(t, body(w.nth(phone, before+1)), "What would you like to know about Ana?", "menu takes the phone back to the bot")
	n = before + 1

	say("stop")
	assert.Contains(t, got(), "no longer get absence alerts")
	assert.Equal(t, 1, w.count("alpha", "chatbot_conversations", "phone = ? AND opted_out = 1", phone))
	say("START")
	assert.Contains(t, got(), "get absence alerts and school notices here again")
	assert.Equal(t, 0, w.count("alpha", "chatbot_conversations", "phone = ? AND opted_out = 1", phone))

	assert.Empty(t, w.graph.Rejected(), "every message the bot sent passed WhatsApp's rules")
	assert.Equal(t, w.count("alpha", "chatbot_inbound", ""), w.count("alpha", "chatbot_inbound", "state = 'handled'"))
}

// TestConversationEdges: an unknown number, a guardian whose phone was stored without
// the country code, a single child (no picking), and messages the bot cannot read.
func TestConversationEdges(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.addSchool("alpha", "1001")

	w.send(a, "254799999999", "wamid.stranger", "hi")
	assert.Contains(t, body(w.nth("254799999999", 1)), "not registered with Alpha School")
	w.send(a, "254799999999", "wamid.stranger2", "hello?")
	assert.Equal(t, 1, w.count("alpha", "chatbot_conversations", "phone = '254799999999' AND needs_staff = 1 AND state = 'staff'"),
		"the stranger waits in the staff inbox")

	w.guardian(a, "Grace Wanjiru", "0722 000 002", "Cheptoo")
	w.send(a, "254722000002", "wamid.local", "hi")
	m := w.nth("254722000002", 1)
	assert.Contains(t, body(m), "Hello Grace! What would you like to know about Cheptoo?", "found by a phone stored without +254; one child needs no picking")
	assert.NotContains(t, rowIDs(m), "switch")

	for i, kind := range []string{"image", "sticker", "location", "reaction", "unknown"} {
		b := webhook(map[string][]map[string]any{a.number: {{"from": "254722000002", "id": "wamid.k" + kind, "timestamp": "1717000000",
			"type": kind, kind: map[string]any{"id": "x"}}}})
		// A fresh timestamp: the bot does not answer messages more than a day old freely.
		b = []byte(strings.Replace(string(b), "1717000000", nowStamp(), 1))
		status, resp := w.post("localhost", b, whatsapp.Sign(a.secret, b))
		require.Equal(t, 200, status, "%v", resp)
		assert.Contains(t, body(w.nth("254722000002", 2+i)), "I can only read text messages", kind)
	}

	w.send(a, "254722000002", "wamid.rtl", "مرحبا 👋🏽 שלום")
	assert.Contains(t, body(w.nth("254722000002", 7)), "Sorry, I did not understand that.")
	assert.Empty(t, w.graph.Rejected())
}
