package webtest

import (
	"context"
	"database/sql"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// endSessions makes every session of the school idle for longer than the server allows,
// as if the office had left its browsers open overnight.
func (s *server) endSessions(t *testing.T, schema string) {
	t.Helper()
	s.withSchool(t, schema, func(ctx context.Context, tn *db.Tenant) {
		require.NoError(t, tn.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = '2000-01-01T00:00:00.000Z'`)
			return err
		}))
	})
}

var (
	draftRe   = regexp.MustCompile(`name="draft" value="([^"]+)"`)
	nextRe    = regexp.MustCompile(`name="next" value="([^"]+)"`)
	restoreRe = regexp.MustCompile(`id="restore"[^>]*data-action="([^"]*)"[^>]*data-fields="([^"]*)"`)
)

// restored is the form a page gives back (its action and the fields as JSON), "" if none.
func restored(body string) (action, fields string) {
	m := restoreRe.FindStringSubmatch(body)
	if m == nil {
		return "", ""
	}
	return html.UnescapeString(m[1]), html.UnescapeString(m[2])
}

// TestFormSentAfterTheSessionEndedComesBack: the admin fills in "Add user", leaves the
// browser until the session has ended, then presses the button. Nothing is created; the
// sign-in page explains why and, after signing in, the same form comes back with what
// was typed (never the password), once, and is not sent by itself.
func TestFormSentAfterTheSessionEndedComesBack(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	base := s.url("demo.localhost", "")
	b, token := s.signedIn(t, base, "admin@demo.localhost", adminPass)
	s.endSessions(t, "demo")

	form := url.Values{"_csrf": {token}, "email": {"new.clerk@demo.localhost"}, "name": {"Nadia Njoroge"}, "role": {"clerk"}, "password": {"typed-secret-99"}}
	p := b.post(base+"/users/new", form, "Referer", base+"/users/new")
	assert.Equal(t, http.StatusUnauthorized, p.Status)
	assert.Contains(t, p.Body, `action="/login"`, "the sign-in form")
	assert.Contains(t, p.Body, "Your session ended before this was saved")
	assert.Contains(t, p.Body, `class="topbar"`, "in the site's layout")
	assert.NotContains(t, p.Body, "typed-secret-99", "a password is never kept or shown")
	assert.Len(t, s.users(t, "demo"), 1, "nothing was created")
	m := draftRe.FindStringSubmatch(p.Body)
	require.NotNil(t, m, "the sign-in form carries the kept form")
	draft := m[1]
	require.NotNil(t, nextRe.FindStringSubmatch(p.Body))
	assert.Equal(t, "/users/new", nextRe.FindStringSubmatch(p.Body)[1])

	t.Run("a wrong password keeps the form waiting", func(t *testing.T) {
		p := b.post(base+"/login", url.Values{"email": {"admin@demo.localhost"}, "password": {"wrong-password"}, "draft": {draft}, "next": {"/users/new"}})
		assert.Equal(t, http.StatusUnauthorized, p.Status)
		assert.Contains(t, p.Body, `name="draft" value="`+draft+`"`)
	})

	p = b.post(base+"/login", url.Values{"email": {"admin@demo.localhost"}, "password": {adminPass}, "draft": {draft}, "next": {"/users/new"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	assert.Equal(t, "/users/new", p.Location())

	p = b.get(base + "/users/new")
	require.Equal(t, http.StatusOK, p.Status)
	action, fields := restored(p.Body)
	assert.Equal(t, "/users/new", action)
	assert.Contains(t, fields, "new.clerk@demo.localhost")
	assert.Contains(t, fields, "Nadia Njoroge")
	assert.Contains(t, fields, "clerk")
	assert.NotContains(t, p.Body, "typed-secret-99")
	assert.NotContains(t, fields, token, "the old form token is not put back")
	assert.Contains(t, p.Body, "What you typed is back")
	assert.Contains(t, p.Body, `src="/static/app.js?v=`, "the script that fills the form in")
	assert.Len(t, s.users(t, "demo"), 1, "still nothing created: the form waits for its button")

	p = b.get(base + "/users/new")
	action, _ = restored(p.Body)
	assert.Empty(t, action, "a kept form comes back once")
}

// TestKeptFormStaysInItsSchool: a form kept at one school is never handed out at
// another school, even to a browser that presents its id there, nor to another account
// of the same school.
func TestKeptFormStaysInItsSchool(t *testing.T) {
	s := startServer(t)
	s.school(t, "alpha", "Alpha Academy")
	s.school(t, "beta", "Beta Boarding")
	s.user(t, "alpha", "tess@alpha.localhost", "Tess Teacher", auth.RoleTeacher, teacherPass)
	alpha, beta := s.url("localhost", "/t/alpha"), s.url("localhost", "/t/beta")

	keep := func(t *testing.T) string {
		b, token := s.signedIn(t, alpha, "admin@alpha.localhost", adminPass)
		s.endSessions(t, "alpha")
		p := b.post(alpha+"/users/new", url.Values{"_csrf": {token}, "email": {"secret.person@alpha.localhost"}, "name": {"Alpha Only Name"}, "role": {"clerk"}},
			"Referer", alpha+"/users/new")
		require.Equal(t, http.StatusUnauthorized, p.Status)
		m := draftRe.FindStringSubmatch(p.Body)
		require.NotNil(t, m)
		return m[1]
	}

	t.Run("another school", func(t *testing.T) {
		draft := keep(t)
		b := s.browser(t)
		p := b.post(beta+"/login", url.Values{"email": {"admin@beta.localhost"}, "password": {adminPass}, "draft": {draft}, "next": {"/t/alpha/users/new"}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		assert.Equal(t, "/t/beta/", p.Location(), "never sent to the other school's page")
		for _, path := range []string{"/", "/users/new", "/users"} {
			p = b.get(beta + path)
			assert.NotContains(t, p.Body, "Alpha Only Name", path)
			assert.NotContains(t, p.Body, "secret.person", path)
		}

		// The school it belongs to can still have it back.
		a := s.browser(t)
		p = a.post(alpha+"/login", url.Values{"email": {"admin@alpha.localhost"}, "password": {adminPass}, "draft": {draft}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		assert.Equal(t, "/t/alpha/users/new", p.Location())
		_, fields := restored(a.get(alpha + "/users/new").Body)
		assert.Contains(t, fields, "Alpha Only Name")
	})

	t.Run("another account of the same school", func(t *testing.T) {
		draft := keep(t)
		b := s.browser(t)
		p := b.post(alpha+"/login", url.Values{"email": {"tess@alpha.localhost"}, "password": {teacherPass}, "draft": {draft}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		assert.Equal(t, "/t/alpha/", p.Location())
		assert.NotContains(t, b.get(alpha+"/").Body, "Alpha Only Name")
	})
}

// TestSearchAfterTheSessionEnded: a search (a plain GET or the live search's htmx GET)
// made after the session ended signs in again and comes back to the same search.
func TestSearchAfterTheSessionEnded(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	base := s.url("demo.localhost", "")
	b, _ := s.signedIn(t, base, "admin@demo.localhost", adminPass)
	s.endSessions(t, "demo")

	p := b.get(base+"/students?search=otieno&status=active", "HX-Request", "true")
	assert.Equal(t, http.StatusNoContent, p.Status)
	to, err := url.Parse(p.Header.Get("HX-Redirect"))
	require.NoError(t, err)
	assert.Equal(t, "/login", to.Path)
	assert.Equal(t, "/students?search=otieno&status=active", to.Query().Get("next"))

	p = b.get(base + to.String())
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "Your session ended")
	p = b.post(base+"/login", url.Values{"email": {"admin@demo.localhost"}, "password": {adminPass}, "next": {to.Query().Get("next")}})
	require.Equal(t, http.StatusSeeOther, p.Status)
	assert.Equal(t, "/students?search=otieno&status=active", p.Location())
	p = b.get(base + p.Location())
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, `value="otieno"`, "the search is there again")
}

// TestStaleFormToken: a form opened before the last sign-in (in another tab) is refused
// with a page in the normal layout that says why, and its values wait on the form.
func TestStaleFormToken(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	base := s.url("demo.localhost", "")
	b, old := s.signedIn(t, base, "admin@demo.localhost", adminPass)
	b.post(base+"/logout", url.Values{"_csrf": {old}})
	b.login(base, "admin@demo.localhost", adminPass)

	p := b.post(base+"/users/new", url.Values{"_csrf": {old}, "email": {"late@demo.localhost"}, "name": {"Lola Late"}, "role": {"viewer"}},
		"Referer", base+"/users/new")
	assert.Equal(t, http.StatusForbidden, p.Status)
	assert.Contains(t, p.Body, `class="topbar"`, "in the site's layout")
	assert.Contains(t, p.Body, `href="/users"`, "with the signed-in navigation")
	assert.Contains(t, p.Body, "This form is out of date")
	assert.Contains(t, p.Body, "CSRF", "the technical reason is named too")
	assert.Contains(t, p.Body, `href="/users/new"`, "a way back to the form")
	assert.Len(t, s.users(t, "demo"), 1)

	p = b.get(base + "/users/new")
	_, fields := restored(p.Body)
	assert.Contains(t, fields, "Lola Late")
	assert.Contains(t, p.Body, "What you typed is back")
}

// TestErrorPagesUseTheLayout: unknown pages, refusals, unknown and suspended schools are
// pages of the site with a way home; a suspended school is "temporarily unavailable".
func TestErrorPagesUseTheLayout(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	s.school(t, "paused", "Paused Primary")
	s.user(t, "demo", "tess@demo.localhost", "Tess Teacher", auth.RoleTeacher, teacherPass)
	_, err := s.App.Clients.Suspend(context.Background(), "paused")
	require.NoError(t, err)
	base := s.url("demo.localhost", "")
	admin, _ := s.signedIn(t, base, "admin@demo.localhost", adminPass)
	teacher, _ := s.signedIn(t, base, "tess@demo.localhost", teacherPass)
	anon := s.browser(t)

	cases := []struct {
		name   string
		b      *browser
		url    string
		status int
		want   []string
		not    []string
	}{
		{"no such page", admin, base + "/no/such/page", 404, []string{"Not found", `href="/users"`, `href="/">`}, nil},
		{"no such record", admin, base + "/users/9999", 404, []string{"Not found", `href="/users"`}, nil},
		{"not allowed", teacher, base + "/users", 403, []string{"Not allowed", "Back to the start page"}, nil},
		{"unknown school", anon, s.url("nobody.localhost", "/"), 404, []string{"nobody.localhost", `href="http://localhost:` + s.Port + `/"`}, []string{"Not allowed"}},
		{"unknown school in a folder", anon, s.url("localhost", "/t/nobody/"), 404, []string{"nobody", `href="http://localhost:` + s.Port + `/"`}, nil},
		{"suspended school", anon, s.url("paused.localhost", "/login"), 403, []string{"Temporarily unavailable", "Try again"}, []string{"Not allowed"}},
		{"suspended school in a folder", anon, s.url("localhost", "/t/paused/students"), 403, []string{"Temporarily unavailable", `href="/t/paused/students"`}, []string{"Not allowed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.b.get(tc.url)
			assert.Equal(t, tc.status, p.Status)
			assert.Contains(t, p.Body, `<header class="topbar">`, "the site's layout")
			assert.Contains(t, p.Body, `/static/app.css?v=`)
			for _, w := range tc.want {
				assert.Contains(t, p.Body, w)
			}
			for _, w := range tc.not {
				assert.NotContains(t, p.Body, w)
			}
		})
	}
}

// TestDeactivatedAccountIsToldAtSignIn: after the password is verified, a deactivated
// account hears why it cannot sign in; a wrong password hears nothing about the account.
func TestDeactivatedAccountIsToldAtSignIn(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	u := s.user(t, "demo", "gone@demo.localhost", "Gil Gone", auth.RoleTeacher, teacherPass)
	base := s.url("demo.localhost", "")
	admin, token := s.signedIn(t, base, "admin@demo.localhost", adminPass)
	p := admin.post(base+"/users/"+strconv.FormatInt(u.ID, 10)+"/active", url.Values{"_csrf": {token}, "active": {"0"}})
	require.Equal(t, http.StatusSeeOther, p.Status)

	b := s.browser(t)
	p = b.post(base+"/login", url.Values{"email": {"gone@demo.localhost"}, "password": {"not-the-password"}})
	assert.Equal(t, http.StatusUnauthorized, p.Status)
	assert.Contains(t, p.Body, "The email or password is not correct")
	assert.NotContains(t, p.Body, "deactivated")

	p = b.post(base+"/login", url.Values{"email": {"gone@demo.localhost"}, "password": {teacherPass}})
	assert.Equal(t, http.StatusUnauthorized, p.Status)
	assert.Contains(t, p.Body, "This account is deactivated")
	assert.Contains(t, p.Body, "ask an admin of the school")
	assert.Empty(t, p.Header.Values("Set-Cookie"), "no session")
}

// TestDeactivateShowsAMessage: the htmx answer to deactivating a user swaps the row and
// says what happened in the page's message area.
func TestDeactivateShowsAMessage(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	u := s.user(t, "demo", "tess@demo.localhost", "Tess Teacher", auth.RoleTeacher, teacherPass)
	base := s.url("demo.localhost", "")
	b, token := s.signedIn(t, base, "admin@demo.localhost", adminPass)

	p := b.get(base + "/users")
	assert.Contains(t, p.Body, `id="flash"`, "the page has a message area")
	assert.Contains(t, p.Body, `data-confirm="Deactivate the account of Tess Teacher?`)

	p = b.post(base+"/users/"+strconv.FormatInt(u.ID, 10)+"/active", url.Values{"active": {"0"}}, "HX-Request", "true", "X-CSRF-Token", token)
	require.Equal(t, http.StatusOK, p.Status)
	assert.True(t, strings.HasPrefix(strings.TrimSpace(p.Body), "<tr id=\"user-"), p.Body)
	assert.Contains(t, p.Body, `hx-swap-oob`)
	assert.Contains(t, p.Body, "Tess Teacher’s account is deactivated")
}
