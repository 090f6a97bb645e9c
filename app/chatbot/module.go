package chatbot

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/module"
	"github.com/schoolsms/sms/app/web"
)

// The module's actions.
const (
	Manage         auth.Action = "chatbot.manage"    // WhatsApp settings, queue status, dead letters
	UseInbox       auth.Action = "chatbot.inbox"     // read and answer the bot's conversations, the simulator
	SendBroadcasts auth.Action = "chatbot.broadcast" // send notices to guardians over WhatsApp
)

// Module is the WhatsApp bot as the appliance plugs it in. b is the App's bot (its model
// client, sources and queue); describing the module (policy, templates, navigation)
// does not use it.
func Module(b *Bot) module.Module {
	return module.Module{
		Name: "chatbot",
		Policy: auth.Policy{
			Manage:         {auth.RoleAdmin},
			UseInbox:       {auth.RoleAdmin, auth.RoleClerk},
			SendBroadcasts: {auth.RoleAdmin, auth.RoleClerk},
		},
		API:      func(r fiber.Router) { b.Routes(r) },
		Webhooks: func(app fiber.Router) { b.WebhookRoutes(app) },
		OpenAPI:  OpenAPI,
		Pages: web.Pages{
			Routes: func(r fiber.Router, k *web.Kit) { pageRoutes(r, k, b) },
			Templates: []string{"chatbot_inbox", "chatbot_thread", "chatbot_simulator", "chatbot_settings",
				"chatbot_broadcasts", "chatbot_broadcast"},
			Nav: []web.NavItem{{Key: "chatbot", Label: "WhatsApp", Path: "/chatbot", Action: UseInbox, Order: 60}},
			Flashes: map[string]string{
				"reply_sent":       "The reply is on its way.",
				"handed_back":      "The bot answers this conversation again.",
				"chatbot_saved":    "The WhatsApp settings were saved.",
				"broadcast_queued": "The broadcast is on its way. It goes out in the background; this page follows it.",
			},
		},
		Workers: []module.Worker{{Name: "whatsapp", Run: func(ctx context.Context, rt module.Runtime) error {
			return b.Run(ctx, rt.JetStream)
		}}},
	}
}
