package settings_test

import (
	"bytes"
	"context"
	"image"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/db"
)

// TestProfileAPI: an admin reads and changes the profile; the phone is read with the
// new country, the timezone moves "today", the name reaches the catalog, the change is
// audited with before and after.
func TestProfileAPI(t *testing.T) {
	s := start(t)
	a := admin(s, "alpha")

	status, body := a.JSON("GET", "/api/school/profile/", nil)
	require.Equal(t, 200, status, "%v", body)
	assert.Equal(t, "Alpha School", body["name"])
	assert.Equal(t, "UTC", body["timezone"])
	assert.Equal(t, "DD/MM/YYYY", body["date_format"])
	assert.Equal(t, "", body["logo_version"])

	audits := s.Count("alpha", "audit_log")
	status, body = a.JSON("PATCH", "/api/school/profile/", map[string]any{
		"name": "  Alpha Academy ", "motto": "Strive", "address": "P.O. Box 1\nNairobi", "phone": "0712 345 678",
		"email": "Office@Alpha.ac.ke", "country_code": "ke", "timezone": "Africa/Nairobi", "date_format": "YYYY-MM-DD"})
	require.Equal(t, 200, status, "%v", body)
	assert.Equal(t, "Alpha Academy", body["name"])
	assert.Equal(t, "+254712345678", body["phone"], "a national number read as Kenyan, the country sent with it")
	assert.Equal(t, "office@alpha.ac.ke", body["email"])
	assert.Equal(t, "KE", body["country_code"])
	assert.Equal(t, "P.O. Box 1\nNairobi", body["address"])

	p := profileOf(t, s, "alpha")
	assert.Equal(t, "Africa/Nairobi", p.Timezone)
	assert.Equal(t, "YYYY-MM-DD", p.DateFormat)
	assert.Equal(t, "Alpha Academy", catalogName(t, s, "alpha"), "the catalog follows the profile's name")
	assert.Equal(t, audits+1, s.Count("alpha", "audit_log"))
	var detail string
	s.WithSchool("alpha", func(tn *db.Tenant) error {
		return tn.ReadDB().QueryRowContext(context.Background(), "SELECT detail FROM audit_log WHERE action = 'school.profile.update'").Scan(&detail)
	})
	assert.Contains(t, detail, `"before":{`)
	assert.Contains(t, detail, `"timezone":"UTC"`)
	assert.Contains(t, detail, `"timezone":"Africa/Nairobi"`)

	s.WithSchool("alpha", func(tn *db.Tenant) error {
		ctx := school.WithClock(context.Background(), func() time.Time { return now })
		today, err := school.New(tn).Today(ctx)
		assert.Equal(t, "2027-01-01", today, "22:30 UTC on 31 December is New Year's Day in Nairobi")
		return err
	})

	// Only the fields sent change; the phone stays as stored when sent back unchanged.
	status, body = a.JSON("PATCH", "/api/school/profile/", map[string]any{"motto": "Strive on", "phone": "+254712345678"})
	require.Equal(t, 200, status, "%v", body)
	assert.Equal(t, "Strive on", body["motto"])
	assert.Equal(t, "Alpha Academy", body["name"])
	assert.Equal(t, "Africa/Nairobi", body["timezone"])

	// The platform lists the new name too.
	tn, err := s.App.Clients.List(context.Background())
	require.NoError(t, err)
	names := map[string]string{}
	for _, x := range tn {
		names[x.Schema] = x.Name
	}
	assert.Equal(t, map[string]string{"alpha": "Alpha Academy", "beta": "Beta School"}, names)
}

