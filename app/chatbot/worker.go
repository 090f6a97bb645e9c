package chatbot

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// drainGrace is how long stopping waits for work in hand to finish before cutting it
// off; it stays inside the time the server gives workers to stop (5 s). Work cut off is
// still pending in the school's file and is picked up again after a restart.
const drainGrace = 3 * time.Second

// Run is the module's worker: Start, then stop when ctx is done.
//
// A cluster that cannot make the streams yet (it is electing a leader, a node is down
// and another is slow) is tried again until it can: the webhooks keep storing
// messages meanwhile, and the sweep at start finds them.
func (m *Bot) Run(ctx context.Context, js jetstream.JetStream) error {
	for {
		stop, err := m.Start(ctx, js)
		if err == nil {
			<-ctx.Done()
			stop()
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		m.Log.Warn("chatbot: streams not ready; retrying", errAttr(err))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(startRetry):
		}
	}
}

// startRetry is how long Run waits before trying to start again.
const startRetry = 2 * time.Second

// Start runs the worker: it makes the streams and consumers if missing, recovers what a
// previous run left (sends cut off mid-way are marked unknown, pending messages are
// triggered again), then consumes triggers with Options.Workers conversations at a
// time, sweeps for pending work every Options.SweepEvery and sends absence alerts when
// due. stop stops taking work, lets what is in hand finish (bounded), and returns.
//
// Order within a conversation: a conversation's messages are handled by one goroutine
// at a time (a lock per school and conversation), always oldest pending first (by
// WhatsApp's timestamp), whatever order triggers arrive in; so one consumer with
// several workers keeps each phone's order while phones run in parallel.
func (m *Bot) Start(ctx context.Context, js jetstream.JetStream) (stop func(), err error) {
	o := m.opts()
	stream, cons, err := m.ensureStreams(ctx, js, o)
	if err != nil {
		return nil, err
	}
	m.queue.Store(&queue{js: js, stream: stream, log: m.Log})
	// Handlers get a context of their own: stopping first lets them finish, then
	// cancels what is left.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	m.recoverAll(work)

	var handlers, loops sync.WaitGroup
	// stopping is set under startMu once stop begins: a trigger taken after that is
	// left to JetStream (redelivered), so no handler starts while stop waits for them.
	var startMu sync.Mutex
	stopping := false
	sem := make(chan struct{}, o.Workers)
	var iters []jetstream.MessagesContext
	consume := func(name string, handle func(context.Context, jetstream.Msg)) error {
		it, err := cons[name].Messages(jetstream.PullMaxMessages(2 * o.Workers))
		if err != nil {
			return fmt.Errorf("chatbot consumer %s: %w", name, err)
		}
		iters = append(iters, it)
		loops.Add(1)
		go func() {
			defer loops.Done()
			for {
				msg, err := it.Next()
				if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
					return
				}
				if err != nil {
					m.Log.Warn("chatbot: reading triggers", slog.String("consumer", name), errAttr(err))
					continue
				}
				// Kept alive from here: a trigger waiting for a free worker is work in
				// hand, not one for JetStream to deliver again.
				alive := m.keepAlive(msg)
				sem <- struct{}{}
				startMu.Lock()
				if stopping {
					startMu.Unlock()
					alive()
					<-sem
					msg.Nak()
					continue
				}
				handlers.Add(1)
				startMu.Unlock()
				go func() {
					defer func() { alive(); <-sem; handlers.Done() }()
					m.safely(work, msg, handle)
				}()
			}
		}()
		return nil
	}
	for name, h := range map[string]func(context.Context, jetstream.Msg){
		inboundConsumer: m.onInbound, broadcastConsumer: m.onBroadcast, alertsConsumer: m.onAbsence,
	} {
		if err := consume(name, h); err != nil {
			for _, it := range iters {
				it.Stop()
			}
			cancelWork()
			m.queue.Store(nil)
			return nil, err
		}
	}
	loops.Add(2)
	if m.Appliance != "" {
		loops.Add(1)
		go func() { defer loops.Done(); m.holdNumbers(work, js.Conn(), 2*o.Workers) }()
	}
	go func() { defer loops.Done(); m.every(work, o.SweepEvery, m.sweepAll) }()
	go func() { defer loops.Done(); m.alertLoop(work, o.AlertsEvery) }()

	return func() {
		for _, it := range iters {
			it.Stop()
		}
		startMu.Lock()
		stopping = true
		startMu.Unlock()
		done := make(chan struct{})
		go func() { handlers.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(drainGrace):
			m.Log.Warn("chatbot: work still running at stop; it is cut off and redelivered after restart")
		}
		cancelWork()
		loops.Wait()
		m.queue.Store(nil)
	}, nil
}

