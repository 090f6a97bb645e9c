// Package module is the one shape every module of the appliance has, and the one place
// it is plugged in: a module package exports Module(), and app/modules.go lists them.
// The server, the OpenAPI document, the policy table, the navigation and the
// background workers are all built from that list, so a new module touches one line
// outside its own package. See docs/modules.md.
package module

import (
	"context"
	"log/slog"

	"github.com/gofiber/fiber/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/metrics"
	"github.com/schoolsms/sms/app/web"
	"github.com/schoolsms/sms/db"
)

// Module is what a module brings to the appliance. Every part but Name is optional.
type Module struct {
	// Name is the module's package name, for logs.
	Name string
	// Policy grants the module's actions to roles (auth.Allowed consults it). The
	// module declares its actions itself: const Read auth.Action = "attendance.read".
	Policy auth.Policy
	// API registers the module's JSON endpoints on a school's routes (/api/...).
	API func(r fiber.Router)
	// Webhooks registers endpoints that other systems call and prove by signing the
	// request, not by a session: on the root router after tenancy (a base-domain request
	// has no school) and before authentication and CSRF. Paths are the module's to
	// choose under tenancy.TenantRoutes and tenancy.PlatformRoutes.
	Webhooks func(app fiber.Router)
	// OpenAPI describes those endpoints, with their request and response types.
	OpenAPI func(d *api.Doc)
	// Pages are its browser pages, top bar entries, flash messages and dashboard cards.
	Pages web.Pages
	// Workers run beside the server while sms serve runs.
	Workers []Worker
}

// Worker is background work of a module (a NATS consumer, a relay). Run works until
// ctx is done and then returns soon: the server cancels ctx when it stops and waits a
// bounded time for Run to return, before NATS closes. An error from Run is logged; the
// worker is not restarted.
type Worker struct {
	Name string
	Run  func(ctx context.Context, rt Runtime) error
}

// Runtime is what a worker works with. A worker reaches a school's file with
// Pool.WithTenant and calls the module's services there, as the HTTP handlers do:
//
//	rt.Pool.WithTenant(ctx, schema, func(t *db.Tenant) error { return students.New(t).X(ctx, ...) })
//
// The ctx Run gets carries Clock already, so school time (package school) in services
// it calls is the appliance's. Log names the module and the worker.
type Runtime struct {
	Pool      *db.Pool
	Catalog   *db.Catalog
	Log       *slog.Logger
	Clock     school.Clock
	NATS      *nats.Conn
	JetStream jetstream.JetStream
	Metrics   *metrics.Metrics // counts what an operator watches (e.g. messages sent out)
	// Appliance is this appliance's name ("" on a single box): a worker works only for
	// the schools placed on it or nowhere else (catalog ListTenantSchemasPlacedOn).
	Appliance string
	// Replicas is how many replicas the JetStream streams a worker makes have.
	Replicas int
}

// With is the runtime with another logger.
func (rt Runtime) With(log *slog.Logger) Runtime {
	rt.Log = log
	return rt
}
