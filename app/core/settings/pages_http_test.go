package settings_test

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

func browserOf(s *apptest.Server, schema, email string) *apptest.Client {
	c := s.Client(schema+".localhost", "")
	c.Login(email)
	return c
}

func postForm(c *apptest.Client, path string, v url.Values) (int, string, string) {
	status, h, body := c.Do("POST", path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
	return status, h.Get("Location"), string(body)
}

func getPage(t *testing.T, c *apptest.Client, path string) string {
	t.Helper()
	status, _, body := c.Do("GET", path, "", nil)
	require.Equal(t, 200, status, string(body))
	return string(body)
}

// TestSettingsPage: the admin changes the profile on the settings page; the new name is
// in the top bar and the platform's list; a bad timezone is shown next to its field and
// writes nothing; other roles cannot open the page.
func TestSettingsPage(t *testing.T) {
	s := start(t)
	a := browserOf(s, "alpha", "admin@alpha.test")
	page := getPage(t, a, "/settings")
	assert.Contains(t, page, `value="Alpha School"`)
	assert.Contains(t, page, "ADM/{year}/{seq:04}", "the admission-number pattern is on the page")

	form := url.Values{"name": {"Alpha Academy"}, "motto": {"Learn"}, "address": {""}, "phone": {"0772 123456"},
		"email": {""}, "country_code": {"UG"}, "timezone": {"Africa/Kampala"}, "date_format": {"MM/DD/YYYY"}}
	// (the client follows the redirect to the page that says so)
	status, _, body := postForm(a, "/settings", form)
	require.Equal(t, 200, status, body)
	assert.Contains(t, body, "The school&#39;s settings were saved.")
	p := profileOf(t, s, "alpha")
	assert.Equal(t, []string{"Alpha Academy", "+256772123456", "UG", "Africa/Kampala", "MM/DD/YYYY"},
		[]string{p.Name, p.Phone, p.CountryCode, p.Timezone, p.DateFormat})
	assert.Equal(t, "Alpha Academy", catalogName(t, s, "alpha"))
	assert.Contains(t, body, `<span class="brand-name">Alpha Academy</span>`, "the top bar has the new name")

	form.Set("timezone", "Africa/Atlantis")
	form.Set("name", "Never Saved")
	status, _, body = postForm(a, "/settings", form)
	assert.Equal(t, 400, status)
	assert.Contains(t, body, "Is not a timezone known here")
	assert.Contains(t, body, `value="Never Saved"`, "what was typed is shown again")
	assert.Equal(t, "Alpha Academy", profileOf(t, s, "alpha").Name)

	status, _, body = postForm(a, "/settings/admission-pattern", url.Values{"pattern": {"A-{seq:03}"}})
	require.Equal(t, 200, status, body)
	assert.Contains(t, body, "The admission number pattern was saved.")
	assert.Contains(t, body, "A-001")

	status, _, body = postForm(a, "/settings/admission-pattern", url.Values{"pattern": {"no placeholder"}})
	assert.Equal(t, 400, status, body)

	for _, role := range []auth.Role{auth.RoleTeacher, auth.RoleClerk, auth.RoleViewer} {
		email := string(role) + "@alpha.test"
		s.CreateUser("alpha", email, role)
		c := browserOf(s, "alpha", email)
		status, _, _ := c.Do("GET", "/settings", "", nil)
		assert.Equal(t, 403, status, role)
		status, _, _ = postForm(c, "/settings", form)
		assert.Equal(t, 403, status, role)
		status, _, _ = c.Do("GET", "/audit", "", nil)
		assert.Equal(t, 403, status, role)
	}
	assert.Equal(t, "Alpha Academy", profileOf(t, s, "alpha").Name)
}

// TestPagesWriteDatesAsTheSchool: dates on pages follow the school's format and moments
// its timezone; inputs keep ISO dates.
func TestPagesWriteDatesAsTheSchool(t *testing.T) {
	s := start(t)
	api := admin(s, "alpha")
	status, body := api.JSON("POST", "/api/core/sessions/", map[string]any{"name": "2026/2027", "start_date": "2026-09-01", "end_date": "2027-07-31"})
	require.Equal(t, 201, status, "%v", body)
	s.WithSchool("alpha", func(tn *db.Tenant) error {
		return exec(tn, "UPDATE users SET last_login_at = '2026-12-31T22:30:00.000Z' WHERE email = 'admin@alpha.test'")
	})
	a := s.Client("alpha.localhost", "")
	a.Token = api.Token

	page := getPage(t, a, "/academics/sessions")
	assert.Contains(t, page, "01/09/2026", "DD/MM/YYYY by default")
	assert.NotContains(t, page, ">2026-09-01<")

	status, body = api.JSON("PATCH", "/api/school/profile/", map[string]any{"date_format": "MM/DD/YYYY", "timezone": "Africa/Nairobi"})
	require.Equal(t, 200, status, "%v", body)
	page = getPage(t, a, "/academics/sessions")
	assert.Contains(t, page, "09/01/2026")
	assert.Contains(t, page, "07/31/2027")
	assert.Contains(t, page, `type="date"`, "inputs stay date inputs")

	users := getPage(t, a, "/users")
	assert.Contains(t, users, "01/01/2027 01:30", "a moment in the school's timezone")

	status, body = api.JSON("PATCH", "/api/school/profile/", map[string]any{"date_format": "YYYY-MM-DD", "timezone": "America/Lima"})
	require.Equal(t, 200, status, "%v", body)
	assert.Contains(t, getPage(t, a, "/users"), "2026-12-31 17:30")
}

// TestAuditPage: the admin reads what the log recorded, filtered by user, action and
// date (school days), page by page, with before and after side by side.
func TestAuditPage(t *testing.T) {
	s := start(t)
	api := admin(s, "alpha")
	for _, name := range []string{"One", "Two", "Three"} {
		status, body := api.JSON("PATCH", "/api/school/profile/", map[string]any{"name": "Alpha " + name})
		require.Equal(t, 200, status, "%v", body)
	}
	s.CreateUser("alpha", "clerk@alpha.test", auth.RoleClerk)
	// An old entry from another day, by someone else.
	s.WithSchool("alpha", func(tn *db.Tenant) error {
		return exec(tn, `INSERT INTO audit_log (at, actor_email, action, target, detail) VALUES
			('2026-06-01T10:00:00.000Z', 'old@alpha.test', 'student.update', 'student:1', '{"before":{"first_name":"Jon","gender":"M"},"after":{"first_name":"John","gender":"M"}}')`)
	})
	a := browserOf(s, "alpha", "admin@alpha.test")

	page := getPage(t, a, "/audit")
	assert.Contains(t, page, "school.profile.update")
	assert.Contains(t, page, "student.update")
	assert.Contains(t, page, "<del>Alpha Two</del> → <ins>Alpha Three</ins>", "before and after of the name")
	assert.Contains(t, page, "<del>Jon</del> → <ins>John</ins>")
	assert.NotContains(t, page, "<dt>gender</dt>", "unchanged fields are not listed")

	page = getPage(t, a, "/audit?user=old%40alpha.test")
	assert.Contains(t, page, "student.update")
	assert.NotContains(t, page, "<code>school.profile.update</code>")

	page = getPage(t, a, "/audit?action=school.profile.update")
	assert.Contains(t, page, "3 entries")

	page = getPage(t, a, "/audit?from=2026-06-01&to=2026-06-01")
	assert.Contains(t, page, "1 entry")
	assert.Contains(t, page, "student.update")

	page = getPage(t, a, "/audit?from=2026-06-02")
	assert.NotContains(t, page, "<code>student.update</code>")

	status, _, body := a.Do("GET", "/audit?from=yesterday", "", nil)
	assert.Equal(t, 400, status)
	assert.Contains(t, string(body), "Must be a date like 2025-09-01")

	// Paging: 50 a page.
	s.WithSchool("alpha", func(tn *db.Tenant) error {
		return exec(tn, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 60)
			INSERT INTO audit_log (actor_email, action, detail) SELECT 'bulk@alpha.test', 'bulk.write', '{"n":' || i || '}' FROM n`)
	})
	page = getPage(t, a, "/audit?user=bulk%40alpha.test")
	assert.Contains(t, page, "60 entries")
	assert.Equal(t, 50, strings.Count(page, "<code>bulk.write</code>"))
	assert.Contains(t, page, "page=2")
	page = getPage(t, a, "/audit?user=bulk%40alpha.test&page=2")
	assert.Equal(t, 10, strings.Count(page, "<code>bulk.write</code>"))

	// Another school's log is not this one's.
	other := getPage(t, browserOf(s, "beta", "admin@beta.test"), "/audit")
	assert.NotContains(t, other, "school.profile.update")
	assert.NotContains(t, other, "bulk.write")
}

func exec(tn *db.Tenant, query string) error {
	return tn.Tx(context.Background(), func(_ *tenantdb.Queries, tx *sql.Tx) error {
		_, err := tx.Exec(query)
		return err
	})
}
