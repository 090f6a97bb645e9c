package webtest

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
)

func TestAnonymousIsSentToSignIn(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	b := s.browser(t)

	cases := []struct{ name, url, want string }{
		{"school start page", s.url("demo.localhost", "/"), "/login"},
		{"platform start page", s.url("localhost", "/"), "/login"},
		{"subfolder start page", s.url("localhost", "/t/demo/"), "/t/demo/login"},
		{"school users page keeps the way back", s.url("demo.localhost", "/users"), "/login?next=%2Fusers"},
		{"platform school page keeps the way back", s.url("localhost", "/schools/demo"), "/login?next=%2Fschools%2Fdemo"},
		{"subfolder users page", s.url("localhost", "/t/demo/users"), "/t/demo/login?next=%2Ft%2Fdemo%2Fusers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := b.get(tc.url)
			assert.Equal(t, http.StatusSeeOther, p.Status)
			assert.Equal(t, tc.want, p.Location())
		})
	}

	t.Run("htmx requests get HX-Redirect", func(t *testing.T) {
		// An htmx GET (the live search) is a page's URL too: it comes back there.
		p := b.get(s.url("demo.localhost", "/users"), "HX-Request", "true")
		assert.Equal(t, http.StatusNoContent, p.Status)
		assert.Equal(t, "/login?next=%2Fusers", p.Header.Get("HX-Redirect"))
	})

	t.Run("sign-in pages render", func(t *testing.T) {
		p := b.get(s.url("demo.localhost", "/login"))
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, "Demo High School")
		assert.Contains(t, p.Body, `action="/login"`)
		assert.Equal(t, "no-store", p.Header.Get("Cache-Control"))
		p = b.get(s.url("localhost", "/login"))
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, "SMS Platform")
	})
}

func TestSignIn(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	base := s.url("demo.localhost", "")

	t.Run("wrong password shows the form again with the error", func(t *testing.T) {
		b := s.browser(t)
		p := b.post(base+"/login", url.Values{"email": {"admin@demo.localhost"}, "password": {"not-the-password"}})
		assert.Equal(t, http.StatusUnauthorized, p.Status)
		assert.Contains(t, p.Body, "The email or password is not correct")
		assert.Contains(t, p.Body, `value="admin@demo.localhost"`, "the email is kept")
		assert.NotContains(t, p.Body, "not-the-password", "the password is never echoed")
		assert.Empty(t, p.Header.Values("Set-Cookie"))
	})

	t.Run("empty fields are marked next to the fields", func(t *testing.T) {
		b := s.browser(t)
		p := b.post(base+"/login", url.Values{"email": {""}, "password": {""}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-email-err"`)
		assert.Contains(t, p.Body, `id="f-password-err"`)
		assert.Contains(t, p.Body, "Must not be empty")
	})

	t.Run("right password opens the dashboard", func(t *testing.T) {
		b := s.browser(t)
		b.login(base, "admin@demo.localhost", adminPass)
		p := b.get(base + "/")
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, "<h1>Demo High School</h1>")
		assert.Contains(t, p.Body, "Ada Admin")
		assert.Contains(t, p.Body, "Admin")
		assert.Contains(t, p.Body, "demo.localhost")
		assert.Contains(t, p.Body, `href="/users"`)
		assert.Regexp(t, `hx-headers="\{&#34;X-CSRF-Token&#34;:&#34;[^&]+&#34;\}"`, p.Body)

		// The sign-in page sends a signed-in user home.
		p = b.get(base + "/login")
		assert.Equal(t, http.StatusSeeOther, p.Status)
		assert.Equal(t, "/", p.Location())
	})

	t.Run("next brings the user back, but only inside the school", func(t *testing.T) {
		b := s.browser(t)
		p := b.post(base+"/login", url.Values{"email": {"admin@demo.localhost"}, "password": {adminPass}, "next": {"/users"}})
		assert.Equal(t, http.StatusSeeOther, p.Status)
		assert.Equal(t, "/users", p.Location())
		for _, evil := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
			b := s.browser(t)
			p := b.post(base+"/login", url.Values{"email": {"admin@demo.localhost"}, "password": {adminPass}, "next": {evil}})
			assert.Equal(t, "/", p.Location(), evil)
		}
	})

	t.Run("sign out ends the session", func(t *testing.T) {
		b := s.browser(t)
		b.login(base, "admin@demo.localhost", adminPass)
		token := b.csrf(base + "/")
		p := b.post(base+"/logout", url.Values{"_csrf": {token}})
		assert.Equal(t, http.StatusSeeOther, p.Status)
		assert.Equal(t, "/login?done=signed_out", p.Location())
		p = b.get(base + "/login?done=signed_out")
		assert.Contains(t, p.Body, "You are signed out.")
		p = b.get(base + "/")
		assert.Equal(t, http.StatusSeeOther, p.Status)
	})

	t.Run("platform admin cannot sign in to a school", func(t *testing.T) {
		b := s.browser(t)
		p := b.post(base+"/login", url.Values{"email": {platformEmail}, "password": {platformPass}})
		assert.Equal(t, http.StatusUnauthorized, p.Status)
	})
}

