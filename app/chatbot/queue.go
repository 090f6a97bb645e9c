package chatbot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/schoolsms/sms/app/events"
)

// The bot's work stream. It is a work queue: a trigger is removed once a worker acked
// it. Subjects are per school (chatbot.in.<schema>, chatbot.bc.<schema>) so the status
// page can count one school's backlog; the payload names the conversation or broadcast.
//
// Appliances sharing a cluster each have a name, and their triggers and consumers carry
// it (chatbot.in.<appliance>.<schema>, consumer chatbot-inbound-<appliance>): a trigger
// is only ever made by the appliance that holds the school's file (the one that stored
// the message, or whose sweep found the work), so it is consumed there and nowhere
// else, whichever schools the others hold. When a school moves, triggers left on the
// old appliance's subjects find the school placed elsewhere and are dropped; the work
// they pointed at travelled in the file and the new appliance's sweep triggers it.
const (
	WorkStream      = "SMS_CHATBOT"
	inboundPrefix   = "chatbot.in."
	broadcastPrefix = "chatbot.bc."

	inboundConsumer   = "chatbot-inbound"
	broadcastConsumer = "chatbot-broadcasts"
	alertsConsumer    = "chatbot-alerts"
)

// workPrefix is where this appliance's triggers of a kind (inboundPrefix,
// broadcastPrefix) go; a school's schema follows it.
func (m *Bot) workPrefix(kind string) string {
	if m.Appliance == "" {
		return kind
	}
	return kind + m.Appliance + "."
}

// consumerName is this appliance's durable consumer of a kind.
func (m *Bot) consumerName(base string) string {
	if m.Appliance == "" {
		return base
	}
	return base + "-" + m.Appliance
}

// workStreamConfig is the one definition of the bot's stream. Triggers are kept for a
// week at most: the rows they point at are in the school files, and the sweep
// re-triggers anything left, so an old trigger is never the only record of work.
func workStreamConfig(replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        WorkStream,
		Description: "WhatsApp bot work: conversations with new messages, broadcasts to send",
		Subjects:    []string{inboundPrefix + ">", broadcastPrefix + ">"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		MaxAge:      7 * 24 * time.Hour,
		Duplicates:  2 * time.Minute,
		Replicas:    replicas,
	}
}

// trigger is a work item: a school and the conversation (or broadcast) with work.
type trigger struct {
	Schema       string `json:"schema"`
	Conversation int64  `json:"conversation,omitempty"`
	Broadcast    int64  `json:"broadcast,omitempty"`
}

// queue publishes triggers while the worker runs.
type queue struct {
	js     jetstream.JetStream
	stream jetstream.Stream
	log    *slog.Logger
}

// publish sends a trigger without waiting for JetStream's acknowledgement: the work is
// already in SQLite, and a trigger that is lost is made again by the sweep. msgID
// (when not empty) lets JetStream drop the same trigger published twice.
func (q *queue) publish(subject string, tr trigger, msgID string) {
	b, _ := json.Marshal(tr)
	var opts []jetstream.PublishOpt
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	if _, err := q.js.PublishAsync(subject, b, opts...); err != nil {
		q.log.Warn("chatbot: trigger not published; the sweep will find the work", slog.String("subject", subject), errAttr(err))
	}
}

// trigger tells the worker that a conversation of the school has a new message.
func (m *Bot) trigger(schema string, conversation int64, wamid string) {
	if q := m.queue.Load(); q != nil {
		q.publish(m.workPrefix(inboundPrefix)+schema, trigger{Schema: schema, Conversation: conversation}, "in:"+schema+":"+wamid)
	}
}

// retrigger asks again for a conversation's pending messages (sweep, dead-letter).
func (m *Bot) retrigger(schema string, conversation int64) {
	if q := m.queue.Load(); q != nil {
		q.publish(m.workPrefix(inboundPrefix)+schema, trigger{Schema: schema, Conversation: conversation}, "")
	}
}

// triggerBroadcast tells the worker that a broadcast of the school has recipients left.
func (m *Bot) triggerBroadcast(schema string, id int64) {
	if q := m.queue.Load(); q != nil {
		q.publish(m.workPrefix(broadcastPrefix)+schema, trigger{Schema: schema, Broadcast: id}, "")
	}
}

// ensureStreams creates the bot's work stream and the events stream (whoever starts
// first makes them), and the durable consumers of this appliance the worker reads,
// keyed by their kind (inboundConsumer, ...).
func (m *Bot) ensureStreams(ctx context.Context, js jetstream.JetStream, o Options) (jetstream.Stream, map[string]jetstream.Consumer, error) {
	work, err := js.CreateOrUpdateStream(ctx, workStreamConfig(o.Replicas))
	if err != nil {
		return nil, nil, fmt.Errorf("chatbot stream: %w", err)
	}
	evs, err := events.EnsureStream(ctx, js, o.Replicas)
	if err != nil {
		return nil, nil, err
	}
	cons := map[string]jetstream.Consumer{}
	durable := func(s jetstream.Stream, kind, filter string) error {
		name := m.consumerName(kind)
		c, err := s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
			Durable:       name,
			FilterSubject: filter,
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       o.AckWait,
			MaxDeliver:    o.MaxDeliver,
			MaxAckPending: 4 * o.Workers * 16,
			DeliverPolicy: jetstream.DeliverAllPolicy,
			Replicas:      o.Replicas,
		})
		if err != nil {
			return fmt.Errorf("chatbot consumer %s: %w", name, err)
		}
		cons[kind] = c
		return nil
	}
	if err := durable(work, inboundConsumer, m.workPrefix(inboundPrefix)+">"); err != nil {
		return nil, nil, err
	}
	if err := durable(work, broadcastConsumer, m.workPrefix(broadcastPrefix)+">"); err != nil {
		return nil, nil, err
	}
	// Events are not a work queue: every appliance's consumer reads every school's
	// absences and acts only on the schools it serves (see onAbsence).
	if err := durable(evs, alertsConsumer, events.TypeSubjects("attendance.absent")); err != nil {
		return nil, nil, err
	}
	return work, cons, nil
}

// schemaOfSubject is the school a work subject of this appliance is about.
func (m *Bot) schemaOfSubject(subject string) string {
	for _, p := range []string{m.workPrefix(inboundPrefix), m.workPrefix(broadcastPrefix)} {
		if s, ok := strings.CutPrefix(subject, p); ok && !strings.Contains(s, ".") {
			return s
		}
	}
	return ""
}

// Backlog is how many triggers of a school wait in the stream.
func (m *Bot) backlog(ctx context.Context, schema string) (int64, bool) {
	q := m.queue.Load()
	if q == nil {
		return 0, false
	}
	info, err := q.stream.Info(ctx, jetstream.WithSubjectFilter(m.workPrefix(inboundPrefix)+schema))
	if err != nil {
		return 0, false
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return int64(n), true
}

// naksAfter is how long a failed trigger waits before its next delivery: longer for
// each failure, so a school whose file is busy or a Graph API that is down is not
// hammered.
func naksAfter(base time.Duration, delivered uint64) time.Duration {
	return base << min(delivered-1, 6)
}
