package chatbot

import "github.com/schoolsms/sms/app/api"

// OpenAPI describes the bot's API (school hosts only). The webhook
// (GET/POST /webhooks/whatsapp) speaks Meta's protocol and is described in the README.
func OpenAPI(d *api.Doc) {
	const tag = "chatbot"
	page := []string{"page", "page_size"}
	d.Add("/api/chatbot/settings/", map[string]api.Op{
		"get": {Summary: "The school's WhatsApp channel (admin); secrets only as set or unset", Tag: tag, Response: Settings{}},
		"put": {Summary: "Change the WhatsApp channel (admin): fields left out keep their value, a secret sent as \"\" is removed; 409 when another school has the phone_number_id",
			Tag: tag, Body: SettingsInput{}, Response: Settings{}},
	})
	d.Add("/api/chatbot/status/", map[string]api.Op{
		"get": {Summary: "The bot's health for this school (admin): channel, worker, backlog, dead letters, language model", Tag: tag, Response: Status{}},
	})
	d.Add("/api/chatbot/dead-letters/", map[string]api.Op{
		"get": {Summary: "Work the bot gave up on (admin), newest first", Tag: tag, Query: page, Response: api.List[DeadLetter]{}},
	})
	d.Add("/api/chatbot/broadcasts/", map[string]api.Op{
		"get": {Summary: "Broadcasts, newest first (admin, clerk)", Tag: tag, Query: page, Response: api.List[Broadcast]{}},
		"post": {Summary: "Send text or a notice to the guardians of a class, a form or the school (admin, clerk); the worker sends it",
			Tag: tag, Status: 202, Body: BroadcastInput{}, Response: Broadcast{}},
	})
	d.Add("/api/chatbot/broadcasts/{id}/", map[string]api.Op{
		"get": {Summary: "A broadcast and its progress", Tag: tag, Response: Broadcast{}},
	})
	d.Add("/api/chatbot/broadcasts/{id}/recipients/", map[string]api.Op{
		"get": {Summary: "A broadcast's recipients and what happened to each", Tag: tag, Query: page, Response: api.List[Recipient]{}},
	})
	d.Add("/api/chatbot/conversations/", map[string]api.Op{
		"get": {Summary: "The inbox (admin, clerk): unread and waiting-for-staff first", Tag: tag, Query: append(page, "channel"),
			Response: api.List[Conversation]{}},
	})
	d.Add("/api/chatbot/conversations/{id}/", map[string]api.Op{
		"get": {Summary: "A conversation with its latest messages", Tag: tag, Response: Thread{}},
	})
	d.Add("/api/chatbot/conversations/{id}/read/", map[string]api.Op{
		"post": {Summary: "Mark a conversation read", Tag: tag, Status: 204},
	})
	d.Add("/api/chatbot/conversations/{id}/reply/", map[string]api.Op{
		"post": {Summary: "Reply as staff: text inside WhatsApp's 24-hour window, the reply template outside it; the bot keeps quiet until handed back",
			Tag: tag, Status: 202, Body: ReplyInput{}, Response: ThreadMessage{}},
	})
	d.Add("/api/chatbot/conversations/{id}/hand-back/", map[string]api.Op{
		"post": {Summary: "Hand a conversation back to the bot", Tag: tag, Response: Conversation{}},
	})
	d.Add("/api/chatbot/simulator/messages/", map[string]api.Op{
		"post": {Summary: "Send a message as a guardian's phone through the real pipeline; the answers stay in the simulator",
			Tag: tag, Status: 202, Body: SimulatorInput{}, Response: SimulatorSent{}},
	})
	d.Add("/api/chatbot/simulator/threads/{phone}/", map[string]api.Op{
		"get": {Summary: "The simulator's conversation with a phone", Tag: tag, Response: Thread{}},
	})
}
