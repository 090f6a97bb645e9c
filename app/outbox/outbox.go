// Package outbox owns the way events leave a school's file: a module writes an event row
// in the same transaction as the change it tells of (Tx, Writer.Add), and the relay
// (Relay) publishes unsent rows to the events stream, marking each sent only after the
// stream acknowledged it. A process that dies between the commit and the publish leaves
// the row unsent; the next relay run publishes it, and the stream (Nats-Msg-Id) and the
// consumers (the event id) drop a second copy. See package events for the contract.
package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// TimeLayout is how created_at and sent_at are written: fixed width with nanoseconds, so
// text order is time order.
const TimeLayout = "2006-01-02T15:04:05.000000000Z"

// Writer adds events to the outbox inside one write transaction.
type Writer struct {
	q *tenantdb.Queries
	n int
}

// NewWriter is a writer over a caller's transaction; the caller must Notify the school's
// schema after the transaction commits if Written is above zero (Tx does both).
func NewWriter(q *tenantdb.Queries) *Writer { return &Writer{q: q} }

// Add writes an event of type typ (e.g. "attendance.absent") with data encoded as JSON,
// and returns its id (a random UUID, also its JetStream message id). The event's time is
// the clock of ctx (see school.WithClock).
func (w *Writer) Add(ctx context.Context, typ string, data any) (string, error) {
	id := NewID()
	return id, w.AddAs(ctx, id, typ, data)
}

// AddAs is Add with an id made beforehand (NewID), for a change that records the id of
// the event it caused.
func (w *Writer) AddAs(ctx context.Context, id, typ string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("outbox: encode %s: %w", typ, err)
	}
	at := school.ClockOf(ctx)().UTC().Format(TimeLayout)
	if err := w.q.OutboxInsert(ctx, tenantdb.OutboxInsertParams{ID: id, Type: typ, Data: string(b), CreatedAt: at}); err != nil {
		return fmt.Errorf("outbox: write %s: %w", typ, err)
	}
	w.n++
	return nil
}

// Event is one event of AddMany: its id (NewID) and its data, encoded as JSON.
type Event struct {
	ID   string
	Data any
}

// AddMany is AddAs for several events of one type, written in one statement: a change
// that tells of many things at once (a register with several new absences) pays for one
// insert rather than one per event.
func (w *Writer) AddMany(ctx context.Context, typ string, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	type row struct {
		ID   string `json:"id"`
		Data string `json:"data"`
	}
	rows := make([]row, len(events))
	for i, e := range events {
		b, err := json.Marshal(e.Data)
		if err != nil {
			return fmt.Errorf("outbox: encode %s: %w", typ, err)
		}
		rows[i] = row{ID: e.ID, Data: string(b)}
	}
	all, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("outbox: encode %s: %w", typ, err)
	}
	at := school.ClockOf(ctx)().UTC().Format(TimeLayout)
	if err := w.q.OutboxInsertMany(ctx, tenantdb.OutboxInsertManyParams{Type: typ, CreatedAt: at, Events: string(all)}); err != nil {
		return fmt.Errorf("outbox: write %s: %w", typ, err)
	}
	w.n += len(events)
	return nil
}

// NewID makes an event id: a random UUID.
func NewID() string { return uuid.NewString() }

// Written is the number of events added.
func (w *Writer) Written() int { return w.n }

// Tx runs fn in one write transaction of the school's file with a Writer for its events,
// and wakes this process's relay for the school once the transaction has committed with
// events in it.
func Tx(ctx context.Context, t *db.Tenant, fn func(q *tenantdb.Queries, tx *sql.Tx, out *Writer) error) error {
	var w *Writer
	err := t.Tx(ctx, func(q *tenantdb.Queries, tx *sql.Tx) error {
		w = NewWriter(q)
		return fn(q, tx, w)
	})
	if err == nil && w != nil && w.n > 0 {
		Notify(t.Schema)
	}
	return err
}

// The wake-up hub: a commit that wrote events tells the relays of this process which
// school to look at, so an event leaves within milliseconds rather than at the next
// sweep. It never blocks a writer and never loses a wake-up: each subscriber keeps a
// set of schools to look at and a one-slot signal.

var hub = struct {
	mu   sync.Mutex
	subs map[*Wakeups]struct{}
}{subs: map[*Wakeups]struct{}{}}

// Wakeups are the schools a relay has been asked to look at.
type Wakeups struct {
	mu      sync.Mutex
	pending map[string]struct{}
	signal  chan struct{}
}

// Subscribe starts collecting wake-ups; cancel stops it.
func Subscribe() (w *Wakeups, cancel func()) {
	w = &Wakeups{pending: map[string]struct{}{}, signal: make(chan struct{}, 1)}
	hub.mu.Lock()
	hub.subs[w] = struct{}{}
	hub.mu.Unlock()
	return w, func() {
		hub.mu.Lock()
		delete(hub.subs, w)
		hub.mu.Unlock()
	}
}

// C is signalled when schools are pending; Take reads them.
func (w *Wakeups) C() <-chan struct{} { return w.signal }

// Take returns the pending schools and clears them.
func (w *Wakeups) Take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.pending))
	for s := range w.pending {
		out = append(out, s)
	}
	clear(w.pending)
	return out
}

func (w *Wakeups) add(schema string) {
	w.mu.Lock()
	w.pending[schema] = struct{}{}
	w.mu.Unlock()
	select {
	case w.signal <- struct{}{}:
	default: // a signal is pending already; the relay will Take this school with it
	}
}

// Notify tells this process's relays that the school has new events.
func Notify(schema string) {
	hub.mu.Lock()
	defer hub.mu.Unlock()
	for w := range hub.subs {
		w.add(schema)
	}
}

// ParseTime reads a stored created_at or sent_at.
func ParseTime(s string) (time.Time, error) { return time.Parse(TimeLayout, s) }
