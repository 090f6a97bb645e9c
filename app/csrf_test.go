package app

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/db"
)

// sendForm posts a form body with the browser's cookies; the cookie jar is keyed on the
// Host header, as a browser's would be.
func (b *browser) sendForm(path string, form url.Values) int {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.w.URL+b.pfx+path, strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Host = b.host
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range b.jar.Cookies(&url.URL{Scheme: "http", Host: b.host, Path: b.pfx + path}) {
		req.AddCookie(c)
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	require.NoError(b.t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func countUsers(t *testing.T, w authWorld, schema string) int {
	t.Helper()
	var n int
	require.NoError(t, w.App.Pool.WithTenant(context.Background(), schema, func(tn *db.Tenant) error {
		return tn.ReadDB().QueryRowContext(context.Background(), "SELECT count(*) FROM users").Scan(&n)
	}))
	return n
}

func TestCSRFTokenIsNotTakenFromTheURL(t *testing.T) {
	w := newAuthWorld(t)
	admin := w.browser(t, "alpha.localhost", "")
	admin.login("admin@alpha.school")
	before := countUsers(t, w, "alpha")

	// A token in the query string leaks into logs, history and Referer headers.
	newUser := map[string]string{"email": "clerk@alpha.school", "role": "clerk", "password": testPassword}
	status, body := admin.do("POST", "/api/auth/users/?_csrf="+url.QueryEscape(admin.csrf), newUser)
	assert.Equal(t, 403, status, "API with the token in the URL: %v", body)
	status = admin.sendForm("/users/new?_csrf="+url.QueryEscape(admin.csrf), url.Values{
		"email": {"clerk@alpha.school"}, "role": {"clerk"}, "password": {testPassword}})
	assert.Equal(t, 403, status, "page form with the token in the URL")
	assert.Equal(t, before, countUsers(t, w, "alpha"), "nothing was written")

	// The form body and the header still carry it.
	status = admin.sendForm("/users/new", url.Values{"_csrf": {admin.csrf},
		"email": {"clerk@alpha.school"}, "role": {"clerk"}, "password": {testPassword}})
	assert.Equal(t, http.StatusSeeOther, status, "page form with the token in the body")
	status, body = admin.do("POST", "/api/auth/users/", map[string]string{"email": "viewer@alpha.school", "role": "viewer", "password": testPassword},
		"X-CSRF-Token", admin.csrf)
	assert.Equal(t, 201, status, "%v", body)
	assert.Equal(t, before+2, countUsers(t, w, "alpha"))
}

func TestCSRFExemptionIsOnlyTheSignInRoutes(t *testing.T) {
	w := newAuthWorld(t)
	ctx := context.Background()
	for _, schema := range []string{"login", "token"} {
		_, err := w.App.Clients.Create(ctx, clients.CreateInput{Schema: schema, Name: "School " + schema})
		require.NoError(t, err)
	}
	p := w.browser(t, "localhost", "")
	p.login("root@platform.org")

	// A school whose name ends like a sign-in route is no way around the token.
	attacks := []struct{ method, path string }{
		{"PATCH", "/api/clients/tenants/login/"},
		{"PATCH", "/api/clients/tenants/login"},
		{"DELETE", "/api/clients/tenants/login"},
		{"DELETE", "/api/clients/tenants/token/"},
	}
	for _, a := range attacks {
		status, body := p.do(a.method, a.path, map[string]any{"status": "suspended"})
		assert.Equal(t, 403, status, "%s %s without a CSRF token: %v", a.method, a.path, body)
	}
	for _, schema := range []string{"login", "token"} {
		tn, err := w.App.Clients.Get(ctx, schema)
		require.NoError(t, err, "school %s still exists", schema)
		assert.Equal(t, "active", tn.Status, "school %s untouched", schema)
	}

	// Signing in again from an older tab (without the current session's token) still
	// works on every sign-in route, by host and by subfolder.
	school := w.browser(t, "alpha.localhost", "")
	school.login("admin@alpha.school")
	sub := w.browser(t, "localhost", "/t/alpha")
	sub.login("admin@alpha.school")
	creds := map[string]string{"email": "admin@alpha.school", "password": testPassword, "name": "again"}
	for _, tc := range []struct {
		b    *browser
		path string
		want int
	}{
		{school, "/api/auth/login", 200}, {school, "/api/auth/login/", 200}, {school, "/api/auth/token", 201},
		{sub, "/api/auth/login", 200}, {sub, "/api/auth/token/", 201},
	} {
		status, body := tc.b.do("POST", tc.path, creds)
		assert.Equal(t, tc.want, status, "%s%s: %v", tc.b.pfx, tc.path, body)
	}
	for _, b := range []*browser{school, sub} {
		status := b.sendForm("/login", url.Values{"email": {"admin@alpha.school"}, "password": {testPassword}})
		assert.Equal(t, http.StatusSeeOther, status, "sign-in page under %q", b.pfx)
	}
	status := p.sendForm("/login", url.Values{"email": {"root@platform.org"}, "password": {testPassword}})
	assert.Equal(t, http.StatusSeeOther, status, "platform sign-in page")
}
