package exams

import (
	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api/handler"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/module"
	"github.com/schoolsms/sms/app/web"
)

// Module is assessments, results and report cards as the appliance plugs them in,
// without attendance on the report cards or the school's logo.
func Module() module.Module { return ModuleWith(Sources{}) }

// ModuleWith is the module whose report cards read attendance and the logo from src
// (app/modules.go wires them: exams.ModuleWith(exams.Sources{Attendance: ...})).
func ModuleWith(src Sources) module.Module {
	mk := NewWith(src)
	newS := func(c *fiber.Ctx) Service { return handler.Service(c, mk) }
	return module.Module{
		Name: "exams",
		Policy: auth.Policy{
			Read:    {auth.RoleAdmin, auth.RoleTeacher, auth.RoleClerk, auth.RoleViewer},
			Assess:  {auth.RoleAdmin, auth.RoleTeacher},
			Comment: {auth.RoleAdmin, auth.RoleTeacher},
			Manage:  {auth.RoleAdmin},
		},
		API:     Routes(mk),
		OpenAPI: OpenAPI,
		Pages: web.Pages{
			Routes:    pageRoutes(newS),
			Templates: []string{"exams", "exams_sheet", "exams_results", "exams_cards", "exams_card"},
			Nav:       []web.NavItem{{Key: "exams", Label: "Exams", Path: "/exams", Action: Read, Order: 50}},
			Cards:     []web.Card{{Action: Assess, Order: 50, Fill: emptySheetsCard(newS)}},
			Flashes: map[string]string{
				"assessment_created": "The assessment was created. Enter its marks below.",
				"marks_saved":        "The marks were saved.",
				"cards_draft":        "The report cards are back in draft.",
				"cards_comments":     "The report cards are open for comments; empty comments were filled from the comment bank.",
				"cards_published":    "The report cards were published. Their marks are locked.",
				"comments_saved":     "The comments were saved.",
			},
		},
	}
}