func (m *Bot) every(ctx context.Context, d time.Duration, fn func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx)
		}
	}
}

// safely runs a handler, turning a panic into a logged failure and a later retry, so one
// bad message cannot stop the worker.
func (m *Bot) safely(ctx context.Context, msg jetstream.Msg, handle func(context.Context, jetstream.Msg)) {
	defer func() {
		if v := recover(); v != nil {
			m.Log.Error("chatbot: handler panicked", slog.String("subject", msg.Subject()), slog.Any("panic", v),
				slog.String("stack", string(debug.Stack())))
			m.settle(msg, fmt.Errorf("panic: %v", v), nil)
		}
	}()
	handle(ctx, msg)
}

// keepAlive tells JetStream the work is still going (an LLM answer can take a while),
// until the returned function is called.
func (m *Bot) keepAlive(msg jetstream.Msg) func() {
	every := m.opts().AckWait / 3
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				msg.InProgress()
			}
		}
	}()
	return func() { close(done) }
}

// notHere drops a trigger or event of a school this appliance does not serve (placed
// elsewhere, or not known here) and says so. A trigger made before the school moved
// points at work that moved with its file: the sweep of the appliance that holds it
// now triggers it again there.
func (m *Bot) notHere(ctx context.Context, msg jetstream.Msg, schema string) bool {
	if m.serves(ctx, schema) {
		return false
	}
	m.Log.Debug("chatbot: work of a school served elsewhere skipped", slog.String("tenant", schema), slog.String("subject", msg.Subject()))
	msg.Ack()
	return true
}

// errPermanent marks work that can never succeed (its school is gone): dropped, logged.
var errPermanent = errors.New("permanent")

// settle acks, retries later or gives up on a trigger. After its last delivery, dead
// records what was given up on (if it can).
func (m *Bot) settle(msg jetstream.Msg, err error, dead func(deliveries uint64, err error)) {
	if err == nil {
		msg.Ack()
		return
	}
	if errors.Is(err, errPermanent) || errors.Is(err, db.ErrUnknownTenant) || errors.Is(err, db.ErrInvalidSchema) {
		m.Log.Warn("chatbot: work dropped", slog.String("subject", msg.Subject()), errAttr(err))
		msg.Term()
		return
	}
	md, merr := msg.Metadata()
	delivered := uint64(1)
	if merr == nil {
		delivered = md.NumDelivered
	}
	if delivered >= uint64(m.opts().MaxDeliver) {
		m.Log.Error("chatbot: work failed on its last delivery; dead-lettered", slog.String("subject", msg.Subject()),
			slog.Uint64("deliveries", delivered), errAttr(err))
		if dead != nil {
			dead(delivered, err)
		}
		msg.Term()
		return
	}
	m.Log.Warn("chatbot: work failed; it will be retried", slog.String("subject", msg.Subject()),
		slog.Uint64("deliveries", delivered), errAttr(err))
	msg.NakWithDelay(naksAfter(m.opts().RetryBase, delivered))
}

