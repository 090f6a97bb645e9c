// Package settings is where a school's admins keep the school's own description: the
// profile (name, motto, contacts, country, timezone, date format), the logo, and the
// admission-number pattern, and where they read the audit log. The profile itself and
// school time are package school's; this package is their API and pages.
package settings

import (
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/module"
	"github.com/schoolsms/sms/app/web"
)

// The module's actions.
const (
	Manage    auth.Action = "settings.manage" // read and change the school's profile, logo and admission numbers
	ReadAudit auth.Action = "settings.audit"  // the audit-log page (the API's /api/audit/ asks for auth.ReadAudit)
)

// Module is the school settings and the audit log as the appliance plugs them in.
func Module() module.Module {
	return module.Module{
		Name:    "settings",
		Policy:  auth.Policy{Manage: {auth.RoleAdmin}, ReadAudit: {auth.RoleAdmin}},
		API:     Routes,
		OpenAPI: OpenAPI,
		Pages: web.Pages{
			Routes:    pageRoutes,
			Templates: []string{"settings", "audit"},
			Nav: []web.NavItem{
				{Key: "settings", Label: "Settings", Path: "/settings", Action: Manage, Order: 90},
				{Key: "audit", Label: "Audit log", Path: "/audit", Action: ReadAudit, Order: 95},
			},
			Flashes: map[string]string{
				"settings_saved": "The school's settings were saved.",
				"logo_saved":     "The logo was saved.",
				"logo_removed":   "The logo was removed.",
				"pattern_saved":  "The admission number pattern was saved.",
			},
		},
	}
}
