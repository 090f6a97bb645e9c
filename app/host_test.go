package app

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawRequest writes req to the server byte for byte (Go's client would refuse most of
// these requests) and returns the status, headers and body of the answer.
func rawRequest(t *testing.T, addr, req string) (int, http.Header, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(conn, req)
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "answer to %q", req)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(b)
}

// TestHostHeaderAbuse sends requests whose Host names one school in a way a proxy or a
// browser would read differently from the appliance: userinfo, two Host headers,
// spaces, and absolute-form request targets that disagree with Host. None may reach a
// school; each is 400 bad_host. A well-formed absolute-form request that agrees with its
// Host header is served.
func TestHostHeaderAbuse(t *testing.T) {
	a := openTestApp(t, testConfig(t, t.TempDir(), 4))
	createSchool(t, a, "alpha", "Alpha Academy")
	createSchool(t, a, "beta", "Beta College")
	s := startServer(t, a)

	refused := []struct{ name, target, headers string }{
		{"userinfo", "/api/tenant", "Host: alpha.localhost@beta.localhost\r\n"},
		{"userinfo with a port", "/api/tenant", "Host: alpha.localhost@beta.localhost:8080\r\n"},
		{"userinfo with a password", "/api/tenant", "Host: alpha.localhost:x@beta.localhost\r\n"},
		{"userinfo under a subfolder", "/t/alpha/api/tenant", "Host: alpha.localhost@beta.localhost\r\n"},
		{"two Host headers", "/api/tenant", "Host: alpha.localhost\r\nHost: beta.localhost\r\n"},
		{"two identical Host headers", "/api/tenant", "Host: alpha.localhost\r\nHost: alpha.localhost\r\n"},
		{"two Host headers in other cases", "/api/tenant", "host: alpha.localhost\r\nHOST: beta.localhost\r\n"},
		{"two Host headers apart", "/api/tenant", "Host: alpha.localhost\r\nAccept: */*\r\nHost: beta.localhost\r\n"},
		{"two Host headers under a subfolder", "/t/alpha/api/tenant", "Host: alpha.localhost\r\nHost: beta.localhost\r\n"},
		{"spaces inside", "/api/tenant", "Host: alpha.localhost beta.localhost\r\n"},
		{"a tab before the name", "/api/tenant", "Host:\talpha.localhost\r\n"},
		{"a tab after the name", "/api/tenant", "Host: alpha.localhost\t\r\n"},
		{"a comma list", "/api/tenant", "Host: alpha.localhost, beta.localhost\r\n"},
		{"absolute-form naming another school", "http://beta.localhost/api/tenant", "Host: alpha.localhost\r\n"},
		{"absolute-form naming another port", "http://alpha.localhost:9/api/tenant", "Host: alpha.localhost:8080\r\n"},
		{"absolute-form with userinfo", "http://x@alpha.localhost/api/tenant", "Host: alpha.localhost\r\n"},
		{"absolute-form without Host", "http://beta.localhost/api/tenant", ""},
		{"absolute-form under a subfolder", "http://beta.localhost/t/alpha/api/tenant", "Host: alpha.localhost\r\n"},
		{"port out of range", "/api/tenant", "Host: alpha.localhost:99999\r\n"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := rawRequest(t, s.addr, "GET "+tc.target+" HTTP/1.1\r\n"+tc.headers+"Connection: close\r\n\r\n")
			assert.Equal(t, 400, status, body)
			assert.Contains(t, body, `"bad_host"`)
			assert.NotContains(t, body, "Beta College")
			assert.NotContains(t, body, "Alpha Academy")
		})
	}
	t.Run("the healthz of a refused host is refused too", func(t *testing.T) {
		status, _, _ := rawRequest(t, s.addr, "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n")
		assert.Equal(t, 400, status)
	})

	t.Run("a path starting with two slashes is a path, not a host", func(t *testing.T) {
		status, _, body := rawRequest(t, s.addr, "GET //beta.localhost/api/tenant HTTP/1.1\r\nHost: alpha.localhost\r\nConnection: close\r\n\r\n")
		assert.Equal(t, 404, status, body)
		assert.Contains(t, body, `"not_found"`)
	})

	served := []struct{ name, target, headers, schema string }{
		{"plain", "/api/tenant", "Host: alpha.localhost\r\n", "alpha"},
		{"spaces around", "/api/tenant", "Host:    alpha.localhost   \r\n", "alpha"},
		{"absolute-form agreeing with Host", "http://alpha.localhost/api/tenant", "Host: alpha.localhost\r\n", "alpha"},
		{"absolute-form agreeing up to case and port", "http://ALPHA.localhost:8080/api/tenant", "Host: alpha.LOCALHOST:8080\r\n", "alpha"},
		{"absolute-form https", "https://beta.localhost/api/tenant", "Host: beta.localhost\r\n", "beta"},
		{"subfolder beats host", "/t/beta/api/tenant", "Host: alpha.localhost\r\n", "beta"},
		{"a URL in the query is not a target", "/api/tenant?next=http://beta.localhost/", "Host: alpha.localhost\r\n", "alpha"},
	}
	for _, tc := range served {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := rawRequest(t, s.addr, "GET "+tc.target+" HTTP/1.1\r\n"+tc.headers+"Connection: close\r\n\r\n")
			require.Equal(t, 200, status, body)
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(body), &got))
			assert.Equal(t, tc.schema, got["schema_name"])
		})
	}
}

