// The benchmarks create schools through clients.Service, and clients imports tenancy,
// so they live in the external test package.
package tenancy_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"

	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/db"
)

// benchEnv is a data directory with one school, "alpha", served at alpha.localhost.
type benchEnv struct {
	catalog  *db.Catalog
	pool     *db.Pool
	resolver *tenancy.Resolver
}

const (
	benchBase   = "localhost"
	benchSchema = "alpha"
	benchHost   = "alpha.localhost"
)

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	cat, err := db.OpenCatalog(ctx, dir)
	require.NoError(b, err)
	b.Cleanup(func() { cat.Close() })
	pool, err := db.NewPool(cat, filepath.Join(dir, "tenants"), 16)
	require.NoError(b, err)
	b.Cleanup(func() { pool.Close() })
	res := tenancy.NewResolver(cat)
	svc := &clients.Service{Catalog: cat, Pool: pool, BaseDomain: benchBase,
		ArchiveDir: filepath.Join(dir, "archive"), Changed: res.Invalidate}
	t, err := svc.Create(ctx, clients.CreateInput{Schema: benchSchema, Name: "Alpha School"})
	require.NoError(b, err)
	require.Equal(b, benchHost, t.PrimaryDomain())
	return &benchEnv{catalog: cat, pool: pool, resolver: res}
}

// warm resolves the host and opens the school's file once, as the first request would.
func (e *benchEnv) warm(b *testing.B) {
	b.Helper()
	ctx := context.Background()
	info, ok, err := e.resolver.ByHost(ctx, benchHost)
	require.NoError(b, err)
	require.True(b, ok)
	require.Equal(b, benchSchema, info.Schema)
	_, release, err := e.pool.AcquireIncarnation(ctx, info.Schema, info.Incarnation)
	require.NoError(b, err)
	release()
}

// BenchmarkResolveAndAcquireWarm is the tenancy cost of one request to a warm school:
// the host looked up in the resolver's cache, then the school's open file acquired and
// released. The resolver keeps its production CheckEvery, so about once a second one
// op also reads the catalog generation.
func BenchmarkResolveAndAcquireWarm(b *testing.B) {
	e := newBenchEnv(b)
	e.warm(b)
	ctx := context.Background()
	opens := e.pool.Stats().Opens

	b.ReportAllocs()
	for b.Loop() {
		info, ok, err := e.resolver.ByHost(ctx, benchHost)
		if err != nil || !ok {
			b.Fatalf("resolve %s: ok=%v err=%v", benchHost, ok, err)
		}
		_, release, err := e.pool.AcquireIncarnation(ctx, info.Schema, info.Incarnation)
		if err != nil {
			b.Fatal(err)
		}
		release()
	}
	b.StopTimer()
	if s := e.pool.Stats(); s.Opens != opens {
		b.Fatalf("the file was opened again (%d opens, want %d)", s.Opens, opens)
	}
}

// BenchmarkResolveAndAcquireWarmParallel is BenchmarkResolveAndAcquireWarm from every
// core at once on the same school.
func BenchmarkResolveAndAcquireWarmParallel(b *testing.B) {
	e := newBenchEnv(b)
	e.warm(b)
	ctx := context.Background()

	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			info, ok, err := e.resolver.ByHost(ctx, benchHost)
			if err != nil || !ok {
				b.Errorf("resolve %s: ok=%v err=%v", benchHost, ok, err)
				return
			}
			_, release, err := e.pool.AcquireIncarnation(ctx, info.Schema, info.Incarnation)
			if err != nil {
				b.Error(err)
				return
			}
			release()
		}
	})
}

// benchFiber is a Fiber app set up like the server's (same Immutable setting), with a
// trivial GET /api/tenant: through the tenancy Router when router is not nil, directly
// otherwise.
func benchFiber(router *tenancy.Router) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true, Immutable: true})
	if router == nil {
		app.Get("/api/tenant", func(c *fiber.Ctx) error { return c.SendString("no tenancy") })
		return app
	}
	app.Use(router.Handler)
	app.Group(tenancy.TenantRoutes).Get("/api/tenant", func(c *fiber.Ctx) error {
		return c.SendString(tenancy.From(c).Info.Name)
	})
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	return app
}

// serveBench runs GET host+path through h b.N times on one reused fasthttp context,
// without a network connection, and checks every answer is 200 with want as the body.
// The request URI is set again each time because the tenancy Router rewrites the
// path in place.
func serveBench(b *testing.B, h fasthttp.RequestHandler, host, path, want string) {
	b.Helper()
	var rc fasthttp.RequestCtx
	rc.Request.Header.SetMethod(fiber.MethodGet)
	rc.Request.SetRequestURI(path)
	rc.Request.Header.SetHost(host)
	h(&rc)
	if rc.Response.StatusCode() != fiber.StatusOK || string(rc.Response.Body()) != want {
		b.Fatalf("GET %s%s: %d %q, want 200 %q", host, path, rc.Response.StatusCode(), rc.Response.Body(), want)
	}

	b.ReportAllocs()
	for b.Loop() {
		rc.Response.Reset()
		rc.Request.SetRequestURI(path)
		h(&rc)
		if rc.Response.StatusCode() != fiber.StatusOK || string(rc.Response.Body()) != want {
			b.Fatalf("GET %s%s: %d %q, want 200 %q", host, path, rc.Response.StatusCode(), rc.Response.Body(), want)
		}
	}
}

// BenchmarkMiddleware is one whole Fiber request (routing, middleware, handler, response)
// for a trivial tenant route. "no_tenancy" is the same request without the tenancy
// Router, so the difference between them is the Router's per-request cost.
func BenchmarkMiddleware(b *testing.B) {
	b.Run("no_tenancy", func(b *testing.B) {
		serveBench(b, benchFiber(nil).Handler(), benchHost, "/api/tenant", "no tenancy")
	})
	b.Run("by_host", func(b *testing.B) {
		e := newBenchEnv(b)
		rt := &tenancy.Router{Resolver: e.resolver, Pool: e.pool, BaseDomain: benchBase}
		serveBench(b, benchFiber(rt).Handler(), benchHost, "/api/tenant", "Alpha School")
	})
	b.Run("by_subfolder", func(b *testing.B) {
		e := newBenchEnv(b)
		rt := &tenancy.Router{Resolver: e.resolver, Pool: e.pool, BaseDomain: benchBase}
		serveBench(b, benchFiber(rt).Handler(), benchBase, "/t/"+benchSchema+"/api/tenant", "Alpha School")
	})
}
