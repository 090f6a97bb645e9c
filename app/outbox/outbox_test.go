package outbox

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/events"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/catalogdb"
	"github.com/schoolsms/sms/db/tenantdb"
	"github.com/schoolsms/sms/embed"
)

// moment is the clock every test pins.
var moment = time.Date(2026, 3, 4, 7, 30, 0, 0, time.UTC)

// world is a data directory with a catalog, a pool and schools, and a NATS server.
type world struct {
	t    *testing.T
	dir  string
	cat  *db.Catalog
	pool *db.Pool
	js   jetstream.JetStream
	ctx  context.Context
}

func newWorld(t *testing.T, schools ...string) *world {
	t.Helper()
	ctx, cancel := context.WithTimeout(school.WithClock(context.Background(), func() time.Time { return moment }), 2*time.Minute)
	t.Cleanup(cancel)
	w := &world{t: t, dir: t.TempDir(), ctx: ctx}
	var err error
	w.cat, err = db.OpenCatalog(ctx, w.dir)
	require.NoError(t, err)
	t.Cleanup(func() { w.cat.Close() })
	w.pool, err = db.NewPool(w.cat, filepath.Join(w.dir, "tenants"), 4)
	require.NoError(t, err)
	t.Cleanup(func() { w.pool.Close() })
	for _, s := range schools {
		w.school(s)
	}
	return w
}

// school makes a real school file with the real migrations.
func (w *world) school(schema string) {
	w.t.Helper()
	inc := db.NewIncarnation()
	staged, err := w.pool.CreateFile(w.ctx, schema, inc, func(q *tenantdb.Queries) error {
		_, err := q.UpsertSchoolProfile(w.ctx, tenantdb.UpsertSchoolProfileParams{Name: schema, Timezone: "UTC"})
		return err
	})
	require.NoError(w.t, err)
	require.NoError(w.t, w.cat.Tx(w.ctx, func(q *catalogdb.Queries) error {
		_, err := q.CreateTenant(w.ctx, catalogdb.CreateTenantParams{SchemaName: schema, Name: schema, Incarnation: inc})
		return err
	}))
	require.NoError(w.t, w.pool.Install(staged, schema))
}

// embedded starts an in-process NATS server for the test.
func (w *world) embedded() {
	w.t.Helper()
	n, err := embed.StartNATS(w.ctx, embed.NATSOptions{StoreDir: filepath.Join(w.dir, "nats")})
	require.NoError(w.t, err)
	w.t.Cleanup(func() { n.Close(context.Background()) })
	w.js, err = n.JetStream()
	require.NoError(w.t, err)
	_, err = events.EnsureStream(w.ctx, w.js, 1)
	require.NoError(w.t, err)
}

