package web

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
)

func TestSafeNext(t *testing.T) {
	cases := []struct{ prefix, next, want string }{
		{"", "/users", "/users"},
		{"", "/users/3?x=1", "/users/3?x=1"},
		{"", "/", "/"},
		{"", "", ""},
		{"", "//evil.example/", ""},
		{"", "https://evil.example/", ""},
		{"", "/\\evil.example", ""},
		{"", "/login", ""},
		{"", "/login?next=/users", ""},
		{"", "/logout", ""},
		{"/t/demo", "/t/demo/users", "/t/demo/users"},
		{"/t/demo", "/t/other/users", ""},
		{"/t/demo", "/users", ""},
		{"/t/demo", "/t/demo//evil.example", ""},
		{"/t/demo", "/t/demo/login", ""},
		{"/t/demo", "/t/demox/users", ""},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, safeNext(tc.prefix, tc.next), "prefix %q next %q", tc.prefix, tc.next)
	}
}

func TestFormError(t *testing.T) {
	v := &view{Fields: map[string]string{}}
	status, err := formError(v, &errs.Error{Code: errs.Invalid, Message: "invalid input", Fields: map[string]string{"email": "must not be empty"}})
	require.NoError(t, err)
	assert.Equal(t, 400, status)
	assert.Equal(t, "Must not be empty", v.Fields["email"])
	assert.Equal(t, "Please correct the highlighted fields.", v.Error)

	v = &view{Fields: map[string]string{}}
	status, err = formError(v, errs.E(errs.Conflict, "x is the school's last active admin"))
	require.NoError(t, err)
	assert.Equal(t, 409, status)
	assert.Equal(t, "X is the school's last active admin", v.Error)

	internal := errs.Wrap(assert.AnError, "boom")
	_, err = formError(&view{Fields: map[string]string{}}, internal)
	assert.Equal(t, internal, err, "internal errors go to the app's error handler")
}

// TestPagesRender renders every page of the shell with the data its handler gives it, so
// a template that does not fit its data fails here rather than in front of a user. Each
// module renders its own pages (see package pagetest).
func TestPagesRender(t *testing.T) {
	ui, err := loadUI()
	require.NoError(t, err)
	admin := &auth.Principal{Realm: auth.RealmSchool, UserID: 1, Email: "ada@demo.localhost", Name: "Ada <Admin>", Role: auth.RoleAdmin, CSRFToken: "tok\"en"}
	last := "2025-03-04T05:06:07.000Z"
	u := auth.User{ID: 2, Email: "t@demo.localhost", Name: "Tess", Role: auth.RoleTeacher, IsActive: true, LastLoginAt: &last}
	school := schoolView{Schema: "demo", Name: "Demo", Status: "suspended", CreatedAt: last,
		Domains:    []domainView{{Domain: "demo.localhost", IsPrimary: true, URL: "http://demo.localhost:8080/"}, {Domain: "demo.lan", URL: "http://demo.lan:8080/"}},
		PrimaryURL: "http://demo.localhost:8080/", SubfolderURL: "/t/demo/"}
	pages := map[string]any{
		"login": loginData{Next: "/t/demo/users"},
		"error": errorData{Heading: "Not allowed", Message: "No.", Detail: "Small print", Link: "/t/demo/", LinkLabel: "Back"},
		"dashboard": dashboardData{SchoolName: "Demo", Motto: "Learn", UserCount: 3, CanManageUsers: true, Domains: school.Domains,
			Cards: []CardView{{Label: "Students <x>", Value: "12", Text: "active", Link: "/students", LinkText: "See them"}, {Label: "Session", Value: "None yet"},
				{Label: "By class", Wide: true, Head: []string{"Class", "Girls"}, Rows: []CardRow{{Cells: []string{"1A <b>", "3"}, Link: "/students?class=1"},
					{Cells: []string{"All", "3"}}}},
				{Label: "Quick", Actions: []CardLink{{Text: "Add", Link: "/students/new", Primary: true}, {Text: "Import", Link: "/students/import"}}}}},
		"users":         userListData{Rows: []userRow{{Prefix: "/t/demo", CSRF: "tok", User: u, RowError: "Nope", Dates: &view{}}}, Count: 1, Page: 2, Pages: 3, PrevURL: "/t/demo/users?page=1", NextURL: "/t/demo/users?page=3"},
		"user_new":      userFormData{Roles: roleOptions, PasswordHint: passwordHint},
		"user_edit":     userFormData{Roles: roleOptions, User: u, PasswordHint: passwordHint},
		"schools":       schoolListData{Schools: []schoolView{school}},
		"school_new":    schoolNewData{SchemaHint: "s", DomainHint: "d", PasswordHint: "p"},
		"school":        schoolData{School: school},
		"school_delete": schoolData{School: school},
	}
	variants := map[string][]any{}
	assert.ElementsMatch(t, ShellTemplates(), keys(pages), "every page of the shell is covered (modules render theirs)")
	type run struct {
		name string
		data any
	}
	var runs []run
	for name, data := range pages {
		runs = append(runs, run{name, data})
		for i, d := range variants[name] {
			runs = append(runs, run{fmt.Sprintf("%s/%d", name, i+1), d})
		}
	}
	for _, r := range runs {
		name, data := strings.Split(r.name, "/")[0], r.data
		t.Run(r.name, func(t *testing.T) {
			v := &view{Title: "T", Site: "Demo <School>", Initial: "D", Prefix: "/t/demo", Asset: "abc", User: admin,
				RoleLabel: "Admin", CSRF: admin.CSRFToken, HXHeaders: `{"X-CSRF-Token":"tok\"en"}`,
				Nav:    []navItem{{Label: "Dashboard", Href: "/t/demo/", Active: true}},
				Fields: map[string]string{"email": "Bad", "name": "Bad", "role": "Bad", "domain": "Bad"}, Form: map[string]string{"role": "clerk"},
				Error: "Top error", Flash: "Done", Notice: "Note", Data: data,
				Restore: &restoreView{Action: "/t/demo/users/new", Fields: `[["name","<b>kept</b>"]]`, List: []restoreItem{{"Name", "<b>kept</b>"}}}}
			var buf bytes.Buffer
			require.NoError(t, ui.Render(&buf, name, v))
			html := buf.String()
			assert.True(t, strings.HasPrefix(html, "<!doctype html>"))
			assert.Contains(t, html, "Demo &lt;School&gt;", "text is escaped")
			assert.NotContains(t, html, "<no value>")
			assert.NotContains(t, html, "<b>kept</b>", "kept values are escaped")
			assert.Contains(t, html, `id="restore"`)
			assert.NotContains(t, html, "style=", "no inline styles (CSP)")
			assert.Contains(t, html, `<meta name="htmx-config" content='{"includeIndicatorStyles":false}'>`)
			assert.Contains(t, html, `hx-headers="{&#34;X-CSRF-Token&#34;:&#34;tok\&#34;en&#34;}"`)
			assert.Equal(t, strings.Count(html, "<form"), strings.Count(html, `<form method="get"`)+strings.Count(html, `name="_csrf"`),
				"every form that posts carries the CSRF token")
		})
	}

	var buf bytes.Buffer
	require.NoError(t, ui.RenderPart(&buf, "users", "user_row", userRow{Prefix: "", CSRF: "tok", User: u, Dates: &view{}}))
	assert.True(t, strings.HasPrefix(strings.TrimSpace(buf.String()), `<tr id="user-2">`))
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
