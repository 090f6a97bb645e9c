package studentimport

import (
	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/module"
	"github.com/schoolsms/sms/app/web"
)

// Module is the student import as the appliance plugs it in. It has no actions of its
// own: importing is writing students (students.Write).
func Module() module.Module {
	return module.Module{
		Name:    "studentimport",
		API:     Routes,
		OpenAPI: OpenAPI,
		Pages: web.Pages{
			Routes:    pageRoutes,
			Templates: []string{"student_import"},
		},
	}
}

// pages are the import page's handlers.
type pages struct{ *web.Kit }

// pageRoutes registers /students/import, which must come before the students module's
// /students/:id (the module list puts this module first).
func pageRoutes(r fiber.Router, k *web.Kit) {
	h := pages{k}
	write := h.Require(students.Write)
	r.Get("/students/import", write, h.importForm)
	r.Post("/students/import", write, h.importRun)
}