func (m *Bot) onInbound(ctx context.Context, msg jetstream.Msg) {
	var tr trigger
	if json.Unmarshal(msg.Data(), &tr) != nil || tr.Conversation < 1 || tr.Schema == "" || tr.Schema != m.schemaOfSubject(msg.Subject()) {
		m.settle(msg, fmt.Errorf("%w: unreadable trigger %q", errPermanent, clip(string(msg.Data()), 200)), nil)
		return
	}
	if m.notHere(ctx, msg, tr.Schema) {
		return
	}
	err := m.HandleConversation(ctx, tr.Schema, tr.Conversation)
	m.settle(msg, err, func(n uint64, err error) { m.giveUp(ctx, tr, n, err) })
}

// HandleConversation answers a conversation's pending messages, oldest first, after
// sending what an earlier attempt planned and did not get out. One worker at a time
// does this for a conversation: a call while another is at it returns at once, and
// the other goes round once more when it is done, so the work asked for is done (or
// fails in the other's hands, whose trigger is redelivered).
func (m *Bot) HandleConversation(ctx context.Context, schema string, conversation int64) error {
	key := schema + "/" + strconv.FormatInt(conversation, 10)
	if !m.convTurns.take(key) {
		return nil
	}
	for {
		err := m.handleConversation(ctx, schema, conversation)
		if !m.convTurns.done(key, err == nil && ctx.Err() == nil) {
			return err
		}
	}
}

func (m *Bot) handleConversation(ctx context.Context, schema string, conversation int64) error {
	t, release, err := m.acquire(ctx, schema)
	if err != nil {
		return fmt.Errorf("open school %q: %w", schema, err)
	}
	defer release()
	open, err := t.Read().ChatbotOutboundOpenOfConversation(ctx, sql.NullInt64{Int64: conversation, Valid: true})
	if err != nil {
		return err
	}
	for _, id := range open {
		if err := m.deliver(ctx, t, id); err != nil {
			return err
		}
	}
	for {
		in, err := t.Read().ChatbotInboundNextPending(ctx, conversation)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := m.answer(ctx, t, in); err != nil {
			return err
		}
	}
}

// acquire opens a school's file for a trigger with the incarnation the resolver keeps:
// Pool.Acquire would ask the catalog for it with a query on every trigger, and the
// resolver notices catalog changes anyway. A school the resolver does not know is left
// to the catalog, which says whether it is gone.
func (m *Bot) acquire(ctx context.Context, schema string) (*db.Tenant, func(), error) {
	if m.Resolver != nil {
		if info, found, err := m.Resolver.BySchema(ctx, schema); err == nil && found {
			return m.Pool.AcquireIncarnation(ctx, schema, info.Incarnation)
		}
	}
	return m.Pool.Acquire(ctx, schema)
}

var errHandled = errors.New("handled already")

