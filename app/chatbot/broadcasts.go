package chatbot

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	apptext "github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// BroadcastInput is a notice to send: text, or the id of a notice, to the guardians of
// a class, a form (this session's classes of it) or the whole school.
type BroadcastInput struct {
	Audience   string  `json:"audience"` // class, form, school
	AudienceID *int64  `json:"audience_id"`
	Text       *string `json:"text"`
	NoticeID   *int64  `json:"notice_id"`
}

// Broadcast is a broadcast with its progress.
type Broadcast struct {
	ID           int64             `json:"id"`
	Audience     string            `json:"audience"`
	AudienceID   *int64            `json:"audience_id"`
	AudienceName string            `json:"audience_name"`
	NoticeID     *int64            `json:"notice_id"`
	Text         string            `json:"text"`
	Status       string            `json:"status"` // queued, sending, done
	CreatedBy    string            `json:"created_by"`
	CreatedAt    string            `json:"created_at"`
	FinishedAt   *string           `json:"finished_at"`
	Progress     BroadcastProgress `json:"progress"`
}

// BroadcastProgress counts recipients by state.
type BroadcastProgress struct {
	Total   int64 `json:"total"`
	Sent    int64 `json:"sent"`
	Failed  int64 `json:"failed"`
	Skipped int64 `json:"skipped"`
	Pending int64 `json:"pending"`
}

// Recipient is one guardian of a broadcast.
type Recipient struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Status   string `json:"status"`             // pending, sent, failed, skipped
	Delivery string `json:"delivery,omitempty"` // what WhatsApp reported: sent, delivered, read, failed
	Error    string `json:"error,omitempty"`
}

// maxBroadcastText bounds a broadcast's text (a template parameter takes 1024).
const maxBroadcastText = 1000

