package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/chatbot"
	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/app/core/demo"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
)

func defaultJobs() int { return max(2, runtime.NumCPU()) }

// poolCloseTimeout bounds closing the school files when sms serve stops.
const poolCloseTimeout = 10 * time.Second

func (c *cli) serveCommand() *cobra.Command {
	var demo bool
	cmd := &cobra.Command{
		Use:   "serve [--demo]",
		Short: "Serve every school over HTTP, with the embedded NATS server for background work",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := c.cfg.Validate(); err != nil {
				return usageError{err}
			}
			// One server per data dir: two would share the NATS store and each keep its own
			// caches. Other commands do not take this lock; they work beside the server.
			unlock, err := db.LockDataDir(c.cfg.DataDir)
			if err != nil {
				return err
			}
			defer unlock()
			ctx := cmd.Context()
			a, err := c.open(ctx, c.serverLogger())
			if err != nil {
				return err
			}
			// The school files get their own bound after HTTP and NATS had theirs.
			defer func() {
				if err := a.CloseWithin(poolCloseTimeout); err != nil {
					a.Log.Warn("close data files", slog.Any("error", err))
				}
			}()
			ln, err := net.Listen("tcp", c.cfg.Addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", c.cfg.Addr, err)
			}
			port := ln.Addr().(*net.TCPAddr).Port
			if demo {
				if err := c.ensureDemo(ctx, a, port); err != nil {
					ln.Close()
					return err
				}
			}
			a.Log.Info("serving", "addr", ln.Addr().String(), "base_domain", c.cfg.BaseDomain, "data", c.cfg.DataDir, "appliance", c.cfg.Appliance)
			fmt.Fprintf(c.out(), "sms is serving on %s — platform: %s\n", ln.Addr(), hostURL(c.cfg.BaseDomain, port, ""))
			return app.NewServer(a).Run(ctx, ln)
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.cfg.Addr, "addr", c.cfg.Addr, "listen address (env SMS_ADDR)")
	f.BoolVar(&demo, "demo", false, "create a demo school (if missing) and print its addresses")
	f.StringVar(&c.cfg.DefaultTenant, "default-tenant", c.cfg.DefaultTenant, "school served on hosts that name no school, e.g. a bare IP (env SMS_DEFAULT_TENANT)")
	f.StringVar(&c.cfg.NATSURL, "nats-url", c.cfg.NATSURL, "connect to this NATS cluster instead of the embedded server (env SMS_NATS_URL)")
	f.StringVar(&c.cfg.Appliance, "appliance", c.cfg.Appliance, "this appliance's name among those sharing the --nats-url cluster; it serves the schools placed on it (env SMS_APPLIANCE)")
	f.IntVar(&c.cfg.NATSReplicas, "nats-replicas", c.cfg.NATSReplicas, "replicas of the JetStream streams, for a NATS cluster (env SMS_NATS_REPLICAS)")
	f.StringVar(&c.cfg.OllamaURL, "ollama-url", c.cfg.OllamaURL, "Ollama server the WhatsApp bot asks free text, e.g. http://127.0.0.1:11434; off when empty (env SMS_OLLAMA_URL)")
	f.StringVar(&c.cfg.OllamaModel, "ollama-model", c.cfg.OllamaModel, "the Ollama model to ask, e.g. qwen2.5:1.5b (env SMS_OLLAMA_MODEL)")
	f.IntVar(&c.cfg.ChatbotWorkers, "chatbot-workers", c.cfg.ChatbotWorkers, "WhatsApp conversations answered at once (env SMS_CHATBOT_WORKERS)")
	c.backupFlags(f)
	f.StringVar(&c.cfg.TrustedProxies, "trusted-proxies", c.cfg.TrustedProxies, "comma-separated IPs/CIDRs of reverse proxies whose X-Forwarded-* headers are believed (env SMS_TRUSTED_PROXIES)")
	f.StringVar(&c.cfg.MetricsToken, "metrics-token", c.cfg.MetricsToken, "bearer token that lets another machine read /metrics; without it only this machine may (env SMS_METRICS_TOKEN)")
	f.DurationVar(&c.cfg.ShutdownTimeout, "shutdown-timeout", c.cfg.ShutdownTimeout, "how long requests in flight may finish when the server stops (env SMS_SHUTDOWN_TIMEOUT)")
	return cmd
}

// Demo sign-ins: printed at start-up, meant only for trying the appliance out.
const (
	demoPassword      = "demo-password"
	demoPlatformEmail = "platform@demo.school"
	demoAdminEmail    = "admin@demo.school"
	demoTeacherEmail  = "teacher@demo.school"
)

