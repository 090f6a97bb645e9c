package chatbot

import (
	"fmt"
	"hash/fnv"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/app/web"
)

// The WhatsApp pages: the staff inbox (conversations, a thread, replying as staff,
// handing back to the bot), the simulator, broadcasts (broadcast_pages.go) and the
// channel settings. The inbox and the thread refresh themselves with htmx polling; every
// form also works without script.

// pages are the bot's page handlers.
type pages struct {
	*web.Kit
	bot *Bot
}

func pageRoutes(r fiber.Router, k *web.Kit, b *Bot) {
	h := pages{k, b}
	inbox, manage, broadcast := h.Require(UseInbox), h.Require(Manage), h.Require(SendBroadcasts)
	r.Get("/chatbot", inbox, h.inboxPage)
	r.Get("/chatbot/list", inbox, h.inboxList)
	r.Get("/chatbot/c/:id", inbox, h.threadPage)
	r.Get("/chatbot/c/:id/messages", inbox, h.threadMessages)
	r.Post("/chatbot/c/:id/reply", inbox, h.threadReply)
	r.Post("/chatbot/c/:id/hand-back", inbox, h.threadHandBack)
	r.Get("/chatbot/simulator", inbox, h.simulatorPage)
	r.Get("/chatbot/simulator/messages", inbox, h.simulatorMessages)
	r.Post("/chatbot/simulator", inbox, h.simulatorSend)
	r.Get("/chatbot/broadcasts", broadcast, h.broadcastsPage)
	r.Post("/chatbot/broadcasts", broadcast, h.broadcastSend)
	r.Get("/chatbot/broadcasts/:id", broadcast, h.broadcastPage)
	r.Get("/chatbot/settings", manage, h.chatbotSettingsPage)
	r.Post("/chatbot/settings", manage, h.chatbotSettingsSave)
}

// inboxPerPage bounds the conversations listed at once.
const inboxPerPage = 30

type inboxData struct {
	Channel          string
	Rows             []Conversation
	Count            int64
	Page, Pages      int
	PrevURL, NextURL string
	ListURL          string // the fragment htmx polls
	CanSettings      bool
	CanBroadcast     bool
}

func (h pages) inboxPage(c *fiber.Ctx) error {
	v := h.View(c, "WhatsApp", "chatbot")
	d, err := h.inboxData(c, v.Prefix)
	if err != nil {
		return h.Fail(c, err)
	}
	d.CanSettings = auth.Allowed(v.User, Manage)
	d.CanBroadcast = auth.Allowed(v.User, SendBroadcasts)
	v.Data = d
	return h.Render(c, fiber.StatusOK, "chatbot_inbox", v)
}

// dates is how the request's school writes dates and times, for the page parts htmx
// fetches on their own.
func (h pages) dates(c *fiber.Ctx) school.Dates { return h.View(c, "", "").Dates() }

// inboxList is the list alone, for the page's polling.
func (h pages) inboxList(c *fiber.Ctx) error {
	d, err := h.inboxData(c, web.Prefix(c))
	if err != nil {
		return err
	}
	return h.RenderPart(c, fiber.StatusOK, "chatbot_inbox", "inbox_list", map[string]any{"Prefix": web.Prefix(c), "Data": d,
		"Dates": h.dates(c)})
}

func (h pages) inboxData(c *fiber.Ctx, pre string) (inboxData, error) {
	channel := c.Query("channel", ChannelWhatsApp)
	if channel != ChannelSimulator {
		channel = ChannelWhatsApp
	}
	page, err := api.PageNumber(c)
	if err != nil {
		return inboxData{}, err
	}
	rows, n, err := h.bot.ListConversations(c.UserContext(), web.Tenant(c), channel,
		query.Page{Number: page, Size: inboxPerPage})
	if err != nil {
		return inboxData{}, err
	}
	d := inboxData{Channel: channel, Rows: rows, Count: n, Page: page, Pages: max(1, int((n+inboxPerPage-1)/inboxPerPage))}
	link := func(p int) string {
		return pre + "/chatbot?" + url.Values{"channel": {channel}, "page": {strconv.Itoa(p)}}.Encode()
	}
	if page > 1 {
		d.PrevURL = link(page - 1)
	}
	if page < d.Pages {
		d.NextURL = link(page + 1)
	}
	d.ListURL = pre + "/chatbot/list?" + url.Values{"channel": {channel}, "page": {strconv.Itoa(page)}}.Encode()
	return d, nil
}

