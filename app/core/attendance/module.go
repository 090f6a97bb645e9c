package attendance

import (
	"github.com/schoolsms/sms/app/module"
	"github.com/schoolsms/sms/app/web"
)

// Module is attendance and the school calendar as the appliance plugs them in.
func Module() module.Module {
	return module.Module{
		Name:    "attendance",
		Policy:  policy,
		API:     Routes,
		OpenAPI: OpenAPI,
		Pages: web.Pages{
			Routes:    pageRoutes,
			Templates: []string{"attendance", "attendance_register", "attendance_sheet", "attendance_calendar"},
			Nav:       []web.NavItem{{Key: "attendance", Label: "Attendance", Path: "/attendance", Action: Read, Order: 35}},
			// a saved register confirms itself with its counts (register_saved)
			Flashes: map[string]string{
				"working_days_saved": "The working days were saved.",
				"holiday_created":    "The holiday was added.",
				"holiday_saved":      "The holiday was saved.",
				"holiday_deleted":    "The holiday was removed.",
			},
		},
	}
}
