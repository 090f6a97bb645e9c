package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/errs"
)

// Env is the outside world a command sees; tests give it buffers and a fake environment.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// usageError marks a mistake in how the command was called (exit status 2).
type usageError struct{ error }

// Main runs the sms command line and returns the process exit status.
func Main(ctx context.Context, args []string, env Env) int {
	cfg, err := app.DefaultConfig().FromEnv(env.Getenv)
	if err != nil {
		fmt.Fprintf(env.Stderr, "sms: %v\n", err)
		return 2
	}
	cli := &cli{env: env, cfg: cfg}
	root := cli.rootCommand()
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err = root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(env.Stderr, "sms: %s\n", oneLine(err))
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") {
		return 2
	}
	return 1
}

// oneLine renders an error as the single line users see on stderr.
func oneLine(err error) string {
	msg := err.Error()
	var e *errs.Error
	if errors.As(err, &e) && e.Code != errs.Internal {
		msg = e.Message
		if len(e.Fields) > 0 {
			var parts []string
			for _, k := range sortedKeys(e.Fields) {
				parts = append(parts, flagName(k)+" "+e.Fields[k])
			}
			msg = strings.Join(parts, "; ")
			if e.Code != errs.Invalid {
				msg = e.Message
			}
		}
	}
	// Cobra's messages span lines ("Did you mean this?\n\ttenant"): keep the words.
	return strings.Join(strings.Fields(msg), " ")
}

// flagName maps a service field name to the flag a CLI user typed.
func flagName(field string) string {
	switch field {
	case "schema_name":
		return "--schema"
	case "name":
		return "--name"
	case "domain":
		return "--domain"
	case "appliance":
		return "--appliance"
	case "from":
		return "--from"
	case "email":
		return "--email"
	case "role":
		return "--role"
	case "password", "admin.password":
		return "password"
	case "admin.email":
		return "--admin-email"
	case "admin.name":
		return "--admin-name"
	case "phone_number_id", "display_number", "access_token", "app_secret", "verify_token", "graph_url", "graph_version",
		"template_language", "absence_template", "notice_template", "reply_template", "alert_not_before", "alert_delay_minutes":
		return "--" + strings.ReplaceAll(field, "_", "-")
	}
	return field
}

type cli struct {
	env Env
	cfg app.Config
}

func (c *cli) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "sms",
		Short:         "School management appliance: many schools, one binary, one SQLite file per school",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usageError{err} })
	f := root.PersistentFlags()
	f.StringVar(&c.cfg.DataDir, "data", c.cfg.DataDir, "data directory (env SMS_DATA)")
	f.StringVar(&c.cfg.BaseDomain, "base-domain", c.cfg.BaseDomain, "host of the platform pages; schools are <name>.<base domain> (env SMS_BASE_DOMAIN)")
	f.IntVar(&c.cfg.PoolCap, "pool-cap", c.cfg.PoolCap, "most school files open at once (env SMS_POOL_CAP)")
	f.StringVar(&c.cfg.LogLevel, "log-level", c.cfg.LogLevel, "debug, info, warn or error (env SMS_LOG_LEVEL)")
	f.StringVar(&c.cfg.LogFormat, "log-format", c.cfg.LogFormat, "text or json (env SMS_LOG_FORMAT)")
	tenant := c.tenantCommand()
	tenant.AddCommand(c.tenantExport(), c.tenantImport())
	root.AddCommand(c.serveCommand(), tenant, c.domainCommand(), c.migrateCommand(),
		c.adminCommand(), c.userCommand(), c.importCommand(), c.backupCommand(), c.restoreCommand(), c.whatsappCommand(), c.settingsCommand(), c.benchCommand())
	return root
}

// open validates the configuration and opens the appliance's data for one command,
// logging through log.
func (c *cli) open(ctx context.Context, log *slog.Logger) (*app.App, error) {
	if err := c.cfg.Validate(); err != nil {
		return nil, usageError{err}
	}
	return app.Open(ctx, c.cfg, log)
}

// quietLogger is the log of one-shot commands: they speak through stdout and their
// errors, so only warnings and worse are logged.
func (c *cli) quietLogger() *slog.Logger {
	cfg := c.cfg
	if lvl, _ := app.ParseLevel(cfg.LogLevel); lvl < slog.LevelWarn {
		cfg.LogLevel = "warn"
	}
	return cfg.Logger(c.env.Stderr)
}

// serverLogger is the log of sms serve, at the configured level: an operator reads
// its start, stop, requests and errors there.
func (c *cli) serverLogger() *slog.Logger { return c.cfg.Logger(c.env.Stderr) }

// withApp runs fn with an open App and closes it afterwards.
func (c *cli) withApp(cmd *cobra.Command, fn func(ctx context.Context, a *app.App) error) error {
	ctx := cmd.Context()
	a, err := c.open(ctx, c.quietLogger())
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(ctx, a)
}

func (c *cli) out() io.Writer { return c.env.Stdout }

// isTerminal reports whether w is an interactive terminal (progress lines go there only).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
