// Package web serves the browser pages: sign-in and sign-out, the school dashboard and
// user management, and on the base domain the platform's school pages.
package web

import (
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/clients"
)

// Deps are the services the pages use.
type Deps struct {
	Auth    *auth.Service
	Clients *clients.Service
	Log     *slog.Logger
}

// Routes registers the school pages on school and the platform pages on platform.
func Routes(school, platform fiber.Router, d Deps) {
}
