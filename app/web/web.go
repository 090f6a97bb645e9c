// Package web is the browser UI's shell and the kit modules build their pages with: the
// shell serves sign-in and sign-out, the school dashboard, user management and, on the
// base domain, the platform's school pages; each module registers its own pages with a
// Kit (see Pages). Pages are html/template views from webui, rendered on the server;
// htmx swaps a few fragments. Every form also works as a plain POST followed by a
// redirect. This package imports no module.
package web

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
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
	// Modules are the pages each module adds, in the order of the module list.
	Modules []Pages
}

// The templates are parsed once per process; a broken template stops the start-up.
var loadUI = sync.OnceValues(webui.New)

// handlers are the page handlers, closed over the services and the parsed templates.
type handlers struct {
	Deps
	ui       *webui.Renderer
	navItems []NavItem         // the modules' top bar entries, in order
	flashes  map[string]string // the shell's and the modules' ?done= messages
	cards    []Card            // the modules' dashboard cards, in order
}

// newHandlers joins the modules' parts of the shell. A module naming a template that
// does not exist, or a flash key another part uses for another text, is a defect of the
// build: it stops the start-up.
func newHandlers(d Deps, ui *webui.Renderer) *handlers {
	h := &handlers{Deps: d, ui: ui, flashes: maps.Clone(flashes)}
	pages := ui.Pages()
	for _, m := range d.Modules {
		for _, t := range m.Templates {
			if !slices.Contains(pages, t) {
				panic(fmt.Sprintf("web: no template %q", t))
			}
		}
		for k, text := range m.Flashes {
			if have, ok := h.flashes[k]; ok && have != text {
				panic(fmt.Sprintf("web: flash %q means %q already", k, have))
			}
			h.flashes[k] = text
		}
		h.navItems = append(h.navItems, m.Nav...)
		h.cards = append(h.cards, m.Cards...)
	}
	slices.SortStableFunc(h.navItems, func(a, b NavItem) int { return a.Order - b.Order })
	slices.SortStableFunc(h.cards, func(a, b Card) int { return a.Order - b.Order })
	return h
}

// Routes registers the school pages on school and the platform pages on platform, and
// returns the error pages that go with them.
func Routes(school, platform fiber.Router, d Deps) ErrorPages {
	ui, err := loadUI()
	if err != nil {
		panic(err) // the templates are embedded: this is a build defect, not a runtime condition
	}
	h := newHandlers(d, ui)
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

	k := &Kit{h: h}
	for _, m := range d.Modules {
		if m.Routes != nil {
			m.Routes(school, k)
		}
	}

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
	return ErrorPages{h}
}