// listLinks returns the next and previous links of a paged answer.
func listLinks(t *testing.T, body map[string]any) (next, prev string) {
	t.Helper()
	next, _ = body["next"].(string)
	prev, _ = body["previous"].(string)
	return next, prev
}

// TestListLinksKeepHostAndPort: next/previous links point at the host and port the
// client used (a LAN appliance on :8080), keep a /t/ prefix, and ignore forwarded
// headers from clients that are not trusted proxies.
func TestListLinksKeepHostAndPort(t *testing.T) {
	w := newAuthWorld(t)
	port := w.addr[strings.LastIndexByte(w.addr, ':')+1:]
	platformTok := token(t, w, "localhost", "", "root@platform.org")
	alphaTok := token(t, w, "alpha.localhost", "", "admin@alpha.school")
	spoof := []string{"X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https", "X-Forwarded-Port", "443"}

	cases := []struct {
		name, host, prefix, path, tok, wantNext, wantPrev string
	}{
		{"platform list on a port", "localhost:" + port, "", "/api/clients/tenants/?page_size=1", platformTok,
			"http://localhost:" + port + "/api/clients/tenants/?page=2&page_size=1", ""},
		{"second page keeps the other query values", "localhost:" + port, "", "/api/clients/tenants/?page=2&page_size=1", platformTok,
			"", "http://localhost:" + port + "/api/clients/tenants/?page=1&page_size=1"},
		{"school host in another case", "ALPHA.localhost:" + port, "", "/api/auth/users/?page_size=1&note=x", alphaTok,
			"http://alpha.localhost:" + port + "/api/auth/users/?note=x&page=2&page_size=1", ""},
		{"subfolder keeps its prefix", "127.0.0.1:" + port, "/t/alpha", "/api/auth/users/?page_size=1", alphaTok,
			"http://127.0.0.1:" + port + "/t/alpha/api/auth/users/?page=2&page_size=1", ""},
		{"host without a port", "alpha.localhost", "", "/api/auth/users/?page_size=1", alphaTok,
			"http://alpha.localhost/api/auth/users/?page=2&page_size=1", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := w.browser(t, tc.host, tc.prefix)
			status, body := b.do("GET", tc.path, nil, append([]string{"Authorization", "Bearer " + tc.tok}, spoof...)...)
			require.Equal(t, 200, status, "%v", body)
			next, prev := listLinks(t, body)
			assert.Equal(t, tc.wantNext, next)
			assert.Equal(t, tc.wantPrev, prev)
		})
	}
}

