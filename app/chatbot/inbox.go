package chatbot

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	apptext "github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Conversation is a thread as the staff inbox shows it.
type Conversation struct {
	ID            int64   `json:"id"`
	Channel       string  `json:"channel"`
	Phone         string  `json:"phone"`
	Name          string  `json:"name"` // the guardian's name, or WhatsApp's profile name
	GuardianID    *int64  `json:"guardian_id"`
	State         string  `json:"state"`
	NeedsStaff    bool    `json:"needs_staff"`
	Unread        int64   `json:"unread"`
	OptedOut      bool    `json:"opted_out"`
	LastMessageAt *string `json:"last_message_at"`
	LastInboundAt *string `json:"last_inbound_at"`
	// WindowOpen is whether a free-form reply can go out (the phone wrote in the last
	// 24 hours); outside it staff replies go as the reply template.
	WindowOpen bool `json:"window_open"`
}

// ThreadMessage is one message of a thread, either way.
type ThreadMessage struct {
	Direction string `json:"direction"` // in, out
	At        string `json:"at"`
	Kind      string `json:"kind"`
	Text      string `json:"text"`
	Origin    string `json:"origin,omitempty"` // out: bot, staff, alert, broadcast
	Status    string `json:"status"`           // in: pending, handled, dead; out: pending ... read, failed
	Error     string `json:"error,omitempty"`
	ID        string `json:"id"` // in:<id> or out:<id>
	// Choices are the rows or buttons of a list or button message the bot sent.
	Choices []Choice `json:"choices,omitempty"`
}

// Choice is a row or button a phone can pick.
type Choice struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// choicesOf reads the rows or buttons of a stored interactive message.
func choicesOf(payload string) []Choice {
	var msg whatsapp.Message
	if json.Unmarshal([]byte(payload), &msg) != nil || msg.Interactive == nil {
		return nil
	}
	var out []Choice
	for _, s := range msg.Interactive.Action.Sections {
		for _, r := range s.Rows {
			out = append(out, Choice{ID: r.ID, Title: r.Title})
		}
	}
	for _, b := range msg.Interactive.Action.Buttons {
		out = append(out, Choice{ID: b.Reply.ID, Title: b.Reply.Title})
	}
	return out
}

// Thread is a conversation with its latest messages, oldest first.
type Thread struct {
	Conversation
	Messages []ThreadMessage `json:"messages"`
}

func (m *Bot) conversationView(c tenantdb.ChatbotConversation, guardianName string) Conversation {
	v := Conversation{ID: c.ID, Channel: c.Channel, Phone: c.Phone, Name: firstNonEmpty(guardianName, c.ProfileName, "+"+c.Phone),
		State: c.State, NeedsStaff: c.NeedsStaff, Unread: c.Unread, OptedOut: c.OptedOut}
	if c.GuardianID.Valid {
		v.GuardianID = &c.GuardianID.Int64
	}
	if c.LastMessageAt.Valid {
		v.LastMessageAt = &c.LastMessageAt.String
	}
	if c.LastInboundAt.Valid {
		v.LastInboundAt = &c.LastInboundAt.String
		if t, ok := parseStamp(c.LastInboundAt.String); ok {
			v.WindowOpen = m.now().Sub(t) < 24*time.Hour
		}
	}
	if c.Channel == ChannelSimulator {
		v.WindowOpen = true
	}
	return v
}

// ListConversations is one page of the inbox: unread and waiting-for-staff first, then
// the most recent. channel "" lists both channels.
func (m *Bot) ListConversations(ctx context.Context, t *db.Tenant, channel string, page query.Page) ([]Conversation, int64, error) {
	if channel != "" && channel != ChannelWhatsApp && channel != ChannelSimulator {
		return nil, 0, errs.Field("channel", "must be whatsapp or simulator")
	}
	n, err := t.Read().ChatbotConversationsCount(ctx, channel)
	if err != nil {
		return nil, 0, errs.Wrap(err, "count conversations")
	}
	rows, err := t.Read().ChatbotConversationsList(ctx, tenantdb.ChatbotConversationsListParams{Channel: channel,
		Lim: page.Limit(), Off: page.Offset()})
	if err != nil {
		return nil, 0, errs.Wrap(err, "list conversations")
	}
	out := make([]Conversation, 0, len(rows))
	for _, r := range rows {
		c := tenantdb.ChatbotConversation{ID: r.ID, Channel: r.Channel, Phone: r.Phone, ProfileName: r.ProfileName,
			GuardianID: r.GuardianID, StudentID: r.StudentID, State: r.State, OptedOut: r.OptedOut, NeedsStaff: r.NeedsStaff,
			Unread: r.Unread, LastInboundAt: r.LastInboundAt, LastMessageAt: r.LastMessageAt, LastActivityAt: r.LastActivityAt}
		out = append(out, m.conversationView(c, r.GuardianName))
	}
	return out, n, nil
}