// TestProfileBadInput: each bad field is refused with a message naming it, and nothing
// is written, neither the profile nor the catalog nor the audit log.
func TestProfileBadInput(t *testing.T) {
	s := start(t)
	a := admin(s, "alpha")
	cases := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"timezone": "Mars/Olympus"}, "timezone"},
		{map[string]any{"timezone": "Local"}, "timezone"},
		{map[string]any{"timezone": ""}, "timezone"},
		{map[string]any{"timezone": "../../etc/passwd"}, "timezone"},
		{map[string]any{"country_code": "XX"}, "country_code"},
		{map[string]any{"country_code": "Kenya"}, "country_code"},
		{map[string]any{"date_format": "DD-MM-YY"}, "date_format"},
		{map[string]any{"name": "   "}, "name"},
		{map[string]any{"name": "Evil\x1b[2J"}, "name"},
		{map[string]any{"email": "not-an-email"}, "email"},
		{map[string]any{"phone": "0712 345 678"}, "phone"}, // no country yet: only international numbers
		{map[string]any{"phone": "+254 712"}, "phone"},
		{map[string]any{"country_code": "KE", "phone": "0712 34"}, "phone"},
		{map[string]any{"name": "New Name", "timezone": "Nowhere/Town"}, "timezone"},
	}
	before := profileOf(t, s, "alpha")
	audits := s.Count("alpha", "audit_log")
	for _, c := range cases {
		status, body := a.JSON("PATCH", "/api/school/profile/", c.body)
		assert.Equal(t, 400, status, "%v: %v", c.body, body)
		fields, _ := body["error"].(map[string]any)["fields"].(map[string]any)
		assert.Contains(t, fields, c.field, "%v: %v", c.body, body)
	}
	status, body := a.JSON("PATCH", "/api/school/profile/", map[string]any{"colour": "blue"})
	assert.Equal(t, 400, status, "an unknown field is refused: %v", body)
	status, _, _ = a.Do("PATCH", "/api/school/profile/", "application/json", bytes.NewReader([]byte(`{"name": 5}`)))
	assert.Equal(t, 400, status)

	assert.Equal(t, before, profileOf(t, s, "alpha"), "nothing written")
	assert.Equal(t, "Alpha School", catalogName(t, s, "alpha"))
	assert.Equal(t, audits, s.Count("alpha", "audit_log"))
}

// TestProfileRights: only admins read or change the profile and the logo.
func TestProfileRights(t *testing.T) {
	s := start(t)
	logo := pngOf(t, 32, 32)
	for _, role := range []auth.Role{auth.RoleTeacher, auth.RoleClerk, auth.RoleViewer} {
		c := roleClient(s, "alpha", role)
		status, _ := c.JSON("GET", "/api/school/profile/", nil)
		assert.Equal(t, 403, status, role)
		status, _ = c.JSON("PATCH", "/api/school/profile/", map[string]any{"name": "Taken over"})
		assert.Equal(t, 403, status, role)
		status, _, _ = c.Do("PUT", "/api/school/logo/", "image/png", bytes.NewReader(logo))
		assert.Equal(t, 403, status, role)
		status, _, _ = c.Do("DELETE", "/api/school/logo/", "", nil)
		assert.Equal(t, 403, status, role)
	}
	anon := s.Client("alpha.localhost", "")
	status, _ := anon.JSON("GET", "/api/school/profile/", nil)
	assert.Equal(t, 401, status)
	status, _ = anon.JSON("PATCH", "/api/school/profile/", map[string]any{"name": "Taken over"})
	assert.Equal(t, 401, status)
	status, _, _ = anon.Do("PUT", "/api/school/logo/", "image/png", bytes.NewReader(logo))
	assert.Equal(t, 401, status)
	assert.Equal(t, "Alpha School", profileOf(t, s, "alpha").Name)
	assert.False(t, profileOf(t, s, "alpha").HasLogo())
}

// TestProfileIsolation: one school's admin changes only their own school: another
// school's token is refused on this host, and a change on one host leaves the other
// school's profile, catalog name and logo alone.
func TestProfileIsolation(t *testing.T) {
	s := start(t)
	a, b := admin(s, "alpha"), admin(s, "beta")

	// alpha's token on beta's host
	onBeta := s.Client("beta.localhost", "")
	onBeta.Token = a.Token
	status, _ := onBeta.JSON("PATCH", "/api/school/profile/", map[string]any{"name": "Taken over"})
	assert.Equal(t, 401, status)
	status, _, _ = onBeta.Do("PUT", "/api/school/logo/", "image/png", bytes.NewReader(pngOf(t, 32, 32)))
	assert.Equal(t, 401, status)

	status, body := a.JSON("PATCH", "/api/school/profile/", map[string]any{"name": "Alpha Renamed", "timezone": "Africa/Lagos", "country_code": "NG"})
	require.Equal(t, 200, status, "%v", body)
	status, _, _ = a.Do("PUT", "/api/school/logo/", "image/png", bytes.NewReader(pngOf(t, 32, 32)))
	require.Equal(t, 200, status)

	bp := profileOf(t, s, "beta")
	assert.Equal(t, "Beta School", bp.Name)
	assert.Equal(t, "UTC", bp.Timezone)
	assert.Equal(t, "", bp.CountryCode)
	assert.False(t, bp.HasLogo())
	assert.Equal(t, "Beta School", catalogName(t, s, "beta"))
	status, _, _ = s.Client("beta.localhost", "").Do("GET", "/school/logo", "", nil)
	assert.Equal(t, 404, status, "beta has no logo; alpha's is not served for it")

	status, body = b.JSON("GET", "/api/school/profile/", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "Beta School", body["name"])

	// Subfolder routing names the school too.
	sub := s.Client("localhost", "/t/alpha")
	sub.Token = b.Token
	status, _ = sub.JSON("GET", "/api/school/profile/", nil)
	assert.Equal(t, 401, status, "beta's token under /t/alpha")
}

