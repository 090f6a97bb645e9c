package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/events"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/catalogdb"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Relay defaults.
const (
	DefaultSweepEvery  = 3 * time.Minute
	DefaultConcurrency = 4
	DefaultBatch       = 200
	// DefaultKeepSent is how long sent rows stay (for an operator looking into what was
	// sent); the stream keeps events for a week and consumers dedupe on their own keys.
	DefaultKeepSent = 30 * 24 * time.Hour
	// retryAfter is when a school whose relay failed (the stream unreachable) is tried
	// again, before the next sweep.
	retryAfter = 10 * time.Second
	// publishTimeout bounds one publish's wait for the stream's acknowledgement.
	publishTimeout = 10 * time.Second
)

// Relay publishes the outbox rows of every school to the events stream. It is woken by
// commits in this process (Notify), and sweeps every school at start and every
// SweepEvery for rows written by other processes (the CLI) or left unsent by a crash.
type Relay struct {
	Pool      *db.Pool
	Catalog   *db.Catalog
	JetStream jetstream.JetStream
	Log       *slog.Logger
	// Appliance is this appliance's name: only the schools placed on it (or nowhere
	// else) are relayed, so an event is published by the one appliance holding the
	// school's live file.
	Appliance string
	// Replicas of the events stream when the relay makes it (1 when 0). It must be
	// what the other parts ask for: making the stream also brings an existing one to
	// this many replicas.
	Replicas int

	SweepEvery  time.Duration // 0: DefaultSweepEvery
	Concurrency int           // schools relayed at once; 0: DefaultConcurrency
	Batch       int           // rows read and published per round; 0: DefaultBatch
	KeepSent    time.Duration // 0: DefaultKeepSent

	// published, when set, is called after a round's events were acknowledged by the
	// stream and before they are marked sent; an error stops the round there, as a crash
	// at that point would.
	published func(schema string, ids []string) error

	locks sync.Map // schema -> *sync.Mutex: one round at a time per school
}

func (r *Relay) sweepEvery() time.Duration { return orDefault(r.SweepEvery, DefaultSweepEvery) }
func (r *Relay) keepSent() time.Duration   { return orDefault(r.KeepSent, DefaultKeepSent) }

func (r *Relay) concurrency() int {
	if r.Concurrency > 0 {
		return r.Concurrency
	}
	return DefaultConcurrency
}

func (r *Relay) batch() int {
	if r.Batch > 0 {
		return r.Batch
	}
	return DefaultBatch
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (r *Relay) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Run relays until ctx is done: it makes sure the stream exists, sweeps every school,
// then relays a school as soon as a commit here wakes it, and sweeps again every
// SweepEvery.
func (r *Relay) Run(ctx context.Context) error {
	wake, cancel := Subscribe()
	defer cancel()
	for {
		_, err := events.EnsureStream(ctx, r.JetStream, r.Replicas)
		if err == nil {
			break
		}
		r.log().Warn("events stream not ready; retrying", slog.Any("error", err))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(retryAfter):
		}
	}
	sweep := time.NewTicker(r.sweepEvery())
	defer sweep.Stop()
	retry := map[string]time.Time{}
	var retryTimer <-chan time.Time
	r.Sweep(ctx)
	for {
		var schools []string
		select {
		case <-ctx.Done():
			return nil
		case <-sweep.C:
			r.Sweep(ctx)
			continue
		case <-wake.C():
			schools = wake.Take()
		case <-retryTimer:
			retryTimer = nil
			now := time.Now()
			for s, at := range retry {
				if !at.After(now) {
					schools = append(schools, s)
					delete(retry, s)
				}
			}
		}
		for s, err := range r.relayAll(ctx, schools) {
			if err != nil && ctx.Err() == nil {
				r.log().Warn("relay failed; will retry", slog.String("tenant", s), slog.Any("error", err))
				retry[s] = time.Now().Add(retryAfter)
			}
		}
		if len(retry) > 0 && retryTimer == nil {
			retryTimer = time.After(retryAfter)
		}
	}
}

// Sweep relays every school the catalog lists as placed here, Concurrency at a time, and prunes rows
// sent longer than KeepSent ago. Schools that fail are logged; the next sweep tries them
// again.
//
// A school whose file has not changed since the relay last found its outbox empty is
// skipped without opening it: at a start after a clean stop that is every school, and
// opening them all would close the files users are working in.
func (r *Relay) Sweep(ctx context.Context) {
	rows, err := r.Catalog.Read().ListTenantsToRelay(ctx, r.Appliance)
	if err != nil {
		if ctx.Err() == nil {
			r.log().Warn("relay sweep: list schools", slog.Any("error", err))
		}
		return
	}
	var schools []string
	for _, row := range rows {
		if row.DrainedAt == 0 || r.Pool.ChangedSince(row.SchemaName, time.Unix(0, row.DrainedAt)) {
			schools = append(schools, row.SchemaName)
		}
	}
	for s, err := range r.relayAll(ctx, schools) {
		if err != nil && ctx.Err() == nil {
			r.log().Warn("relay sweep", slog.String("tenant", s), slog.Any("error", err))
		}
	}
}