// write commits n events of the school in one transaction, waking relays.
func (w *world) write(schema string, n int) []string {
	w.t.Helper()
	var ids []string
	require.NoError(w.t, w.pool.WithTenant(w.ctx, schema, func(t *db.Tenant) error {
		return Tx(w.ctx, t, func(q *tenantdb.Queries, tx *sql.Tx, out *Writer) error {
			for i := range n {
				id, err := out.Add(w.ctx, "test.happened", map[string]any{"n": i, "school": schema})
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		})
	}))
	return ids
}

// writeQuietly commits events without waking anyone, as another process (the CLI) does.
func (w *world) writeQuietly(schema string, n int) []string {
	w.t.Helper()
	var ids []string
	require.NoError(w.t, w.pool.WithTenant(w.ctx, schema, func(t *db.Tenant) error {
		return t.Tx(w.ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
			out := NewWriter(q)
			for i := range n {
				id, err := out.Add(w.ctx, "test.happened", map[string]any{"n": i})
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		})
	}))
	return ids
}

func (w *world) relay() *Relay {
	return &Relay{Pool: w.pool, Catalog: w.cat, JetStream: w.js}
}

// unsent is the ids of the school's outbox rows not marked sent.
func (w *world) unsent(schema string) []string {
	w.t.Helper()
	var ids []string
	require.NoError(w.t, w.pool.WithTenant(w.ctx, schema, func(t *db.Tenant) error {
		rows, err := t.ReadDB().QueryContext(w.ctx, "SELECT id FROM outbox WHERE sent_at IS NULL ORDER BY id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	}))
	return ids
}

// received is what a consumer of the stream sees: every message, and the events it
// keeps after dropping the ids it has seen already (the dedupe every consumer does).
type received struct {
	messages int
	events   map[string]events.Event
	dupes    int
}

// consume reads the whole stream as a consumer would, deduplicating on the event id
// and checking it is the JetStream message id too.
func (w *world) consume() received {
	w.t.Helper()
	s, err := w.js.Stream(w.ctx, events.Stream)
	require.NoError(w.t, err)
	info, err := s.Info(w.ctx)
	require.NoError(w.t, err)
	out := received{events: map[string]events.Event{}}
	if info.State.Msgs == 0 {
		return out
	}
	c, err := s.OrderedConsumer(w.ctx, jetstream.OrderedConsumerConfig{})
	require.NoError(w.t, err)
	for out.messages < int(info.State.Msgs) {
		batch, err := c.Fetch(int(info.State.Msgs)-out.messages, jetstream.FetchMaxWait(5*time.Second))
		require.NoError(w.t, err)
		got := 0
		for m := range batch.Messages() {
			got++
			out.messages++
			var e events.Event
			require.NoError(w.t, json.Unmarshal(m.Data(), &e))
			require.Equal(w.t, e.ID, m.Headers().Get(jetstream.MsgIDHeader), "the event id is the message id")
			require.Equal(w.t, events.Subject(e.Schema, e.Type), m.Subject())
			if _, seen := out.events[e.ID]; seen {
				out.dupes++
				continue
			}
			out.events[e.ID] = e
		}
		require.NoError(w.t, batch.Error())
		require.NotZero(w.t, got, "the stream said it holds %d messages", info.State.Msgs)
	}
	return out
}

func keys(m map[string]events.Event) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sorted(ids ...[]string) []string {
	var out []string
	for _, l := range ids {
		out = append(out, l...)
	}
	sort.Strings(out)
	return out
}

// TestRelayPublishesAndMarksSent: the relay publishes each unsent event once with its
// id as the message id and its school in the subject, marks it sent, and a second run
// finds nothing to do.
func TestRelayPublishesAndMarksSent(t *testing.T) {
	w := newWorld(t, "alpha", "beta")
	w.embedded()
	a := w.write("alpha", 3)
	b := w.write("beta", 2)
	r := w.relay()
	n, err := r.Flush(w.ctx, "alpha")
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.Empty(t, w.unsent("alpha"))
	assert.Len(t, w.unsent("beta"), 2, "another school's events are its own relay round's")

	n, err = r.Flush(w.ctx, "alpha")
	require.NoError(t, err)
	assert.Zero(t, n, "nothing left to send")
	r.Sweep(w.ctx)
	assert.Empty(t, w.unsent("beta"))

	got := w.consume()
	assert.Equal(t, 5, got.messages)
	assert.Equal(t, sorted(a, b), keys(got.events))
	for _, id := range a {
		e := got.events[id]
		assert.Equal(t, "alpha", e.Schema)
		assert.Equal(t, "test.happened", e.Type)
		assert.True(t, e.OccurredAt.Equal(moment), "occurred at the clock's time: %v", e.OccurredAt)
		assert.Contains(t, string(e.Data), `"school":"alpha"`)
	}
	for _, id := range b {
		assert.Equal(t, "beta", got.events[id].Schema, "an event carries the school whose file it came from")
	}
}

// TestRelayStoppedBetweenPublishAndMarkSent: a relay that stops after the stream
// acknowledged a batch and before it marked the batch sent leaves those rows unsent; the
// next relay publishes them again, and every event still arrives exactly once.
func TestRelayStoppedBetweenPublishAndMarkSent(t *testing.T) {
	w := newWorld(t, "alpha")
	w.embedded()
	ids := w.write("alpha", 7)
	crash := errors.New("killed between publish and mark-sent")
	rounds := 0
	r := w.relay()
	r.Batch = 3
	r.published = func(schema string, acked []string) error {
		rounds++
		if rounds == 2 {
			return crash
		}
		return nil
	}
	n, err := r.Flush(w.ctx, "alpha")
	require.ErrorIs(t, err, crash)
	assert.Equal(t, 3, n, "the first round was marked sent")
	assert.Len(t, w.unsent("alpha"), 4, "the second round was published but not marked")

	again := w.relay()
	n, err = again.Flush(w.ctx, "alpha")
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	assert.Empty(t, w.unsent("alpha"))

	got := w.consume()
	assert.Equal(t, sorted(ids), keys(got.events), "every event arrived")
	assert.Zero(t, got.dupes, "the stream dropped the second publish of the same message id")
	assert.Equal(t, 7, got.messages)
}

// TestRelayRetriesWhenTheStreamIsDown: while the stream cannot be reached nothing is
// marked sent; once it can, everything goes.
func TestRelayRetriesWhenTheStreamIsDown(t *testing.T) {
	w := newWorld(t, "alpha")
	w.embedded()
	ids := w.write("alpha", 2)
	require.NoError(t, w.js.DeleteStream(w.ctx, events.Stream))
	r := w.relay()
	_, err := r.Flush(w.ctx, "alpha")
	require.Error(t, err, "no stream listens on the subjects")
	assert.Equal(t, sorted(ids), w.unsent("alpha"))

	_, err = events.EnsureStream(w.ctx, w.js, 1)
	require.NoError(t, err)
	n, err := r.Flush(w.ctx, "alpha")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, sorted(ids), keys(w.consume().events))
}

// TestRelayRunWakesAndSweeps: a running relay publishes a commit's events when the
// commit wakes it, and finds rows written without a wake-up (another process) at its
// next sweep.
func TestRelayRunWakesAndSweeps(t *testing.T) {
	w := newWorld(t, "alpha", "beta")
	w.embedded()
	before := w.writeQuietly("beta", 1) // written before the relay started: the first sweep
	r := w.relay()
	r.SweepEvery = time.Hour
	ctx, stop := context.WithCancel(w.ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	waitFor(t, func() bool { return len(w.unsent("beta")) == 0 }, "the start-up sweep")

	woken := w.write("alpha", 2)
	waitFor(t, func() bool { return len(w.unsent("alpha")) == 0 }, "a commit wakes the relay")
	stop()
	require.NoError(t, <-done)

	quiet := w.writeQuietly("alpha", 1)
	r = w.relay()
	r.SweepEvery = 20 * time.Millisecond
	ctx, stop = context.WithCancel(w.ctx)
	defer stop()
	go func() { done <- r.Run(ctx) }()
	waitFor(t, func() bool { return len(w.unsent("alpha")) == 0 }, "a sweep finds rows nobody woke it for")
	stop()
	require.NoError(t, <-done)
	assert.Equal(t, sorted(before, woken, quiet), keys(w.consume().events))
}

// TestRelayPrunesOldSentRows: rows sent longer than KeepSent ago are deleted; unsent and
// recent ones stay.
func TestRelayPrunesOldSentRows(t *testing.T) {
	w := newWorld(t, "alpha")
	w.embedded()
	old := w.write("alpha", 2)
	r := w.relay()
	_, err := r.Flush(w.ctx, "alpha")
	require.NoError(t, err)
	w.write("alpha", 1)
	later := school.WithClock(w.ctx, func() time.Time { return moment.Add(DefaultKeepSent + time.Hour) })
	// the first round publishes the new row; the next, finding none, prunes
	_, err = r.Flush(later, "alpha")
	require.NoError(t, err)
	var n int
	var remaining []string
	require.NoError(t, w.pool.WithTenant(w.ctx, "alpha", func(t *db.Tenant) error {
		if err := t.ReadDB().QueryRowContext(w.ctx, "SELECT count(*) FROM outbox").Scan(&n); err != nil {
			return err
		}
		rows, err := t.ReadDB().QueryContext(w.ctx, "SELECT id FROM outbox")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			rows.Scan(&id)
			remaining = append(remaining, id)
		}
		return nil
	}))
	assert.Equal(t, 1, n, "the two rows sent a month ago are gone, the one sent now stays")
	for _, id := range old {
		assert.NotContains(t, remaining, id)
	}
}

// TestWakeupsNeverBlockOrDrop: many commits between two looks at the wake-ups are one
// signal and every school once.
func TestWakeupsNeverBlockOrDrop(t *testing.T) {
	wk, cancel := Subscribe()
	defer cancel()
	for i := range 1000 {
		Notify(fmt.Sprintf("s%d", i%10))
	}
	<-wk.C()
	got := wk.Take()
	sort.Strings(got)
	assert.Equal(t, []string{"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"}, got)
	select {
	case <-wk.C():
		t.Fatal("one signal for all of them")
	default:
	}
	assert.Empty(t, wk.Take())
}

// waitFor polls cond until it holds (a relay works in the background); it fails the test
// after a generous bound, which is not a timing assertion but a guard against a hang.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tcpNATS starts a NATS server with JetStream on a loopback port, which another process
// can reach too, and connects to it.
func (w *world) tcpNATS() string {
	w.t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: filepath.Join(w.dir, "nats"), NoSigs: true, NoLog: true})
	require.NoError(w.t, err)
	go ns.Start()
	require.True(w.t, ns.ReadyForConnections(30*time.Second), "nats server ready")
	w.t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	n, err := embed.ConnectNATS(w.ctx, ns.ClientURL())
	require.NoError(w.t, err)
	w.t.Cleanup(func() { n.Close(context.Background()) })
	w.js, err = n.JetStream()
	require.NoError(w.t, err)
	_, err = events.EnsureStream(w.ctx, w.js, 1)
	require.NoError(w.t, err)
	return ns.ClientURL()
}

const (
	childDirEnv  = "SMS_TEST_RELAY_CHILD_DIR"
	childNATSEnv = "SMS_TEST_RELAY_CHILD_NATS"
)

// TestRelayKilledProcess: a relay in another process is killed with SIGKILL after the
// stream acknowledged a batch and before that batch was marked sent. The next relay
// sends what is left, and every event arrives exactly once.
func TestRelayKilledProcess(t *testing.T) {
	if os.Getenv(childDirEnv) != "" {
		t.Skip("this is the child's run")
	}
	w := newWorld(t, "alpha")
	url := w.tcpNATS()
	ids := w.write("alpha", 7)
	killRelayChild(t, w, url)

	n, err := w.relay().Flush(w.ctx, "alpha")
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	assert.Empty(t, w.unsent("alpha"))
	got := w.consume()
	assert.Equal(t, sorted(ids), keys(got.events), "every event arrived")
	assert.Zero(t, got.dupes)
	assert.Equal(t, 7, got.messages, "once each")
}

// TestRelayKilledProcessConsumerDedupes: the same kill, but the relay comes back after
// the stream's duplicate window has passed (a long outage), so the stream keeps the
// second copy of the batch the killed relay had published. The consumer, deduplicating
// on the message id, still takes every event exactly once.
func TestRelayKilledProcessConsumerDedupes(t *testing.T) {
	if os.Getenv(childDirEnv) != "" {
		t.Skip("this is the child's run")
	}
	w := newWorld(t, "alpha")
	url := w.tcpNATS()
	cfg := events.StreamConfig(1)
	cfg.Duplicates = 100 * time.Millisecond
	_, err := w.js.UpdateStream(w.ctx, cfg)
	require.NoError(t, err)
	ids := w.write("alpha", 7)
	killRelayChild(t, w, url)

	w.outlastDedupeWindow()
	n, err := w.relay().Flush(w.ctx, "alpha")
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	assert.Empty(t, w.unsent("alpha"))
	got := w.consume()
	assert.Equal(t, 10, got.messages, "the stream kept the second copy of the unmarked batch")
	assert.Equal(t, 3, got.dupes, "the consumer dropped it by message id")
	assert.Equal(t, sorted(ids), keys(got.events), "every event taken exactly once")
}

// outlastDedupeWindow waits until the stream has forgotten the message ids published so
// far: it publishes a probe after them and again until the stream no longer calls it a
// duplicate (ids are forgotten oldest first), then removes the probes.
func (w *world) outlastDedupeWindow() {
	w.t.Helper()
	subject := events.Subject("alpha", "test.probe")
	id := NewID()
	deadline := time.Now().Add(time.Minute)
	for first := true; ; first = false {
		ack, err := w.js.Publish(w.ctx, subject, []byte("{}"), jetstream.WithMsgID(id))
		require.NoError(w.t, err)
		if !first && !ack.Duplicate {
			break
		}
		require.True(w.t, time.Now().Before(deadline), "the stream still remembers message ids")
		time.Sleep(50 * time.Millisecond)
	}
	s, err := w.js.Stream(w.ctx, events.Stream)
	require.NoError(w.t, err)
	require.NoError(w.t, s.Purge(w.ctx, jetstream.WithPurgeSubject(subject)))
}

// killRelayChild runs TestRelayChildProcess in another process over the world's files
// and NATS server, and kills it with SIGKILL once it has published two batches of 3 and
// marked only the first sent.
func killRelayChild(t *testing.T, w *world, url string) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^TestRelayChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDirEnv+"="+w.dir, childNATSEnv+"="+url)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	exited := false
	defer func() {
		if !exited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	lines := bufio.NewScanner(out)
	rounds := 0
	for rounds < 2 && lines.Scan() {
		if strings.HasPrefix(lines.Text(), "acked ") {
			rounds++
		}
	}
	require.Equal(t, 2, rounds, "the child published two batches")
	// The child now waits after the second batch's acknowledgement, before marking it.
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	err = cmd.Wait()
	exited = true
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, syscall.SIGKILL, exit.Sys().(syscall.WaitStatus).Signal(), "killed, not finished")
	assert.Len(t, w.unsent("alpha"), 4, "the first batch of 3 was marked; the second was published, then the process died")
}

