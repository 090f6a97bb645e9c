package chatbot

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// MaxWebhookBody is the largest webhook body taken. Meta documents payloads of up to
// 3 MB; anything larger is not a webhook.
const MaxWebhookBody = 3<<20 + 512<<10

// maxNumbersPerBatch bounds the schools one base-domain POST can make the server open.
const maxNumbersPerBatch = 16

// Received counts what one webhook POST stored.
type Received struct {
	Messages   int `json:"messages"`   // new messages stored
	Duplicates int `json:"duplicates"` // messages stored before (redeliveries)
	Statuses   int `json:"statuses"`   // statuses recorded
	Skipped    int `json:"skipped"`    // items that could not be read (logged)
}

func (r *Received) add(o Received) {
	r.Messages += o.Messages
	r.Duplicates += o.Duplicates
	r.Statuses += o.Statuses
	r.Skipped += o.Skipped
}

// newInbound is a message stored by a webhook, to be handed to the worker.
type newInbound struct {
	conversation int64
	wamid        string
}

// Receive verifies and stores one webhook POST. school is the school of the host the
// POST came to, or nil on the base domain, where each entry's phone_number_id picks its
// school. The signature is checked against every school the batch names before
// anything is stored; a missing or wrong signature is Unauthorized, a number no school
// has (or, on a school's host, another than the school's) NotFound, and nothing is
// stored then. channel is ChannelWhatsApp for Meta's posts and ChannelSimulator for the
// simulator's: the caller says which, the body cannot.
func (m *Bot) Receive(ctx context.Context, school *db.Tenant, body []byte, signature, channel string) (Received, error) {
	if strings.TrimSpace(signature) == "" {
		return Received{}, errs.E(errs.Unauthorized, "the request has no %s header", whatsapp.SignatureHeader)
	}
	if school != nil {
		st, err := loadSettings(ctx, school.Read())
		if err != nil {
			return Received{}, errs.Wrap(err, "read whatsapp settings")
		}
		if !whatsapp.ValidSignature(st.AppSecret, body, signature) {
			return Received{}, errs.E(errs.Unauthorized, "the %s signature does not match this school's app secret", whatsapp.SignatureHeader)
		}
		p, err := whatsapp.Parse(body)
		if err != nil {
			return Received{}, errs.E(errs.Invalid, "the body is not a WhatsApp Business webhook")
		}
		for _, id := range p.PhoneNumberIDs() {
			if id != st.PhoneNumberID {
				return Received{}, errs.E(errs.NotFound, "phone_number_id %q is not this school's WhatsApp number", clip(id, 40))
			}
		}
		return m.store(ctx, school, p, st.PhoneNumberID, channel)
	}

	// The base domain must read the body to learn which school it is for; nothing is
	// stored, and no school's file is written, before each named school's secret has
	// verified the exact bytes.
	p, err := whatsapp.Parse(body)
	if err != nil {
		return Received{}, errs.E(errs.Invalid, "the body is not a WhatsApp Business webhook")
	}
	ids := p.PhoneNumberIDs()
	switch {
	case len(ids) == 0:
		return Received{}, errs.E(errs.Invalid, "the webhook names no phone_number_id")
	case len(ids) > maxNumbersPerBatch:
		return Received{}, errs.E(errs.Invalid, "the webhook names more than %d phone numbers", maxNumbersPerBatch)
	}
	type target struct {
		t  *db.Tenant
		id string
	}
	var targets []target
	var elsewhere []string // numbers of schools another appliance of the cluster holds
	for _, id := range ids {
		info, here, err := m.schoolOfNumber(ctx, id)
		if err != nil {
			return Received{}, err
		}
		if !here {
			elsewhere = append(elsewhere, id)
			continue
		}
		t, release, err := m.verifiedSchool(ctx, info, id, body, signature)
		if err != nil {
			return Received{}, err
		}
		defer release()
		targets = append(targets, target{t: t, id: id})
	}
	var total Received
	// Another appliance verifies and stores its schools' messages before it answers;
	// this one answers 200 only after every school named has stored its part.
	for _, id := range elsewhere {
		r, err := m.forward(ctx, id, body, signature)
		total.add(r)
		if err != nil {
			return total, err
		}
	}
	for _, tg := range targets {
		r, err := m.store(ctx, tg.t, p, tg.id, channel)
		total.add(r)
		if err != nil {
			// Schools stored before this one keep their rows; Meta's retry of the
			// whole batch finds them by wamid and stores only the rest.
			return total, err
		}
	}
	return total, nil
}