func (m *Bot) conversation(ctx context.Context, t *db.Tenant, id int64) (tenantdb.ChatbotConversation, Conversation, error) {
	c, err := t.Read().ChatbotConversationGet(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return c, Conversation{}, errs.E(errs.NotFound, "no conversation has id %d", id)
	}
	if err != nil {
		return c, Conversation{}, errs.Wrap(err, "read conversation")
	}
	name := ""
	if c.GuardianID.Valid {
		if g, err := t.Read().GuardiansGet(ctx, c.GuardianID.Int64); err == nil {
			name = g.Name
		}
	}
	return c, m.conversationView(c, name), nil
}

// threadLimit is how many messages each way a thread shows.
const threadLimit = 100

// GetThread returns a conversation and its latest messages, oldest first.
func (m *Bot) GetThread(ctx context.Context, t *db.Tenant, id int64) (Thread, error) {
	_, view, err := m.conversation(ctx, t, id)
	if err != nil {
		return Thread{}, err
	}
	ins, err := t.Read().ChatbotInboundOfConversation(ctx, tenantdb.ChatbotInboundOfConversationParams{ConversationID: id, Limit: threadLimit})
	if err != nil {
		return Thread{}, errs.Wrap(err, "read messages")
	}
	outs, err := t.Read().ChatbotOutboundOfConversation(ctx, tenantdb.ChatbotOutboundOfConversationParams{ConversationID: sql.NullInt64{Int64: id, Valid: true}, Limit: threadLimit})
	if err != nil {
		return Thread{}, errs.Wrap(err, "read messages")
	}
	// Messages are stamped to the millisecond, so a question, its answer and the next
	// question can share a stamp. Within one, an answer goes right after the message it
	// answers (reply_to), and anything else after the inbound messages of that stamp;
	// each direction keeps the order of its ids.
	type placed struct {
		msg       ThreadMessage
		after, id int64 // the inbound id it follows; its own id
		out       int   // 0 inbound, 1 outbound: an answer after its question
	}
	inboundID := make(map[string]int64, len(ins))
	list := make([]placed, 0, len(ins)+len(outs))
	for _, in := range ins {
		inboundID[in.Wamid] = in.ID
		txt := in.Body
		if in.Title != "" {
			txt = in.Title
		}
		if in.Kind != "text" && in.Kind != "interactive" && in.Kind != "button" {
			txt = "[" + in.Kind + "]"
		}
		list = append(list, placed{msg: ThreadMessage{Direction: "in", At: in.ReceivedAt, Kind: in.Kind, Text: txt, Status: in.State,
			ID: "in:" + itoa(in.ID)}, after: in.ID, id: in.ID})
	}
	for _, o := range outs {
		after, ok := inboundID[o.ReplyTo.String]
		if !o.ReplyTo.Valid || !ok {
			after = math.MaxInt64
		}
		list = append(list, placed{msg: ThreadMessage{Direction: "out", At: o.CreatedAt, Kind: o.Kind, Text: o.Preview, Origin: o.Origin,
			Status: o.Status, Error: o.ErrorMessage, ID: "out:" + itoa(o.ID), Choices: choicesOf(o.Payload)}, after: after, id: o.ID, out: 1})
	}
	slices.SortFunc(list, func(a, b placed) int {
		return cmp.Or(strings.Compare(a.msg.At, b.msg.At), cmp.Compare(a.after, b.after), cmp.Compare(a.out, b.out), cmp.Compare(a.id, b.id))
	})
	msgs := make([]ThreadMessage, len(list))
	for i, p := range list {
		msgs[i] = p.msg
	}
	return Thread{Conversation: view, Messages: msgs}, nil
}

// MarkRead clears a conversation's unread count.
func (m *Bot) MarkRead(ctx context.Context, t *db.Tenant, id int64) error {
	if _, _, err := m.conversation(ctx, t, id); err != nil {
		return err
	}
	return errs.Wrap(t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error { return q.ChatbotConversationRead(ctx, id) }), "mark read")
}

