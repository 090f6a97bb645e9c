package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/app/errs"
)

func defaultJobs() int { return max(2, runtime.NumCPU()) }

func (c *cli) serveCommand() *cobra.Command {
	var demo bool
	cmd := &cobra.Command{
		Use:   "serve [--demo]",
		Short: "Serve every school over HTTP, with the embedded NATS server for background work",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
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
				a.Log.Info("serving", "addr", ln.Addr().String(), "base_domain", c.cfg.BaseDomain, "data", c.cfg.DataDir)
				fmt.Fprintf(c.out(), "sms is serving on %s — platform: %s\n", ln.Addr(), hostURL(c.cfg.BaseDomain, port, ""))
				return app.NewServer(a).Run(ctx, ln)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.cfg.Addr, "addr", c.cfg.Addr, "listen address (env SMS_ADDR)")
	f.BoolVar(&demo, "demo", false, "create a demo school (if missing) and print its addresses")
	f.StringVar(&c.cfg.DefaultTenant, "default-tenant", c.cfg.DefaultTenant, "school served on hosts that name no school, e.g. a bare IP (env SMS_DEFAULT_TENANT)")
	f.StringVar(&c.cfg.NATSURL, "nats-url", c.cfg.NATSURL, "connect to this NATS cluster instead of the embedded server (env SMS_NATS_URL)")
	return cmd
}

// ensureDemo creates the demo school once; later runs find it and only print its URLs.
func (c *cli) ensureDemo(ctx context.Context, a *app.App, port int) error {
	t, err := a.Clients.Get(ctx, "demo")
	if errs.CodeOf(err) == errs.NotFound {
		t, err = a.Clients.Create(ctx, clients.CreateInput{Schema: "demo", Name: "Demo Secondary School"})
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
	fmt.Fprintf(c.out(), "demo school %q:\n  %s\n  %s (without wildcard DNS)\n",
		t.Name, hostURL(t.PrimaryDomain(), port, ""), hostURL(c.cfg.BaseDomain, port, "/t/demo/"))
	return nil
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
