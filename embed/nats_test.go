package embed

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testStream = "TEST_IN"

func startTestNATS(t *testing.T, dir string) *NATS {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := StartNATS(ctx, NATSOptions{StoreDir: dir})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		assert.NoError(t, n.Close(ctx))
	})
	return n
}

func testJetStream(t *testing.T, n *NATS) jetstream.JetStream {
	t.Helper()
	js, err := n.JetStream()
	require.NoError(t, err)
	return js
}

func createWorkQueue(ctx context.Context, t *testing.T, js jetstream.JetStream) jetstream.Stream {
	t.Helper()
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name:      testStream,
		Subjects:  []string{"test.in.>"},
		Retention: jetstream.WorkQueuePolicy,
		Storage:   jetstream.FileStorage,
	})
	require.NoError(t, err)
	return s
}

func workerConsumer(ctx context.Context, t *testing.T, js jetstream.JetStream) jetstream.Consumer {
	t.Helper()
	c, err := js.CreateOrUpdateConsumer(ctx, testStream, jetstream.ConsumerConfig{
		Durable:   "worker",
		AckPolicy: jetstream.AckExplicitPolicy,
	})
	require.NoError(t, err)
	return c
}

// fetchAll pulls up to max messages, acks each one and returns the payloads.
func fetchAll(ctx context.Context, t *testing.T, c jetstream.Consumer, max int) []string {
	t.Helper()
	batch, err := c.Fetch(max, jetstream.FetchMaxWait(500*time.Millisecond))
	require.NoError(t, err)
	var got []string
	for msg := range batch.Messages() {
		got = append(got, string(msg.Data()))
		require.NoError(t, msg.DoubleAck(ctx))
	}
	require.NoError(t, batch.Error())
	sort.Strings(got)
	return got
}

func TestStartNATS_WorkQueueDedupAndAck(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	dir := t.TempDir()
	n := startTestNATS(t, dir)
	require.True(t, n.Conn().IsConnected())
	js := testJetStream(t, n)
	stream := createWorkQueue(ctx, t, js)

	ack, err := js.Publish(ctx, "test.in.a", []byte("one"), jetstream.WithMsgID("id-1"))
	require.NoError(t, err)
	assert.False(t, ack.Duplicate)
	ack, err = js.Publish(ctx, "test.in.b", []byte("two"), jetstream.WithMsgID("id-2"))
	require.NoError(t, err)
	assert.False(t, ack.Duplicate)
	ack, err = js.Publish(ctx, "test.in.a", []byte("one again"), jetstream.WithMsgID("id-1"))
	require.NoError(t, err)
	assert.True(t, ack.Duplicate, "same msg id must be deduplicated")

	got := fetchAll(ctx, t, workerConsumer(ctx, t, js), 10)
	assert.Equal(t, []string{"one", "two"}, got)

	info, err := stream.Info(ctx)
	require.NoError(t, err)
	assert.Zero(t, info.State.Msgs, "acked work-queue messages must be removed")

	_, err = os.Stat(filepath.Join(dir, "jetstream"))
	assert.NoError(t, err, "JetStream must store under StoreDir/jetstream")
}

// lockedBuffer is written by server goroutines and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestStartNATS_PersistsAcrossRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dir := t.TempDir()

	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	first, err := StartNATS(ctx, NATSOptions{StoreDir: dir, SyncAlways: true, Logger: logger})
	require.NoError(t, err)
	js := testJetStream(t, first)
	createWorkQueue(ctx, t, js)
	_, err = js.Publish(ctx, "test.in.x", []byte("survivor"), jetstream.WithMsgID("keep"))
	require.NoError(t, err)
	require.NoError(t, first.Close(ctx))
	assert.Contains(t, logs.String(), "Server is ready")
	assert.Contains(t, logs.String(), "component=nats-server")

	second := startTestNATS(t, dir)
	js = testJetStream(t, second)
	stream, err := js.Stream(ctx, testStream)
	require.NoError(t, err)
	info, err := stream.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(1), info.State.Msgs)

	got := fetchAll(ctx, t, workerConsumer(ctx, t, js), 10)
	assert.Equal(t, []string{"survivor"}, got)
}

func TestNATS_CloseTwiceAndContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	n, err := StartNATS(ctx, NATSOptions{StoreDir: t.TempDir()})
	require.NoError(t, err)
	require.NoError(t, n.Close(ctx))
	require.NoError(t, n.Close(ctx))
	assert.True(t, n.Conn().IsClosed())

	// An already-expired context must not block, and a later Close with a
	// live context still sees the shutdown through.
	n, err = StartNATS(ctx, NATSOptions{StoreDir: t.TempDir()})
	require.NoError(t, err)
	expired, cancelExpired := context.WithCancel(context.Background())
	cancelExpired()
	start := time.Now()
	err = n.Close(expired)
	assert.Less(t, time.Since(start), time.Second)
	if err != nil { // the shutdown may occasionally win the race
		assert.ErrorIs(t, err, context.Canceled)
	}
	require.NoError(t, n.Close(ctx))
	assert.True(t, n.Conn().IsClosed())
}

func TestStartNATS_BadStoreDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o600))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	n, err := StartNATS(ctx, NATSOptions{StoreDir: filepath.Join(file, "store")})
	require.Error(t, err)
	assert.Nil(t, n)
	assert.Contains(t, err.Error(), "store dir")
	assert.Less(t, time.Since(start), 2*time.Second)

	_, err = StartNATS(ctx, NATSOptions{})
	require.Error(t, err)
}

// The store dir itself is fine but the server cannot create its jetstream
// directory inside it; the server only reports that through its logger, and
// StartNATS must turn it into an error instead of waiting out the timeout.
func TestStartNATS_ServerStartupFailureDoesNotHang(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "jetstream"), []byte("x"), 0o600))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	n, err := StartNATS(ctx, NATSOptions{StoreDir: dir})
	require.Error(t, err)
	assert.Nil(t, n)
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestConnectNATS_External(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	// No server listens here, and without retry-on-failed-connect the first
	// dial fails straight away rather than reconnecting forever.
	_, err := ConnectNATS(ctx, "nats://127.0.0.1:1", nats.Timeout(200*time.Millisecond))
	require.Error(t, err)

	cancelled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	_, err = ConnectNATS(cancelled, "nats://127.0.0.1:1")
	require.ErrorIs(t, err, context.Canceled)
}
