package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunServesAndShutsDown runs the whole server (HTTP + embedded NATS) and stops it the
// way SIGTERM does, by cancelling its context.
func TestRunServesAndShutsDown(t *testing.T) {
	dir := t.TempDir()
	a := openTestApp(t, testConfig(t, dir, 4))
	createSchool(t, a, "alpha", "Alpha Academy")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewServer(a).Run(ctx, ln) }()

	s := &testServer{App: a, URL: "http://" + ln.Addr().String(), addr: ln.Addr().String()}
	eventually(t, func() bool {
		conn, err := net.DialTimeout("tcp", s.addr, 100*time.Millisecond)
		if err == nil {
			conn.Close()
		}
		return err == nil
	})
	status, body := get(t, s, "alpha.localhost", "/api/tenant")
	require.Equal(t, 200, status)
	assert.Equal(t, "alpha", body["schema_name"])
	_, err = os.Stat(filepath.Join(dir, "nats", "jetstream"))
	require.NoError(t, err, "the embedded NATS server keeps its store under <data>/nats")

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	if conn, err := net.DialTimeout("tcp", s.addr, 200*time.Millisecond); err == nil {
		conn.Close()
		t.Error("the listener is still open after shutdown")
	}
}

// TestShutdownCutsOffASlowUpload: a client trickling a large body must not hold
// shutdown past the HTTP drain bound, and NATS must still get its own time to close
// (it used to be handed the drain's already-expired context).
func TestShutdownCutsOffASlowUpload(t *testing.T) {
	var logs syncBuffer
	cfg := testConfig(t, t.TempDir(), 4)
	cfg.ShutdownTimeout = 300 * time.Millisecond
	a, err := Open(context.Background(), cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	createSchool(t, a, "alpha", "Alpha Academy")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := NewServer(a)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()

	// The body promised is far larger than what arrives: one byte every 50 ms, until the
	// server hangs up.
	var conn net.Conn
	eventually(t, func() bool {
		conn, err = net.DialTimeout("tcp", ln.Addr().String(), 100*time.Millisecond)
		return err == nil
	})
	defer conn.Close()
	_, err = io.WriteString(conn, "POST /api/auth/login HTTP/1.1\r\nHost: alpha.localhost\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{")
	require.NoError(t, err)
	trickling := make(chan struct{})
	go func() {
		defer close(trickling)
		for {
			time.Sleep(50 * time.Millisecond)
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	eventually(t, func() bool { return srv.Fiber().Server().GetOpenConnectionsCount() >= 1 })

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(60 * time.Second):
		t.Fatal("Run did not return")
	}
	// The upload was cut off by the shutdown, not left to run into the read timeout.
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = conn.Read(make([]byte, 1))
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "the slow client's connection is still open after Run returned: %v", err)
	<-trickling

	out := logs.String()
	assert.NotContains(t, out, `"msg":"nats shutdown"`, "NATS must close within its own time")
	assert.Contains(t, out, `"msg":"http shutdown: connections cut off"`)
	assert.Contains(t, out, `"msg":"stopped"`)
}

// runServer runs the whole server (HTTP + NATS) until the test ends.
func runServer(t *testing.T, a *App) (*Server, *testServer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := NewServer(a)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	ts := &testServer{App: a, URL: "http://" + ln.Addr().String(), addr: ln.Addr().String()}
	eventually(t, func() bool { st, _ := get(t, ts, "localhost", "/healthz"); return st == 200 })
	return srv, ts
}

// readyChecks returns the status and the checks of a /readyz answer.
func readyChecks(t *testing.T, s *testServer, host string) (int, map[string]any, map[string]any) {
	t.Helper()
	status, body := get(t, s, host, "/readyz")
	checks, _ := body["checks"].(map[string]any)
	require.Len(t, checks, 3, "%v", body)
	return status, body, checks
}

func checkOK(checks map[string]any, name string) bool {
	c, _ := checks[name].(map[string]any)
	ok, _ := c["ok"].(bool)
	return ok
}

// TestReadyz: /healthz says the process lives; /readyz answers 200 only while the
// catalog answers a query, NATS is connected and the data dir takes writes, and names
// the failing check in a 503 otherwise.
func TestReadyz(t *testing.T) {
	t.Run("ready", func(t *testing.T) {
		a := openTestApp(t, testConfig(t, t.TempDir(), 2))
		_, s := runServer(t, a)
		for _, host := range []string{"localhost", "nobody.localhost", "10.1.2.3:8080"} {
			status, body, checks := readyChecks(t, s, host)
			assert.Equal(t, 200, status, "%v", body)
			assert.Equal(t, "ready", body["status"])
			for _, name := range []string{"catalog", "nats", "data_dir"} {
				assert.True(t, checkOK(checks, name), "%s: %v", name, body)
			}
		}
	})

	t.Run("corrupt catalog", func(t *testing.T) {
		dir := t.TempDir()
		// A catalog that has been closed once has its pages in catalog.db itself (the last
		// close checkpoints the WAL), as on any appliance that has been restarted.
		first, err := Open(context.Background(), testConfig(t, dir, 2), slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		require.NoError(t, first.Close())
		require.NoFileExists(t, filepath.Join(dir, "catalog.db-wal"))
		a := openTestApp(t, testConfig(t, dir, 2))
		_, s := runServer(t, a)
		for range 4 { // warm every reader connection's page cache
			status, _, _ := readyChecks(t, s, "localhost")
			require.Equal(t, 200, status)
		}
		garbage := []byte(strings.Repeat("this is not a database ", 4096))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "catalog.db"), garbage, 0o600))

		status, body := get(t, s, "localhost", "/healthz")
		assert.Equal(t, 200, status, "liveness stays up: %v", body)
		status, body, checks := readyChecks(t, s, "localhost")
		assert.Equal(t, 503, status, "%v", body)
		assert.Equal(t, "not_ready", body["status"])
		assert.Equal(t, []any{"catalog"}, body["failing"])
		assert.False(t, checkOK(checks, "catalog"))
		assert.True(t, checkOK(checks, "nats"))
		assert.True(t, checkOK(checks, "data_dir"))
		raw, _ := json.Marshal(body)
		assert.NotContains(t, string(raw), dir, "no paths in a public answer")
	})

	t.Run("data dir not writable", func(t *testing.T) {
		dir := t.TempDir()
		a := openTestApp(t, testConfig(t, dir, 2))
		_, s := runServer(t, a)
		// Root ignores permissions, so the test takes the place of the probe file with a
		// directory that nothing can be written over.
		require.NoError(t, os.MkdirAll(filepath.Join(dir, readyProbeName, "x"), 0o700))
		status, body, checks := readyChecks(t, s, "localhost")
		assert.Equal(t, 503, status, "%v", body)
		assert.Equal(t, []any{"data_dir"}, body["failing"])
		assert.False(t, checkOK(checks, "data_dir"))
		assert.True(t, checkOK(checks, "catalog"))
	})

	t.Run("nats gone", func(t *testing.T) {
		a := openTestApp(t, testConfig(t, t.TempDir(), 2))
		srv, s := runServer(t, a)
		srv.natsConn().Conn().Close()
		status, body, checks := readyChecks(t, s, "localhost")
		assert.Equal(t, 503, status, "%v", body)
		assert.Equal(t, []any{"nats"}, body["failing"])
		assert.False(t, checkOK(checks, "nats"))
	})

	t.Run("not running NATS at all", func(t *testing.T) {
		a := openTestApp(t, testConfig(t, t.TempDir(), 2))
		s := startServer(t, a) // HTTP only, as embedding tests do
		status, body, _ := readyChecks(t, s, "localhost")
		assert.Equal(t, 503, status, "%v", body)
		assert.Equal(t, []any{"nats"}, body["failing"])
	})
}
