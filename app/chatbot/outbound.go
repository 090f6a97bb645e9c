package chatbot

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// planned is a message to write as an outbound row before it is sent.
type planned struct {
	key          string // what makes it exist once
	conversation sql.NullInt64
	channel      string
	phone        string
	replyTo      sql.NullString
	origin       string // bot, staff, alert, broadcast
	out          outMsg
	staffUser    sql.NullInt64
}

// insertPlanned writes the row (and its file) if it is not there yet and returns its id.
func insertPlanned(ctx context.Context, q *tenantdb.Queries, p planned) (int64, error) {
	existing := func() (int64, bool, error) {
		row, err := q.ChatbotOutboundByKey(ctx, p.key)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, false, nil
		}
		return row.ID, err == nil, err
	}
	var mediaID sql.NullInt64
	if p.out.media != nil {
		// Looked for first: a file stored for a row that exists already would stay.
		if id, ok, err := existing(); ok || err != nil {
			return id, err
		}
		id, err := q.ChatbotMediaInsert(ctx, tenantdb.ChatbotMediaInsertParams{Filename: p.out.media.filename,
			Mime: p.out.media.mime, Data: p.out.media.data})
		if err != nil {
			return 0, err
		}
		mediaID = sql.NullInt64{Int64: id, Valid: true}
	}
	payload, err := json.Marshal(p.out.msg)
	if err != nil {
		return 0, err
	}
	// Inserted first, looked up only when the key exists: a new row (the usual case)
	// costs one statement.
	id, err := q.ChatbotOutboundInsert(ctx, tenantdb.ChatbotOutboundInsertParams{Key: p.key, ConversationID: p.conversation,
		Channel: p.channel, Phone: p.phone, ReplyTo: p.replyTo, Origin: p.origin, Kind: kindOf(p.out.msg),
		Payload: string(payload), Preview: clip(p.out.msg.Preview(), 500), MediaID: mediaID, Status: "pending",
		StaffUserID: p.staffUser})
	if !errors.Is(err, sql.ErrNoRows) {
		return id, err
	}
	id, ok, err := existing()
	if err == nil && !ok {
		err = fmt.Errorf("outbound %q: neither inserted nor found", p.key)
	}
	return id, err
}

func kindOf(m whatsapp.Message) string {
	if m.Interactive != nil {
		return m.Interactive.Type // list or button
	}
	return m.Type
}

// errRetryLater means a send failed in a way WhatsApp asks to retry (or never reached
// it); the row is pending again and the work is redelivered later.
var errRetryLater = errors.New("the Graph API asks to retry later")

// deliver sends one outbound row, at most once: it claims the row (pending -> sending)
// in its own commit before the request, so a crash mid-send leaves "sending", which is
// never sent again (it may have reached WhatsApp). The row goes back to pending only
// when the send provably did not go out: an error answer WhatsApp says to retry, or a
// connection that was never made.
func (m *Bot) deliver(ctx context.Context, t *db.Tenant, id int64) error {
	return m.deliverWith(ctx, t, id, nil)
}

