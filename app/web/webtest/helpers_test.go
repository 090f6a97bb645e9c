// Package webtest drives the browser pages of a real SMS server over HTTP and, in
// browser_test.go, through headless Chromium. It lives apart from package web because
// it starts the whole app, which imports web.
package webtest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/clients"
)

const (
	platformEmail = "root@platform.localhost"
	platformPass  = "platform-secret-1"
	adminPass     = "admin-secret-12"
	teacherPass   = "teacher-secret-1"
)

// server is a real SMS server on a loopback port over a fresh data dir.
type server struct {
	App  *app.App
	Port string
	addr string
}

func startServer(t *testing.T) *server {
	t.Helper()
	ctx := context.Background()
	cfg := app.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.LogLevel = "error"
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := app.NewServer(a)
	go s.Fiber().Listener(ln)
	t.Cleanup(func() {
		s.Fiber().ShutdownWithTimeout(5 * time.Second)
		a.Close()
	})
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	_, err = auth.CreatePlatformAdmin(ctx, a.Catalog, platformEmail, "Pat Platform", platformPass, auth.Meta{})
	require.NoError(t, err)
	return &server{App: a, Port: port, addr: ln.Addr().String()}
}

// url is an address on this server at host ("localhost", "demo.localhost", ...).
func (s *server) url(host, path string) string { return "http://" + host + ":" + s.Port + path }

// school creates a school with an admin (admin@<schema>.localhost).
func (s *server) school(t *testing.T, schema, name string) {
	t.Helper()
	_, err := s.App.Clients.CreateWithAdmin(context.Background(), clients.CreateRequest{Schema: schema, Name: name,
		Admin: &auth.NewUser{Email: "admin@" + schema + ".localhost", Name: "Ada Admin", Password: adminPass}}, auth.Meta{})
	require.NoError(t, err)
}

// user adds an account to a school.
func (s *server) user(t *testing.T, schema, email, name string, role auth.Role, pw string) auth.User {
	t.Helper()
	var u auth.User
	ctx := context.Background()
	tn, release, err := s.App.Pool.Acquire(ctx, schema)
	require.NoError(t, err)
	defer release()
	u, err = auth.Users{T: tn}.Create(ctx, auth.NewUser{Email: email, Name: name, Role: role, Password: pw}, auth.Meta{})
	require.NoError(t, err)
	return u
}

// users lists a school's accounts.
func (s *server) users(t *testing.T, schema string) []auth.User {
	t.Helper()
	ctx := context.Background()
	tn, release, err := s.App.Pool.Acquire(ctx, schema)
	require.NoError(t, err)
	defer release()
	us, _, err := auth.Users{T: tn}.List(ctx, 1000, 0)
	require.NoError(t, err)
	return us
}

// browser is an HTTP client that behaves like a browser for these pages: a cookie jar,
// Accept: text/html, and every host name dialled to the test server. It does not
// follow redirects, so tests see them.
type browser struct {
	t *testing.T
	c *http.Client
}

func (s *server) browser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, s.addr)
	}
	return &browser{t: t, c: &http.Client{
		Jar:           jar,
		Timeout:       20 * time.Second,
		Transport:     &http.Transport{DialContext: dial},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is a response as a test looks at it.
type page struct {
	Status int
	Header http.Header
	Body   string
}

// Location is the redirect target.
func (p page) Location() string { return p.Header.Get("Location") }

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "text/html,application/xhtml+xml")
	}
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return page{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}
}

func (b *browser) get(u string, headers ...string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(b.t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

func (b *browser) post(u string, form url.Values, headers ...string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf is the token of the signed-in session, read from a page's forms.
func (b *browser) csrf(u string) string {
	b.t.Helper()
	p := b.get(u)
	require.Equal(b.t, http.StatusOK, p.Status, p.Body)
	m := csrfRe.FindStringSubmatch(p.Body)
	require.NotNil(b.t, m, "no _csrf field on %s", u)
	return m[1]
}

// login signs in through the form at base+"/login" and checks the redirect to base+"/".
func (b *browser) login(base, email, pw string) {
	b.t.Helper()
	p := b.post(base+"/login", url.Values{"email": {email}, "password": {pw}})
	require.Equal(b.t, http.StatusSeeOther, p.Status, p.Body)
	u, err := url.Parse(base)
	require.NoError(b.t, err)
	require.Equal(b.t, u.Path+"/", p.Location())
}