// maxStaffReply bounds a staff reply (WhatsApp takes 4096 characters).
const maxStaffReply = 4000

// StaffReply sends a staff member's answer: as text inside the 24-hour window, as the
// school's reply template outside it. The conversation stays with staff (the bot keeps
// quiet) until handed back. The worker sends it, not the request.
func (m *Bot) StaffReply(ctx context.Context, t *db.Tenant, id int64, body string, meta auth.Meta) (ThreadMessage, error) {
	c, view, err := m.conversation(ctx, t, id)
	if err != nil {
		return ThreadMessage{}, err
	}
	body, msg := apptext.Multiline(body, maxStaffReply)
	if msg != "" {
		return ThreadMessage{}, errs.Field("text", msg)
	}
	if body == "" {
		return ThreadMessage{}, errs.Field("text", "is required")
	}
	st, err := loadSettings(ctx, t.Read())
	if err != nil {
		return ThreadMessage{}, errs.Wrap(err, "read whatsapp settings")
	}
	out := whatsapp.TextMessage(body)
	if !view.WindowOpen {
		if st.ReplyTemplate == "" {
			return ThreadMessage{}, errs.Field("text", "the guardian last wrote more than 24 hours ago, so WhatsApp only delivers a template, and no reply template is set in the WhatsApp settings")
		}
		profile, err := t.Read().GetSchoolProfile(ctx)
		if err != nil {
			return ThreadMessage{}, errs.Wrap(err, "read school")
		}
		out = whatsapp.TemplateMessage(st.ReplyTemplate, st.TemplateLanguage, profile.Name)
	}
	if c.Channel == ChannelWhatsApp && !configured(st) {
		return ThreadMessage{}, errs.E(errs.Conflict, "WhatsApp is not set up for this school: add the number, token and app secret in the settings first")
	}
	var staff sql.NullInt64
	if meta.ActorID != nil {
		staff = sql.NullInt64{Int64: *meta.ActorID, Valid: true}
	}
	now := stamp(m.now())
	var oid int64
	err = t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		oid, err = insertPlanned(ctx, q, planned{key: "staff:" + itoa(id) + ":" + randomKey(), conversation: sql.NullInt64{Int64: id, Valid: true},
			channel: c.Channel, phone: c.Phone, origin: "staff", out: outMsg{msg: out}, staffUser: staff})
		if err != nil {
			return err
		}
		// Staff have the conversation (the bot keeps quiet) and have answered it.
		if err := q.ChatbotConversationStaffAnswered(ctx, tenantdb.ChatbotConversationStaffAnsweredParams{
			LastActivityAt: sql.NullString{String: now, Valid: true}, ID: id}); err != nil {
			return err
		}
		if err := q.ChatbotConversationOutbound(ctx, tenantdb.ChatbotConversationOutboundParams{At: now, ID: id}); err != nil {
			return err
		}
		return auth.InsertSchoolAudit(ctx, q, meta.Entry("chatbot.reply", "+"+c.Phone, map[string]any{"conversation": id, "outbound": oid}))
	})
	if err != nil {
		return ThreadMessage{}, errs.Wrap(err, "save reply")
	}
	m.retrigger(t.Schema, id)
	return ThreadMessage{Direction: "out", At: now, Kind: kindOf(out), Text: out.Preview(), Origin: "staff", Status: "pending", ID: "out:" + itoa(oid)}, nil
}

// HandBack returns a conversation from staff to the bot.
func (m *Bot) HandBack(ctx context.Context, t *db.Tenant, id int64, meta auth.Meta) (Conversation, error) {
	c, _, err := m.conversation(ctx, t, id)
	if err != nil {
		return Conversation{}, err
	}
	err = t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		if err := q.ChatbotConversationHandBack(ctx, tenantdb.ChatbotConversationHandBackParams{LastActivityAt: sql.NullString{String: stamp(m.now()), Valid: true}, ID: id}); err != nil {
			return err
		}
		return auth.InsertSchoolAudit(ctx, q, meta.Entry("chatbot.hand_back", "+"+c.Phone, map[string]any{"conversation": id}))
	})
	if err != nil {
		return Conversation{}, errs.Wrap(err, "hand back")
	}
	_, view, err := m.conversation(ctx, t, id)
	return view, err
}

func randomKey() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func itoa(n int64) string { return formatInt(n) }
