package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedBuffer is an output a running command writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serving is a running `sms serve` with its outputs.
type serving struct {
	addr        string
	out, errOut *lockedBuffer
	stop        func() int // cancels the command and returns its exit status
}

// startServe runs `sms serve` in-process on a free loopback port.
func startServe(t *testing.T, env map[string]string, args ...string) *serving {
	t.Helper()
	s := &serving{out: &lockedBuffer{}, errOut: &lockedBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), Env{
			Stdin: strings.NewReader(""), Stdout: s.out, Stderr: s.errOut, Getenv: func(k string) string { return env[k] }})
	}()
	re := regexp.MustCompile(`sms is serving on (\S+)`)
	deadline := time.Now().Add(30 * time.Second)
	for s.addr == "" {
		if m := re.FindStringSubmatch(s.out.String()); m != nil {
			s.addr = m[1]
			break
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("sms serve exited with %d: %s", code, s.errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("sms serve did not start: %s", s.errOut.String())
		}
	}
	var once sync.Once
	code := 0
	s.stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(60 * time.Second):
				t.Fatal("sms serve did not stop")
			}
		})
		return code
	}
	t.Cleanup(func() { s.stop() })
	return s
}

func (s *serving) get(t *testing.T, host, path string, headers ...string) int {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+s.addr+path, nil)
	require.NoError(t, err)
	req.Host = host
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// jsonLines parses a JSON log.
func jsonLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), "not a JSON log line: %q", line)
		out = append(out, m)
	}
	return out
}

func withMsg(lines []map[string]any, msg string) []map[string]any {
	var out []map[string]any
	for _, l := range lines {
		if l["msg"] == msg {
			out = append(out, l)
		}
	}
	return out
}

// TestServeLogsRequests: sms serve logs at the configured level (the one-shot commands'
// quiet default used to apply to it too): start, one line per request with id, tenant,
// method, route, status, duration and bytes, errors with the request id, and stop.
func TestServeLogsRequests(t *testing.T) {
	dir := newDataDir(t)
	mustRun(t, dir, "tenant", "create", "--schema", "alpha", "--name", "Alpha")
	mustRun(t, dir, "tenant", "create", "--schema", "broken", "--name", "Broken")
	require.NoError(t, os.WriteFile(tenantFile(dir, "broken"), bytes.Repeat([]byte("not a database "), 100), 0o600))

	s := startServe(t, map[string]string{"SMS_DATA": dir, "SMS_LOG_FORMAT": "json"})
	assert.Equal(t, 200, s.get(t, "alpha.localhost", "/api/tenant", "X-Request-ID", "req-tenant"))
	assert.Equal(t, 200, s.get(t, "localhost", "/t/alpha/api/tenant", "X-Request-ID", "req-subfolder"))
	assert.Equal(t, 404, s.get(t, "nobody.localhost", "/api/tenant", "X-Request-ID", "req-unknown"))
	assert.Equal(t, 503, s.get(t, "broken.localhost", "/api/tenant", "X-Request-ID", "req-broken"))
	require.Equal(t, 0, s.stop())

	lines := jsonLines(t, s.errOut.String())
	require.Len(t, withMsg(lines, "serving"), 1, s.errOut.String())
	require.Len(t, withMsg(lines, "stopped"), 1, s.errOut.String())
	byID := map[string]map[string]any{}
	for _, l := range withMsg(lines, "request") {
		id, _ := l["request_id"].(string)
		byID[id] = l
	}
	want := []struct {
		id, tenant, route string
		status            float64
	}{
		{"req-tenant", "alpha", "/api/tenant", 200},
		{"req-subfolder", "alpha", "/api/tenant", 200},
		{"req-unknown", "", "", 404},
		{"req-broken", "broken", "", 503},
	}
	for _, w := range want {
		l, ok := byID[w.id]
		if !assert.True(t, ok, "no request line for %s in %s", w.id, s.errOut.String()) {
			continue
		}
		assert.Equal(t, "INFO", l["level"])
		assert.Equal(t, w.tenant, l["tenant"], w.id)
		assert.Equal(t, "GET", l["method"], w.id)
		assert.Equal(t, w.route, l["route"], w.id)
		assert.Equal(t, w.status, l["status"], w.id)
		assert.Contains(t, l, "duration", w.id)
		assert.Greater(t, l["bytes"], float64(0), w.id)
	}
	assert.Equal(t, "/t/alpha/api/tenant", byID["req-subfolder"]["path"])

	failed := withMsg(lines, "school unavailable")
	require.Len(t, failed, 1, s.errOut.String())
	assert.Equal(t, "req-broken", failed[0]["request_id"])
	assert.Equal(t, "broken", failed[0]["tenant"])
	assert.NotEmpty(t, failed[0]["error"])
}

// TestServeLogLevel: --log-level warn keeps request lines out; the level is the
// configured one, not raised for serve.
func TestServeLogLevel(t *testing.T) {
	dir := newDataDir(t)
	s := startServe(t, map[string]string{"SMS_DATA": dir}, "--log-level", "warn")
	assert.Equal(t, 200, s.get(t, "localhost", "/healthz"))
	require.Equal(t, 0, s.stop())
	assert.NotContains(t, s.errOut.String(), "msg=request")
	assert.NotContains(t, s.errOut.String(), "msg=serving")

	s = startServe(t, map[string]string{"SMS_DATA": dir, "SMS_LOG_LEVEL": "debug"})
	assert.Equal(t, 200, s.get(t, "localhost", "/healthz", "X-Request-ID", "req-debug"))
	require.Equal(t, 0, s.stop())
	assert.Contains(t, s.errOut.String(), "msg=request request_id=req-debug")
	assert.Contains(t, s.errOut.String(), "level=INFO msg=serving")
}

func TestServeBadFlags(t *testing.T) {
	dir := newDataDir(t)
	code, out, errOut := run(t, dir, "serve", "--addr", "127.0.0.1:0", "--trusted-proxies", "10.0.0.0/8,proxy.local")
	assertFailure(t, 2, code, out, errOut, `trusted proxies: "proxy.local" is not an IP address or CIDR range`)
	code, out, errOut = run(t, dir, "serve", "--addr", "127.0.0.1:0", "--shutdown-timeout", "0s")
	assertFailure(t, 2, code, out, errOut, "shutdown timeout must be positive")
	code, out, errOut = runEnv(t, map[string]string{"SMS_DATA": dir, "SMS_SHUTDOWN_TIMEOUT": "soon"}, "serve")
	assertFailure(t, 2, code, out, errOut, "SMS_SHUTDOWN_TIMEOUT")
}