// CreateBroadcast checks the input, writes the broadcast and its recipients in one
// transaction and hands it to the worker; nothing is sent in the request.
func (m *Bot) CreateBroadcast(ctx context.Context, t *db.Tenant, in BroadcastInput, meta auth.Meta) (Broadcast, error) {
	f := errs.Fields{}
	q := t.Read()
	var audienceName string
	var audienceID sql.NullInt64
	switch in.Audience {
	case "school":
		if in.AudienceID != nil {
			f.Add("audience_id", "must be left out for the whole school")
		}
		audienceName = "the whole school"
	case "class", "form":
		if in.AudienceID == nil || *in.AudienceID < 1 {
			f.Add("audience_id", "is required: the id of the "+in.Audience)
			break
		}
		audienceID = sql.NullInt64{Int64: *in.AudienceID, Valid: true}
		var err error
		if in.Audience == "class" {
			var c tenantdb.Class
			c, err = q.AcademicsGetClass(ctx, *in.AudienceID)
			audienceName = "class " + c.Name
		} else {
			var fm tenantdb.Form
			fm, err = q.AcademicsGetForm(ctx, *in.AudienceID)
			audienceName = fm.Name
		}
		if errors.Is(err, sql.ErrNoRows) {
			f.Add("audience_id", "no "+in.Audience+" has this id")
		} else if err != nil {
			return Broadcast{}, errs.Wrap(err, "read audience")
		}
	case "":
		f.Add("audience", "is required: class, form or school")
	default:
		f.Add("audience", "must be class, form or school")
	}
	var body string
	var noticeID sql.NullInt64
	switch {
	case in.Text != nil && in.NoticeID != nil:
		f.Add("text", "send either text or notice_id, not both")
	case in.Text != nil:
		var msg string
		body, msg = apptext.Multiline(*in.Text, maxBroadcastText)
		if msg != "" {
			f.Add("text", msg)
		} else if body == "" {
			f.Add("text", "is required")
		}
	case in.NoticeID != nil:
		n, err := m.Notices.Notice(ctx, t, *in.NoticeID)
		switch {
		case errors.Is(err, ErrNotAvailable):
			f.Add("notice_id", "notices are not available yet; send text instead")
		case err != nil:
			f.Add("notice_id", "no notice has this id")
		default:
			noticeID = sql.NullInt64{Int64: n.ID, Valid: true}
			body = whatsapp.Clip(n.Title+"\n"+n.Body, maxBroadcastText)
		}
	default:
		f.Add("text", "is required (or a notice_id)")
	}
	if err := f.Err(); err != nil {
		return Broadcast{}, err
	}

	var guardians []tenantdb.ChatbotAudienceSchoolRow
	var err error
	switch in.Audience {
	case "school":
		guardians, err = q.ChatbotAudienceSchool(ctx)
	case "class":
		var rows []tenantdb.ChatbotAudienceClassRow
		rows, err = q.ChatbotAudienceClass(ctx, audienceID.Int64)
		for _, r := range rows {
			guardians = append(guardians, tenantdb.ChatbotAudienceSchoolRow(r))
		}
	case "form":
		var rows []tenantdb.ChatbotAudienceFormRow
		rows, err = q.ChatbotAudienceForm(ctx, audienceID.Int64)
		for _, r := range rows {
			guardians = append(guardians, tenantdb.ChatbotAudienceSchoolRow(r))
		}
	}
	if err != nil {
		return Broadcast{}, errs.Wrap(err, "find recipients")
	}
	country, err := q.StudentsSchoolCountry(ctx)
	if err != nil {
		return Broadcast{}, errs.Wrap(err, "read school country")
	}

	var b tenantdb.ChatbotBroadcast
	err = t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		var createdBy sql.NullInt64
		if meta.ActorID != nil {
			createdBy = sql.NullInt64{Int64: *meta.ActorID, Valid: true}
		}
		b, err = q.ChatbotBroadcastCreate(ctx, tenantdb.ChatbotBroadcastCreateParams{Audience: in.Audience, AudienceID: audienceID,
			AudienceName: audienceName, NoticeID: noticeID, Text: body, CreatedBy: createdBy, CreatedByEmail: meta.ActorEmail})
		if err != nil {
			return err
		}
		for _, g := range guardians {
			phone := digitsOf(country, g.Phone)
			status, why := "pending", ""
			switch {
			case phone == "":
				phone, status, why = g.Phone, "skipped", "the phone number cannot be read"
			case !g.ReceivesMessages:
				status, why = "skipped", "does not receive messages"
			default:
				out, err := q.ChatbotPhoneOptedOut(ctx, phone)
				if err != nil {
					return err
				}
				if out {
					status, why = "skipped", "sent stop"
				}
			}
			if err := q.ChatbotBroadcastRecipientAdd(ctx, tenantdb.ChatbotBroadcastRecipientAddParams{BroadcastID: b.ID,
				GuardianID: sql.NullInt64{Int64: g.ID, Valid: true}, Name: g.Name, Phone: phone, Status: status, Error: why}); err != nil {
				return err
			}
		}
		return auth.InsertSchoolAudit(ctx, q, meta.Entry("chatbot.broadcast", audienceName,
			map[string]any{"id": b.ID, "audience": in.Audience, "audience_id": in.AudienceID, "recipients": len(guardians)}))
	})
	if err != nil {
		return Broadcast{}, errs.Wrap(err, "create broadcast")
	}
	m.triggerBroadcast(t.Schema, b.ID)
	return m.GetBroadcast(ctx, t, b.ID)
}

func broadcastView(b tenantdb.ChatbotBroadcast, p tenantdb.ChatbotBroadcastProgressRow) Broadcast {
	out := Broadcast{ID: b.ID, Audience: b.Audience, AudienceName: b.AudienceName, Text: b.Text, Status: b.Status,
		CreatedBy: b.CreatedByEmail, CreatedAt: b.CreatedAt,
		Progress: BroadcastProgress{Total: p.Total, Sent: toInt(p.Sent), Failed: toInt(p.Failed), Skipped: toInt(p.Skipped), Pending: toInt(p.Pending)}}
	if b.AudienceID.Valid {
		out.AudienceID = &b.AudienceID.Int64
	}
	if b.NoticeID.Valid {
		out.NoticeID = &b.NoticeID.Int64
	}
	if b.FinishedAt.Valid {
		out.FinishedAt = &b.FinishedAt.String
	}
	return out
}

