package chatbot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/errs"
)

// Webhooks between appliances. Meta posts every number's webhooks to one URL, which a
// reverse proxy may send to any appliance of the cluster. The appliance that holds the
// number's school subscribes to chatbot.webhook.<phone_number_id> (a queue group, so
// one copy answers); an appliance that does not hold it sends the body and signature
// there as a NATS request, and the holder verifies, stores the messages in the school's
// file and replies with what it stored. Only then is Meta answered 200. No holder (the
// school is moving), no reply in time, or a failure there is a 503, and Meta retries;
// a retry that finds the messages stored already (by wamid) stores nothing twice.
//
// The subscriptions are the cluster's directory of numbers: no appliance needs to know
// which appliance another school is on, so each catalog lists only its own schools.
const (
	forwardPrefix = "chatbot.webhook."
	forwardQueue  = "sms-webhook"
	// forwardTimeout bounds the wait for the holder's reply; Meta waits longer.
	forwardTimeout = 10 * time.Second
	// forwardRetryAfter is what Meta is told when the holder cannot be reached.
	forwardRetryAfter = 5 * time.Second
	// numbersEvery is how often the catalog is checked for numbers placed here or away.
	numbersEvery = time.Second
)

// forwardReply is the holder's answer to a forwarded webhook.
type forwardReply struct {
	Received Received      `json:"received"`
	Error    *forwardError `json:"error,omitempty"`
}

type forwardError struct {
	Code    errs.Code `json:"code"`
	Message string    `json:"message"`
}

// forward hands a webhook naming the number id to the appliance that holds its school
// and returns what that one stored.
func (m *Bot) forward(ctx context.Context, id string, body []byte, signature string) (Received, error) {
	unreachable := func(err error) error {
		// The cause is for the operator; Meta is told to come back.
		m.Log.Warn("whatsapp webhook not handed to the appliance holding its school", slog.String("phone_number_id", clip(id, 40)), errAttr(err))
		return &errs.Error{Code: errs.Busy, Err: err, RetryAfter: forwardRetryAfter,
			Message: fmt.Sprintf("the school of phone_number_id %q cannot take messages at the moment; try again later", clip(id, 40))}
	}
	q := m.queue.Load()
	if q == nil {
		return Received{}, unreachable(errors.New("the bot's worker is not running"))
	}
	nc := q.js.Conn()
	if int64(len(body))+1024 > nc.MaxPayload() {
		// Never goes through, however often Meta retries: the operator must raise the
		// cluster's max_payload.
		return Received{}, &errs.Error{Code: errs.TenantUnavailable,
			Message: "the school of phone_number_id " + clip(id, 40) + " is temporarily unavailable",
			Err:     fmt.Errorf("a webhook of %d bytes is larger than the NATS cluster's max_payload (%d)", len(body), nc.MaxPayload())}
	}
	msg := nats.NewMsg(forwardPrefix + id)
	msg.Data = body
	msg.Header.Set(whatsapp.SignatureHeader, signature)
	rctx, cancel := context.WithTimeout(ctx, forwardTimeout)
	defer cancel()
	resp, err := nc.RequestMsgWithContext(rctx, msg)
	if err != nil {
		return Received{}, unreachable(fmt.Errorf("forward webhook of phone_number_id %s: %w", id, err))
	}
	var r forwardReply
	if err := json.Unmarshal(resp.Data, &r); err != nil {
		return Received{}, unreachable(fmt.Errorf("forward webhook of phone_number_id %s: unreadable reply: %w", id, err))
	}
	if r.Error == nil {
		return r.Received, nil
	}
	switch r.Error.Code {
	case errs.Unauthorized, errs.Invalid, errs.NotFound, errs.TenantSuspended:
		// What Meta would have been told by the holder itself.
		return r.Received, errs.E(r.Error.Code, "%s", r.Error.Message)
	case errs.Busy, errs.StorageFull, errs.TenantUnavailable:
		return r.Received, &errs.Error{Code: r.Error.Code, Message: r.Error.Message, RetryAfter: errs.BusyRetryAfter,
			Err: fmt.Errorf("forwarded webhook of phone_number_id %s", id)}
	}
	return r.Received, unreachable(fmt.Errorf("forwarded webhook of phone_number_id %s: %s: %s", id, r.Error.Code, r.Error.Message))
}

