package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/module"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/app/web"
	"github.com/schoolsms/sms/embed"
	"github.com/schoolsms/sms/webui"
)

// Server is the HTTP front of an App, plus the background services sms serve runs.
type Server struct {
	a          *App
	modules    []module.Module
	log        *slog.Logger
	app        *fiber.App
	router     *tenancy.Router
	openapi    map[string]any
	doc        *api.Doc                   // what openapi was built from, for checks
	errorPages web.ErrorPages             // error pages with the modules' navigation
	nats       atomic.Pointer[embed.NATS] // set by Run, for /readyz
}

// NewServer builds the HTTP server over an open App. It does not listen yet.
func NewServer(a *App) *Server {
	mods := Modules(a)
	grantModules(mods)
	s := &Server{a: a, modules: mods, log: a.Log}
	s.openapi, s.doc = openAPIDocument(mods)
	proxies, _ := a.Config.TrustedProxyPrefixes() // validated by Open
	var proxyList []string
	for _, p := range proxies {
		proxyList = append(proxyList, p.String())
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "sms",
		DisableStartupMessage: true,
		// Handlers may keep strings from the request (cache keys, async work); with
		// Immutable they are copies, not views into reused buffers.
		Immutable:      true,
		ErrorHandler:   s.errorHandler,
		ReadTimeout:    30 * time.Second,
		WriteTimeout:   60 * time.Second,
		IdleTimeout:    120 * time.Second,
		BodyLimit:      16 << 20,
		ReadBufferSize: 8 << 10,
		// Without the check Fiber believes X-Forwarded-* from anyone (c.Protocol,
		// c.Hostname, c.IP); tenancy.Router.Edge reduces a trusted proxy's headers to
		// the values it added, which Fiber then reads.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          proxyList,
		ProxyHeader:             fiber.HeaderXForwardedFor,
		EnableIPValidation:      true,
	})
	s.router = &tenancy.Router{Resolver: a.Resolver, Pool: a.Pool, BaseDomain: a.Config.BaseDomain,
		DefaultTenant: a.Config.DefaultTenant, TrustedProxies: proxies, Appliance: a.Config.Appliance}
	s.routes()
	return s
}

// Fiber exposes the handler, for tests (app.Test) and embedding.
func (s *Server) Fiber() *fiber.App { return s.app }