// answer decides the reply to one inbound message, writes it (rows first, marking the
// message handled in the same commit) and sends it.
func (m *Bot) answer(ctx context.Context, t *db.Tenant, in tenantdb.ChatbotInbound) error {
	conv, err := t.Read().ChatbotConversationGet(ctx, in.ConversationID)
	if err != nil {
		return fmt.Errorf("conversation %d: %w", in.ConversationID, err)
	}
	st, err := loadSettings(ctx, t.Read())
	if err != nil {
		return err
	}
	out, next, err := m.converse(ctx, t, conv, in, st)
	if err != nil {
		return err
	}
	now := stamp(m.now())
	var ids []int64
	if err := ctx.Err(); err != nil {
		return err
	}
	// Shared with the webhooks and the other workers' writes (see groupCommit), and so
	// not cut off by this worker's stop half-way through another's batch.
	ctx = context.WithoutCancel(ctx)
	err = m.groupCommit(ctx, t, func(q *tenantdb.Queries) error {
		ids = ids[:0]
		n, err := q.ChatbotInboundFinish(ctx, tenantdb.ChatbotInboundFinishParams{State: "handled",
			HandledAt: sql.NullString{String: now, Valid: true}, ID: in.ID})
		if err != nil {
			return err
		}
		if n == 0 {
			return errHandled
		}
		for i, o := range out {
			id, err := insertPlanned(ctx, q, planned{key: "reply:" + in.Wamid + ":" + strconv.Itoa(i),
				conversation: sql.NullInt64{Int64: conv.ID, Valid: true}, channel: conv.Channel, phone: conv.Phone,
				replyTo: sql.NullString{String: in.Wamid, Valid: true}, origin: "bot", out: o})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		cur, err := q.ChatbotConversationGet(ctx, conv.ID)
		if err != nil {
			return err
		}
		if cur.State != conv.State || cur.NeedsStaff != conv.NeedsStaff {
			// Staff took the conversation or handed it back while this answer was being
			// made: theirs is the newer decision.
			next.state, next.needsStaff = cur.State, cur.NeedsStaff
		}
		if err := q.ChatbotConversationSave(ctx, tenantdb.ChatbotConversationSaveParams{GuardianID: next.guardianID,
			StudentID: next.studentID, State: next.state, OptedOut: next.optedOut, NeedsStaff: next.needsStaff,
			LastActivityAt: sql.NullString{String: now, Valid: true}, ID: conv.ID}); err != nil {
			return err
		}
		if len(out) > 0 {
			return q.ChatbotConversationOutbound(ctx, tenantdb.ChatbotConversationOutboundParams{At: now, ID: conv.ID})
		}
		return nil
	})
	if errors.Is(err, errHandled) {
		return nil
	}
	if err != nil {
		return err
	}
	// The reply goes first: the read mark is one more round trip to the Graph API, and
	// the phone sees its message read either way.
	for _, id := range ids {
		if err = m.deliverWith(ctx, t, id, &st); err != nil {
			break
		}
	}
	if conv.Channel == ChannelWhatsApp && configured(st) {
		m.markRead(ctx, t, st, in.Wamid)
	}
	return err
}

// markRead shows the phone its message was read; a failure only costs the blue ticks.
func (m *Bot) markRead(ctx context.Context, t *db.Tenant, st tenantdb.ChatbotSetting, wamid string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c := whatsapp.New(whatsapp.Config{BaseURL: st.GraphUrl, Version: st.GraphVersion, PhoneNumberID: st.PhoneNumberID,
		Token: st.AccessToken}, m.HTTP, whatsapp.Backoff{Attempts: 1})
	if err := c.MarkRead(ctx, wamid); err != nil {
		m.Log.Debug("chatbot: mark read failed", slog.String("tenant", t.Schema), errAttr(err))
	}
}

// giveUp dead-letters the message at the head of a conversation after its last
// delivery, so the messages behind it are not held up for ever, and sends those on.
func (m *Bot) giveUp(ctx context.Context, tr trigger, deliveries uint64, cause error) {
	err := m.Pool.WithTenant(ctx, tr.Schema, func(t *db.Tenant) error {
		in, err := t.Read().ChatbotInboundNextPending(ctx, tr.Conversation)
		if errors.Is(err, sql.ErrNoRows) {
			// The message was answered; a reply of it could not be sent.
			open, err := t.Read().ChatbotOutboundOpenOfConversation(ctx, sql.NullInt64{Int64: tr.Conversation, Valid: true})
			if err != nil || len(open) == 0 {
				return err
			}
			row, err := t.Read().ChatbotOutboundGet(ctx, open[0])
			if err != nil {
				return err
			}
			if err := t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
				return q.ChatbotOutboundFinish(ctx, tenantdb.ChatbotOutboundFinishParams{Status: "failed",
					ErrorCode: row.ErrorCode, ErrorMessage: clip(cause.Error(), 500), ID: row.ID})
			}); err != nil {
				return err
			}
			return deadLetter(ctx, t, "outbound", row.Key, row.Phone, cause.Error(), deliveries)
		}
		if err != nil {
			return err
		}
		if err := t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
			_, err := q.ChatbotInboundFinish(ctx, tenantdb.ChatbotInboundFinishParams{State: "dead",
				HandledAt: sql.NullString{String: stamp(m.now()), Valid: true}, ID: in.ID})
			return err
		}); err != nil {
			return err
		}
		return deadLetter(ctx, t, "inbound", in.Wamid, in.Phone, cause.Error(), deliveries)
	})
	if err != nil {
		m.Log.Error("chatbot: could not dead-letter", slog.String("tenant", tr.Schema), slog.Int64("conversation", tr.Conversation), errAttr(err))
		return
	}
	m.retrigger(tr.Schema, tr.Conversation)
}