type threadData struct {
	Thread      Thread
	MessagesURL string
	Text        string
}

func conversationID(c *fiber.Ctx) (int64, error) { return web.PathID(c, "conversation") }

// threadPage shows one conversation; opening it marks it read.
func (h pages) threadPage(c *fiber.Ctx) error {
	id, err := conversationID(c)
	if err != nil {
		return h.Fail(c, err)
	}
	ctx, t := c.UserContext(), web.Tenant(c)
	if err := h.bot.MarkRead(ctx, t, id); err != nil {
		return h.Fail(c, err)
	}
	return h.threadRender(c, fiber.StatusOK, h.View(c, "Conversation", "chatbot"), id, "")
}

func (h pages) threadRender(c *fiber.Ctx, status int, v *web.View, id int64, text string) error {
	th, err := h.bot.GetThread(c.UserContext(), web.Tenant(c), id)
	if err != nil {
		return h.Fail(c, err)
	}
	v.Title = th.Name
	v.Data = threadData{Thread: th, MessagesURL: threadPollURL(v.Prefix, id, th), Text: text}
	return h.Render(c, status, "chatbot_thread", v)
}

// threadMessages is the messages alone, for the page's polling.
func (h pages) threadMessages(c *fiber.Ctx) error {
	id, err := conversationID(c)
	if err != nil {
		return err
	}
	th, err := h.bot.GetThread(c.UserContext(), web.Tenant(c), id)
	if err != nil {
		return err
	}
	if c.Query("v") == threadVersion(th) {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return h.RenderPart(c, fiber.StatusOK, "chatbot_thread", "thread_messages", map[string]any{"Prefix": web.Prefix(c), "Thread": th,
		"URL": threadPollURL(web.Prefix(c), id, th), "Dates": h.dates(c)})
}

func (h pages) threadReply(c *fiber.Ctx) error {
	id, err := conversationID(c)
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, "Conversation", "chatbot")
	v.Form = web.Form(c, "text")
	if _, err := h.bot.StaffReply(c.UserContext(), web.Tenant(c), id, c.FormValue("text"), auth.MetaFrom(c)); err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.threadRender(c, status, v, id, c.FormValue("text"))
	}
	return web.Redirect(c, v.Prefix+"/chatbot/c/"+strconv.FormatInt(id, 10)+"?done=reply_sent")
}

func (h pages) threadHandBack(c *fiber.Ctx) error {
	id, err := conversationID(c)
	if err != nil {
		return h.Fail(c, err)
	}
	if _, err := h.bot.HandBack(c.UserContext(), web.Tenant(c), id, auth.MetaFrom(c)); err != nil {
		return h.Fail(c, err)
	}
	return web.Redirect(c, web.Prefix(c)+"/chatbot/c/"+strconv.FormatInt(id, 10)+"?done=handed_back")
}

type simulatorData struct {
	Phones      []Phone
	Phone       string
	Thread      Thread
	MessagesURL string
	Ready       bool // the school has a number and an app secret to sign with
	CanSettings bool
}

func (h pages) simulatorPage(c *fiber.Ctx) error {
	return h.simulatorRender(c, fiber.StatusOK, h.View(c, "WhatsApp simulator", "chatbot"), simulatorDigits(c.Query("phone")))
}

func (h pages) simulatorRender(c *fiber.Ctx, status int, v *web.View, phone string) error {
	ctx, t := c.UserContext(), web.Tenant(c)
	phones, err := h.bot.SimulatorPhones(ctx, t)
	if err != nil {
		return h.Fail(c, err)
	}
	st, err := h.bot.GetSettings(ctx, t)
	if err != nil {
		return h.Fail(c, err)
	}
	d := simulatorData{Phones: phones, Ready: st.PhoneNumberID != "" && st.AppSecretSet,
		CanSettings: auth.Allowed(v.User, Manage)}
	if phone == "" && len(phones) > 0 {
		phone = phones[0].Digits
	}
	if phoneRe.MatchString(phone) {
		d.Phone = phone
		if d.Thread, err = h.bot.SimulatorThread(ctx, t, phone); err != nil {
			return h.Fail(c, err)
		}
		d.MessagesURL = simulatorPollURL(v.Prefix, phone, d.Thread)
	}
	v.Data = d
	return h.Render(c, status, "chatbot_simulator", v)
}