func TestCSRF(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	base := s.url("demo.localhost", "")
	b := s.browser(t)
	b.login(base, "admin@demo.localhost", adminPass)
	form := url.Values{"email": {"new.teacher@demo.localhost"}, "name": {"New Teacher"}, "role": {"teacher"}, "password": {teacherPass}}

	p := b.post(base+"/users/new", form)
	assert.Equal(t, http.StatusForbidden, p.Status)
	assert.Contains(t, p.Body, "CSRF")
	p = b.post(base+"/users/new", url.Values{"_csrf": {"forged"}, "email": form["email"], "name": form["name"], "role": form["role"], "password": form["password"]})
	assert.Equal(t, http.StatusForbidden, p.Status)
	assert.Len(t, s.users(t, "demo"), 1, "no user was created")

	form.Set("_csrf", b.csrf(base+"/users/new"))
	p = b.post(base+"/users/new", form)
	assert.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	assert.Equal(t, "/users?done=user_created", p.Location())
	assert.Len(t, s.users(t, "demo"), 2)

	t.Run("sign-out needs the token too", func(t *testing.T) {
		p := b.post(base+"/logout", url.Values{})
		assert.Equal(t, http.StatusForbidden, p.Status)
		assert.Equal(t, http.StatusOK, b.get(base+"/").Status, "still signed in")
	})
}

func TestRoles(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	s.user(t, "demo", "teacher@demo.localhost", "Tess Teacher", auth.RoleTeacher, teacherPass)
	base := s.url("demo.localhost", "")
	b := s.browser(t)
	b.login(base, "teacher@demo.localhost", teacherPass)

	p := b.get(base + "/")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "Tess Teacher")
	assert.Contains(t, p.Body, "Teacher")
	assert.NotContains(t, p.Body, `href="/users"`, "no users link for teachers")

	for _, path := range []string{"/users", "/users/new", "/users/1"} {
		p = b.get(base + path)
		assert.Equal(t, http.StatusForbidden, p.Status, path)
		assert.Contains(t, p.Body, "Not allowed", path)
		assert.Contains(t, p.Body, "/static/app.css", "the 403 page is in the site's layout")
	}
	p = b.post(base+"/users/new", url.Values{"_csrf": {b.csrf(base + "/")}, "email": {"x@demo.localhost"}, "role": {"admin"}, "password": {teacherPass}})
	assert.Equal(t, http.StatusForbidden, p.Status)
	assert.Len(t, s.users(t, "demo"), 2)

	t.Run("a school session is not a platform session", func(t *testing.T) {
		p := b.get(s.url("localhost", "/"))
		assert.Equal(t, http.StatusSeeOther, p.Status)
	})
}

var linkRe = regexp.MustCompile(`(?:href|action|hx-post|src)="([^"]*)"`)