// ensureDemo creates the demo school and its accounts once; later runs find them and
// only print the addresses and sign-ins.
func (c *cli) ensureDemo(ctx context.Context, a *app.App, port int) error {
	if _, err := a.Catalog.Read().GetUserByEmail(ctx, demoPlatformEmail); errors.Is(err, sql.ErrNoRows) {
		if _, err := auth.CreatePlatformAdmin(ctx, a.Catalog, demoPlatformEmail, "Platform Admin", demoPassword, cliMeta); err != nil {
			return fmt.Errorf("demo platform admin: %w", err)
		}
	}
	t, err := a.Clients.Get(ctx, "demo")
	if errs.CodeOf(err) == errs.NotFound {
		t, err = a.Clients.CreateWithAdmin(ctx, clients.CreateRequest{Schema: "demo", Name: "Demo Secondary School",
			Admin: &auth.NewUser{Email: demoAdminEmail, Name: "Ada Admin", Password: demoPassword}}, cliMeta)
		if err == nil {
			fmt.Fprintf(c.out(), "created the demo school\n")
		}
	}
	if err != nil {
		return fmt.Errorf("demo school: %w", err)
	}
	if t.Status != "active" {
		return errors.New("the demo school is suspended; run: sms tenant resume demo")
	}
	err = a.Pool.WithTenant(ctx, "demo", func(tn *db.Tenant) error {
		if _, err := tn.Read().GetUserByEmail(ctx, demoTeacherEmail); !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err := auth.Users{T: tn}.Create(ctx, auth.NewUser{Email: demoTeacherEmail, Name: "Tom Teacher",
			Role: auth.RoleTeacher, Password: demoPassword}, cliMeta)
		return err
	})
	if err != nil {
		return fmt.Errorf("demo teacher: %w", err)
	}
	err = a.Pool.WithTenant(ctx, "demo", func(tn *db.Tenant) error {
		seeded, err := demo.Seed(ctx, tn, demo.Options{TeacherEmail: demoTeacherEmail}, cliMeta)
		if err != nil || seeded.Skipped {
			return err
		}
		fmt.Fprintf(c.out(), "seeded the demo school: %d classes, %d subjects, %d teachers, %d students, %d attendance marks, %d notices\n",
			seeded.Classes, seeded.Subjects, seeded.Teachers, seeded.Students, seeded.Marks, seeded.Notices)
		return demoWhatsApp(ctx, a, tn)
	})
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	fmt.Fprintf(c.out(), `demo school %q:
  %s
  %s (without wildcard DNS)
  school admin:   %s / %s
  teacher:        %s / %s
  WhatsApp bot:   %s (the simulator: no WhatsApp account needed)
platform (schools): %s
  platform admin: %s / %s
`, t.Name, hostURL(t.PrimaryDomain(), port, ""), hostURL(c.cfg.BaseDomain, port, "/t/demo/"),
		demoAdminEmail, demoPassword, demoTeacherEmail, demoPassword, hostURL(t.PrimaryDomain(), port, "/chatbot/simulator"),
		hostURL(c.cfg.BaseDomain, port, ""), demoPlatformEmail, demoPassword)
	return nil
}

// demoPhoneNumberID is the demo school's WhatsApp number id. Meta's ids are longer; a
// webhook naming this one would still need the demo's app secret, which no one knows.
const demoPhoneNumberID = "1000000000"

// demoWhatsApp gives the demo school a WhatsApp number for the simulator, so that
// staff trying the appliance can chat with the bot at once, with no WhatsApp account:
// a number id and an app secret of its own, and no access token, so nothing is ever
// sent for real (the settings page shows the channel as not set up for sending).
func demoWhatsApp(ctx context.Context, a *app.App, tn *db.Tenant) error {
	secret := make([]byte, 24)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	id, s := demoPhoneNumberID, hex.EncodeToString(secret)
	_, err := a.Chatbot.SaveSettings(ctx, tn, chatbot.SettingsInput{PhoneNumberID: &id, AppSecret: &s}, cliMeta)
	if errs.CodeOf(err) == errs.Conflict {
		// Another school of this appliance has the number: the demo goes without.
		return nil
	}
	return err
}

func hostURL(host string, port int, path string) string {
	if path == "" {
		path = "/"
	}
	if port == 80 {
		return "http://" + host + path
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("http://%s:%d%s", host, port, path)
}
