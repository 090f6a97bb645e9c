package settings

import (
	"testing"

	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/web"
	"github.com/schoolsms/sms/app/web/pagetest"
)

// TestPagesRender renders the settings and audit pages with the data their handlers
// give them: with and without a logo, with errors, with entries and without.
func TestPagesRender(t *testing.T) {
	p := school.Profile{ID: 1, Name: "Alpha <School>", Timezone: "Africa/Nairobi", DateFormat: "DD/MM/YYYY", CountryCode: "KE"}
	withLogo := p
	withLogo.LogoVersion = "abc"
	opts := []web.Option{{Value: "DD/MM/YYYY", Label: "DD/MM/YYYY (31/12/2026)"}, {Value: "YYYY-MM-DD", Label: "YYYY-MM-DD"}}
	pat := students.AdmissionPatternInfo{Pattern: "ADM/{year}/{seq:04}", Default: "ADM/{year}/{seq:04}", Next: "ADM/2026/0001"}
	entries := []AuditEntry{
		{ID: 2, At: "2026-12-31T22:30:00.000Z", Actor: "ada@alpha.test", Action: "school.profile.update", Target: "school", IP: "127.0.0.1",
			Changes: []Change{{Field: "name", Before: "Old <b>", After: "New"}}, Details: []Change{{Field: "id", After: "7"}}},
		{ID: 1, At: "2026-12-30T08:00:00.000Z", Action: "user.create"},
	}
	pagetest.Cover(t, Module().Pages.Templates, map[string][]any{
		"settings": {
			settingsData{Profile: p, DateFormats: opts, Timezones: commonTimezones, Pattern: pat, PatternForm: pat.Pattern, MaxLogoKB: 512, MaxLogoSide: 2048, Today: "01/01/2027"},
			settingsData{Profile: withLogo, DateFormats: opts, Pattern: pat, PatternForm: "BAD", PatternError: "Bad <pattern>", LogoError: "The logo is bad."},
		},
		"audit": {
			auditData{Entries: entries, Actors: []web.Option{{Value: "ada@alpha.test", Label: "ada@alpha.test"}},
				Actions: []web.Option{{Value: "user.create", Label: "user.create"}}, Pager: web.Pager{Page: 1, Pages: 3, Count: 120}},
			auditData{},
		},
	})
}