func TestSubfolderLinks(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	s.user(t, "demo", "teacher@demo.localhost", "Tess Teacher", auth.RoleTeacher, teacherPass)
	base := s.url("localhost", "/t/demo")
	b := s.browser(t)

	checkLinks := func(t *testing.T, body string) {
		t.Helper()
		links := linkRe.FindAllStringSubmatch(body, -1)
		require.NotEmpty(t, links)
		for _, m := range links {
			l := m[1]
			if strings.HasPrefix(l, "http://") || l == "#main" {
				continue // a school's own domains, the skip link
			}
			assert.True(t, strings.HasPrefix(l, "/t/demo/"), "link %q does not keep the /t/demo prefix", l)
		}
	}

	p := b.get(base + "/login")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, `action="/t/demo/login"`)
	assert.Contains(t, p.Body, `href="/t/demo/static/app.css?v=`)
	checkLinks(t, p.Body)

	p = b.post(base+"/login", url.Values{"email": {"admin@demo.localhost"}, "password": {adminPass}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	assert.Equal(t, "/t/demo/", p.Location())
	for _, c := range p.Header.Values("Set-Cookie") {
		assert.Contains(t, c, "path=/t/demo/", "the school cookie stays in its folder")
	}

	for _, path := range []string{"/", "/users", "/users/new", "/users/1"} {
		p = b.get(base + path)
		require.Equal(t, http.StatusOK, p.Status, path)
		assert.Contains(t, p.Body, "Demo High School", path)
		checkLinks(t, p.Body)
	}

	token := b.csrf(base + "/users")
	p = b.post(base+"/users/new", url.Values{"_csrf": {token}, "email": {"clerk@demo.localhost"}, "name": {"Cleo Clerk"}, "role": {"clerk"}, "password": {teacherPass}})
	assert.Equal(t, http.StatusSeeOther, p.Status)
	assert.Equal(t, "/t/demo/users?done=user_created", p.Location())

	p = b.get(base + "/static/app.css")
	assert.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Header.Get("Content-Type"), "text/css")

	p = b.post(base+"/logout", url.Values{"_csrf": {token}})
	assert.Equal(t, "/t/demo/login?done=signed_out", p.Location())
}