// TestRelayChildProcess is the relay process TestRelayKilledProcess kills: it relays in
// batches of 3, says so after each acknowledged batch, and after the second one stops
// before marking it sent until it is killed.
func TestRelayChildProcess(t *testing.T) {
	dir := os.Getenv(childDirEnv)
	if dir == "" {
		t.Skip("run by TestRelayKilledProcess")
	}
	ctx := context.Background()
	cat, err := db.OpenCatalog(ctx, dir)
	require.NoError(t, err)
	pool, err := db.NewPool(cat, filepath.Join(dir, "tenants"), 4)
	require.NoError(t, err)
	n, err := embed.ConnectNATS(ctx, os.Getenv(childNATSEnv))
	require.NoError(t, err)
	js, err := n.JetStream()
	require.NoError(t, err)
	rounds := 0
	r := &Relay{Pool: pool, Catalog: cat, JetStream: js, Batch: 3}
	r.published = func(schema string, acked []string) error {
		rounds++
		fmt.Printf("acked %s\n", strings.Join(acked, " "))
		os.Stdout.Sync()
		if rounds == 2 {
			select {} // killed here
		}
		return nil
	}
	_, err = r.Flush(ctx, "alpha")
	require.NoError(t, err)
	t.Fatal("the child should have been killed")
}

