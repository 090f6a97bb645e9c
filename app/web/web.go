// Package web serves the browser pages: sign-in and sign-out, the school dashboard and
// user management, and on the base domain the platform's school pages. Pages are
// html/template views from webui, rendered on the server; htmx swaps a few fragments.
// Every form also works as a plain POST followed by a redirect.
package web

import (
	"log/slog"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/webui"
)

// Deps are the services the pages use.
type Deps struct {
	Auth    *auth.Service
	Clients *clients.Service
	Log     *slog.Logger
}

// The templates are parsed once per process; a broken template stops the start-up.
var loadUI = sync.OnceValues(webui.New)

// handlers are the page handlers, closed over the services and the parsed templates.
type handlers struct {
	Deps
	ui *webui.Renderer
}

// Routes registers the school pages on school and the platform pages on platform.
func Routes(school, platform fiber.Router, d Deps) {
	ui, err := loadUI()
	if err != nil {
		panic(err) // the templates are embedded: this is a build defect, not a runtime condition
	}
	h := &handlers{Deps: d, ui: ui}
	static := webui.Static()

	school.Get("/static/*", static)
	school.Get("/login", h.loginForm)
	school.Post("/login", h.login)
	school.Post("/logout", h.logout)
	school.Get("/", h.require(auth.UseSchool), h.dashboard)
	users := h.require(auth.ManageUsers)
	school.Get("/users", users, h.userList)
	school.Get("/users/new", users, h.userNewForm)
	school.Post("/users/new", users, h.userCreate)
	school.Get("/users/:id", users, h.userEditForm)
	school.Post("/users/:id", users, h.userUpdate)
	school.Post("/users/:id/password", users, h.userPassword)
	school.Post("/users/:id/active", users, h.userActive)

	platform.Get("/static/*", static)
	platform.Get("/login", h.loginForm)
	platform.Post("/login", h.login)
	platform.Post("/logout", h.logout)
	platform.Get("/", h.require(auth.UsePlatform), h.schoolList)
	manage := h.require(auth.ManageSchools)
	platform.Get("/schools/new", manage, h.schoolNewForm)
	platform.Post("/schools/new", manage, h.schoolCreate)
	platform.Get("/schools/:schema", manage, h.schoolDetail)
	platform.Post("/schools/:schema/name", manage, h.schoolRename)
	platform.Post("/schools/:schema/status", manage, h.schoolStatus)
	platform.Post("/schools/:schema/domains", manage, h.domainAdd)
	platform.Post("/schools/:schema/domains/remove", manage, h.domainRemove)
	platform.Post("/schools/:schema/domains/primary", manage, h.domainPrimary)
	platform.Get("/schools/:schema/delete", manage, h.schoolDeleteForm)
	platform.Post("/schools/:schema/delete", manage, h.schoolDelete)
}