// relayAll relays the schools, Concurrency at a time, and returns each one's outcome.
func (r *Relay) relayAll(ctx context.Context, schools []string) map[string]error {
	out := make(map[string]error, len(schools))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, r.concurrency())
	for _, s := range schools {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			_, err := r.Flush(ctx, s)
			mu.Lock()
			out[s] = err
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// Flush publishes every unsent event of one school, oldest first, and returns how many
// it published. A school the catalog no longer lists, or places on another appliance,
// has nothing to relay here.
func (r *Relay) Flush(ctx context.Context, schema string) (int, error) {
	mu, _ := r.locks.LoadOrStore(schema, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	row, err := r.Catalog.Read().GetTenantBySchema(ctx, schema)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && row.Appliance != "" && row.Appliance != r.Appliance) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("relay %s: %w", schema, err)
	}
	n := 0
	err = r.Pool.WithTenantBackground(ctx, schema, func(t *db.Tenant) error {
		for {
			sent, more, err := r.round(ctx, t)
			n += sent
			if err != nil {
				return err
			}
			if !more {
				break
			}
		}
		if err := r.prune(ctx, t); err != nil {
			return err
		}
		return r.noteDrained(ctx, t)
	})
	if errors.Is(err, db.ErrUnknownTenant) {
		return n, nil
	}
	return n, err
}

// noteDrained records in the catalog that the school's outbox is empty, as of a time
// taken before the read that found it so: every write after that read (this relay's
// own marks included) changes the file after that time, and the next sweep visits it.
func (r *Relay) noteDrained(ctx context.Context, t *db.Tenant) error {
	at := time.Now()
	unsent, err := t.Read().OutboxHasUnsent(ctx)
	if err != nil {
		return fmt.Errorf("read outbox: %w", err)
	}
	if unsent { // written since the last round: the wake-up or the next sweep sends it
		return nil
	}
	return r.Catalog.Tx(ctx, func(q *catalogdb.Queries) error {
		return q.SetOutboxDrained(ctx, catalogdb.SetOutboxDrainedParams{DrainedAt: at.UnixNano(),
			SchemaName: t.Schema, SchoolIncarnation: t.Incarnation})
	})
}

// round publishes one batch of a school's unsent events and marks the acknowledged ones
// sent; more says whether a full batch was read (there may be more).
func (r *Relay) round(ctx context.Context, t *db.Tenant) (sent int, more bool, err error) {
	rows, err := t.Read().OutboxUnsent(ctx, int64(r.batch()))
	if err != nil {
		return 0, false, fmt.Errorf("read outbox: %w", err)
	}
	if len(rows) == 0 {
		return 0, false, nil
	}
	acked := make([]string, 0, len(rows))
	var perr error
	for _, row := range rows {
		at, err := ParseTime(row.CreatedAt)
		if err != nil {
			perr = fmt.Errorf("event %s: created_at %q: %w", row.ID, row.CreatedAt, err)
			break
		}
		e := events.Event{ID: row.ID, Schema: t.Schema, Type: row.Type, OccurredAt: at, Data: json.RawMessage(row.Data)}
		pctx, cancel := context.WithTimeout(ctx, publishTimeout)
		err = events.Publish(pctx, r.JetStream, e)
		cancel()
		if err != nil {
			perr = fmt.Errorf("publish %s %s: %w", row.Type, row.ID, err)
			break
		}
		acked = append(acked, row.ID)
	}
	if len(acked) > 0 && r.published != nil {
		if err := r.published(t.Schema, acked); err != nil {
			return 0, false, err
		}
	}
	if err := markSent(ctx, t, acked); err != nil {
		return 0, false, err
	}
	return len(acked), perr == nil && len(rows) == r.batch(), perr
}

// markSent marks the acknowledged events sent, in one transaction.
func markSent(ctx context.Context, t *db.Tenant, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	at := school.ClockOf(ctx)().UTC().Format(TimeLayout)
	return t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		for _, id := range ids {
			if _, err := q.OutboxMarkSent(ctx, tenantdb.OutboxMarkSentParams{SentAt: sqlString(at), ID: id}); err != nil {
				return fmt.Errorf("mark sent: %w", err)
			}
		}
		return nil
	})
}

// prune removes rows sent longer than KeepSent ago, when there are any.
func (r *Relay) prune(ctx context.Context, t *db.Tenant) error {
	before := school.ClockOf(ctx)().Add(-r.keepSent()).UTC().Format(TimeLayout)
	var old bool
	if err := t.ReadDB().QueryRowContext(ctx,
		"SELECT EXISTS (SELECT 1 FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?)", before).Scan(&old); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if !old {
		return nil
	}
	return t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		_, err := q.OutboxPruneSent(ctx, sqlString(before))
		return err
	})
}

func sqlString(s string) sql.NullString { return sql.NullString{String: s, Valid: true} }