// TestRelaySweepSkipsSchoolsWithNothingNew: a sweep (a restarted relay's) opens only
// the schools whose files changed since the relay last found their outbox empty: one
// written by another process since, one whose file was moved into place, not the rest.
func TestRelaySweepSkipsSchoolsWithNothingNew(t *testing.T) {
	w := newWorld(t, "alpha", "beta", "gamma")
	w.embedded()
	w.write("alpha", 2)
	w.relay().Sweep(w.ctx)
	require.Empty(t, w.unsent("alpha"))
	// File times are coarse: only a change older than the margin counts as before a
	// drain, so the files just made and marked are visited once more, then left alone.
	time.Sleep(db.ChangeMargin + 100*time.Millisecond)
	w.relay().Sweep(w.ctx)

	other, err := db.NewPool(w.cat, w.pool.Dir(), 4) // another process (the CLI)
	require.NoError(t, err)
	ow := *w
	ow.pool = other
	ids := ow.writeQuietly("beta", 1)
	require.NoError(t, other.Close())

	restarted, err := db.NewPool(w.cat, w.pool.Dir(), 4)
	require.NoError(t, err)
	defer restarted.Close()
	r := &Relay{Pool: restarted, Catalog: w.cat, JetStream: w.js}
	r.Sweep(w.ctx)
	assert.Equal(t, 1, restarted.Stats().Opens, "only the school written since was opened")
	assert.Empty(t, w.unsent("beta"), "and its event sent")
	assert.Subset(t, keys(w.consume().events), ids)

	// A file moved into place (a restore) keeps its modification time, not its change time.
	path := w.pool.Path("gamma")
	require.NoError(t, os.Rename(path, path+".moved"))
	require.NoError(t, os.Rename(path+".moved", path))
	r.Sweep(w.ctx)
	assert.Equal(t, 2, restarted.Stats().Opens, "the moved school was opened, alpha never")
}