// chatbotSchools are the active schools with a WhatsApp number: the ones the sweep and
// the alerts look at.
func (m *Bot) chatbotSchools(ctx context.Context) []string {
	s, err := m.Catalog.Read().WhatsAppSchools(ctx, m.Appliance)
	if err != nil {
		m.Log.Warn("chatbot: list schools", errAttr(err))
	}
	return s
}

// recoverAll runs once at start, before any send of this run: a row still "sending" was
// cut off by a crash, and may or may not have reached WhatsApp, so it is marked
// unknown (never sent again) and shown to staff. Then everything pending is triggered.
func (m *Bot) recoverAll(ctx context.Context) {
	for _, schema := range m.chatbotSchools(ctx) {
		err := m.Pool.WithTenant(ctx, schema, func(t *db.Tenant) error {
			rows, err := t.Read().ChatbotOutboundInterrupted(ctx)
			if err != nil {
				return err
			}
			for _, r := range rows {
				if err := markUnknown(ctx, t, r, r.ErrorCode, "the server stopped while sending; it may or may not have arrived",
					"the server stopped while sending this message; it may or may not have arrived, and is not sent again"); err != nil {
					return err
				}
				m.Log.Warn("chatbot: a send was cut off by a stop; not sent again", slog.String("tenant", schema), slog.String("key", r.Key))
			}
			return nil
		})
		if err != nil {
			m.Log.Error("chatbot: recover school", slog.String("tenant", schema), errAttr(err))
		}
	}
	m.sweepAll(ctx)
}

// sweepAll triggers every school's pending work again: messages not yet answered,
// messages out not yet sent, broadcasts not finished, alerts not yet due.
func (m *Bot) sweepAll(ctx context.Context) {
	for _, schema := range m.chatbotSchools(ctx) {
		if ctx.Err() != nil {
			return
		}
		if err := m.Pool.WithTenant(ctx, schema, func(t *db.Tenant) error { return m.sweep(ctx, t) }); err != nil {
			m.Log.Warn("chatbot: sweep school", slog.String("tenant", schema), errAttr(err))
		}
		m.noteAlerts(schema)
	}
}

func (m *Bot) sweep(ctx context.Context, t *db.Tenant) error {
	q := t.Read()
	convs, err := q.ChatbotInboundPendingConversations(ctx)
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, c := range convs {
		seen[c.ConversationID] = true
		m.retrigger(t.Schema, c.ConversationID)
	}
	open, err := q.ChatbotOutboundOpen(ctx, 1000)
	if err != nil {
		return err
	}
	for _, id := range open {
		row, err := q.ChatbotOutboundGet(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case row.ConversationID.Valid:
			if !seen[row.ConversationID.Int64] {
				seen[row.ConversationID.Int64] = true
				m.retrigger(t.Schema, row.ConversationID.Int64)
			}
		default:
			// Alerts and broadcasts: sent by their own loops below.
		}
	}
	bcs, err := q.ChatbotBroadcastsOpen(ctx)
	if err != nil {
		return err
	}
	for _, id := range bcs {
		m.triggerBroadcast(t.Schema, id)
	}
	return nil
}
