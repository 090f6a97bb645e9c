package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
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
