package tenancy

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/catalogdb"
)

// Routes are registered under one of these prefixes; the middleware rewrites each request
// path into exactly one of them, so a school's routes cannot answer on the platform host
// and the platform's cannot answer on a school's.
const (
	TenantRoutes   = "/_tenant"
	PlatformRoutes = "/_platform"
)

// Request is what a request knows about where it is.
type Request struct {
	Host string // normalised host name
	// Origin is the scheme, host and port the client addressed ("http://demo.localhost:8080"),
	// for absolute links back to this appliance.
	Origin string
	Info   Info       // the school (zero on the platform host)
	Tenant *db.Tenant // the school's open file (nil on the platform host)
	// Prefix is what links must start with to stay in this school: "/t/<schema>" when the
	// school was reached by subfolder, "" otherwise.
	Prefix string

	resolver *Resolver
}

// SetName writes the school's display name into the catalog, the platform's list of
// schools, which copies it from the school's profile (where the name is kept). It can
// only name the request's own school.
func (r *Request) SetName(ctx context.Context, name string) error {
	if r.Tenant == nil || r.resolver == nil {
		return errs.E(errs.NotFound, "not a school")
	}
	err := r.resolver.catalog.Tx(ctx, func(q *catalogdb.Queries) error {
		_, err := q.UpdateTenantName(ctx, catalogdb.UpdateTenantNameParams{Name: name, SchemaName: r.Info.Schema})
		return err
	})
	if err != nil {
		return errs.Wrap(err, "rename school in the catalog")
	}
	r.resolver.Invalidate()
	return nil
}

// Platform reports whether the request is on the base domain (no school).
func (r *Request) Platform() bool { return r.Tenant == nil }

const (
	localsKey = "sms.tenancy"
	schemaKey = "sms.tenant" // set as soon as the school is known, for logs of failed requests
)

// From returns the request's tenancy, set by the middleware.
func From(c *fiber.Ctx) *Request {
	r, _ := c.Locals(localsKey).(*Request)
	return r
}

// Router resolves each request to the platform or to one school.
type Router struct {
	Resolver      *Resolver
	Pool          *db.Pool
	BaseDomain    string
	DefaultTenant string // served on hosts that name no school (single-school installs)
	// Appliance is this appliance's name; a school placed on another is not served here.
	Appliance string
	// TrustedProxies are the reverse proxies whose X-Forwarded-* headers Edge believes.
	TrustedProxies []netip.Prefix
}

// Handler is the Fiber middleware. It must be registered before every routed handler.
func (rt *Router) Handler(c *fiber.Ctx) error {
	ctx := c.UserContext()
	path := c.Path()
	// The header, not the URI: fasthttp's URI host has userinfo stripped. Edge has made
	// sure the two agree otherwise.
	raw := string(c.Request().Header.Host())
	host, port, hostErr := SplitHost(raw)
	if hostErr != nil {
		return errs.E(errs.BadHost, "%s", hostErr.Error())
	}
	origin := c.Protocol() + "://" + host
	if port != "" {
		origin += ":" + port
	}

	var (
		info     Info
		found    bool
		err      error
		prefix   string
		rest     = path
		bySubdir = strings.HasPrefix(path, "/t/")
	)
	switch {
	case bySubdir:
		schema, tail, _ := strings.Cut(path[len("/t/"):], "/")
		rest = "/" + tail
		prefix = "/t/" + schema
		if db.CheckSchemaName(schema) == nil {
			info, found, err = rt.Resolver.BySchema(ctx, schema)
		}
		if err == nil && !found {
			return errs.E(errs.TenantNotFound, "no school is named %q", clip(schema))
		}
	case host == rt.BaseDomain:
		c.Locals(localsKey, &Request{Host: host, Origin: origin})
		c.Path(PlatformRoutes + path)
		return c.Next()
	default:
		if !IsIP(host) {
			info, found, err = rt.Resolver.ByHost(ctx, host)
		}
		if err == nil && !found && rt.DefaultTenant != "" {
			info, found, err = rt.Resolver.BySchema(ctx, rt.DefaultTenant)
		}
		if err == nil && !found {
			return errs.E(errs.TenantNotFound, "no school is served at %q", clip(host))
		}
	}
	if err != nil {
		return errs.Wrap(err, "resolve tenant")
	}
	c.Locals(schemaKey, info.Schema)
	if !info.ServedBy(rt.Appliance) {
		// The reverse proxy (or DNS) still sends the school here after it moved: say so,
		// without naming where it went or opening the file left behind.
		return errs.E(errs.Misdirected, "the school %q is served by another appliance; this address should not lead here", info.Name)
	}
	if info.Suspended() {
		return errs.E(errs.TenantSuspended, "the school %q is suspended", info.Name)
	}
	// The incarnation comes from the resolver's cache, so checking that the open file is
	// this school's (and not a deleted namesake's) costs a string comparison, not a
	// catalog query.
	t, release, err := rt.Pool.AcquireIncarnation(ctx, info.Schema, info.Incarnation)
	if err != nil {
		if errors.Is(err, ctx.Err()) && ctx.Err() != nil {
			return errs.Wrap(err, "acquire tenant")
		}
		// The cause goes to the log (with the request id), never to the client.
		return &errs.Error{Code: errs.TenantUnavailable, Err: err,
			Message: fmt.Sprintf("the school %q is temporarily unavailable", info.Name)}
	}
	defer release()
	c.Locals(localsKey, &Request{Host: host, Origin: origin, Info: info, Tenant: t, Prefix: prefix, resolver: rt.Resolver})
	c.Path(TenantRoutes + rest)
	return c.Next()
}

// Schema returns the request's school schema name for logs, "" on the platform host.
func Schema(c *fiber.Ctx) string {
	s, _ := c.Locals(schemaKey).(string)
	return s
}

// clip keeps a user-supplied name short enough to echo back in a message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
