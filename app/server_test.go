package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/clients"
)

// testServer is a real server on a loopback port over a fresh data dir.
type testServer struct {
	App  *App
	URL  string
	addr string
}

func testConfig(t *testing.T, dir string, poolCap int) Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.DataDir = dir
	cfg.PoolCap = poolCap
	cfg.LogLevel = "error"
	return cfg
}

func openTestApp(t *testing.T, cfg Config) *App {
	t.Helper()
	a, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	return a
}

func startServer(t *testing.T, a *App) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := NewServer(a)
	go s.Fiber().Listener(ln)
	t.Cleanup(func() { s.Fiber().Shutdown() })
	return &testServer{App: a, URL: "http://" + ln.Addr().String(), addr: ln.Addr().String()}
}

func createSchool(t *testing.T, a *App, schema, name string, domains ...string) {
	t.Helper()
	_, err := a.Clients.Create(context.Background(), clients.CreateInput{Schema: schema, Name: name, Domains: domains})
	require.NoError(t, err)
}

var client = &http.Client{Timeout: 10 * time.Second}

// get sends GET path with the given Host header and decodes a JSON answer.
func get(t *testing.T, s *testServer, host, path string, headers ...string) (int, map[string]any) {
	t.Helper()
	status, body := getRaw(t, s, host, path, headers...)
	var m map[string]any
	if strings.HasPrefix(strings.TrimSpace(body), "{") {
		require.NoError(t, json.Unmarshal([]byte(body), &m), body)
	}
	return status, m
}

func getRaw(t *testing.T, s *testServer, host, path string, headers ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	require.NoError(t, err)
	req.Host = host
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func errorCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// TestIsolationUnderConcurrency sends hundreds of randomized concurrent requests for two
// schools, by host and by subfolder on either host, with a pool of one file so schools
// are evicted and reopened all the time: every answer must be the school the request named.
func TestIsolationUnderConcurrency(t *testing.T) {
	a := openTestApp(t, testConfig(t, t.TempDir(), 1))
	createSchool(t, a, "alpha", "Alpha Academy")
	createSchool(t, a, "beta", "Beta College", "beta.example.org")
	s := startServer(t, a)

	type target struct{ schema, name, host string }
	schools := []target{{"alpha", "Alpha Academy", "alpha.localhost"}, {"beta", "Beta College", "beta.example.org"}}
	hosts := []string{"alpha.localhost", "beta.example.org", "localhost", "127.0.0.1", "unknown.localhost"}

	const workers, perWorker = 12, 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 42))
			for range perWorker {
				want := schools[r.IntN(len(schools))]
				host, path := want.host, "/api/tenant"
				if r.IntN(2) == 0 { // subfolder routing, on any host at all
					host = hosts[r.IntN(len(hosts))]
					path = "/t/" + want.schema + "/api/tenant"
				}
				if r.IntN(3) == 0 {
					host = strings.ToUpper(host) + ":8080"
				}
				req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
				req.Host = host
				resp, err := client.Do(req)
				if err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					continue
				}
				var got struct {
					Schema  string `json:"schema_name"`
					Name    string `json:"name"`
					Profile struct {
						Name string `json:"name"`
					} `json:"profile"`
				}
				err = json.NewDecoder(resp.Body).Decode(&got)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || got.Schema != want.schema || got.Name != want.name || got.Profile.Name != want.name {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%s %s: status %d, got %+v (err %v), want %s", host, path, resp.StatusCode, got, err, want.schema))
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	require.Empty(t, failures)
	st := a.Pool.Stats()
	assert.LessOrEqual(t, st.Peak, 1, "pool cap 1 was exceeded")
	assert.Positive(t, st.Evictions, "with cap 1 the two schools must evict each other")
}

