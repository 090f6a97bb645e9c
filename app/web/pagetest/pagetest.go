// Package pagetest renders a module's pages with the data its handlers give them, so a
// template that does not fit its data fails in the module's tests rather than in front
// of a user.
package pagetest

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/web"
	"github.com/schoolsms/sms/webui"
)

// Cover renders every template a module names (web.Pages.Templates) with each of the
// data given for it, and fails when a template has no data or data is given for a
// template the module does not name.
func Cover(t *testing.T, templates []string, pages map[string][]any) {
	t.Helper()
	assert.ElementsMatch(t, templates, slices.Collect(maps.Keys(pages)), "every page of the module is rendered")
	for _, name := range slices.Sorted(maps.Keys(pages)) {
		require.NotEmpty(t, pages[name], name)
		for i, data := range pages[name] {
			t.Run(fmt.Sprintf("%s/%d", name, i), func(t *testing.T) { Render(t, name, data) })
		}
	}
}

// Render renders one page in the whole layout, for a signed-in admin of a school under
// /t/demo whose name and whose form error, field errors and flash need escaping, and
// checks what every page must be: escaped, complete, without inline styles (the CSP
// forbids them), with htmx configured and the CSRF token on every form that posts.
func Render(t *testing.T, page string, data any) {
	t.Helper()
	ui, err := webui.New()
	require.NoError(t, err)
	admin := &auth.Principal{Realm: auth.RealmSchool, UserID: 1, Email: "ada@demo.localhost", Name: "Ada <Admin>",
		Role: auth.RoleAdmin, CSRFToken: "tok\"en"}
	v := &web.View{Title: "T", Site: "Demo <School>", Initial: "D", Prefix: "/t/demo", Asset: "abc", User: admin,
		RoleLabel: "Admin", CSRF: admin.CSRFToken, HXHeaders: `{"X-CSRF-Token":"tok\"en"}`,
		Nav:    []web.NavLink{{Label: "Dashboard", Href: "/t/demo/", Active: true}},
		Fields: map[string]string{"email": "Bad", "name": "Bad", "role": "Bad", "domain": "Bad"}, Form: map[string]string{"role": "clerk"},
		Error: "Top error", Flash: "Done", Data: data}
	var buf bytes.Buffer
	require.NoError(t, ui.Render(&buf, page, v))
	html := buf.String()
	assert.True(t, strings.HasPrefix(html, "<!doctype html>"))
	assert.Contains(t, html, "Demo &lt;School&gt;", "text is escaped")
	assert.NotContains(t, html, "<no value>")
	assert.NotContains(t, html, "style=", "no inline styles (CSP)")
	assert.Contains(t, html, `<meta name="htmx-config" content='{"includeIndicatorStyles":false}'>`)
	assert.Contains(t, html, `hx-headers="{&#34;X-CSRF-Token&#34;:&#34;tok\&#34;en&#34;}"`)
	assert.Equal(t, strings.Count(html, "<form"), strings.Count(html, `<form method="get"`)+strings.Count(html, `name="_csrf"`),
		"every form that posts carries the CSRF token")
}