// verifiedSchool opens the school of a number and checks the body's signature with the
// app secret its file keeps.
func (m *Bot) verifiedSchool(ctx context.Context, info tenancy.Info, id string, body []byte, signature string) (*db.Tenant, func(), error) {
	t, release, err := m.Pool.AcquireIncarnation(ctx, info.Schema, info.Incarnation)
	if err != nil {
		return nil, nil, &errs.Error{Code: errs.TenantUnavailable, Err: err,
			Message: "the school of phone_number_id " + clip(id, 40) + " is temporarily unavailable"}
	}
	st, err := loadSettings(ctx, t.Read())
	if err != nil {
		release()
		return nil, nil, errs.Wrap(err, "read whatsapp settings")
	}
	if st.PhoneNumberID != id {
		// The catalog and the school's file disagree (a change half-done): the file,
		// which holds the secret, decides.
		release()
		return nil, nil, errs.E(errs.NotFound, "no school has the WhatsApp number with phone_number_id %q", clip(id, 40))
	}
	if !whatsapp.ValidSignature(st.AppSecret, body, signature) {
		release()
		return nil, nil, errs.E(errs.Unauthorized, "the %s signature does not match the app secret of the school of phone_number_id %q",
			whatsapp.SignatureHeader, clip(id, 40))
	}
	return t, release, nil
}

// schoolOfNumber is the school a phone_number_id belongs to, from the cache or the
// catalog; the resolver gives its incarnation, status and placement (and notices
// catalog changes). here is false when another appliance of the cluster is to answer
// for the number: the school is placed elsewhere, or this appliance has a name and
// does not know the number (the appliance holding it may).
func (m *Bot) schoolOfNumber(ctx context.Context, id string) (info tenancy.Info, here bool, err error) {
	schema, ok := m.numbers.get(id)
	if !ok {
		row, err := m.Catalog.Read().WhatsAppSchoolByNumber(ctx, id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			schema = ""
		case err != nil:
			return tenancy.Info{}, false, errs.Wrap(err, "find school of whatsapp number")
		default:
			schema = row.SchemaName
		}
		m.numbers.put(id, schema)
	}
	notFound := errs.E(errs.NotFound, "no school has the WhatsApp number with phone_number_id %q", clip(id, 40))
	found := false
	if schema != "" {
		if info, found, err = m.Resolver.BySchema(ctx, schema); err != nil {
			return tenancy.Info{}, false, errs.Wrap(err, "resolve school")
		}
	}
	switch {
	case found && !info.ServedBy(m.Appliance):
		return tenancy.Info{}, false, nil
	case !found && m.Appliance != "":
		return tenancy.Info{}, false, nil
	case !found:
		return tenancy.Info{}, false, notFound
	case info.Suspended():
		return tenancy.Info{}, false, errs.E(errs.TenantSuspended, "the school of phone_number_id %q is suspended", clip(id, 40))
	}
	return info, true, nil
}

var kindRe = regexp.MustCompile(`^[a-z_]{1,32}$`)

