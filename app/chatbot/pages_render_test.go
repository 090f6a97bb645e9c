package chatbot

import (
	"testing"

	"github.com/schoolsms/sms/app/web"
	"github.com/schoolsms/sms/app/web/pagetest"
)

// TestPagesRender renders every WhatsApp page with the data its handlers give it, with
// text that must be escaped (names, messages, choices, errors, RTL text).
func TestPagesRender(t *testing.T) {
	last := "2025-03-04T05:06:07.000Z"
	conv := Conversation{ID: 7, Channel: "whatsapp", Phone: "254711000001", Name: "Amina <b>O</b>", State: "staff",
		NeedsStaff: true, Unread: 2, OptedOut: true, LastMessageAt: &last, LastInboundAt: &last}
	th := Thread{Conversation: conv, Messages: []ThreadMessage{
		{Direction: "in", At: last, Kind: "text", Text: "Habari <script>x</script> مرحبا", Status: "handled", ID: "in:1"},
		{Direction: "out", At: last, Kind: "list", Text: "What would you like to know?", Origin: "bot", Status: "read", ID: "out:1",
			Choices: []Choice{{ID: "att", Title: "Attendance <x>"}, {ID: "terms", Title: "Term dates"}}},
		{Direction: "out", At: last, Kind: "text", Text: "From the office", Origin: "staff", Status: "failed", Error: "(#131026) undeliverable", ID: "out:2"},
	}}
	bc := Broadcast{ID: 3, Audience: "class", AudienceName: "class 1 East <E>", Text: "Sports day <b>\nمرحبا", Status: "sending",
		CreatedBy: "Ada <Admin>", CreatedAt: last, Progress: BroadcastProgress{Total: 40, Sent: 12, Failed: 1, Skipped: 3, Pending: 24}}
	pagetest.Cover(t, Module(nil).Pages.Templates, map[string][]any{
		"chatbot_inbox": {
			inboxData{Channel: "whatsapp", Rows: []Conversation{conv}, Count: 31, Page: 1, Pages: 2,
				NextURL: "/t/demo/chatbot?page=2", ListURL: "/t/demo/chatbot/list?channel=whatsapp&page=1", CanSettings: true},
			inboxData{Channel: "simulator", Page: 1, Pages: 1, ListURL: "/t/demo/chatbot/list?channel=simulator&page=1"},
		},
		"chatbot_thread": {
			threadData{Thread: th, MessagesURL: "/t/demo/chatbot/c/7/messages", Text: "draft <i>"},
			threadData{Thread: Thread{Conversation: Conversation{ID: 8, Channel: "whatsapp", Phone: "254711000002", State: "menu"}},
				MessagesURL: "/t/demo/chatbot/c/8/messages"},
		},
		"chatbot_simulator": {
			simulatorData{Phones: []Phone{{Name: "Amina <b>", Digits: "254711000001"}}, Phone: "254711000001",
				Thread: th, MessagesURL: "/t/demo/chatbot/simulator/messages?phone=254711000001", Ready: true, CanSettings: true},
			simulatorData{},
		},
		"chatbot_broadcasts": {
			broadcastsData{Rows: []broadcastRow{{Broadcast: bc, Preview: "Sports day <b>"}}, Pager: web.Pager{Page: 1, Pages: 2, Count: 21},
				Audience: []web.Option{{Value: "school", Label: "The whole school"}, {Value: "form:1", Label: "Every class of Form 1"}},
				Groups:   web.Grouped([]web.Option{{Value: "class:2", Label: "1 East <E>", Group: "Form 1"}}), Sending: true, Max: 1000},
			broadcastsData{Max: 1000},
		},
		"chatbot_broadcast": {
			broadcastData{Broadcast: bc, Recipients: []recipientRow{{Recipient: Recipient{ID: 1, Name: "Amina <i>", Phone: "254711000001",
				Status: "sent", Delivery: "read"}, Shown: "+254711000001"}, {Recipient: Recipient{ID: 2, Name: "Baraka", Phone: "0712",
				Status: "skipped", Error: "the phone number cannot be read"}, Shown: "0712"}}, PollURL: "/t/demo/chatbot/broadcasts/3"},
			broadcastData{Broadcast: Broadcast{ID: 4, Audience: "school", AudienceName: "the whole school", Status: "done", CreatedAt: last}},
		},
		"chatbot_settings": {
			chatbotSettingsData{WebhookURL: "http://demo.localhost:8080/webhooks/whatsapp", Settings: Settings{
				PhoneNumberID: "1001", AccessTokenSet: true, Channel: Channel{Status: "failing", Error: "token <expired>", Since: &last}}},
			chatbotSettingsData{WebhookURL: "http://demo.localhost:8080/webhooks/whatsapp"},
		},
	})
}
