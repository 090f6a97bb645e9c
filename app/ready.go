package app

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/embed"
)

// readyProbeName is the file /readyz writes (and removes) in the data dir.
const readyProbeName = ".readyz-probe"

// readyTimeout bounds the checks: a probe that hangs is as bad as one that fails.
const readyTimeout = 2 * time.Second

// readyCheck is one line of the /readyz answer. Error is fit for any client (no paths,
// no driver messages); the details go to the log under the request id.
type readyCheck struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

type readyBody struct {
	Status  string                `json:"status"` // ready or not_ready
	Failing []string              `json:"failing"`
	Checks  map[string]readyCheck `json:"checks"`
}

// healthz is liveness: the process answers HTTP. It checks nothing else, so a load
// balancer does not restart a process that is merely waiting for its disk.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz is readiness: whether this process can serve schools now.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
	defer cancel()
	body := readyBody{Status: "ready", Failing: []string{}, Checks: map[string]readyCheck{}}
	for _, check := range []struct {
		name, problem string
		run           func(context.Context) error
	}{
		{"catalog", "the catalog does not answer queries", s.checkCatalog},
		{"nats", "not connected to NATS", s.checkNATS},
		{"data_dir", "the data directory does not take writes", s.checkDataDir},
	} {
		err := check.run(ctx)
		if err == nil {
			body.Checks[check.name] = readyCheck{OK: true}
			continue
		}
		body.Checks[check.name] = readyCheck{Error: check.problem}
		body.Failing = append(body.Failing, check.name)
		s.log.Warn("not ready", slog.String("request_id", requestID(c)), slog.String("check", check.name), slog.Any("error", err))
	}
	if len(body.Failing) > 0 {
		body.Status = "not_ready"
		c.Status(fiber.StatusServiceUnavailable)
	}
	return c.JSON(body)
}

// checkCatalog asks the catalog a question through the appliance's own handle. A
// catalog.db damaged under the running server fails here: SQLite sees the changed file
// header at the start of the read and drops the pages it had cached.
func (s *Server) checkCatalog(ctx context.Context) error {
	_, err := s.a.Catalog.Read().GetSetting(ctx, "readyz")
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

func (s *Server) checkNATS(context.Context) error {
	n := s.natsConn()
	if n == nil {
		return errors.New("NATS is not started (the server is not running)")
	}
	if !n.Conn().IsConnected() {
		return errors.New("NATS connection is " + n.Conn().Status().String())
	}
	return nil
}

func (s *Server) checkDataDir(context.Context) error {
	p := filepath.Join(s.a.Config.DataDir, readyProbeName)
	if err := os.WriteFile(p, []byte("ok\n"), 0o600); err != nil {
		return err
	}
	// Two probes at once may remove each other's file; that is no failure.
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// natsConn is the NATS connection Run started, nil before and without Run.
func (s *Server) natsConn() *embed.NATS { return s.nats.Load() }