func (s *Server) routes() {
	s.app.Use(s.logRequests, s.recoverPanics, s.router.Edge, auth.SecurityHeaders, s.schoolClock)
	s.app.Get("/healthz", s.healthz) // any host, before tenancy
	s.app.Get("/readyz", s.readyz)
	s.app.Get("/metrics", s.metricsHandler())
	// Assets are the same for every school; serving them before tenancy lets error pages
	// for unknown or suspended hosts be styled too.
	s.app.Get("/static/*", webui.Static())
	s.app.Use(s.router.Handler)
	// Signed by their senders, not by a session: no authentication or CSRF for exactly these.
	for _, m := range s.modules {
		if m.Webhooks != nil {
			m.Webhooks(s.app)
		}
	}
	s.app.Use(s.a.Auth.Authenticate)

	t := s.app.Group(tenancy.TenantRoutes)
	t.Get("/api/tenant", s.tenantInfo)
	t.Get("/api/openapi.json", s.openAPI)
	s.a.Auth.Routes(t, auth.RealmSchool)
	pages := make([]web.Pages, 0, len(s.modules))
	for _, m := range s.modules {
		if m.API != nil {
			m.API(t)
		}
		pages = append(pages, m.Pages)
	}

	p := s.app.Group(tenancy.PlatformRoutes)
	p.Get("/api/openapi.json", s.openAPI)
	s.a.Auth.Routes(p, auth.RealmPlatform)
	s.a.Clients.Routes(p, s.a.Auth)

	s.errorPages = web.Routes(t, p, web.Deps{Auth: s.a.Auth, Clients: s.a.Clients, Log: s.log, Modules: pages})

	s.app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

// schoolClock gives every request the App's clock, which school time is read from.
func (s *Server) schoolClock(c *fiber.Ctx) error {
	c.SetUserContext(school.WithClock(c.UserContext(), s.a.Clock))
	return c.Next()
}

// Bounds of the shutdown steps after HTTP: each has its own, so a slow step cannot use up
// the next one's time.
const (
	// handlerGrace is how long handlers of connections cut off at the HTTP bound get to
	// notice and return before the school files are closed under them.
	handlerGrace     = 2 * time.Second
	natsCloseTimeout = 5 * time.Second
)

// workerStopTimeout is how long the modules' workers get to return once told to stop,
// before NATS closes under them.
var workerStopTimeout = 5 * time.Second

// Run serves HTTP on ln with the embedded NATS server, the modules' workers (and the
// backup schedule, if configured) beside it until ctx is done, then shuts down in order:
// HTTP (requests in flight get Config.ShutdownTimeout to finish, then their connections
// are closed), the workers (workerStopTimeout), a backup in progress, NATS (its own
// bound), then the caller closes the pool (App.CloseWithin).
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	var nc *embed.NATS
	var err error
	if s.a.Config.NATSURL != "" {
		nc, err = embed.ConnectNATS(ctx, s.a.Config.NATSURL)
	} else {
		nc, err = embed.StartNATS(ctx, embed.NATSOptions{StoreDir: s.a.Config.NATSDir(), Logger: s.log})
	}
	if err != nil {
		ln.Close()
		if ctx.Err() != nil { // stopped while starting: a normal stop, not a failure
			s.log.Info("stopped")
			return nil
		}
		return fmt.Errorf("start nats: %w", err)
	}
	s.nats.Store(nc)
	stopQueueMetrics := s.watchQueues(nc)

	stopWorkers := s.startWorkers(nc)
	tl := newTrackingListener(ln)
	served := make(chan error, 1)
	go func() { served <- s.app.Listener(tl) }()
	stopBackups := s.startBackups(ctx)

	select {
	case <-ctx.Done():
	case err = <-served:
	}
	s.log.Info("shutting down", slog.Duration("timeout", s.a.Config.ShutdownTimeout))
	s.shutdownHTTP(tl)

	stopWorkers()
	natsCtx, cancel := context.WithTimeout(context.Background(), natsCloseTimeout)
	defer cancel()
	stopBackups()
	stopQueueMetrics()
	if nerr := nc.Close(natsCtx); nerr != nil {
		s.log.Warn("nats shutdown", slog.Any("error", nerr))
	}
	s.log.Info("stopped")
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// watchQueues adds the JetStream queues to /metrics while NATS is up.
func (s *Server) watchQueues(nc *embed.NATS) (stop func()) {
	js, err := nc.JetStream()
	if err == nil {
		if stop, err = s.a.Metrics.WatchJetStream(nc.Conn(), js); err == nil {
			return stop
		}
	}
	s.log.Warn("queue metrics unavailable", slog.Any("error", err))
	return func() {}
}

// startWorkers runs every module's workers, each in its own goroutine, with a context
// that carries the App's clock. The returned stop cancels that context and waits for
// them, at most workerStopTimeout: a worker that does not return is logged and left.
func (s *Server) startWorkers(nc *embed.NATS) (stop func()) {
	type named struct {
		owner string // the module's name
		module.Worker
	}
	var workers []named
	for _, m := range s.modules {
		for _, w := range m.Workers {
			workers = append(workers, named{m.Name, w})
		}
	}
	if len(workers) == 0 {
		return func() {}
	}
	js, err := nc.JetStream()
	if err != nil {
		s.log.Error("workers not started", slog.Any("error", err))
		return func() {}
	}
	rt := module.Runtime{Pool: s.a.Pool, Catalog: s.a.Catalog, Log: s.log, Clock: s.a.Clock, NATS: nc.Conn(), JetStream: js,
		Metrics: s.a.Metrics, Appliance: s.a.Config.Appliance, Replicas: s.a.Config.NATSReplicas}
	ctx, cancel := context.WithCancel(school.WithClock(context.Background(), s.a.Clock))
	var wg sync.WaitGroup
	for _, w := range workers {
		log := s.log.With(slog.String("module", w.owner), slog.String("worker", w.Name))
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A worker's panic must not end the process and every school with it.
			defer func() {
				if r := recover(); r != nil {
					log.Error("worker panicked", slog.String("error", fmt.Sprint(r)), slog.String("stack", string(debug.Stack())))
				}
			}()
			if err := w.Run(ctx, rt.With(log)); err != nil && ctx.Err() == nil {
				log.Error("worker stopped", slog.Any("error", err))
			}
		}()
	}
	return func() {
		cancel()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(workerStopTimeout):
			s.log.Warn("workers still running at shutdown", slog.Duration("waited", workerStopTimeout))
		}
	}
}

// shutdownHTTP stops accepting, lets requests in flight finish within the configured
// bound, then closes the connections still open. fasthttp's own shutdown only waits:
// a client trickling a large upload would otherwise hold the process until its read
// timeout.
func (s *Server) shutdownHTTP(tl *trackingListener) {
	ctx, cancel := context.WithTimeout(context.Background(), s.a.Config.ShutdownTimeout)
	defer cancel()
	if err := s.app.ShutdownWithContext(ctx); err == nil {
		return
	}
	n := tl.closeAll()
	s.log.Warn("http shutdown: connections cut off", slog.Int("connections", n),
		slog.Duration("timeout", s.a.Config.ShutdownTimeout))
	deadline := time.Now().Add(handlerGrace)
	for tl.open() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := tl.open(); n > 0 {
		s.log.Warn("http shutdown: handlers still running", slog.Int("connections", n))
	}
}

// trackingListener remembers the connections it accepted until they are closed, so
// shutdown can close the ones still busy when its time is up.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[*trackedConn]struct{}
}

func newTrackingListener(ln net.Listener) *trackingListener {
	return &trackingListener{Listener: ln, conns: map[*trackedConn]struct{}{}}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[tc] = struct{}{}
	l.mu.Unlock()
	return tc, nil
}

// closeAll closes every open connection and returns how many there were. They stay
// counted until the server, noticing, closes them itself (its handler has returned).
func (l *trackingListener) closeAll() int {
	l.mu.Lock()
	conns := make([]net.Conn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c.Conn)
	}
	l.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	return len(conns)
}

func (l *trackingListener) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

type trackedConn struct {
	net.Conn
	l    *trackingListener
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}
