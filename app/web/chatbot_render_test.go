package web

import "github.com/schoolsms/sms/app/chatbot"

// chatbotPages is sample data for the WhatsApp pages, with text that must be escaped.
func chatbotPages() map[string]any {
	last := "2025-03-04T05:06:07.000Z"
	conv := chatbot.Conversation{ID: 7, Channel: "whatsapp", Phone: "254711000001", Name: "Amina <b>O</b>", State: "staff",
		NeedsStaff: true, Unread: 2, OptedOut: true, LastMessageAt: &last, LastInboundAt: &last}
	th := chatbot.Thread{Conversation: conv, Messages: []chatbot.ThreadMessage{
		{Direction: "in", At: last, Kind: "text", Text: "Habari <script>x</script> مرحبا", Status: "handled", ID: "in:1"},
		{Direction: "out", At: last, Kind: "list", Text: "What would you like to know?", Origin: "bot", Status: "read", ID: "out:1",
			Choices: []chatbot.Choice{{ID: "att", Title: "Attendance <x>"}, {ID: "terms", Title: "Term dates"}}},
		{Direction: "out", At: last, Kind: "text", Text: "From the office", Origin: "staff", Status: "failed", Error: "(#131026) undeliverable", ID: "out:2"},
	}}
	return map[string]any{
		"chatbot_inbox": inboxData{Channel: "whatsapp", Rows: []chatbot.Conversation{conv}, Count: 31, Page: 1, Pages: 2,
			NextURL: "/t/demo/chatbot?page=2", ListURL: "/t/demo/chatbot/list?channel=whatsapp&page=1", CanSettings: true},
		"chatbot_thread": threadData{Thread: th, MessagesURL: "/t/demo/chatbot/c/7/messages", Text: "draft <i>"},
		"chatbot_simulator": simulatorData{Phones: []chatbot.Phone{{Name: "Amina <b>", Digits: "254711000001"}}, Phone: "254711000001",
			Thread: th, MessagesURL: "/t/demo/chatbot/simulator/messages?phone=254711000001", Ready: true, CanSettings: true},
		"chatbot_settings": chatbotSettingsData{WebhookURL: "http://demo.localhost:8080/webhooks/whatsapp", Settings: chatbot.Settings{
			PhoneNumberID: "1001", AccessTokenSet: true, Channel: chatbot.Channel{Status: "failing", Error: "token <expired>", Since: &last}}},
	}
}
