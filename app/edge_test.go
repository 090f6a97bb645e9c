package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPageBounds: page numbers too large for the paging arithmetic (the first one used
// to overflow the offset and panic the whole process) are refused with 400 naming the
// field, on the platform list and on school lists; the server keeps serving.
func TestPageBounds(t *testing.T) {
	w := newAuthWorld(t)
	platform := w.browser(t, "localhost", "")
	platformAuth := []string{"Authorization", "Bearer " + token(t, w, "localhost", "", "root@platform.org")}
	school := w.browser(t, "alpha.localhost", "")
	schoolAuth := []string{"Authorization", "Bearer " + token(t, w, "alpha.localhost", "", "admin@alpha.school")}

	bad := []struct{ query, field string }{
		{"page=4611686018427387905&page_size=2", "page"},
		{"page=9223372036854775807", "page"},
		{"page=99999999999999999999", "page"},
		{"page=1000001", "page"},
		{"page=-1", "page"},
		{"page=0", "page"},
		{"page=1.5", "page"},
		{"page=+2", "page"},
		{"page=%201", "page"},
		{"page_size=0", "page_size"},
		{"page_size=-5", "page_size"},
		{"page_size=501", "page_size"},
		{"page_size=99999999999999999999", "page_size"},
	}
	lists := []struct {
		b    *browser
		auth []string
		path string
	}{
		{platform, platformAuth, "/api/clients/tenants/"},
		{platform, platformAuth, "/api/audit/"},
		{school, schoolAuth, "/api/auth/users/"},
		{school, schoolAuth, "/api/audit/"},
		{school, schoolAuth, "/api/core/students/"},
		{school, schoolAuth, "/api/core/guardians/"},
		{school, schoolAuth, "/api/core/admissions/"},
		{school, schoolAuth, "/api/core/enrollments/"},
		{school, schoolAuth, "/api/core/classes/"},
		{school, schoolAuth, "/api/core/sessions/"},
	}
	for _, l := range lists {
		for _, tc := range bad {
			t.Run(l.path+"?"+tc.query, func(t *testing.T) {
				status, body := l.b.do("GET", l.path+"?"+tc.query, nil, l.auth...)
				require.Equal(t, 400, status, "%v", body)
				e, _ := body["error"].(map[string]any)
				assert.Equal(t, "invalid", e["code"])
				fields, _ := e["fields"].(map[string]any)
				assert.Contains(t, fields, tc.field)
			})
		}
	}
	t.Run("the largest page is an empty page", func(t *testing.T) {
		status, body := platform.do("GET", "/api/clients/tenants/?page=1000000&page_size=500", nil, platformAuth...)
		require.Equal(t, 200, status, "%v", body)
		assert.Empty(t, body["results"])
		assert.EqualValues(t, 2, body["count"])
		assert.Nil(t, body["next"])
		assert.NotNil(t, body["previous"])
		status, body = school.do("GET", "/api/core/students/?page=1000000&page_size=500", nil, schoolAuth...)
		require.Equal(t, 200, status, "%v", body)
		assert.Empty(t, body["results"])
	})
	t.Run("pages for browsers", func(t *testing.T) {
		b := w.browser(t, "alpha.localhost", "")
		b.login("admin@alpha.school")
		for _, path := range []string{"/students", "/admissions", "/users"} {
			for _, q := range []string{"page=4611686018427387905", "page=99999999999999999999", "page=-1", "page=abc"} {
				status, body := b.page(path + "?" + q)
				assert.Equal(t, 400, status, "%s?%s", path, q)
				assert.Contains(t, body, "<!doctype html>")
				assert.Contains(t, body, "page: must be a whole number from 1 to 1000000", "%s?%s", path, q)
			}
			status, _ := b.page(path + "?page=1000000")
			assert.Equal(t, 200, status, "%s: the last allowed page is an empty page", path)
		}
	})
	t.Run("the server still serves", func(t *testing.T) {
		status, body := platform.do("GET", "/api/clients/tenants/?page=1&page_size="+strconv.Itoa(2), nil, platformAuth...)
		require.Equal(t, 200, status, "%v", body)
		assert.Len(t, body["results"], 2)
	})
}

// page GETs a browser page (HTML) with the browser's cookies.
func (b *browser) page(path string) (int, string) {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.w.URL+b.pfx+path, nil)
	require.NoError(b.t, err)
	req.Host = b.host
	req.Header.Set("Accept", "text/html")
	for _, c := range b.jar.Cookies(&url.URL{Scheme: "http", Host: b.host, Path: b.pfx + path}) {
		req.AddCookie(c)
	}
	resp, err := client.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return resp.StatusCode, string(raw)
}

// TestPanicsAreRecovered: a handler that panics answers 500 (JSON for the API, the
// error page for browsers) with the request id, the stack is logged under that id, and
// the server goes on serving. The panicking routes exist only in this test, on a Fiber
// app wearing the server's own middleware and error handler.
func TestPanicsAreRecovered(t *testing.T) {
	var logs syncBuffer
	cfg := testConfig(t, t.TempDir(), 2)
	a, err := Open(context.Background(), cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	s := NewServer(a)

	f := fiber.New(fiber.Config{ErrorHandler: s.errorHandler, DisableStartupMessage: true})
	f.Use(s.logRequests, s.recoverPanics)
	f.Get("/api/boom", func(c *fiber.Ctx) error { var m map[string]int; m["x"]++; return nil })
	f.Get("/boom", func(c *fiber.Ctx) error { panic(errors.New("secret internal detail")) })
	f.Get("/ok", func(c *fiber.Ctx) error { return c.SendString("still here") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go f.Listener(ln)
	t.Cleanup(func() { f.Shutdown() })
	srv := &testServer{URL: "http://" + ln.Addr().String(), addr: ln.Addr().String()}

	status, body := get(t, srv, "localhost", "/api/boom", "X-Request-ID", "req-boom-1")
	require.Equal(t, 500, status, "%v", body)
	assert.Equal(t, "internal", errorCode(body))
	assert.Contains(t, body["error"].(map[string]any)["message"], "req-boom-1")

	status, page := getRaw(t, srv, "localhost", "/boom", "Accept", "text/html", "X-Request-ID", "req-boom-2")
	assert.Equal(t, 500, status)
	assert.Contains(t, page, "<!doctype html>")
	assert.Contains(t, page, "req-boom-2")
	assert.NotContains(t, page, "secret internal detail")

	status, ok := getRaw(t, srv, "localhost", "/ok")
	assert.Equal(t, 200, status)
	assert.Equal(t, "still here", ok)

	var panics []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		if m["msg"] == "panic" {
			panics = append(panics, m)
		}
	}
	require.Len(t, panics, 2, logs.String())
	assert.Equal(t, "req-boom-1", panics[0]["request_id"])
	assert.Contains(t, panics[0]["stack"], "edge_test.go", "the stack names the panicking code")
	assert.Equal(t, "req-boom-2", panics[1]["request_id"])
	assert.Contains(t, panics[1]["error"], "secret internal detail")
}
