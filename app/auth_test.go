package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/db"
)

const testPassword = "correct horse battery"

// authWorld is a running server with two schools (alpha by host, beta by host and by
// subfolder), each with an admin and a teacher, and a platform admin.
type authWorld struct {
	*testServer
}

func newAuthWorld(t *testing.T) authWorld {
	t.Helper()
	return newAuthWorldWith(t, testConfig(t, t.TempDir(), 4))
}

// newAuthWorldWith is newAuthWorld over a configuration of the test's own.
func newAuthWorldWith(t *testing.T, cfg Config) authWorld {
	t.Helper()
	a := openTestApp(t, cfg)
	ctx := context.Background()
	for _, schema := range []string{"alpha", "beta"} {
		_, err := a.Clients.CreateWithAdmin(ctx, clients.CreateRequest{Schema: schema, Name: strings.ToUpper(schema[:1]) + schema[1:] + " School",
			Admin: &auth.NewUser{Email: "admin@" + schema + ".school", Name: "Admin", Password: testPassword}}, auth.Meta{})
		require.NoError(t, err)
		require.NoError(t, a.Pool.WithTenant(ctx, schema, func(tn *db.Tenant) error {
			_, err := auth.Users{T: tn}.Create(ctx, auth.NewUser{Email: "teacher@" + schema + ".school", Role: auth.RoleTeacher, Password: testPassword}, auth.Meta{})
			return err
		}))
	}
	_, err := auth.CreatePlatformAdmin(ctx, a.Catalog, "root@platform.org", "Root", testPassword, auth.Meta{})
	require.NoError(t, err)
	return authWorld{startServer(t, a)}
}

// browser is an HTTP client with its own cookie jar that always sends one Host header.
type browser struct {
	t    *testing.T
	w    authWorld
	host string
	pfx  string // "/t/<schema>" for subfolder routing
	jar  http.CookieJar
	csrf string
}

func (w authWorld) browser(t *testing.T, host, prefix string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, w: w, host: host, pfx: prefix, jar: jar}
}

// do sends a request; the cookie jar is keyed on the Host header, as a browser's would be.
func (b *browser) do(method, path string, body any, headers ...string) (int, map[string]any) {
	b.t.Helper()
	var r io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, b.w.URL+b.pfx+path, r)
	require.NoError(b.t, err)
	req.Host = b.host
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	jarURL := &url.URL{Scheme: "http", Host: b.host, Path: b.pfx + path}
	for _, c := range b.jar.Cookies(jarURL) {
		req.AddCookie(c)
	}
	resp, err := client.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	b.jar.SetCookies(jarURL, resp.Cookies())
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

func (b *browser) login(email string) {
	b.t.Helper()
	status, body := b.do("POST", "/api/auth/login", map[string]string{"email": email, "password": testPassword})
	require.Equal(b.t, 200, status, "%v", body)
	b.csrf = body["csrf_token"].(string)
}

func token(t *testing.T, w authWorld, host, prefix, email string) string {
	t.Helper()
	b := w.browser(t, host, prefix)
	status, body := b.do("POST", "/api/auth/token", map[string]string{"email": email, "password": testPassword, "name": "test"})
	require.Equal(t, 201, status, "%v", body)
	return body["token"].(string)
}