// answerForwarded stores a webhook another appliance received for a number whose school
// is here, and replies with what was stored (or why not).
func (m *Bot) answerForwarded(ctx context.Context, msg *nats.Msg) {
	id := msg.Subject[len(forwardPrefix):]
	r, err := m.receiveForwarded(ctx, id, msg.Data, msg.Header.Get(whatsapp.SignatureHeader))
	out := forwardReply{Received: r}
	if err != nil {
		e := errs.As(err)
		if e.Code == errs.Internal {
			m.Log.Error("whatsapp webhook from another appliance failed", slog.String("phone_number_id", clip(id, 40)), errAttr(err))
			out.Error = &forwardError{Code: errs.Internal, Message: "internal error"}
		} else {
			if e.Code != errs.Busy && e.Code != errs.StorageFull {
				m.Log.Warn("whatsapp webhook from another appliance refused", slog.String("phone_number_id", clip(id, 40)),
					slog.String("code", string(e.Code)), slog.String("reason", e.Message))
			}
			out.Error = &forwardError{Code: e.Code, Message: e.Message}
		}
	}
	b, _ := json.Marshal(out)
	if err := msg.Respond(b); err != nil {
		// The sender gets no answer, tells Meta 503, and Meta's retry finds the messages.
		m.Log.Warn("whatsapp webhook from another appliance: reply not sent", errAttr(err))
	}
}

func (m *Bot) receiveForwarded(ctx context.Context, id string, body []byte, signature string) (Received, error) {
	if signature == "" {
		return Received{}, errs.E(errs.Unauthorized, "the request has no %s header", whatsapp.SignatureHeader)
	}
	info, here, err := m.schoolOfNumber(ctx, id)
	if err != nil {
		return Received{}, err
	}
	if !here {
		// Placed away since the subscription was made: the sender answers 503 and the
		// retry reaches the new holder.
		return Received{}, errs.E(errs.Busy, "the school of phone_number_id %q is moving; try again later", clip(id, 40))
	}
	p, err := whatsapp.Parse(body)
	if err != nil {
		return Received{}, errs.E(errs.Invalid, "the body is not a WhatsApp Business webhook")
	}
	t, release, err := m.verifiedSchool(ctx, info, id, body, signature)
	if err != nil {
		return Received{}, err
	}
	defer release()
	return m.store(ctx, t, p, id, ChannelWhatsApp)
}

// holdNumbers keeps this appliance subscribed to the webhooks of the numbers of the
// schools it serves, following placements and numbers as the catalog changes, until
// ctx is done; then it unsubscribes and waits for the webhooks in hand.
func (m *Bot) holdNumbers(ctx context.Context, nc *nats.Conn, workers int) {
	subs := map[string]*nats.Subscription{}
	var inHand sync.WaitGroup
	sem := make(chan struct{}, workers)
	handle := func(msg *nats.Msg) {
		sem <- struct{}{}
		inHand.Add(1)
		go func() {
			defer func() { <-sem; inHand.Done() }()
			hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), forwardTimeout)
			defer cancel()
			m.answerForwarded(hctx, msg)
		}()
	}
	gen := int64(-1)
	refresh := func() {
		g, err := m.Catalog.Read().CatalogGeneration(ctx)
		if err != nil || g == gen {
			return
		}
		ids, err := m.Catalog.Read().WhatsAppNumbersPlacedOn(ctx, m.Appliance)
		if err != nil {
			m.Log.Warn("chatbot: list numbers served here", errAttr(err))
			return
		}
		want := make(map[string]bool, len(ids))
		for _, id := range ids {
			want[id] = true
			if subs[id] != nil {
				continue
			}
			s, err := nc.QueueSubscribe(forwardPrefix+id, forwardQueue, handle)
			if err != nil {
				m.Log.Warn("chatbot: cannot take webhooks of a number from the cluster", slog.String("phone_number_id", id), errAttr(err))
				return // tried again next time
			}
			subs[id] = s
		}
		for id, s := range subs {
			if !want[id] {
				s.Unsubscribe()
				delete(subs, id)
			}
		}
		gen = g
	}
	refresh()
	t := time.NewTicker(numbersEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			for _, s := range subs {
				s.Unsubscribe()
			}
			inHand.Wait()
			return
		case <-t.C:
			refresh()
		}
	}
}

// serves reports whether this appliance does the bot's work for a school: it knows the
// school and the school is placed here (or nowhere else).
func (m *Bot) serves(ctx context.Context, schema string) bool {
	if m.Resolver == nil {
		return true
	}
	info, found, err := m.Resolver.BySchema(ctx, schema)
	if err != nil {
		return true // the handler's own open of the file reports the catalog's trouble
	}
	return found && info.ServedBy(m.Appliance)
}
