package chatbot

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/web"
)

// The broadcast pages: the school's broadcasts with their progress and a form for a new
// one (its text to the guardians of a class, a form or the whole school), and one
// broadcast with each guardian's outcome, refreshing itself while it is being sent.

const (
	broadcastsPerPage = 20
	recipientsPerPage = 50
)

type broadcastsData struct {
	Rows        []broadcastRow
	Pager       web.Pager
	Audience    []web.Option // "school", "form:<id>", "class:<id>"
	Groups      []web.OptionGroup
	Sending     bool // the school's channel can send: set up and not failing
	CanSettings bool
	Max         int
}

// broadcastRow is a broadcast as the list shows it: the start of its text.
type broadcastRow struct {
	Broadcast
	Preview string
}

// recipientRow is a recipient with its number as people write it (+ and digits; a
// number the school could not read, as it was stored).
type recipientRow struct {
	Recipient
	Shown string
}

type broadcastData struct {
	Broadcast  Broadcast
	Recipients []recipientRow
	Settled    int64 // recipients sent, failed or skipped: the progress bar
	Pager      web.Pager
	PollURL    string // while it is being sent
}

func (h pages) broadcastsPage(c *fiber.Ctx) error {
	v := h.View(c, "Broadcasts", "chatbot")
	v.Form = map[string]string{"audience": c.Query("audience", "school")}
	return h.broadcastsRender(c, fiber.StatusOK, v)
}

func (h pages) broadcastsRender(c *fiber.Ctx, status int, v *web.View) error {
	ctx, t := c.UserContext(), web.Tenant(c)
	pg, err := web.PageOf(c, broadcastsPerPage)
	if err != nil {
		return h.Fail(c, err)
	}
	page := pg.Number
	rows, n, err := h.bot.ListBroadcasts(ctx, t, pg)
	if err != nil {
		return h.Fail(c, err)
	}
	st, err := h.bot.GetSettings(ctx, t)
	if err != nil {
		return h.Fail(c, err)
	}
	list := make([]broadcastRow, len(rows))
	for i, b := range rows {
		list[i] = broadcastRow{Broadcast: b, Preview: whatsapp.Clip(b.Text, 120)}
	}
	d := broadcastsData{Rows: list, Pager: web.NewPager(v.Prefix+"/chatbot/broadcasts", url.Values{}, page, broadcastsPerPage, n),
		Audience: []web.Option{{Value: "school", Label: "The whole school"}}, Sending: st.Channel.Status == "ok",
		Max: maxBroadcastText}
	// The forms, then the current session's classes grouped by form.
	forms, err := academics.FormOptions(c)
	if err != nil {
		return h.Fail(c, err)
	}
	for _, f := range forms {
		d.Audience = append(d.Audience, web.Option{Value: "form:" + f.Value, Label: "Every class of " + f.Label})
	}
	if s, err := academics.CurrentSessionOf(c); err != nil {
		return h.Fail(c, err)
	} else if s != nil {
		_, opts, err := academics.ClassOptions(c, s.ID)
		if err != nil {
			return h.Fail(c, err)
		}
		for i := range opts {
			opts[i].Value = "class:" + opts[i].Value
		}
		d.Groups = web.Grouped(opts)
	}
	d.CanSettings = auth.Allowed(v.User, Manage)
	v.Data = d
	return h.Render(c, status, "chatbot_broadcasts", v)
}

// broadcastSend creates a broadcast from the form: its audience ("school", "form:<id>"
// or "class:<id>") and its text. Nothing is sent in the request; the page of the new
// broadcast follows its progress.
func (h pages) broadcastSend(c *fiber.Ctx) error {
	v := h.View(c, "Broadcasts", "chatbot")
	v.Form = map[string]string{"audience": c.FormValue("audience"), "text": c.FormValue("text")}
	in := BroadcastInput{}
	kind, id, _ := strings.Cut(v.Form["audience"], ":")
	in.Audience = kind
	if id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n < 1 {
			v.Fields["audience"] = "Choose who gets the message."
		} else {
			in.AudienceID = &n
		}
	}
	text := v.Form["text"]
	in.Text = &text
	if len(v.Fields) == 0 {
		b, err := h.bot.CreateBroadcast(c.UserContext(), web.Tenant(c), in, auth.MetaFrom(c))
		if err == nil {
			return web.Redirect(c, v.Prefix+"/chatbot/broadcasts/"+strconv.FormatInt(b.ID, 10)+"?done=broadcast_queued")
		}
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		if msg, ok := v.Fields["audience_id"]; ok {
			v.Fields["audience"] = msg
		}
		return h.broadcastsRender(c, status, v)
	}
	v.Error = "Please correct the highlighted fields."
	return h.broadcastsRender(c, fiber.StatusBadRequest, v)
}

func (h pages) broadcastPage(c *fiber.Ctx) error {
	id, err := web.PathID(c, "broadcast")
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, "Broadcast", "chatbot")
	ctx, t := c.UserContext(), web.Tenant(c)
	b, err := h.bot.GetBroadcast(ctx, t, id)
	if err != nil {
		return h.Fail(c, err)
	}
	pg, err := web.PageOf(c, recipientsPerPage)
	if err != nil {
		return h.Fail(c, err)
	}
	page := pg.Number
	rows, n, err := h.bot.BroadcastRecipients(ctx, t, id, pg)
	if err != nil {
		return h.Fail(c, err)
	}
	path := v.Prefix + "/chatbot/broadcasts/" + strconv.FormatInt(id, 10)
	recipients := make([]recipientRow, len(rows))
	for i, r := range rows {
		recipients[i] = recipientRow{Recipient: r, Shown: r.Phone}
		if phoneRe.MatchString(r.Phone) {
			recipients[i].Shown = "+" + r.Phone
		}
	}
	d := broadcastData{Broadcast: b, Recipients: recipients, Settled: b.Progress.Sent + b.Progress.Failed + b.Progress.Skipped, Pager: web.NewPager(path, url.Values{}, page, recipientsPerPage, n)}
	if b.Status != "done" {
		q := url.Values{}
		if page > 1 {
			q.Set("page", strconv.Itoa(page))
		}
		d.PollURL = path + "?" + q.Encode()
	}
	v.Title = "Broadcast to " + b.AudienceName
	if web.IsHTMX(c) {
		return h.RenderPart(c, fiber.StatusOK, "chatbot_broadcast", "broadcast_body", map[string]any{"Prefix": v.Prefix,
			"Data": d, "Dates": v.Dates()})
	}
	v.Data = d
	return h.Render(c, fiber.StatusOK, "chatbot_broadcast", v)
}
