package app

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/module"
	"github.com/schoolsms/sms/db"
)

// TestWorkersRunBesideTheServer: a module's workers start once NATS is up, with the
// pool, JetStream and the App's clock; on shutdown they are told to stop and waited for
// before NATS closes; one that does not stop in time, fails or panics neither holds the
// shutdown nor takes the process down.
func TestWorkersRunBesideTheServer(t *testing.T) {
	var logs syncBuffer
	cfg := testConfig(t, t.TempDir(), 4)
	a, err := Open(context.Background(), cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	createSchool(t, a, "alpha", "Alpha Academy")
	pinned := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	a.Clock = func() time.Time { return pinned }
	old := workerStopTimeout
	workerStopTimeout = 500 * time.Millisecond
	t.Cleanup(func() { workerStopTimeout = old })

	type seen struct {
		clock           time.Time
		school          string
		stream          string
		connectedAtStop bool
	}
	started, stopped := make(chan seen, 1), make(chan seen, 1)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv := NewServer(a)
	srv.modules = append(srv.modules, module.Module{Name: "probe", Workers: []module.Worker{
		{Name: "consumer", Run: func(ctx context.Context, rt module.Runtime) error {
			var s seen
			s.clock = school.ClockOf(ctx)()
			if err := rt.Pool.WithTenant(ctx, "alpha", func(t *db.Tenant) error {
				p, err := school.New(t).Profile(ctx)
				s.school = p.Name
				return err
			}); err != nil {
				return err
			}
			st, err := rt.JetStream.CreateStream(ctx, jetstream.StreamConfig{Name: "PROBE", Subjects: []string{"probe.>"}})
			if err != nil {
				return err
			}
			s.stream = st.CachedInfo().Config.Name
			started <- s
			<-ctx.Done()
			s.connectedAtStop = rt.NATS.IsConnected()
			stopped <- s
			return nil
		}},
		{Name: "stubborn", Run: func(ctx context.Context, rt module.Runtime) error {
			<-release // ignores ctx
			return nil
		}},
		{Name: "failing", Run: func(ctx context.Context, rt module.Runtime) error { return errors.New("cannot start") }},
		{Name: "panicking", Run: func(ctx context.Context, rt module.Runtime) error { panic("worker bug") }},
	}})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()

	var s seen
	select {
	case s = <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the worker did not start")
	}
	assert.Equal(t, pinned, s.clock, "the worker's context carries the App's clock")
	assert.Equal(t, "Alpha Academy", s.school)
	assert.Equal(t, "PROBE", s.stream)

	cancel()
	select {
	case s = <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("the worker was not told to stop")
	}
	assert.True(t, s.connectedAtStop, "workers stop before NATS closes")
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("a worker that does not stop held the shutdown")
	}
	out := logs.String()
	assert.Contains(t, out, `"msg":"workers still running at shutdown"`)
	assert.Contains(t, out, `"msg":"worker stopped","module":"probe","worker":"failing","error":"cannot start"`)
	assert.Contains(t, out, `"msg":"worker panicked","module":"probe","worker":"panicking","error":"worker bug"`)
}
