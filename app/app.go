package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/backup"
	"github.com/schoolsms/sms/app/chatbot"
	"github.com/schoolsms/sms/app/chatbot/llm"
	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/metrics"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/db"
)

// App is the opened appliance: catalog, tenant pool and the services over them. Every
// subcommand opens one; sms serve puts an HTTP server in front of it.
type App struct {
	Config   Config
	Log      *slog.Logger
	Catalog  *db.Catalog
	Pool     *db.Pool
	Resolver *tenancy.Resolver
	Clients  *clients.Service
	Auth     *auth.Service
	Backup   *backup.Service
	Metrics  *metrics.Metrics
	// Clock is where school time comes from ("today" in each school's timezone, see
	// package school); time.Now unless a test pins it before serving.
	Clock school.Clock
	// Chatbot is the WhatsApp bot of every school (a module: see Modules).
	Chatbot *chatbot.Bot
}

// Open validates cfg, opens (creating and migrating) the catalog and prepares the pool.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cat, err := db.OpenCatalog(ctx, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if cat.Migration.Migrated() {
		log.Info("catalog migrated", slog.Uint64("from", uint64(cat.Migration.From)), slog.Uint64("to", uint64(cat.Migration.To)))
	}
	pool, err := db.NewPool(cat, cfg.TenantsDir(), cfg.PoolCap)
	if err != nil {
		cat.Close()
		return nil, err
	}
	res := tenancy.NewResolver(cat)
	a := &App{Config: cfg, Log: log, Catalog: cat, Pool: pool, Resolver: res, Auth: auth.NewService(cat, log), Clock: time.Now,
		Metrics: metrics.New(pool)}
	a.Clients = &clients.Service{Catalog: cat, Pool: pool, BaseDomain: cfg.BaseDomain,
		ArchiveDir: cfg.ArchiveDir(), Changed: res.Invalidate}
	a.Backup = &backup.Service{Catalog: cat, Pool: pool, ArchiveDir: cfg.ArchiveDir(), Changed: res.Invalidate}
	a.Chatbot = chatbot.New(pool, cat, res, log)
	a.Chatbot.Attendance, a.Chatbot.Results, a.Chatbot.Notices = botSources{}, botSources{}, botSources{}
	a.Chatbot.Outbound = a.Metrics.Outbound
	a.Chatbot.Options = chatbot.Options{Workers: cfg.ChatbotWorkers, Replicas: cfg.NATSReplicas}
	a.Chatbot.Appliance = cfg.Appliance
	if cfg.OllamaURL != "" {
		model, err := llm.NewOllama(cfg.OllamaURL, cfg.OllamaModel, nil)
		if err != nil {
			pool.Close()
			cat.Close()
			return nil, fmt.Errorf("config: %w", err)
		}
		a.Chatbot.LLM, a.Chatbot.LLMModel = model, cfg.OllamaModel
	}
	// A school deleted (or deleted and made again) by another process must not keep its
	// old file open here. Requests never depend on this: each one asks the pool for the
	// incarnation the resolver has, and the pool drops a file of another one.
	res.OnChange(func() {
		rows, err := cat.Read().ListTenantIncarnations(context.Background())
		if err != nil {
			return
		}
		known := make(map[string]string, len(rows))
		for _, r := range rows {
			known[r.SchemaName] = r.Incarnation
		}
		pool.Retain(func(schema, inc string) bool {
			cur, ok := known[schema]
			return ok && cur == inc
		})
	})
	return a, nil
}

// Close closes the pool, then the catalog.
func (a *App) Close() error {
	return errors.Join(a.Pool.Close(), a.Catalog.Close())
}

// CloseWithin is Close for a process about to exit: it gives up waiting after d (the
// close goes on in the background) so a stuck file cannot hold the exit forever.
func (a *App) CloseWithin(d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- a.Close() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		return fmt.Errorf("closing the data files did not finish within %s", d)
	}
}
