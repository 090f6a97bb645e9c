package chatbot

import "github.com/schoolsms/sms/app/api"

// OpenAPIPaths describes the bot's API (school hosts only). The webhook
// (GET/POST /webhooks/whatsapp) speaks Meta's protocol and is described in the README.
func OpenAPIPaths() map[string]any {
	const tag = "chatbot"
	settings := api.Obj("phone_number_id:string", "display_number:string", "graph_url:string", "graph_version:string",
		"template_language:string", "absence_template:string", "notice_template:string", "reply_template:string",
		"alert_not_before:string", "alert_delay_minutes:integer", "access_token_set:boolean", "app_secret_set:boolean",
		"verify_token_set:boolean", "channel:object", "updated_at:string?")
	settingsIn := api.Obj("phone_number_id:string?", "display_number:string?", "access_token:string?", "app_secret:string?",
		"verify_token:string?", "graph_url:string?", "graph_version:string?", "template_language:string?",
		"absence_template:string?", "notice_template:string?", "reply_template:string?", "alert_not_before:string?",
		"alert_delay_minutes:integer?")
	broadcast := api.Obj("id:integer", "audience:string", "audience_id:integer?", "audience_name:string", "notice_id:integer?",
		"text:string", "status:string", "created_by:string", "created_at:string", "finished_at:string?", "progress:object")
	recipient := api.Obj("id:integer", "name:string", "phone:string", "status:string", "delivery:string?", "error:string?")
	conversation := api.Obj("id:integer", "channel:string", "phone:string", "name:string", "guardian_id:integer?", "state:string",
		"needs_staff:boolean", "unread:integer", "opted_out:boolean", "last_message_at:string?", "last_inbound_at:string?",
		"window_open:boolean")
	message := api.Obj("direction:string", "at:string", "kind:string", "text:string", "origin:string?", "status:string",
		"error:string?", "id:string")
	thread := api.Obj("id:integer", "channel:string", "phone:string", "name:string", "state:string", "window_open:boolean", "messages:array")
	deadLetter := api.Obj("id:integer", "kind:string", "ref:string", "phone:string", "error:string", "deliveries:integer", "created_at:string")
	page := []string{"page", "page_size"}
	return map[string]any{
		"/api/chatbot/settings/": api.Item("/api/chatbot/settings/", map[string]api.Op{
			"get": {Summary: "The school's WhatsApp channel (admin); secrets only as set or unset", Tag: tag, Response: settings},
			"put": {Summary: "Change the WhatsApp channel (admin): fields left out keep their value, a secret sent as \"\" is removed; 409 when another school has the phone_number_id", Tag: tag, Body: settingsIn, Response: settings},
		}),
		"/api/chatbot/status/": api.Item("/api/chatbot/status/", map[string]api.Op{
			"get": {Summary: "The bot's health for this school (admin): channel, worker, backlog, dead letters, language model", Tag: tag,
				Response: api.Obj("configured:boolean", "channel:object", "worker_running:boolean", "queue:object", "dead_letters:integer", "llm:object")},
		}),
		"/api/chatbot/dead-letters/": api.Item("/api/chatbot/dead-letters/", map[string]api.Op{
			"get": {Summary: "Work the bot gave up on (admin), newest first", Tag: tag, Query: page, Response: api.ListOf(deadLetter)},
		}),
		"/api/chatbot/broadcasts/": api.Item("/api/chatbot/broadcasts/", map[string]api.Op{
			"get": {Summary: "Broadcasts, newest first (admin, clerk)", Tag: tag, Query: page, Response: api.ListOf(broadcast)},
			"post": {Summary: "Send text or a notice to the guardians of a class, a form or the school (admin, clerk); the worker sends it", Tag: tag, Status: 202,
				Body: api.Obj("audience:string", "audience_id:integer?", "text:string?", "notice_id:integer?"), Response: broadcast},
		}),
		"/api/chatbot/broadcasts/{id}/": api.Item("/api/chatbot/broadcasts/{id}/", map[string]api.Op{
			"get": {Summary: "A broadcast and its progress", Tag: tag, Response: broadcast},
		}),
		"/api/chatbot/broadcasts/{id}/recipients/": api.Item("/api/chatbot/broadcasts/{id}/recipients/", map[string]api.Op{
			"get": {Summary: "A broadcast's recipients and what happened to each", Tag: tag, Query: page, Response: api.ListOf(recipient)},
		}),
		"/api/chatbot/conversations/": api.Item("/api/chatbot/conversations/", map[string]api.Op{
			"get": {Summary: "The inbox (admin, clerk): unread and waiting-for-staff first", Tag: tag, Query: append(page, "channel"), Response: api.ListOf(conversation)},
		}),
		"/api/chatbot/conversations/{id}/": api.Item("/api/chatbot/conversations/{id}/", map[string]api.Op{
			"get": {Summary: "A conversation with its latest messages", Tag: tag, Response: thread},
		}),
		"/api/chatbot/conversations/{id}/read/": api.Item("/api/chatbot/conversations/{id}/read/", map[string]api.Op{
			"post": {Summary: "Mark a conversation read", Tag: tag, Status: 204},
		}),
		"/api/chatbot/conversations/{id}/reply/": api.Item("/api/chatbot/conversations/{id}/reply/", map[string]api.Op{
			"post": {Summary: "Reply as staff: text inside WhatsApp's 24-hour window, the reply template outside it; the bot keeps quiet until handed back", Tag: tag,
				Status: 202, Body: api.Obj("text:string"), Response: message},
		}),
		"/api/chatbot/conversations/{id}/hand-back/": api.Item("/api/chatbot/conversations/{id}/hand-back/", map[string]api.Op{
			"post": {Summary: "Hand a conversation back to the bot", Tag: tag, Response: conversation},
		}),
		"/api/chatbot/simulator/messages/": api.Item("/api/chatbot/simulator/messages/", map[string]api.Op{
			"post": {Summary: "Send a message as a guardian's phone through the real pipeline; the answers stay in the simulator", Tag: tag,
				Status: 202, Body: api.Obj("phone:string", "text:string?", "choice_id:string?", "choice_title:string?", "name:string?"),
				Response: api.Obj("wamid:string")},
		}),
		"/api/chatbot/simulator/threads/{phone}/": api.Item("/api/chatbot/simulator/threads/{phone}/", map[string]api.Op{
			"get": {Summary: "The simulator's conversation with a phone", Tag: tag, Response: thread},
		}),
	}
}