func TestUserManagement(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	teacher := s.user(t, "demo", "teacher@demo.localhost", "Tess Teacher", auth.RoleTeacher, teacherPass)
	base := s.url("demo.localhost", "")
	b := s.browser(t)
	b.login(base, "admin@demo.localhost", adminPass)
	token := b.csrf(base + "/users")
	userURL := base + "/users/" + strconv.FormatInt(teacher.ID, 10)

	t.Run("list shows role and status", func(t *testing.T) {
		p := b.get(base + "/users")
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, "Tess Teacher")
		assert.Contains(t, p.Body, "teacher@demo.localhost")
		assert.Contains(t, p.Body, "badge-teacher")
		assert.Contains(t, p.Body, "Active")
		assert.Contains(t, p.Body, "(you)")
	})

	t.Run("bad input is marked and kept", func(t *testing.T) {
		p := b.post(base+"/users/new", url.Values{"_csrf": {token}, "email": {"not an email"}, "name": {"Someone Kept"},
			"role": {"clerk"}, "password": {"short"}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, "Please correct the highlighted fields.")
		assert.Contains(t, p.Body, `id="f-email-err"`)
		assert.Contains(t, p.Body, `id="f-password-err"`)
		assert.Contains(t, p.Body, `value="not an email"`)
		assert.Contains(t, p.Body, `value="Someone Kept"`)
		assert.Regexp(t, `<option value="clerk" selected>`, p.Body)
		assert.Len(t, s.users(t, "demo"), 2, "nothing written")
	})

	t.Run("duplicate email", func(t *testing.T) {
		p := b.post(base+"/users/new", url.Values{"_csrf": {token}, "email": {"teacher@demo.localhost"}, "role": {"clerk"}, "password": {teacherPass}})
		assert.Equal(t, http.StatusConflict, p.Status)
		assert.Contains(t, p.Body, "Is already used by another account")
	})

	t.Run("edit name and role", func(t *testing.T) {
		p := b.get(userURL)
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, `value="Tess Teacher"`)
		p = b.post(userURL, url.Values{"_csrf": {token}, "name": {"Tess T. Teacher"}, "role": {"clerk"}, "active": {"1"}})
		assert.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		assert.Equal(t, "/users?done=user_saved", p.Location())
		p = b.get(base + "/users?done=user_saved")
		assert.Contains(t, p.Body, "The changes were saved.")
		assert.Contains(t, p.Body, "Tess T. Teacher")
		assert.Contains(t, p.Body, "badge-clerk")
	})

	t.Run("bad role is marked", func(t *testing.T) {
		p := b.post(userURL, url.Values{"_csrf": {token}, "name": {"Tess"}, "role": {"headmaster"}, "active": {"1"}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-role-err"`)
	})

	t.Run("deactivate and activate with htmx swaps the row", func(t *testing.T) {
		p := b.post(userURL+"/active", url.Values{"active": {"0"}}, "HX-Request", "true", "X-CSRF-Token", token)
		require.Equal(t, http.StatusOK, p.Status, p.Body)
		assert.True(t, strings.HasPrefix(strings.TrimSpace(p.Body), "<tr id=\"user-"), p.Body)
		assert.Contains(t, p.Body, "Inactive")
		assert.Contains(t, p.Body, ">Activate<")
		assert.NotContains(t, p.Body, "<html")

		p = b.post(userURL+"/active", url.Values{"_csrf": {token}, "active": {"1"}})
		assert.Equal(t, http.StatusSeeOther, p.Status)
		assert.Equal(t, "/users?done=user_activated", p.Location())
	})

	t.Run("the last admin stays", func(t *testing.T) {
		admin := s.users(t, "demo")[0]
		require.Equal(t, auth.RoleAdmin, admin.Role)
		adminURL := base + "/users/" + strconv.FormatInt(admin.ID, 10)
		p := b.post(adminURL, url.Values{"_csrf": {token}, "name": {"Ada"}, "role": {"teacher"}, "active": {"1"}})
		assert.Equal(t, http.StatusConflict, p.Status)
		assert.Contains(t, p.Body, "last active admin")
		p = b.post(adminURL+"/active", url.Values{"active": {"0"}}, "HX-Request", "true", "X-CSRF-Token", token)
		assert.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, "cannot deactivate your own account")
	})

	t.Run("password reset", func(t *testing.T) {
		p := b.post(userURL+"/password", url.Values{"_csrf": {token}, "password": {"brand-new-pass"}, "password_confirm": {"other"}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-password-confirm-err"`)
		p = b.post(userURL+"/password", url.Values{"_csrf": {token}, "password": {"short"}, "password_confirm": {"short"}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-password-err"`)
		p = b.post(userURL+"/password", url.Values{"_csrf": {token}, "password": {"brand-new-pass"}, "password_confirm": {"brand-new-pass"}})
		assert.Equal(t, http.StatusSeeOther, p.Status)

		tb := s.browser(t)
		tb.login(base, "teacher@demo.localhost", "brand-new-pass")
	})

	t.Run("unknown user is a 404 page", func(t *testing.T) {
		for _, path := range []string{"/users/9999", "/users/abc"} {
			p := b.get(base + path)
			assert.Equal(t, http.StatusNotFound, p.Status, path)
			assert.Contains(t, p.Body, "Not found")
		}
	})
}

func TestPlatformPages(t *testing.T) {
	s := startServer(t)
	base := s.url("localhost", "")
	b := s.browser(t)
	b.login(base, platformEmail, platformPass)

	p := b.get(base + "/")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "SMS Platform")
	assert.Contains(t, p.Body, "No schools yet")
	token := b.csrf(base + "/schools/new")

	t.Run("field errors from the service are shown and values kept", func(t *testing.T) {
		p := b.post(base+"/schools/new", url.Values{"_csrf": {token}, "schema_name": {"Bad-Name"}, "name": {"Kept Name"},
			"domain": {"not a domain"}, "admin.email": {"nobody"}, "admin.password": {"x"}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-admin-email-err"`)
		assert.Contains(t, p.Body, `id="f-admin-password-err"`)
		assert.Contains(t, p.Body, `value="Kept Name"`)
		assert.Contains(t, p.Body, `value="Bad-Name"`)
		p = b.post(base+"/schools/new", url.Values{"_csrf": {token}, "schema_name": {"Bad-Name"}, "name": {""}, "domain": {"not a domain"}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-schema-name-err"`)
		assert.Contains(t, p.Body, `id="f-name-err"`)
		assert.Contains(t, p.Body, `id="f-domain-err"`)
	})

	t.Run("create a school with its first admin", func(t *testing.T) {
		p := b.post(base+"/schools/new", url.Values{"_csrf": {token}, "schema_name": {"hill"}, "name": {"Hill School"},
			"domain": {"hill.example.org"}, "admin.email": {"head@hill.example.org"}, "admin.name": {"Hana Head"}, "admin.password": {adminPass}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		assert.Equal(t, "/schools/hill?done=created", p.Location())
		p = b.get(base + p.Location())
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, "The school was created.")
		assert.Contains(t, p.Body, "hill.localhost")
		assert.Contains(t, p.Body, "hill.example.org")
		assert.Contains(t, p.Body, `href="http://hill.localhost:`+s.Port+`/"`)

		sb := s.browser(t)
		sb.login(s.url("hill.localhost", ""), "head@hill.example.org", adminPass)
		p = sb.get(s.url("hill.localhost", "/"))
		assert.Contains(t, p.Body, "<h1>Hill School</h1>")

		p = b.post(base+"/schools/new", url.Values{"_csrf": {token}, "schema_name": {"hill"}, "name": {"Hill Again"}})
		assert.Equal(t, http.StatusConflict, p.Status)
		assert.Contains(t, p.Body, "Is already taken")
	})

	t.Run("list", func(t *testing.T) {
		p := b.get(base + "/")
		assert.Contains(t, p.Body, "Hill School")
		assert.Contains(t, p.Body, `href="/schools/hill"`)
		assert.Contains(t, p.Body, `href="/t/hill/"`)
	})

	detail := base + "/schools/hill"
	t.Run("rename", func(t *testing.T) {
		p := b.post(detail+"/name", url.Values{"_csrf": {token}, "name": {"  "}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-name-err"`)
		p = b.post(detail+"/name", url.Values{"_csrf": {token}, "name": {"Hill Academy"}})
		assert.Equal(t, http.StatusSeeOther, p.Status)
		assert.Equal(t, "/schools/hill?done=renamed", p.Location())
		assert.Contains(t, b.get(detail).Body, "<h1>Hill Academy</h1>")
	})

	t.Run("suspend and resume", func(t *testing.T) {
		p := b.post(detail+"/status", url.Values{"_csrf": {token}, "status": {"suspended"}})
		assert.Equal(t, "/schools/hill?done=suspended", p.Location())
		assert.Equal(t, http.StatusForbidden, s.browser(t).get(s.url("hill.localhost", "/login")).Status)
		p = b.post(detail+"/status", url.Values{"_csrf": {token}, "status": {"active"}})
		assert.Equal(t, "/schools/hill?done=resumed", p.Location())
		assert.Equal(t, http.StatusOK, s.browser(t).get(s.url("hill.localhost", "/login")).Status)
	})

	t.Run("domains", func(t *testing.T) {
		p := b.post(detail+"/domains", url.Values{"_csrf": {token}, "domain": {"hill.lan"}})
		assert.Equal(t, "/schools/hill?done=domain_added", p.Location())
		p = b.post(detail+"/domains", url.Values{"_csrf": {token}, "domain": {"hill.lan"}})
		assert.Equal(t, http.StatusConflict, p.Status)
		assert.Contains(t, p.Body, `value="hill.lan"`)
		p = b.post(detail+"/domains/primary", url.Values{"_csrf": {token}, "domain": {"hill.lan"}})
		assert.Equal(t, "/schools/hill?done=primary_set", p.Location())
		tn, err := s.App.Clients.Get(t.Context(), "hill")
		require.NoError(t, err)
		assert.Equal(t, "hill.lan", tn.PrimaryDomain())
		p = b.post(detail+"/domains/remove", url.Values{"_csrf": {token}, "domain": {"hill.example.org"}})
		assert.Equal(t, "/schools/hill?done=domain_removed", p.Location())
		p = b.post(detail+"/domains/remove", url.Values{"_csrf": {token}, "domain": {"localhost"}})
		assert.Equal(t, http.StatusNotFound, p.Status)
		tn, err = s.App.Clients.Get(t.Context(), "hill")
		require.NoError(t, err)
		assert.Len(t, tn.Domains, 2)
	})

	t.Run("delete needs the schema typed again", func(t *testing.T) {
		p := b.get(detail + "/delete")
		require.Equal(t, http.StatusOK, p.Status)
		p = b.post(detail+"/delete", url.Values{"_csrf": {token}, "confirm": {"hil"}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-confirm-err"`)
		_, err := s.App.Clients.Get(t.Context(), "hill")
		require.NoError(t, err, "still there")
		p = b.post(detail+"/delete", url.Values{"_csrf": {token}, "confirm": {"hill"}})
		assert.Equal(t, http.StatusSeeOther, p.Status)
		assert.Equal(t, "/?done=deleted", p.Location())
		_, err = s.App.Clients.Get(t.Context(), "hill")
		assert.Error(t, err)
		assert.Equal(t, http.StatusNotFound, b.get(detail).Status)
	})

	t.Run("actions are audited", func(t *testing.T) {
		rows, _, err := auth.PlatformStore(s.App.Catalog).ListAudit(t.Context(), 100, 0)
		require.NoError(t, err)
		var actions []string
		for _, r := range rows {
			actions = append(actions, r.Action)
		}
		for _, a := range []string{"tenant.create", "tenant.update", "domain.add", "domain.set_primary", "domain.remove", "tenant.delete"} {
			assert.Contains(t, actions, a)
		}
	})
}

func TestStaticAssets(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	b := s.browser(t)
	login := b.get(s.url("localhost", "/login")).Body
	v := regexp.MustCompile(`app\.css\?v=([0-9a-f]+)`).FindStringSubmatch(login)
	require.NotNil(t, v)

	for _, u := range []string{s.url("localhost", "/static/app.css"), s.url("demo.localhost", "/static/app.css"), s.url("localhost", "/t/demo/static/app.css")} {
		p := b.get(u)
		require.Equal(t, http.StatusOK, p.Status, u)
		assert.Equal(t, "text/css; charset=utf-8", p.Header.Get("Content-Type"))
		assert.Equal(t, "public, max-age=300", p.Header.Get("Cache-Control"))
		etag := p.Header.Get("ETag")
		require.NotEmpty(t, etag)
		assert.Equal(t, http.StatusNotModified, b.get(u, "If-None-Match", etag).Status)
	}
	p := b.get(s.url("localhost", "/static/htmx.min.js?v="+v[1]))
	assert.Equal(t, http.StatusOK, p.Status)
	assert.Equal(t, "public, max-age=31536000, immutable", p.Header.Get("Cache-Control"))
	assert.Contains(t, p.Header.Get("Content-Type"), "javascript")
	assert.Contains(t, p.Body, "htmx")

	for _, path := range []string{"/static/nope.css", "/static/../webui.go", "/static/"} {
		assert.Equal(t, http.StatusNotFound, b.get(s.url("localhost", path)).Status, path)
	}
}