func TestCredentialsStayInTheirRealm(t *testing.T) {
	w := newAuthWorld(t)
	alphaHost := w.browser(t, "alpha.localhost", "")
	alphaHost.login("admin@alpha.school")
	status, me := alphaHost.do("GET", "/api/auth/me", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "alpha", me["school"])

	// The same session cookie value presented to beta, by host and by subfolder.
	cookie := alphaHost.jar.Cookies(&url.URL{Scheme: "http", Host: "alpha.localhost", Path: "/"})
	require.Len(t, cookie, 1)
	for _, target := range []struct{ host, pfx string }{{"beta.localhost", ""}, {"localhost", "/t/beta"}, {"alpha.localhost", "/t/beta"}} {
		req, _ := http.NewRequest("GET", w.URL+target.pfx+"/api/auth/me", nil)
		req.Host = target.host
		req.AddCookie(cookie[0])
		resp, err := client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 401, resp.StatusCode, "alpha's session on %s%s", target.host, target.pfx)
	}

	alphaToken := token(t, w, "alpha.localhost", "", "admin@alpha.school")
	subfolderToken := token(t, w, "localhost", "/t/alpha", "teacher@alpha.school")
	platformToken := token(t, w, "localhost", "", "root@platform.org")

	cases := []struct {
		name, tok, host, pfx string
		status               int
	}{
		{"school token on its host", alphaToken, "alpha.localhost", "", 200},
		{"school token on its subfolder", alphaToken, "localhost", "/t/alpha", 200},
		{"subfolder-issued token on the school's host", subfolderToken, "alpha.localhost", "", 200},
		{"school token on another school's host", alphaToken, "beta.localhost", "", 401},
		{"school token on another school's subfolder", alphaToken, "localhost", "/t/beta", 401},
		{"school token on the base domain", alphaToken, "localhost", "", 401},
		{"platform token on the base domain", platformToken, "localhost", "", 200},
		{"platform token on a school host", platformToken, "alpha.localhost", "", 401},
		{"platform token on a school subfolder", platformToken, "localhost", "/t/beta", 401},
		{"garbage token", "sms_nonsense", "alpha.localhost", "", 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := w.browser(t, tc.host, tc.pfx)
			status, body := b.do("GET", "/api/auth/me", nil, "Authorization", "Bearer "+tc.tok)
			assert.Equal(t, tc.status, status, "%v", body)
		})
	}

	t.Run("the platform admin has no access to school data", func(t *testing.T) {
		b := w.browser(t, "alpha.localhost", "")
		status, _ := b.do("POST", "/api/auth/login", map[string]string{"email": "root@platform.org", "password": testPassword})
		assert.Equal(t, 401, status)
	})
	t.Run("a school admin cannot use the platform API", func(t *testing.T) {
		b := w.browser(t, "localhost", "")
		status, _ := b.do("GET", "/api/clients/tenants/", nil, "Authorization", "Bearer "+alphaToken)
		assert.Equal(t, 401, status)
	})
}

