package loadtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/db"
)

// world is the appliance this process serves for the scenarios: app.Open on the
// bench's data directory and app.Server.Run (HTTP, embedded NATS, workers) on a
// loopback port, exactly as sms serve runs it.
type world struct {
	a      *app.App
	addr   string // 127.0.0.1:port
	cancel context.CancelFunc
	done   chan error
}

// serve starts the appliance over dir with the given pool cap. Only warnings and
// errors are logged (to logw): one line per request would measure the log.
func serve(ctx context.Context, dir string, poolCap int, logw io.Writer, configure func(*app.App)) (*world, error) {
	cfg := app.DefaultConfig()
	cfg.DataDir = dir
	cfg.PoolCap = poolCap
	cfg.LogLevel = "warn"
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if configure != nil {
		configure(a)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.Close()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w := &world{a: a, addr: ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	srv := app.NewServer(a)
	go func() { w.done <- srv.Run(runCtx, ln) }()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get("http://" + w.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return w, nil
			}
		}
		select {
		case err := <-w.done:
			a.Close()
			return nil, fmt.Errorf("the appliance stopped while starting: %w", err)
		case <-ctx.Done():
			w.close()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			w.close()
			return nil, errors.New("the appliance did not answer /healthz within a minute")
		}
	}
}

// close stops the server and closes the data files.
func (w *world) close() error {
	w.cancel()
	var err error
	select {
	case err = <-w.done:
	case <-time.After(time.Minute):
		err = errors.New("the appliance did not stop within a minute")
	}
	return errors.Join(err, w.a.Close())
}

// token issues an API token for an account of a school, as POST /api/auth/token does
// after checking the password; the bench knows the password, so it skips the hash.
func (w *world) token(ctx context.Context, schema, email string) (string, error) {
	var secret string
	err := w.a.Pool.WithTenant(ctx, schema, func(t *db.Tenant) error {
		u, err := t.Read().GetUserByEmail(ctx, email)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no account %s in %s", email, schema)
		} else if err != nil {
			return err
		}
		secret, _, err = w.a.Auth.IssueToken(ctx, auth.SchoolStore(t), auth.SchoolAccount(u), "bench")
		return err
	})
	return secret, err
}