// store writes the messages and statuses of one school's number in one transaction,
// then hands the new messages to the worker.
func (m *Bot) store(ctx context.Context, t *db.Tenant, p whatsapp.Payload, phoneNumberID, channel string) (Received, error) {
	var r Received
	var fresh []newInbound
	var again []int64 // conversations with a template to send instead of a refused message
	now := m.now()
	skip := func(what, why string, attrs ...any) {
		r.Skipped++
		m.Log.Warn("whatsapp webhook: "+what+" skipped", append([]any{slog.String("tenant", t.Schema),
			slog.String("reason", why)}, attrs...)...)
	}
	err := m.groupCommit(ctx, t, func(q *tenantdb.Queries) error {
		r, fresh, again = Received{}, nil, nil
		for _, v := range p.Values(phoneNumberID) {
			for _, msg := range v.Messages {
				if msg.ID == "" || len(msg.ID) > 256 || !utf8.ValidString(msg.ID) {
					skip("message", "it has no usable id", slog.String("id", clip(msg.ID, 60)))
					continue
				}
				if !phoneRe.MatchString(msg.From) {
					skip("message", "its sender is not a phone number", slog.String("wamid", msg.ID), slog.String("from", clip(msg.From, 40)))
					continue
				}
				in := readIncoming(msg)
				if !kindRe.MatchString(in.kind) {
					in.kind = "unknown"
				}
				sent := msg.Timestamp.Time()
				if sent.IsZero() {
					sent = now
				}
				conv, err := q.ChatbotConversationUpsert(ctx, tenantdb.ChatbotConversationUpsertParams{Channel: channel,
					Phone: msg.From, ProfileName: clip(strings.TrimSpace(v.ProfileName(msg.From)), 100)})
				if err != nil {
					return err
				}
				_, err = q.ChatbotInboundInsert(ctx, tenantdb.ChatbotInboundInsertParams{Wamid: msg.ID, Channel: channel,
					ConversationID: conv, Phone: msg.From, Kind: in.kind, Body: in.body, Title: in.title, SentAt: stamp(sent)})
				if errors.Is(err, sql.ErrNoRows) {
					r.Duplicates++
					continue
				}
				if err != nil {
					return err
				}
				if err := q.ChatbotConversationInbound(ctx, tenantdb.ChatbotConversationInboundParams{At: stamp(sent), ID: conv}); err != nil {
					return err
				}
				r.Messages++
				fresh = append(fresh, newInbound{conversation: conv, wamid: msg.ID})
			}
			for _, st := range v.Statuses {
				if st.ID == "" || len(st.ID) > 256 {
					skip("status", "it names no message")
					continue
				}
				switch st.Status {
				case "sent", "delivered", "read", "failed":
				default:
					skip("status", "unknown status", slog.String("wamid", clip(st.ID, 60)), slog.String("status", clip(st.Status, 20)))
					continue
				}
				at := st.Timestamp.Time()
				if at.IsZero() {
					at = now
				}
				var code sql.NullInt64
				var title string
				if len(st.Errors) > 0 {
					code = sql.NullInt64{Int64: int64(st.Errors[0].Code), Valid: true}
					title = clip(firstNonEmpty(st.Errors[0].Title, st.Errors[0].Message), 300)
				}
				n, err := q.ChatbotStatusInsert(ctx, tenantdb.ChatbotStatusInsertParams{Wamid: st.ID, Status: st.Status,
					At: stamp(at), ErrorCode: code, ErrorTitle: title})
				if err != nil {
					return err
				}
				if n == 0 {
					continue // the same status again
				}
				r.Statuses++
				applied, err := q.ChatbotOutboundApplyStatus(ctx, tenantdb.ChatbotOutboundApplyStatusParams{Status: st.Status,
					ErrorCode: code, ErrorMessage: title, Wamid: sql.NullString{String: st.ID, Valid: true}})
				if err != nil {
					return err
				}
				if applied == 0 {
					// Kept: the send that made this wamid may not have recorded it yet, and
					// records it together with the statuses already here.
					m.Log.Debug("whatsapp status for a message not (yet) known", slog.String("tenant", t.Schema),
						slog.String("wamid", clip(st.ID, 60)), slog.String("status", st.Status))
					continue
				}
				if st.Status == "failed" && code.Int64 == whatsapp.CodeOutsideWindow {
					conv, err := m.templateAfterRefusal(ctx, q, st.ID)
					if err != nil {
						return err
					}
					if conv != 0 {
						again = append(again, conv)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return Received{}, errs.Wrap(err, "store whatsapp webhook")
	}
	for _, f := range fresh {
		m.trigger(t.Schema, f.conversation, f.wamid)
	}
	for _, c := range again {
		m.retrigger(t.Schema, c)
	}
	return r, nil
}

// templateAfterRefusal plans the school's reply template for a bot or staff message
// WhatsApp reported failed with 131047 (the 24-hour window had closed), and returns its
// conversation for the worker to send it (0 when there is nothing to send).
func (m *Bot) templateAfterRefusal(ctx context.Context, q *tenantdb.Queries, wamid string) (int64, error) {
	row, err := q.ChatbotOutboundByWamid(ctx, sql.NullString{String: wamid, Valid: true})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if !row.ConversationID.Valid || row.Kind == "template" || (row.Origin != "bot" && row.Origin != "staff") {
		return 0, nil
	}
	st, err := loadSettings(ctx, q)
	if err != nil || st.ReplyTemplate == "" {
		return 0, err
	}
	profile, err := q.GetSchoolProfile(ctx)
	if err != nil {
		return 0, err
	}
	_, err = insertPlanned(ctx, q, planned{key: row.Key + ":template", conversation: row.ConversationID, channel: row.Channel,
		phone: row.Phone, replyTo: row.ReplyTo, origin: row.Origin, staffUser: row.StaffUserID,
		out: outMsg{msg: whatsapp.TemplateMessage(st.ReplyTemplate, st.TemplateLanguage, profile.Name)}})
	return row.ConversationID.Int64, err
}

// phoneRe is a phone as WhatsApp writes it in "from" and "wa_id": digits only.
var phoneRe = regexp.MustCompile(`^[0-9]{5,20}$`)

type incoming struct{ kind, body, title string }

// maxInboundText bounds a stored text; WhatsApp's own limit is 4096 characters.
const maxInboundText = 8192

func readIncoming(msg whatsapp.Incoming) incoming {
	in := incoming{kind: msg.Type}
	switch {
	case msg.Type == "text" && msg.Text != nil:
		in.body = msg.Text.Body
	case msg.Type == "interactive" && msg.Interactive != nil:
		c := msg.Interactive.ListReply
		if c == nil {
			c = msg.Interactive.ButtonReply
		}
		if c != nil {
			in.body, in.title = c.ID, c.Title
		}
	case msg.Type == "button" && msg.Button != nil:
		in.body, in.title = firstNonEmpty(msg.Button.Payload, msg.Button.Text), msg.Button.Text
	}
	in.body = clip(strings.ToValidUTF8(in.body, "�"), maxInboundText)
	in.title = clip(strings.ToValidUTF8(in.title, "�"), 200)
	return in
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// clip keeps s to n characters for storage or messages.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// challengeRe is what a verification challenge may be echoed as (Meta sends digits).
var challengeRe = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,200}$`)

// Verify answers the webhook verification handshake: the challenge if mode is
// "subscribe" and token is the school's verify token (on the base domain: any school's),
// ok false otherwise.
func (m *Bot) Verify(ctx context.Context, school *db.Tenant, mode, token, challenge string) (string, bool, error) {
	if mode != "subscribe" || token == "" || !challengeRe.MatchString(challenge) {
		return "", false, nil
	}
	check := func(t *db.Tenant) (bool, error) {
		st, err := loadSettings(ctx, t.Read())
		if err != nil {
			return false, errs.Wrap(err, "read whatsapp settings")
		}
		return st.VerifyToken != "" && subtle.ConstantTimeCompare([]byte(st.VerifyToken), []byte(token)) == 1, nil
	}
	if school != nil {
		ok, err := check(school)
		return challenge, ok, err
	}
	schemas, err := m.Catalog.Read().WhatsAppSchoolsByVerifyToken(ctx, verifyHash(token))
	if err != nil {
		return "", false, errs.Wrap(err, "find school by verify token")
	}
	for _, s := range schemas {
		var ok bool
		err := m.Pool.WithTenant(ctx, s, func(t *db.Tenant) error {
			var err error
			ok, err = check(t)
			return err
		})
		if err != nil {
			return "", false, err
		}
		if ok {
			return challenge, true, nil
		}
	}
	return "", false, nil
}
