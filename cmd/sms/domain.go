package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/tenancy"
)

func (c *cli) domainCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "domain", Short: "Manage the host names schools are reached at", Args: cobra.ArbitraryArgs, RunE: unknownSubcommand}

	var primary bool
	add := &cobra.Command{
		Use:   "add SCHEMA DOMAIN [--primary]",
		Short: "Serve a school at one more host name",
		Args:  exactArgs(2, "SCHEMA and DOMAIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				if _, err := a.Clients.AddDomain(ctx, args[0], args[1], primary); err != nil {
					return err
				}
				d, _ := tenancy.CheckDomain(args[1])
				c.audit(ctx, a, "domain.add", args[0], map[string]any{"domain": d, "primary": primary})
				fmt.Fprintf(c.out(), "added %s to %s\n", d, args[0])
				return nil
			})
		},
	}
	add.Flags().BoolVar(&primary, "primary", false, "make it the school's primary domain")

	remove := &cobra.Command{
		Use:   "remove DOMAIN",
		Short: "Stop serving a school at a host name",
		Args:  exactArgs(1, "DOMAIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				t, err := a.Clients.RemoveDomain(ctx, args[0])
				if err != nil {
					return err
				}
				c.audit(ctx, a, "domain.remove", t.Schema, map[string]any{"domain": args[0]})
				fmt.Fprintf(c.out(), "removed %s from %s\n", args[0], t.Schema)
				return nil
			})
		},
	}

	setPrimary := &cobra.Command{
		Use:   "set-primary DOMAIN",
		Short: "Make a domain its school's primary one",
		Args:  exactArgs(1, "DOMAIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				t, err := a.Clients.SetPrimaryDomain(ctx, args[0])
				if err != nil {
					return err
				}
				c.audit(ctx, a, "domain.set_primary", t.Schema, map[string]any{"domain": args[0]})
				fmt.Fprintf(c.out(), "%s is now the primary domain of %s\n", args[0], t.Schema)
				return nil
			})
		},
	}

	var schema string
	var asJSON bool
	list := &cobra.Command{
		Use:   "list [--schema S] [--json]",
		Short: "List domains, of every school or of one",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				ds, err := a.Clients.ListDomains(ctx, schema)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(c.out(), ds)
				}
				w := tabwriter.NewWriter(c.out(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "DOMAIN\tSCHEMA\tPRIMARY")
				for _, d := range ds {
					fmt.Fprintf(w, "%s\t%s\t%v\n", d.Domain, d.Schema, d.IsPrimary)
				}
				return w.Flush()
			})
		},
	}
	list.Flags().StringVar(&schema, "schema", "", "only this school's domains")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	cmd.AddCommand(add, remove, setPrimary, list)
	return cmd
}
