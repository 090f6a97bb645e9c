package chatbot

import (
	"context"
	"log/slog"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/db"
)

// WebhookPath is where WhatsApp posts, on the base domain and on each school's host.
const WebhookPath = "/webhooks/whatsapp"

// WebhookRoutes registers the webhook on routed paths of both realms. They must be
// registered after tenancy and before authentication: Meta sends no session, and the
// signature, not a cookie or CSRF token, is what proves a POST.
func (m *Bot) WebhookRoutes(r fiber.Router) {
	for _, realm := range []string{tenancy.TenantRoutes, tenancy.PlatformRoutes} {
		r.Get(realm+WebhookPath, m.webhookVerify)
		r.Post(realm+WebhookPath, m.webhookPost)
	}
}

func schoolOf(c *fiber.Ctx) *db.Tenant {
	if r := tenancy.From(c); r != nil {
		return r.Tenant
	}
	return nil
}

func (m *Bot) webhookVerify(c *fiber.Ctx) error {
	challenge, ok, err := m.Verify(c.UserContext(), schoolOf(c), c.Query("hub.mode"), c.Query("hub.verify_token"), c.Query("hub.challenge"))
	if err != nil {
		return err
	}
	c.Type("txt", "utf-8")
	if !ok {
		m.Log.Warn("whatsapp webhook verification refused", slog.String("tenant", tenancy.Schema(c)), slog.String("ip", c.IP()))
		return c.Status(fiber.StatusForbidden).SendString("verification failed")
	}
	return c.SendString(challenge)
}

func (m *Bot) webhookPost(c *fiber.Ctx) error {
	body := c.Body()
	if len(body) > MaxWebhookBody {
		m.Log.Warn("whatsapp webhook refused: body too large", slog.String("ip", c.IP()), slog.Int("bytes", len(body)))
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, "a WhatsApp webhook is at most 3 MB")
	}
	r, err := m.Receive(c.UserContext(), schoolOf(c), body, c.Get(whatsapp.SignatureHeader), ChannelWhatsApp)
	if err != nil {
		if e := errs.As(err); e.Code != errs.Internal && e.Code != errs.Busy && e.Code != errs.StorageFull {
			m.Log.Warn("whatsapp webhook refused", slog.String("tenant", tenancy.Schema(c)), slog.String("ip", c.IP()),
				slog.String("code", string(e.Code)), slog.String("reason", e.Message), slog.Int("bytes", len(body)))
		}
		return err
	}
	return c.JSON(r)
}