// TestForwardedHeadersNeedATrustedProxy: X-Forwarded-Host/-Proto/-For from an ordinary
// client change nothing (routing, links, Secure cookies, HSTS, the address in the audit
// log); from a proxy named in TrustedProxies they are honoured, taking the values the
// proxy itself added.
func TestForwardedHeadersNeedATrustedProxy(t *testing.T) {
	secureCookie := func(h http.Header) bool {
		for _, c := range h.Values("Set-Cookie") {
			if strings.Contains(strings.ToLower(c), "secure") {
				return true
			}
		}
		return false
	}
	login := func(t *testing.T, s *testServer, host string, headers ...string) (int, http.Header) {
		t.Helper()
		req, _ := http.NewRequest("POST", s.URL+"/api/auth/login", strings.NewReader(`{"email":"admin@alpha.school","password":"`+testPassword+`"}`))
		req.Host = host
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Add(headers[i], headers[i+1])
		}
		resp, err := client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	loginIPs := func(t *testing.T, s *testServer) []string {
		t.Helper()
		tok := token(t, authWorld{s}, "alpha.localhost", "", "admin@alpha.school")
		status, body := authWorld{s}.browser(t, "alpha.localhost", "").do("GET", "/api/audit/?page_size=50", nil, "Authorization", "Bearer "+tok)
		require.Equal(t, 200, status, "%v", body)
		var ips []string
		for _, r := range body["results"].([]any) {
			if e := r.(map[string]any); e["action"] == "login.success" {
				ip, _ := e["ip"].(string)
				ips = append(ips, ip)
			}
		}
		return ips
	}

	t.Run("untrusted client", func(t *testing.T) {
		w := newAuthWorld(t)
		spoof := []string{"X-Forwarded-Host", "beta.localhost", "X-Forwarded-Proto", "https", "X-Forwarded-Ssl", "on",
			"X-Url-Scheme", "https", "X-Forwarded-For", "203.0.113.9"}
		status, body := get(t, w.testServer, "alpha.localhost", "/api/tenant", spoof...)
		require.Equal(t, 200, status)
		assert.Equal(t, "alpha", body["schema_name"], "X-Forwarded-Host from a client must not pick the school")

		status, h := login(t, w.testServer, "alpha.localhost", spoof...)
		require.Equal(t, 200, status)
		assert.False(t, secureCookie(h), "a client's X-Forwarded-Proto must not make the cookie Secure: %v", h.Values("Set-Cookie"))
		assert.Empty(t, h.Get("Strict-Transport-Security"), "a client's X-Forwarded-Proto must not switch on HSTS")
		ips := loginIPs(t, w.testServer)
		assert.NotContains(t, ips, "203.0.113.9", "a client's X-Forwarded-For must not be its address")
		assert.Contains(t, ips, "127.0.0.1")

		tok := token(t, w, "localhost", "", "root@platform.org")
		_, list := w.browser(t, "localhost", "").do("GET", "/api/clients/tenants/?page_size=1", nil, append([]string{"Authorization", "Bearer " + tok}, spoof...)...)
		next, _ := listLinks(t, list)
		assert.True(t, strings.HasPrefix(next, "http://localhost/"), next)
	})

	trusted := func(t *testing.T, proxies string) authWorld {
		t.Helper()
		cfg := testConfig(t, t.TempDir(), 4)
		cfg.TrustedProxies = proxies
		require.NoError(t, cfg.Validate())
		w := newAuthWorldWith(t, cfg)
		createSchool(t, w.App, "gamma", "Gamma Grammar", "gamma.example.org")
		return w
	}

	t.Run("trusted proxy", func(t *testing.T) {
		w := trusted(t, "10.0.0.0/8, 127.0.0.1")
		// The proxy appends what it saw to whatever the client sent: only the last value is
		// the proxy's own.
		fwd := []string{"X-Forwarded-Host", "beta.localhost, gamma.example.org", "X-Forwarded-Proto", "http, https",
			"X-Forwarded-For", "198.51.100.1, 203.0.113.9, 10.1.2.3"}
		status, body := get(t, w.testServer, "upstream.internal", "/api/tenant", fwd...)
		require.Equal(t, 200, status, "%v", body)
		assert.Equal(t, "gamma", body["schema_name"], "the proxy's X-Forwarded-Host picks the school")

		status, h := login(t, w.testServer, "alpha.localhost", "X-Forwarded-Proto", "https", "X-Forwarded-For", "198.51.100.1, 203.0.113.9")
		require.Equal(t, 200, status)
		assert.True(t, secureCookie(h), "behind a TLS proxy the cookie is Secure: %v", h.Values("Set-Cookie"))
		assert.NotEmpty(t, h.Get("Strict-Transport-Security"))
		ips := loginIPs(t, w.testServer)
		assert.Contains(t, ips, "203.0.113.9", "the client is the last address the trusted proxy saw")
		assert.NotContains(t, ips, "198.51.100.1", "addresses left of it are the client's own claims")

		tok := token(t, w, "localhost", "", "root@platform.org")
		_, list := w.browser(t, "upstream.internal", "").do("GET", "/api/clients/tenants/?page_size=1", nil,
			"Authorization", "Bearer "+tok, "X-Forwarded-Host", "localhost:8443", "X-Forwarded-Proto", "https")
		next, _ := listLinks(t, list)
		assert.Equal(t, "https://localhost:8443/api/clients/tenants/?page=2&page_size=1", next)

		status, _, body2 := rawRequest(t, w.addr, "GET /api/tenant HTTP/1.1\r\nHost: upstream.internal\r\nX-Forwarded-Host: a@beta.localhost\r\nConnection: close\r\n\r\n")
		assert.Equal(t, 400, status, "userinfo is refused in X-Forwarded-Host too: %s", body2)
	})

	t.Run("proxy list that does not name this peer", func(t *testing.T) {
		w := trusted(t, "10.0.0.0/8")
		status, body := get(t, w.testServer, "alpha.localhost", "/api/tenant", "X-Forwarded-Host", "gamma.example.org")
		require.Equal(t, 200, status)
		assert.Equal(t, "alpha", body["schema_name"])
		status, h := login(t, w.testServer, "alpha.localhost", "X-Forwarded-Proto", "https")
		require.Equal(t, 200, status)
		assert.False(t, secureCookie(h))
		assert.Empty(t, h.Get("Strict-Transport-Security"))
	})
}