// deliverWith is deliver with the school's settings when the caller has just read
// them (nil reads them).
func (m *Bot) deliverWith(ctx context.Context, t *db.Tenant, id int64, settings *tenantdb.ChatbotSetting) error {
	row, err := t.Read().ChatbotOutboundGet(ctx, id)
	if err != nil {
		return fmt.Errorf("outbound %d: %w", id, err)
	}
	if row.Status != "pending" {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The claim, like the answer before it and the record after, is committed with
	// whatever other writes of the school are waiting (see groupCommit): each is its own
	// savepoint and the caller goes on only once it has committed.
	claimed := false
	err = m.groupCommit(ctx, t, func(q *tenantdb.Queries) error {
		n, err := q.ChatbotOutboundClaim(context.WithoutCancel(ctx), id)
		claimed = n == 1
		return err
	})
	if err != nil || !claimed {
		return err
	}
	finish := func(status string, code sql.NullInt64, msg string) error {
		return m.groupCommit(ctx, t, func(q *tenantdb.Queries) error {
			return q.ChatbotOutboundFinish(context.WithoutCancel(ctx), tenantdb.ChatbotOutboundFinishParams{Status: status,
				ErrorCode: code, ErrorMessage: clip(msg, 500), ID: id})
		})
	}

	if row.Channel == ChannelSimulator {
		// The simulator's phone is the page: the message is "sent" by being stored.
		return m.recordSent(ctx, t, id, "wamid.SIM."+t.Schema+"."+strconv.FormatInt(id, 10))
	}
	var st tenantdb.ChatbotSetting
	if settings != nil {
		st = *settings
	} else if st, err = loadSettings(ctx, t.Read()); err != nil {
		finish("pending", sql.NullInt64{}, "")
		return err
	}
	if !configured(st) {
		return finish("failed", sql.NullInt64{}, errNotConfigured.Error())
	}
	var msg whatsapp.Message
	if err := json.Unmarshal([]byte(row.Payload), &msg); err != nil {
		return finish("failed", sql.NullInt64{}, "the stored message is unreadable: "+err.Error())
	}
	msg.BizOpaqueCallbackData = row.Key
	c := whatsapp.New(whatsapp.Config{BaseURL: st.GraphUrl, Version: st.GraphVersion, PhoneNumberID: st.PhoneNumberID,
		Token: st.AccessToken}, m.HTTP, m.opts().Backoff)

	var wamid string
	if row.MediaID.Valid && msg.Document != nil {
		var file tenantdb.ChatbotMedium
		file, err = t.Read().ChatbotMediaGet(ctx, row.MediaID.Int64)
		if err != nil {
			finish("pending", sql.NullInt64{}, "")
			return fmt.Errorf("outbound %d: read its file: %w", id, err)
		}
		var mediaID string
		mediaID, err = c.UploadMedia(ctx, file.Filename, file.Mime, file.Data)
		if err == nil {
			msg.Document.ID = mediaID
			wamid, err = c.Send(ctx, row.Phone, msg)
		} else if !whatsapp.NotSent(err) {
			// The upload may have happened, but no message went out: uploading again is
			// harmless.
			err = &whatsapp.TransportError{Err: err, Reached: false}
		}
	} else {
		wamid, err = c.Send(ctx, row.Phone, msg)
	}
	m.countOutbound(err)
	if err == nil {
		return m.recordSent(ctx, t, id, wamid)
	}

	log := m.Log.With(slog.String("tenant", t.Schema), slog.Int64("outbound", id), slog.String("key", row.Key), errAttr(err))
	code := sql.NullInt64{Int64: int64(whatsapp.CodeOf(err)), Valid: whatsapp.CodeOf(err) != 0}
	var api *whatsapp.APIError
	switch {
	case code.Int64 == whatsapp.CodeOutsideWindow && msg.Template == nil:
		if ferr := finish("failed", code, "outside WhatsApp's 24-hour window"); ferr != nil {
			return ferr
		}
		return m.templateInstead(ctx, t, row, st)
	case code.Int64 == whatsapp.CodeTokenInvalid:
		log.Error("chatbot: the Graph API refused the school's access token; its channel is marked failing")
		// One commit: whoever sees the failed row also sees the failing channel.
		return t.Tx(context.WithoutCancel(ctx), func(q *tenantdb.Queries, _ *sql.Tx) error {
			if err := q.ChatbotOutboundFinish(ctx, tenantdb.ChatbotOutboundFinishParams{Status: "failed", ErrorCode: code,
				ErrorMessage: clip(err.Error(), 500), ID: id}); err != nil {
				return err
			}
			return q.ChatbotChannelFailing(ctx, tenantdb.ChatbotChannelFailingParams{ChannelError: clip(err.Error(), 500),
				ChannelFailedAt: sql.NullString{String: stamp(m.now()), Valid: true}, AccessToken: st.AccessToken})
		})
	case errors.As(err, &api) && api.Retryable(), whatsapp.NotSent(err) && api == nil:
		log.Warn("chatbot: send failed; it will be retried")
		if ferr := finish("pending", code, err.Error()); ferr != nil {
			return ferr
		}
		return fmt.Errorf("%w: %w", errRetryLater, err)
	case api != nil:
		log.Warn("chatbot: WhatsApp refused a message")
		return finish("failed", code, err.Error())
	default:
		// No answer: WhatsApp may have sent it. Sending again could double it.
		log.Error("chatbot: a send got no answer; it is not sent again (it may have arrived)")
		return markUnknown(ctx, t, row, code, err.Error(),
			"the send got no answer ("+err.Error()+"); it may or may not have arrived, and is not sent again")
	}
}

// markUnknown marks a send that may or may not have reached WhatsApp "unknown" and lists
// it for staff, in one commit: a stop between the two would leave a row no longer
// "sending", which no later start looks at, and a message nobody is told about.
func markUnknown(ctx context.Context, t *db.Tenant, row tenantdb.ChatbotOutbound, code sql.NullInt64, msg, why string) error {
	return t.Tx(context.WithoutCancel(ctx), func(q *tenantdb.Queries, _ *sql.Tx) error {
		if err := q.ChatbotOutboundFinish(ctx, tenantdb.ChatbotOutboundFinishParams{Status: "unknown", ErrorCode: code,
			ErrorMessage: clip(msg, 500), ID: row.ID}); err != nil {
			return err
		}
		return q.ChatbotDeadLetterPut(ctx, tenantdb.ChatbotDeadLetterPutParams{Kind: "outbound", Ref: row.Key, Phone: row.Phone,
			Error: clip(why, 1000), Deliveries: 1})
	})
}

// countOutbound tells the operator's metrics how a send ended.
func (m *Bot) countOutbound(err error) {
	if m.Outbound == nil {
		return
	}
	switch code := whatsapp.CodeOf(err); {
	case err == nil:
		m.Outbound("sent")
	case code != 0:
		m.Outbound(strconv.Itoa(code))
	case whatsapp.NotSent(err):
		m.Outbound("unreachable")
	default:
		m.Outbound("no_answer")
	}
}

// recordSent marks a row sent and applies statuses that arrived before the send's
// answer did.
func (m *Bot) recordSent(ctx context.Context, t *db.Tenant, id int64, wamid string) error {
	ctx = context.WithoutCancel(ctx)
	return m.groupCommit(ctx, t, func(q *tenantdb.Queries) error {
		if err := q.ChatbotOutboundSent(ctx, tenantdb.ChatbotOutboundSentParams{Wamid: sql.NullString{String: wamid, Valid: true}, ID: id}); err != nil {
			return err
		}
		sts, err := q.ChatbotStatusesOf(ctx, wamid)
		if err != nil {
			return err
		}
		for _, s := range sts {
			if _, err := q.ChatbotOutboundApplyStatus(ctx, tenantdb.ChatbotOutboundApplyStatusParams{Status: s.Status,
				ErrorCode: s.ErrorCode, ErrorMessage: s.ErrorTitle, Wamid: sql.NullString{String: wamid, Valid: true}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// templateInstead sends the school's template for a message WhatsApp would not deliver
// outside the 24-hour window: the reply template for the bot's and staff's messages,
// the notice template (with the text) for broadcasts.
func (m *Bot) templateInstead(ctx context.Context, t *db.Tenant, row tenantdb.ChatbotOutbound, st tenantdb.ChatbotSetting) error {
	profile, err := t.Read().GetSchoolProfile(ctx)
	if err != nil {
		return err
	}
	name, params := st.ReplyTemplate, []string{profile.Name}
	if row.Origin == "broadcast" {
		name, params = st.NoticeTemplate, []string{profile.Name, row.Preview}
	}
	if name == "" {
		m.Log.Warn("chatbot: a message could not go out (24-hour window) and no template is set", slog.String("tenant", t.Schema),
			slog.String("key", row.Key))
		return nil
	}
	var id int64
	err = t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		id, err = insertPlanned(ctx, q, planned{key: row.Key + ":template", conversation: row.ConversationID, channel: row.Channel,
			phone: row.Phone, replyTo: row.ReplyTo, origin: row.Origin, staffUser: row.StaffUserID,
			out: outMsg{msg: whatsapp.TemplateMessage(name, st.TemplateLanguage, params...)}})
		return err
	})
	if err != nil {
		return err
	}
	return m.deliver(ctx, t, id)
}

// deadLetter records work given up on, for staff.
func deadLetter(ctx context.Context, t *db.Tenant, kind, ref, phone, why string, deliveries uint64) error {
	return t.Tx(context.WithoutCancel(ctx), func(q *tenantdb.Queries, _ *sql.Tx) error {
		return q.ChatbotDeadLetterPut(ctx, tenantdb.ChatbotDeadLetterPutParams{Kind: kind, Ref: ref, Phone: phone,
			Error: clip(why, 1000), Deliveries: int64(deliveries)})
	})
}