func TestRolesAndImmediateRevocation(t *testing.T) {
	w := newAuthWorld(t)
	teacherTok := token(t, w, "alpha.localhost", "", "teacher@alpha.school")
	teacher := w.browser(t, "alpha.localhost", "")

	status, _ := teacher.do("GET", "/api/auth/users/", nil)
	assert.Equal(t, 401, status, "anonymous: who are you?")
	status, _ = teacher.do("GET", "/api/auth/users/", nil, "Authorization", "Bearer "+teacherTok)
	assert.Equal(t, 403, status, "a teacher may not manage users")
	status, _ = teacher.do("GET", "/api/audit/", nil, "Authorization", "Bearer "+teacherTok)
	assert.Equal(t, 403, status)

	admin := w.browser(t, "alpha.localhost", "")
	admin.login("admin@alpha.school")
	status, list := admin.do("GET", "/api/auth/users/", nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 2, list["count"])

	// Find the teacher and deactivate them: their token stops working at once.
	var teacherID float64
	for _, u := range list["results"].([]any) {
		if m := u.(map[string]any); m["email"] == "teacher@alpha.school" {
			teacherID = m["id"].(float64)
		}
	}
	require.NotZero(t, teacherID)
	tb := w.browser(t, "alpha.localhost", "")
	tb.login("teacher@alpha.school")
	status, _ = tb.do("GET", "/api/auth/me", nil)
	require.Equal(t, 200, status)

	status, body := admin.do("DELETE", "/api/auth/users/"+ftoa(teacherID)+"/", nil, "X-CSRF-Token", admin.csrf)
	require.Equal(t, 200, status, "%v", body)
	assert.Equal(t, false, body["is_active"])
	status, _ = teacher.do("GET", "/api/auth/me", nil, "Authorization", "Bearer "+teacherTok)
	assert.Equal(t, 401, status, "deactivated user's token")
	status, _ = tb.do("GET", "/api/auth/me", nil)
	assert.Equal(t, 401, status, "deactivated user's session")
	status, _ = w.browser(t, "alpha.localhost", "").do("POST", "/api/auth/login", map[string]string{"email": "teacher@alpha.school", "password": testPassword})
	assert.Equal(t, 401, status, "deactivated user cannot sign in")

	// Revoked tokens stop at once too.
	adminTok := token(t, w, "alpha.localhost", "", "admin@alpha.school")
	status, toks := admin.do("GET", "/api/auth/tokens/", nil, "Authorization", "Bearer "+adminTok)
	require.Equal(t, 200, status)
	results := toks["results"].([]any)
	require.NotEmpty(t, results)
	for _, r := range results {
		assert.NotContains(t, r.(map[string]any), "token_hash", "hashes are never shown")
	}
	id := ftoa(results[0].(map[string]any)["id"].(float64))
	status, _ = admin.do("DELETE", "/api/auth/tokens/"+id+"/", nil, "Authorization", "Bearer "+adminTok)
	require.Equal(t, 204, status)
	status, _ = admin.do("GET", "/api/auth/me", nil, "Authorization", "Bearer "+adminTok)
	assert.Equal(t, 401, status, "revoked token")

	// The last admin cannot lock everyone out.
	status, me := admin.do("GET", "/api/auth/me", nil)
	require.Equal(t, 200, status)
	status, body = admin.do("PATCH", "/api/auth/users/"+ftoa(me["id"].(float64))+"/", map[string]any{"role": "viewer"}, "X-CSRF-Token", admin.csrf)
	assert.Equal(t, 409, status, "%v", body)

	// Logout ends the session.
	status, _ = admin.do("POST", "/api/auth/logout", nil, "X-CSRF-Token", admin.csrf)
	require.Equal(t, 200, status)
	status, _ = admin.do("GET", "/api/auth/me", nil)
	assert.Equal(t, 401, status)
}

func ftoa(f float64) string {
	return strings.TrimSuffix(strings.TrimSuffix(json.Number(jsonNum(f)).String(), ".0"), ".")
}

func jsonNum(f float64) string { b, _ := json.Marshal(f); return string(b) }

func TestCSRF(t *testing.T) {
	w := newAuthWorld(t)
	admin := w.browser(t, "alpha.localhost", "")
	admin.login("admin@alpha.school")
	newUser := map[string]string{"email": "clerk@alpha.school", "role": "clerk", "password": testPassword}

	status, body := admin.do("POST", "/api/auth/users/", newUser)
	assert.Equal(t, 403, status, "cookie request without CSRF token: %v", body)
	status, body = admin.do("POST", "/api/auth/users/", newUser, "X-CSRF-Token", "wrong")
	assert.Equal(t, 403, status, "wrong CSRF token: %v", body)
	_, list := admin.do("GET", "/api/auth/users/", nil)
	assert.EqualValues(t, 2, list["count"], "nothing was written")

	status, body = admin.do("POST", "/api/auth/users/", newUser, "X-CSRF-Token", admin.csrf)
	assert.Equal(t, 201, status, "%v", body)

	// Bearer requests need no CSRF token.
	tok := token(t, w, "alpha.localhost", "", "admin@alpha.school")
	b := w.browser(t, "alpha.localhost", "")
	status, body = b.do("POST", "/api/auth/users/", map[string]string{"email": "viewer@alpha.school", "role": "viewer", "password": testPassword}, "Authorization", "Bearer "+tok)
	assert.Equal(t, 201, status, "%v", body)

	// A sign-in form from an older tab (no CSRF token of the current session) still works.
	status, _ = admin.do("POST", "/api/auth/login", map[string]string{"email": "admin@alpha.school", "password": testPassword})
	assert.Equal(t, 200, status, "signing in again while signed in")

	// A cross-site login attempt is refused.
	status, _ = w.browser(t, "alpha.localhost", "").do("POST", "/api/auth/login",
		map[string]string{"email": "admin@alpha.school", "password": testPassword}, "Origin", "http://evil.example")
	assert.Equal(t, 403, status)
}