func TestTrustedProxiesConfig(t *testing.T) {
	for _, ok := range []string{"", "127.0.0.1", "10.0.0.0/8,192.168.1.1", " ::1 , fd00::/8 "} {
		cfg := testConfig(t, t.TempDir(), 1)
		cfg.TrustedProxies = ok
		assert.NoError(t, cfg.Validate(), ok)
	}
	for _, bad := range []string{"localhost", "10.0.0.0/33", "1.2.3", "10.0.0.1,,", "*"} {
		cfg := testConfig(t, t.TempDir(), 1)
		cfg.TrustedProxies = bad
		err := cfg.Validate()
		if assert.Error(t, err, bad) {
			assert.Contains(t, err.Error(), "trusted proxies")
		}
	}
	cfg, err := DefaultConfig().FromEnv(func(k string) string {
		return map[string]string{"SMS_TRUSTED_PROXIES": "10.0.0.1", "SMS_SHUTDOWN_TIMEOUT": "3s"}[k]
	})
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.1", cfg.TrustedProxies)
	assert.Equal(t, 3*time.Second, cfg.ShutdownTimeout)
	_, err = DefaultConfig().FromEnv(func(k string) string { return map[string]string{"SMS_SHUTDOWN_TIMEOUT": "soon"}[k] })
	assert.ErrorContains(t, err, "SMS_SHUTDOWN_TIMEOUT")
}