func TestRouting(t *testing.T) {
	dir := t.TempDir()
	a := openTestApp(t, testConfig(t, dir, 4))
	createSchool(t, a, "alpha", "Alpha Academy")
	createSchool(t, a, "st_marys", "St Mary's", "st-marys.localhost", "stmarys.example.org")
	createSchool(t, a, "paused", "Paused School")
	_, err := a.Clients.Suspend(context.Background(), "paused")
	require.NoError(t, err)
	createSchool(t, a, "broken", "Broken School")
	require.NoError(t, os.WriteFile(a.Pool.Path("broken"), []byte(strings.Repeat("not a database ", 100)), 0o600))
	s := startServer(t, a)

	cases := []struct {
		name, host, path string
		status           int
		schema, code     string
	}{
		{"default domain", "alpha.localhost", "/api/tenant", 200, "alpha", ""},
		{"underscore becomes hyphen", "st-marys.localhost", "/api/tenant", 200, "st_marys", ""},
		{"extra domain", "stmarys.example.org", "/api/tenant", 200, "st_marys", ""},
		{"port stripped, case folded, trailing dot", "StMarys.Example.ORG.:8080", "/api/tenant", 200, "st_marys", ""},
		{"subfolder on base domain", "localhost", "/t/alpha/api/tenant", 200, "alpha", ""},
		{"subfolder on an IP", "127.0.0.1:9", "/t/st_marys/api/tenant", 200, "st_marys", ""},
		{"subfolder beats host", "alpha.localhost", "/t/st_marys/api/tenant", 200, "st_marys", ""},
		{"unknown host", "nobody.localhost", "/api/tenant", 404, "", "tenant_not_found"},
		{"unknown subfolder", "localhost", "/t/nobody/api/tenant", 404, "", "tenant_not_found"},
		{"invalid subfolder name", "localhost", "/t/..%2fx/api/tenant", 404, "", "tenant_not_found"},
		{"IPv6 literal", "[::1]:8080", "/api/tenant", 404, "", "tenant_not_found"},
		{"bare IPv4", "127.0.0.1", "/api/tenant", 404, "", "tenant_not_found"},
		{"malformed host", "bad host!", "/api/tenant", 400, "", "bad_host"},
		{"huge host", strings.Repeat("a", 300) + ".localhost", "/api/tenant", 400, "", "bad_host"},
		{"suspended school", "paused.localhost", "/api/tenant", 403, "", "tenant_suspended"},
		{"corrupt school file", "broken.localhost", "/api/tenant", 503, "", "tenant_unavailable"},
		{"school routes are not on the platform host", "localhost", "/api/tenant", 404, "", "not_found"},
		{"platform routes are not on a school host", "alpha.localhost", "/_platform/", 404, "", "not_found"},
		{"internal prefixes cannot be reached directly", "localhost", "/_tenant/api/tenant", 404, "", "not_found"},
		{"healthz on a school host", "alpha.localhost", "/healthz", 200, "", ""},
		{"healthz on an unknown host", "nobody.localhost", "/healthz", 200, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := get(t, s, tc.host, tc.path)
			assert.Equal(t, tc.status, status, "%v", body)
			if tc.schema != "" {
				assert.Equal(t, tc.schema, body["schema_name"])
			}
			if tc.code != "" {
				assert.Equal(t, tc.code, errorCode(body), "%v", body)
			}
		})
	}

	t.Run("empty host", func(t *testing.T) {
		conn, err := net.Dial("tcp", s.addr)
		require.NoError(t, err)
		defer conn.Close()
		fmt.Fprintf(conn, "GET /api/tenant HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n")
		b, _ := io.ReadAll(conn)
		assert.Contains(t, string(b), "400")
		assert.Contains(t, string(b), "bad_host")
	})

	t.Run("browsers get an HTML error naming the host", func(t *testing.T) {
		status, body := getRaw(t, s, "nobody.localhost", "/", "Accept", "text/html,application/xhtml+xml")
		assert.Equal(t, 404, status)
		assert.Contains(t, body, "<!doctype html>")
		assert.Contains(t, body, "nobody.localhost")
	})

	t.Run("the broken school does not disturb the others", func(t *testing.T) {
		status, body := get(t, s, "alpha.localhost", "/api/tenant")
		assert.Equal(t, 200, status)
		assert.Equal(t, "Alpha Academy", body["name"])
	})

	t.Run("internal errors never leak", func(t *testing.T) {
		_, body := getRaw(t, s, "broken.localhost", "/api/tenant")
		assert.NotContains(t, body, dir)
		assert.NotContains(t, body, "database")
	})
}

// TestChangesFromAnotherProcess: a school, domain or suspension made through another
// App on the same data dir (as a separate sms process would) reaches a running server
// within a few seconds, without a restart.
func TestChangesFromAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	a := openTestApp(t, testConfig(t, dir, 4))
	s := startServer(t, a)
	other := openTestApp(t, testConfig(t, dir, 4))

	status, _ := get(t, s, "late.localhost", "/api/tenant")
	require.Equal(t, 404, status, "unknown at first (and now cached as unknown)")

	ctx := context.Background()
	createSchool(t, other, "late", "Late School")
	eventually(t, func() bool { st, _ := get(t, s, "late.localhost", "/api/tenant"); return st == 200 })

	_, err := other.Clients.AddDomain(ctx, "late", "late.example.org", false)
	require.NoError(t, err)
	eventually(t, func() bool { st, _ := get(t, s, "late.example.org", "/api/tenant"); return st == 200 })

	_, err = other.Clients.Suspend(ctx, "late")
	require.NoError(t, err)
	eventually(t, func() bool { st, _ := get(t, s, "late.localhost", "/api/tenant"); return st == 403 })

	_, err = other.Clients.Resume(ctx, "late")
	require.NoError(t, err)
	_, err = other.Clients.Delete(ctx, "late", false)
	require.NoError(t, err)
	eventually(t, func() bool { st, _ := get(t, s, "late.localhost", "/api/tenant"); return st == 404 })
	eventually(t, func() bool { return a.Pool.Stats().Open == 0 })
}

func eventually(t *testing.T, ok func() bool) {
	t.Helper()
	// Generous: background work (backups, NATS advisories) runs late on a loaded machine.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("condition not met within 30s")
}

func TestDefaultTenant(t *testing.T) {
	cfg := testConfig(t, t.TempDir(), 2)
	cfg.DefaultTenant = "only"
	a := openTestApp(t, cfg)
	createSchool(t, a, "only", "The Only School")
	s := startServer(t, a)
	status, body := get(t, s, "192.168.1.10:8080", "/api/tenant")
	assert.Equal(t, 200, status)
	assert.Equal(t, "only", body["schema_name"])
	status, body = get(t, s, "[fe80::1]", "/api/tenant")
	assert.Equal(t, 200, status)
	assert.Equal(t, "only", body["schema_name"])
}