func TestLoginBackoffAndAudit(t *testing.T) {
	w := newAuthWorld(t)
	b := w.browser(t, "alpha.localhost", "")
	wrong := map[string]string{"email": "admin@alpha.school", "password": "not the password"}
	unknown := map[string]string{"email": "nobody@alpha.school", "password": "not the password"}

	_, e1 := b.do("POST", "/api/auth/login", wrong)
	_, e2 := b.do("POST", "/api/auth/login", unknown)
	assert.Equal(t, e1, e2, "unknown user and wrong password get the same answer")

	var statuses []int
	for range 6 {
		s, _ := b.do("POST", "/api/auth/login", wrong)
		statuses = append(statuses, s)
	}
	assert.Equal(t, 401, statuses[0])
	assert.Equal(t, 429, statuses[len(statuses)-1], "repeated failures are slowed down: %v", statuses)

	req, _ := http.NewRequest("POST", w.URL+"/api/auth/login", strings.NewReader(`{"email":"admin@alpha.school","password":"`+testPassword+`"}`))
	req.Host = "alpha.localhost"
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 429, resp.StatusCode, "even the right password waits out the lock")
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))

	// Another account is not locked by this one's failures.
	other := w.browser(t, "alpha.localhost", "")
	other.login("teacher@alpha.school")

	admin := w.browser(t, "alpha.localhost", "")
	tok := token(t, w, "beta.localhost", "", "admin@beta.school")
	_ = tok
	// Read alpha's audit log as an alpha admin (through a token issued before the lock).
	var rows []any
	require.NoError(t, w.App.Pool.WithTenant(context.Background(), "alpha", func(tn *db.Tenant) error {
		entries, _, err := auth.SchoolStore(tn).ListAudit(context.Background(), 100, 0)
		for _, e := range entries {
			rows = append(rows, e.Action)
		}
		return err
	}))
	assert.Contains(t, rows, "login.failure")
	assert.Contains(t, rows, "login.success")
	assert.Contains(t, rows, "login.throttled")
	assert.Contains(t, rows, "user.create")
	_ = admin

	// The audit API pages.
	bt := token(t, w, "beta.localhost", "", "admin@beta.school")
	bb := w.browser(t, "beta.localhost", "")
	status, page := bb.do("GET", "/api/audit/?page_size=1", nil, "Authorization", "Bearer "+bt)
	require.Equal(t, 200, status)
	assert.Len(t, page["results"], 1)
	assert.NotNil(t, page["next"])
	status, _ = bb.do("GET", "/api/audit/?page_size=0", nil, "Authorization", "Bearer "+bt)
	assert.Equal(t, 400, status)
}