// TestLogo: PNG and JPEG are taken by their content, written again without what is not
// picture, and served with a version-bound cache; anything else is refused by name and
// writes nothing.
func TestLogo(t *testing.T) {
	s := start(t)
	a := admin(s, "alpha")
	anon := s.Client("alpha.localhost", "")

	// A PNG with bytes after its end (a polyglot) and a misleading content type.
	upload := append(pngOf(t, 64, 48), []byte("<script>alert(1)</script>")...)
	status, _, raw := a.Do("PUT", "/api/school/logo/", "application/octet-stream", bytes.NewReader(upload))
	require.Equal(t, 200, status, string(raw))
	ver := profileOf(t, s, "alpha").LogoVersion
	require.NotEmpty(t, ver)

	status, h, img := anon.Do("GET", "/school/logo?v="+ver, "", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "image/png", h.Get("Content-Type"))
	assert.Contains(t, h.Get("Cache-Control"), "immutable")
	assert.Equal(t, `"`+ver+`"`, h.Get("ETag"))
	assert.NotContains(t, string(img), "<script>", "only the picture is kept")
	cfg, format, err := image.DecodeConfig(bytes.NewReader(img))
	require.NoError(t, err)
	assert.Equal(t, []any{"png", 64, 48}, []any{format, cfg.Width, cfg.Height})

	status, h, _ = anon.Do("GET", "/school/logo?v=old", "", nil)
	assert.Equal(t, 200, status)
	assert.Equal(t, "no-cache", h.Get("Cache-Control"), "an old version's link is not kept for good")

	status, _, body := getWith(t, s, "alpha.localhost", "/school/logo", "If-None-Match", `"`+ver+`"`)
	assert.Equal(t, 304, status)
	assert.Empty(t, body)

	status, _, raw = a.Do("PUT", "/api/school/logo/", "image/jpeg", bytes.NewReader(jpegOf(t, 40, 40)))
	require.Equal(t, 200, status, string(raw))
	status, h, _ = anon.Do("GET", "/school/logo", "", nil)
	assert.Equal(t, 200, status)
	assert.Equal(t, "image/jpeg", h.Get("Content-Type"))
	jpegVer := profileOf(t, s, "alpha").LogoVersion
	assert.NotEqual(t, ver, jpegVer)

	audits := s.Count("alpha", "audit_log")
	bad := []struct {
		name string
		data []byte
		msg  string
	}{
		{"text", []byte("hello, this is not an image"), "PNG or JPEG"},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "PNG or JPEG"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "PNG or JPEG"},
		{"empty", nil, "empty"},
		{"too large", append(pngOf(t, 32, 32), make([]byte, 600<<10)...), "too large"},
		{"too wide", pngOf(t, 3000, 16), "at most 2048"},
		{"too small", pngOf(t, 8, 8), "at least 16"},
		{"broken png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...), "cannot be read"},
	}
	for _, b := range bad {
		status, _, raw := a.Do("PUT", "/api/school/logo/", "image/png", bytes.NewReader(b.data))
		assert.Equal(t, 400, status, b.name)
		assert.Contains(t, string(raw), `"logo"`, b.name)
		assert.Contains(t, string(raw), b.msg, b.name)
	}
	assert.Equal(t, jpegVer, profileOf(t, s, "alpha").LogoVersion, "a refused upload keeps the logo")
	assert.Equal(t, audits, s.Count("alpha", "audit_log"))

	status, _, _ = a.Do("DELETE", "/api/school/logo/", "", nil)
	assert.Equal(t, 204, status)
	status, _, _ = anon.Do("GET", "/school/logo", "", nil)
	assert.Equal(t, 404, status)
	assert.Equal(t, 0, s.Count("alpha", "school_logo"))
	assert.False(t, profileOf(t, s, "alpha").HasLogo())
}

// getWith sends a GET to a school's host with one extra header.
func getWith(t *testing.T, s *apptest.Server, host, path, header, value string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", s.URL+path, nil)
	require.NoError(t, err)
	req.Host = host
	req.Header.Set(header, value)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, body
}