func (h pages) simulatorMessages(c *fiber.Ctx) error {
	phone := c.Query("phone")
	th, err := h.bot.SimulatorThread(c.UserContext(), web.Tenant(c), phone)
	if err != nil {
		return err
	}
	if c.Query("v") == threadVersion(th) {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return h.RenderPart(c, fiber.StatusOK, "chatbot_simulator", "sim_messages",
		map[string]any{"Prefix": web.Prefix(c), "Thread": th, "Phone": phone, "CSRF": csrfOf(c), "Dates": h.dates(c),
			"URL": simulatorPollURL(web.Prefix(c), phone, th)})
}

func csrfOf(c *fiber.Ctx) string {
	if p := auth.PrincipalOf(c); p != nil {
		return p.CSRFToken
	}
	return ""
}

// simulatorSend sends what was typed (or the choice tapped) as the phone. From htmx it
// answers with the conversation and a fresh message box; otherwise it redirects.
func (h pages) simulatorSend(c *fiber.Ctx) error {
	v := h.View(c, "WhatsApp simulator", "chatbot")
	ctx, t := c.UserContext(), web.Tenant(c)
	phone := simulatorDigits(c.FormValue("phone"))
	in := SimulatorInput{Phone: phone, Text: c.FormValue("text"), ChoiceID: c.FormValue("choice_id"),
		ChoiceTitle: c.FormValue("choice_title")}
	for _, p := range h.phones(c) {
		if p.Digits == phone {
			in.Name = p.Name
		}
	}
	status := fiber.StatusOK
	if _, err := h.bot.Simulate(ctx, t, in); err != nil {
		var ierr error
		if status, ierr = web.FormError(v, err); ierr != nil {
			return ierr
		}
		v.Form = map[string]string{"text": c.FormValue("text")}
		if !web.IsHTMX(c) {
			return h.simulatorRender(c, status, v, phone)
		}
	} else if !web.IsHTMX(c) {
		return web.Redirect(c, v.Prefix+"/chatbot/simulator?"+url.Values{"phone": {phone}}.Encode())
	}
	if !phoneRe.MatchString(phone) {
		return h.Fail(c, errs.Field("phone", simulatorPhoneHint))
	}
	th, err := h.bot.SimulatorThread(ctx, t, phone)
	if err != nil {
		return err
	}
	// htmx swaps only 2xx answers: a refused message comes back as 200 with its error
	// next to the field.
	return h.RenderPart(c, fiber.StatusOK, "chatbot_simulator", "sim_box", map[string]any{"Prefix": v.Prefix,
		"Thread": th, "Phone": phone, "URL": simulatorPollURL(v.Prefix, phone, th),
		"CSRF": v.CSRF, "Form": v.Form, "Fields": v.Fields, "Dates": v.Dates()})
}

func (h pages) phones(c *fiber.Ctx) []Phone {
	p, _ := h.bot.SimulatorPhones(c.UserContext(), web.Tenant(c))
	return p
}

type chatbotSettingsData struct {
	Settings   Settings
	WebhookURL string // on this school's host
}

func (h pages) chatbotSettingsPage(c *fiber.Ctx) error {
	v := h.View(c, "WhatsApp settings", "chatbot")
	st, err := h.bot.GetSettings(c.UserContext(), web.Tenant(c))
	if err != nil {
		return h.Fail(c, err)
	}
	v.Form = settingsForm(st)
	return h.chatbotSettingsRender(c, fiber.StatusOK, v, st)
}

func (h pages) chatbotSettingsRender(c *fiber.Ctx, status int, v *web.View, st Settings) error {
	r := tenancy.From(c)
	v.Data = chatbotSettingsData{Settings: st, WebhookURL: r.Origin + v.Prefix + WebhookPath}
	return h.Render(c, status, "chatbot_settings", v)
}

func settingsForm(s Settings) map[string]string {
	return map[string]string{"phone_number_id": s.PhoneNumberID, "display_number": s.DisplayNumber, "graph_url": s.GraphURL,
		"graph_version": s.GraphVersion, "template_language": s.TemplateLanguage, "absence_template": s.AbsenceTemplate,
		"notice_template": s.NoticeTemplate, "reply_template": s.ReplyTemplate, "alert_not_before": s.AlertNotBefore,
		"alert_delay_minutes": strconv.FormatInt(s.AlertDelayMinutes, 10)}
}

// chatbotSettingsSave saves the form. A secret field left empty keeps the secret; the
// "remove" box next to it removes it.
func (h pages) chatbotSettingsSave(c *fiber.Ctx) error {
	ctx, t := c.UserContext(), web.Tenant(c)
	v := h.View(c, "WhatsApp settings", "chatbot")
	v.Form = web.Form(c, "phone_number_id", "display_number", "graph_url", "graph_version", "template_language",
		"absence_template", "notice_template", "reply_template", "alert_not_before", "alert_delay_minutes")
	str := func(k string) *string { s := v.Form[k]; return &s }
	in := SettingsInput{PhoneNumberID: str("phone_number_id"), DisplayNumber: str("display_number"),
		GraphURL: str("graph_url"), GraphVersion: str("graph_version"), TemplateLanguage: str("template_language"),
		AbsenceTemplate: str("absence_template"), NoticeTemplate: str("notice_template"), ReplyTemplate: str("reply_template"),
		AlertNotBefore: str("alert_not_before")}
	if n, err := strconv.ParseInt(v.Form["alert_delay_minutes"], 10, 64); err == nil {
		in.AlertDelayMinutes = &n
	} else {
		v.Fields["alert_delay_minutes"] = "Must be a whole number of minutes from 0 to 1440."
	}
	for name, dst := range map[string]**string{"access_token": &in.AccessToken, "app_secret": &in.AppSecret, "verify_token": &in.VerifyToken} {
		if c.FormValue(name+"_remove") == "1" {
			empty := ""
			*dst = &empty
		} else if s := c.FormValue(name); s != "" {
			*dst = &s
		}
	}
	cur, err := h.bot.GetSettings(ctx, t)
	if err != nil {
		return h.Fail(c, err)
	}
	if len(v.Fields) > 0 {
		v.Error = "Please correct the highlighted fields."
		return h.chatbotSettingsRender(c, fiber.StatusBadRequest, v, cur)
	}
	if _, err := h.bot.SaveSettings(ctx, t, in, auth.MetaFrom(c)); err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.chatbotSettingsRender(c, status, v, cur)
	}
	return web.Redirect(c, v.Prefix+"/chatbot/settings?done=chatbot_saved")
}