func TestClientsAPI(t *testing.T) {
	w := newAuthWorld(t)
	p := w.browser(t, "localhost", "")
	p.login("root@platform.org")
	h := []string{"X-CSRF-Token", p.csrf}

	status, body := p.do("POST", "/api/clients/tenants/", map[string]any{"schema_name": "gamma", "name": "Gamma School",
		"admin": map[string]string{"email": "head@gamma.school", "password": testPassword}}, h...)
	require.Equal(t, 201, status, "%v", body)

	// The new school's admin can sign in on the school's host.
	g := w.browser(t, "gamma.localhost", "")
	g.login("head@gamma.school")

	bad := []struct {
		name string
		body map[string]any
		code int
		fld  string
	}{
		{"bad schema", map[string]any{"schema_name": "../x", "name": "X"}, 400, "schema_name"},
		{"public", map[string]any{"schema_name": "public", "name": "X"}, 400, "schema_name"},
		{"taken schema", map[string]any{"schema_name": "gamma", "name": "X"}, 409, "schema_name"},
		{"taken domain", map[string]any{"schema_name": "delta", "name": "X", "domains": []string{"alpha.localhost"}}, 409, "domain"},
		{"bad admin", map[string]any{"schema_name": "delta", "name": "X", "admin": map[string]string{"email": "no", "password": "x"}}, 400, "admin.email"},
		{"unknown field", map[string]any{"schema_name": "delta", "name": "X", "colour": "red"}, 400, "colour"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			status, body := p.do("POST", "/api/clients/tenants/", tc.body, h...)
			assert.Equal(t, tc.code, status, "%v", body)
			fields, _ := body["error"].(map[string]any)["fields"].(map[string]any)
			assert.Contains(t, fields, tc.fld)
		})
	}
	_, list := p.do("GET", "/api/clients/tenants/", nil)
	assert.EqualValues(t, 3, list["count"], "nothing was created by the bad requests")

	status, body = p.do("PATCH", "/api/clients/tenants/gamma/", map[string]any{"status": "suspended"}, h...)
	require.Equal(t, 200, status, "%v", body)
	status, _ = g.do("GET", "/api/auth/me", nil)
	assert.Equal(t, 403, status, "a suspended school answers 403")

	status, body = p.do("POST", "/api/clients/tenants/gamma/domains/", map[string]any{"domain": "gamma.example.org"}, h...)
	require.Equal(t, 201, status, "%v", body)
	status, body = p.do("DELETE", "/api/clients/domains/gamma.example.org/", nil, h...)
	require.Equal(t, 200, status, "%v", body)
	status, _ = p.do("DELETE", "/api/clients/tenants/gamma/?purge=true", nil, h...)
	require.Equal(t, 204, status)
	status, _ = p.do("GET", "/api/clients/tenants/gamma/", nil)
	assert.Equal(t, 404, status)

	status, audit := p.do("GET", "/api/audit/?page_size=50", nil)
	require.Equal(t, 200, status)
	var actions []string
	for _, r := range audit["results"].([]any) {
		actions = append(actions, r.(map[string]any)["action"].(string))
	}
	for _, want := range []string{"tenant.create", "tenant.update", "domain.add", "domain.remove", "tenant.delete", "login.success"} {
		assert.Contains(t, actions, want)
	}
}

func TestSessionsExpire(t *testing.T) {
	w := newAuthWorld(t)
	b := w.browser(t, "alpha.localhost", "")
	b.login("admin@alpha.school")
	status, _ := b.do("GET", "/api/auth/me", nil)
	require.Equal(t, 200, status)

	// Move the service's clock past the idle limit: the session no longer works, and the
	// next sign-in sweeps it from the school's file.
	svc := w.App.Auth
	real := svc.Now
	defer func() { svc.Now = real }()
	svc.Now = func() time.Time { return real().Add(auth.SessionIdle + time.Minute) }
	status, _ = b.do("GET", "/api/auth/me", nil)
	assert.Equal(t, 401, status, "idle session")

	other := w.browser(t, "alpha.localhost", "")
	other.login("teacher@alpha.school")
	var n int
	require.NoError(t, w.App.Pool.WithTenant(context.Background(), "alpha", func(tn *db.Tenant) error {
		return tn.ReadDB().QueryRowContext(context.Background(), "SELECT count(*) FROM sessions").Scan(&n)
	}))
	assert.Equal(t, 1, n, "only the new session is left")

	svc.Now = func() time.Time { return real().Add(auth.SessionMaxAge + time.Hour) }
	status, _ = other.do("GET", "/api/auth/me", nil)
	assert.Equal(t, 401, status, "past the absolute expiry")
}