// toInt reads SQLite's sum(), which sqlc types loosely.
func toInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	case []byte:
		i, _ := strconv.ParseInt(string(n), 10, 64)
		return i
	}
	return 0
}

// GetBroadcast returns one broadcast and its progress.
func (m *Bot) GetBroadcast(ctx context.Context, t *db.Tenant, id int64) (Broadcast, error) {
	b, err := t.Read().ChatbotBroadcastGet(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Broadcast{}, errs.E(errs.NotFound, "no broadcast has id %d", id)
	}
	if err != nil {
		return Broadcast{}, errs.Wrap(err, "read broadcast")
	}
	p, err := t.Read().ChatbotBroadcastProgress(ctx, id)
	if err != nil {
		return Broadcast{}, errs.Wrap(err, "read broadcast progress")
	}
	return broadcastView(b, p), nil
}

// BroadcastRecipients is one page of a broadcast's recipients.
func (m *Bot) BroadcastRecipients(ctx context.Context, t *db.Tenant, id int64, page query.Page) ([]Recipient, int64, error) {
	b, err := m.GetBroadcast(ctx, t, id)
	if err != nil {
		return nil, 0, err
	}
	rows, err := t.Read().ChatbotBroadcastRecipients(ctx, tenantdb.ChatbotBroadcastRecipientsParams{BroadcastID: id,
		Limit: page.Limit(), Offset: page.Offset()})
	if err != nil {
		return nil, 0, errs.Wrap(err, "read recipients")
	}
	out := make([]Recipient, 0, len(rows))
	for _, r := range rows {
		rc := Recipient{ID: r.ID, Name: r.Name, Phone: r.Phone, Status: r.Status, Error: r.Error}
		if r.OutboundID.Valid {
			if o, err := t.Read().ChatbotOutboundGet(ctx, r.OutboundID.Int64); err == nil {
				rc.Delivery = o.Status
				if o.ErrorMessage != "" && rc.Error == "" {
					rc.Error = o.ErrorMessage
				}
			}
		}
		out = append(out, rc)
	}
	return out, b.Progress.Total, nil
}

// ListBroadcasts is one page of the school's broadcasts, newest first.
func (m *Bot) ListBroadcasts(ctx context.Context, t *db.Tenant, page query.Page) ([]Broadcast, int64, error) {
	n, err := t.Read().ChatbotBroadcastsCount(ctx)
	if err != nil {
		return nil, 0, errs.Wrap(err, "count broadcasts")
	}
	rows, err := t.Read().ChatbotBroadcastsList(ctx, tenantdb.ChatbotBroadcastsListParams{Limit: page.Limit(), Offset: page.Offset()})
	if err != nil {
		return nil, 0, errs.Wrap(err, "list broadcasts")
	}
	out := make([]Broadcast, 0, len(rows))
	for _, b := range rows {
		p, err := t.Read().ChatbotBroadcastProgress(ctx, b.ID)
		if err != nil {
			return nil, 0, errs.Wrap(err, "read broadcast progress")
		}
		out = append(out, broadcastView(b, p))
	}
	return out, n, nil
}

func (m *Bot) onBroadcast(ctx context.Context, msg jetstream.Msg) {
	var tr trigger
	if json.Unmarshal(msg.Data(), &tr) != nil || tr.Broadcast < 1 || tr.Schema == "" || tr.Schema != m.schemaOfSubject(msg.Subject()) {
		m.settle(msg, fmt.Errorf("%w: unreadable trigger %q", errPermanent, clip(string(msg.Data()), 200)), nil)
		return
	}
	if m.notHere(ctx, msg, tr.Schema) {
		return
	}
	err := m.Pool.WithTenant(ctx, tr.Schema, func(t *db.Tenant) error { return m.SendBroadcast(ctx, t, tr.Broadcast) })
	m.settle(msg, err, func(n uint64, err error) {
		m.Pool.WithTenant(ctx, tr.Schema, func(t *db.Tenant) error {
			return deadLetter(ctx, t, "broadcast", strconv.FormatInt(tr.Broadcast, 10), "", err.Error(), n)
		})
	})
}

