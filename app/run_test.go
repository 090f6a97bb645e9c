package app

import (
	"context"
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
