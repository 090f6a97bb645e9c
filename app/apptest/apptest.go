// Package apptest starts the real appliance for tests of the module packages: a fresh
// data directory, a server on a loopback port, schools with accounts, and an HTTP client
// that sends the Host header and credentials a user's browser or script would.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/db"
)

// Password is the password of every account the helpers create.
const Password = "correct horse battery"

// Server is a running appliance over a temporary data directory.
type Server struct {
	T   testing.TB
	App *app.App
	URL string // http://127.0.0.1:<port>
	log *logBuffer
}

// logBuffer keeps what the appliance logs at warning level and above, for tests that
// check what an operator is told.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Logs is what the appliance has logged so far at warning level and above.
func (s *Server) Logs() string {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return s.log.buf.String()
}

// Option changes the App before it serves.
type Option func(*app.App)

// At pins the appliance's clock to a moment: "today" in every school is that moment's
// date in the school's timezone, whatever the machine's clock says.
func At(now time.Time) Option {
	return func(a *app.App) { a.Clock = func() time.Time { return now } }
}

// Start opens an App on a fresh data dir and serves it until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.PoolCap = 8
	cfg.LogLevel = "error"
	logs := &logBuffer{}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	require.NoError(t, err)
	// Parallel tests sign in at once, and hashing under the race detector on a shared
	// machine is many times slower than in production: let sign-ins wait their turn.
	a.Auth.HashWait = time.Minute
	for _, o := range opts {
		o(a)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := app.NewServer(a)
	go srv.Fiber().Listener(ln)
	t.Cleanup(func() {
		srv.Fiber().Shutdown()
		a.Close()
	})
	return &Server{T: t, App: a, URL: "http://" + ln.Addr().String(), log: logs}
}

// CreateSchool creates a school reachable at <schema>.localhost with an admin account
// admin@<schema>.test.
func (s *Server) CreateSchool(schema, name string) {
	s.T.Helper()
	_, err := s.App.Clients.CreateWithAdmin(context.Background(), clients.CreateRequest{Schema: schema, Name: name,
		Admin: &auth.NewUser{Email: "admin@" + schema + ".test", Name: "Admin", Password: Password}}, auth.Meta{})
	require.NoError(s.T, err)
}

// CreateUser adds an account with a role to a school and returns its id.
func (s *Server) CreateUser(schema, email string, role auth.Role) int64 {
	s.T.Helper()
	var id int64
	err := s.App.Pool.WithTenant(context.Background(), schema, func(t *db.Tenant) error {
		u, err := auth.Users{T: t}.Create(context.Background(), auth.NewUser{Email: email, Name: email, Role: role, Password: Password}, auth.Meta{})
		id = u.ID
		return err
	})
	require.NoError(s.T, err)
	return id
}

// WithSchool runs fn on the school's open file (to check rows written, or seed data).
func (s *Server) WithSchool(schema string, fn func(t *db.Tenant) error) {
	s.T.Helper()
	require.NoError(s.T, s.App.Pool.WithTenant(context.Background(), schema, fn))
}

// Client talks to one school (host <schema>.localhost) or, with prefix "/t/<schema>",
// through subfolder routing.
type Client struct {
	s      *Server
	Host   string
	Prefix string
	Token  string
	CSRF   string
	jar    http.CookieJar
	http   *http.Client
}

// Client returns an anonymous client for host (e.g. "alpha.localhost").
func (s *Server) Client(host, prefix string) *Client {
	jar, _ := cookiejar.New(nil)
	// Generous: a 2,000-row import under the race detector on two busy cores takes its time;
	// the suite's own timeout catches a real hang.
	return &Client{s: s, Host: host, Prefix: prefix, jar: jar, http: &http.Client{Timeout: 3 * time.Minute}}
}

// As returns a client for the school signed in as email with an API token.
func (s *Server) As(schema, email string) *Client {
	s.T.Helper()
	c := s.Client(schema+".localhost", "")
	status, body := c.JSON("POST", "/api/auth/token", map[string]string{"email": email, "password": Password, "name": "test"})
	require.Equal(s.T, 201, status, "token for %s: %v", email, body)
	c.Token = body["token"].(string)
	return c
}

// Login signs in with a session cookie (browser style); unsafe requests then carry the
// CSRF token automatically.
func (c *Client) Login(email string) {
	c.s.T.Helper()
	status, body := c.JSON("POST", "/api/auth/login", map[string]string{"email": email, "password": Password})
	require.Equal(c.s.T, 200, status, "login %s: %v", email, body)
	c.CSRF = body["csrf_token"].(string)
}

// JSON sends body (marshalled, unless nil) and decodes a JSON object answer.
func (c *Client) JSON(method, path string, body any) (int, map[string]any) {
	c.s.T.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(c.s.T, err)
		r = bytes.NewReader(b)
	}
	status, _, raw := c.Do(method, path, "application/json", r)
	var m map[string]any
	if len(bytes.TrimSpace(raw)) > 0 && bytes.TrimSpace(raw)[0] == '{' {
		require.NoError(c.s.T, json.Unmarshal(raw, &m), string(raw))
	}
	return status, m
}

// Do sends a raw request and returns status, headers and body.
func (c *Client) Do(method, path, contentType string, body io.Reader) (int, http.Header, []byte) {
	c.s.T.Helper()
	req, err := http.NewRequest(method, c.s.URL+c.Prefix+path, body)
	require.NoError(c.s.T, err)
	req.Host = c.Host
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.CSRF != "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	u := &url.URL{Scheme: "http", Host: c.Host, Path: c.Prefix + path}
	for _, ck := range c.jar.Cookies(u) {
		req.AddCookie(ck)
	}
	resp, err := c.http.Do(req)
	require.NoError(c.s.T, err)
	defer resp.Body.Close()
	c.jar.SetCookies(u, resp.Cookies())
	raw, err := io.ReadAll(resp.Body)
	require.NoError(c.s.T, err)
	return resp.StatusCode, resp.Header, raw
}

// Count returns SELECT count(*) FROM table in the school's file: tests use it to prove
// that a refused request wrote nothing.
func (s *Server) Count(schema, table string) int {
	s.T.Helper()
	var n int
	s.WithSchool(schema, func(t *db.Tenant) error {
		return t.ReadDB().QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n)
	})
	return n
}

// Serve is Start running all of sms serve (app.Server.Run): the embedded NATS server
// and the background workers, such as the WhatsApp bot's. configure, if not nil,
// changes the opened App before the server starts (a fake's address, options). It
// returns once the server answers.
func Serve(t testing.TB, configure func(*app.App)) *Server {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.PoolCap = 8
	cfg.LogLevel = "error"
	logs := &logBuffer{}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	require.NoError(t, err)
	a.Auth.HashWait = time.Minute
	if configure != nil {
		configure(a)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := app.NewServer(a)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server stopped with: %v", err)
			}
		case <-time.After(time.Minute):
			t.Errorf("server did not stop")
		}
		a.Close()
	})
	s := &Server{T: t, App: a, URL: "http://" + ln.Addr().String(), log: logs}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		select {
		case err := <-done:
			t.Fatalf("server stopped while starting: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not answer within 30s: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