// SendBroadcast sends a broadcast's pending recipients: the text inside the 24-hour
// window of a guardian who wrote recently, the notice template otherwise.
func (m *Bot) SendBroadcast(ctx context.Context, t *db.Tenant, id int64) error {
	unlock := m.convs.Lock(t.Schema + "/broadcast/" + strconv.FormatInt(id, 10))
	defer unlock()
	q := t.Read()
	b, err := q.ChatbotBroadcastGet(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if b.Status == "done" {
		return nil
	}
	setStatus := func(status string, finished sql.NullString) error {
		return t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
			return q.ChatbotBroadcastSetStatus(ctx, tenantdb.ChatbotBroadcastSetStatusParams{Status: status, FinishedAt: finished, ID: id})
		})
	}
	if err := setStatus("sending", sql.NullString{}); err != nil {
		return err
	}
	st, err := loadSettings(ctx, q)
	if err != nil {
		return err
	}
	profile, err := q.GetSchoolProfile(ctx)
	if err != nil {
		return err
	}
	for {
		batch, err := q.ChatbotBroadcastPending(ctx, tenantdb.ChatbotBroadcastPendingParams{BroadcastID: id, Limit: 100})
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, r := range batch {
			if err := m.sendToRecipient(ctx, t, st, profile.Name, b, r); err != nil {
				return err
			}
		}
	}
	return setStatus("done", sql.NullString{String: stamp(m.now()), Valid: true})
}

func (m *Bot) sendToRecipient(ctx context.Context, t *db.Tenant, st tenantdb.ChatbotSetting, school string,
	b tenantdb.ChatbotBroadcast, r tenantdb.ChatbotBroadcastRecipient) error {
	finish := func(status, why string, outbound sql.NullInt64) error {
		return t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
			return q.ChatbotBroadcastRecipientFinish(ctx, tenantdb.ChatbotBroadcastRecipientFinishParams{Status: status,
				OutboundID: outbound, Error: why, ID: r.ID})
		})
	}
	if !configured(st) {
		return finish("failed", errNotConfigured.Error(), sql.NullInt64{})
	}
	msg := whatsapp.TextMessage("📢 *" + school + "*\n" + b.Text)
	conv, err := t.Read().ChatbotConversationByPhone(ctx, tenantdb.ChatbotConversationByPhoneParams{Channel: ChannelWhatsApp, Phone: r.Phone})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	last, _ := parseStamp(conv.LastInboundAt.String)
	if err != nil || m.now().Sub(last) > 24*time.Hour {
		if st.NoticeTemplate == "" {
			return finish("failed", "outside WhatsApp's 24-hour window and no notice template is set", sql.NullInt64{})
		}
		msg = whatsapp.TemplateMessage(st.NoticeTemplate, st.TemplateLanguage, school, whatsapp.Clip(b.Text, whatsapp.MaxTemplateParam))
	}
	var id int64
	err = t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		id, err = insertPlanned(ctx, q, planned{key: "broadcast:" + strconv.FormatInt(r.ID, 10), channel: ChannelWhatsApp,
			phone: r.Phone, origin: "broadcast", out: outMsg{msg: msg}})
		return err
	})
	if err != nil {
		return err
	}
	if err := m.deliver(ctx, t, id); err != nil {
		return err
	}
	row, err := t.Read().ChatbotOutboundGet(ctx, id)
	if err != nil {
		return err
	}
	status := "sent"
	if row.Status == "failed" || row.Status == "unknown" {
		status = "failed"
		if row.Status == "failed" {
			// A template sent instead (24-hour window) is the recipient's message.
			if tpl, err := t.Read().ChatbotOutboundByKey(ctx, row.Key+":template"); err == nil && tpl.Status != "failed" {
				row, status = tpl, "sent"
			}
		}
	}
	m.Log.Debug("chatbot: broadcast recipient", slog.String("tenant", t.Schema), slog.Int64("broadcast", b.ID), slog.String("status", status))
	return finish(status, row.ErrorMessage, sql.NullInt64{Int64: row.ID, Valid: true})
}