// pollURL is the address a thread's page polls for its messages: base with q and the
// version of the thread as shown (v). While the thread stays as it is the poll gets 204
// and htmx leaves the page alone, so the choice buttons under a finger are not swapped
// for copies of themselves every few seconds (a tap on a copy htmx had not yet taken
// over posted the page the old way); when it changes the new part carries the next
// address, so the page keeps polling.
func pollURL(base string, q url.Values, th Thread) string {
	if q == nil {
		q = url.Values{}
	}
	q.Set("v", threadVersion(th))
	return base + "?" + q.Encode()
}

// threadPollURL is pollURL for a conversation's page.
func threadPollURL(prefix string, id int64, th Thread) string {
	return pollURL(prefix+"/chatbot/c/"+strconv.FormatInt(id, 10)+"/messages", nil, th)
}

// simulatorPollURL is pollURL for the simulator's thread with a phone.
func simulatorPollURL(prefix, phone string, th Thread) string {
	return pollURL(prefix+"/chatbot/simulator/messages", url.Values{"phone": {phone}}, th)
}

// threadVersion names what a thread shows: each message and its status.
func threadVersion(th Thread) string {
	h := fnv.New64a()
	for _, m := range th.Messages {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", m.ID, m.Status, m.Error)
	}
	return strconv.FormatUint(h.Sum64(), 36)
}