// Routes registers the bot's API on a school's routes.
func (m *Bot) Routes(r fiber.Router) {
	manage := auth.Require(Manage)
	inbox := auth.Require(UseInbox)
	broadcast := auth.Require(SendBroadcasts)

	r.Get("/api/chatbot/settings", manage, func(c *fiber.Ctx) error {
		s, err := m.GetSettings(c.UserContext(), tenant(c))
		return reply(c, s, err)
	})
	r.Put("/api/chatbot/settings", manage, func(c *fiber.Ctx) error {
		var in SettingsInput
		if err := api.Decode(c, &in); err != nil {
			return err
		}
		s, err := m.SaveSettings(c.UserContext(), tenant(c), in, auth.MetaFrom(c))
		return reply(c, s, err)
	})
	r.Get("/api/chatbot/status", manage, func(c *fiber.Ctx) error {
		s, err := m.Status(c.UserContext(), tenant(c))
		return reply(c, s, err)
	})
	r.Get("/api/chatbot/dead-letters", manage, paged("newest first", m.DeadLetters))

	r.Get("/api/chatbot/broadcasts", broadcast, paged("newest first", m.ListBroadcasts))
	r.Post("/api/chatbot/broadcasts", broadcast, func(c *fiber.Ctx) error {
		var in BroadcastInput
		if err := api.Decode(c, &in); err != nil {
			return err
		}
		b, err := m.CreateBroadcast(c.UserContext(), tenant(c), in, auth.MetaFrom(c))
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusAccepted).JSON(b)
	})
	r.Get("/api/chatbot/broadcasts/:id", broadcast, func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		b, err := m.GetBroadcast(c.UserContext(), tenant(c), id)
		return reply(c, b, err)
	})
	r.Get("/api/chatbot/broadcasts/:id/recipients", broadcast, func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		page, err := listPage(c, "recipient, as added")
		if err != nil {
			return err
		}
		rows, n, err := m.BroadcastRecipients(c.UserContext(), tenant(c), id, page)
		if err != nil {
			return err
		}
		return c.JSON(api.NewList(c, page, n, rows))
	})

	r.Get("/api/chatbot/conversations", inbox, func(c *fiber.Ctx) error {
		page, err := listPage(c, "unread and waiting for staff first, then the most recent")
		if err != nil {
			return err
		}
		rows, n, err := m.ListConversations(c.UserContext(), tenant(c), c.Query("channel"), page)
		if err != nil {
			return err
		}
		return c.JSON(api.NewList(c, page, n, rows))
	})
	r.Get("/api/chatbot/conversations/:id", inbox, func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		th, err := m.GetThread(c.UserContext(), tenant(c), id)
		return reply(c, th, err)
	})
	r.Post("/api/chatbot/conversations/:id/read", inbox, func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		if err := m.MarkRead(c.UserContext(), tenant(c), id); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	})
	r.Post("/api/chatbot/conversations/:id/reply", inbox, func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		var in ReplyInput
		if err := api.Decode(c, &in); err != nil {
			return err
		}
		msg, err := m.StaffReply(c.UserContext(), tenant(c), id, in.Text, auth.MetaFrom(c))
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusAccepted).JSON(msg)
	})
	r.Post("/api/chatbot/conversations/:id/hand-back", inbox, func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		v, err := m.HandBack(c.UserContext(), tenant(c), id, auth.MetaFrom(c))
		return reply(c, v, err)
	})

	r.Post("/api/chatbot/simulator/messages", inbox, func(c *fiber.Ctx) error {
		var in SimulatorInput
		if err := api.Decode(c, &in); err != nil {
			return err
		}
		wamid, err := m.Simulate(c.UserContext(), tenant(c), in)
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusAccepted).JSON(SimulatorSent{Wamid: wamid})
	})
	r.Get("/api/chatbot/simulator/threads/:phone", inbox, func(c *fiber.Ctx) error {
		// Fiber hands path parameters over as sent; a client that encodes the + sends %2B.
		phone, err := url.PathUnescape(c.Params("phone"))
		if err != nil {
			return errs.Field("phone", simulatorPhoneHint)
		}
		th, err := m.SimulatorThread(c.UserContext(), tenant(c), phone)
		return reply(c, th, err)
	})
}

// ReplyInput is a staff reply.
type ReplyInput struct {
	Text string `json:"text"`
}

// SimulatorSent names the message the simulator sent, as its webhook had it.
type SimulatorSent struct {
	Wamid string `json:"wamid"`
}

func tenant(c *fiber.Ctx) *db.Tenant { return tenancy.From(c).Tenant }

func reply(c *fiber.Ctx, v any, err error) error {
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func pathID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, errs.E(errs.NotFound, "no such item: %q is not an id", clip(c.Params("id"), 40))
	}
	return id, nil
}

// listPage reads a fixed-order list's page, refusing ?ordering= and a bad page in one
// answer.
func listPage(c *fiber.Ctx, order string) (query.Page, error) {
	f := errs.Fields{}
	page, err := api.PageOf(c)
	for _, e := range []error{api.FixedOrder(c, order), err} {
		if e != nil {
			for k, v := range errs.As(e).Fields {
				f.Add(k, v)
			}
		}
	}
	return page, f.Err()
}

// paged answers a fixed-order list in the paged envelope.
func paged[T any](order string, list func(context.Context, *db.Tenant, query.Page) ([]T, int64, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		page, err := listPage(c, order)
		if err != nil {
			return err
		}
		rows, n, err := list(c.UserContext(), tenant(c), page)
		if err != nil {
			return err
		}
		return c.JSON(api.NewList(c, page, n, rows))
	}
}
