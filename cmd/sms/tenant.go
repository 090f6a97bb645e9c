package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/app/text"
)

func (c *cli) tenantCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "tenant", Short: "Create and manage schools (tenants)", Args: cobra.ArbitraryArgs, RunE: unknownSubcommand}
	cmd.AddCommand(c.tenantCreate(), c.tenantList(), c.tenantShow(), c.tenantUpdate(),
		c.tenantSuspend(), c.tenantResume(), c.tenantDelete(), c.tenantClone(), c.tenantPlace())
	return cmd
}

func (c *cli) tenantCreate() *cobra.Command {
	var schema, name, country, timezone string
	var domains []string
	cmd := &cobra.Command{
		Use:   "create --schema S --name N [--domain D ...] [--country KE] [--timezone Africa/Nairobi]",
		Short: "Create a school: its catalog entry, its domains and its own migrated file",
		Long: `Create a school: its catalog entry, its domains and its own migrated file.
--country decides how the school reads phone numbers written without + and a
country code; --timezone is where its "today" is. Without them the school gets
the platform's defaults (sms settings set default-country KE, default-timezone
Africa/Nairobi), or no country and UTC.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				t, err := a.Clients.Create(ctx, clients.CreateInput{Schema: schema, Name: name, Domains: domains, Country: country, Timezone: timezone})
				if err != nil {
					return err
				}
				c.audit(ctx, a, "tenant.create", t.Schema, map[string]any{"name": t.Name, "domains": domainNames(t), "country_code": country, "timezone": timezone})
				fmt.Fprintf(c.out(), "created school %q (%s) at %s\n", t.Name, t.Schema, strings.Join(domainNames(t), ", "))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&schema, "schema", "", "schema name: lower-case letters, digits and _ (required)")
	cmd.Flags().StringVar(&name, "name", "", "the school's display name (required)")
	cmd.Flags().StringArrayVar(&domains, "domain", nil, "host name of the school (repeatable; default <schema>.<base domain>)")
	cmd.Flags().StringVar(&country, "country", "", "ISO 3166 country code, e.g. KE (default: the platform setting default-country)")
	cmd.Flags().StringVar(&timezone, "timezone", "", "IANA timezone, e.g. Africa/Nairobi (default: the platform setting default-timezone, else UTC)")
	required(cmd, "schema", "name")
	return cmd
}

func (c *cli) tenantClone() *cobra.Command {
	var from, schema, name, adminEmail, adminName string
	var domains []string
	cmd := &cobra.Command{
		Use:   "clone --from S --schema T --name N [--domain D ...] [--admin-email E [--admin-name N]]",
		Short: "Create a school with the setup of an existing (template) school, without its people",
		Long: `Create a school with the setup of an existing (template) school: its profile (but
its name), academic sessions and terms, forms, classes (without class teachers),
subjects and settings. No accounts, sessions, tokens, audit log, students,
guardians, admissions or enrollments are copied. With --admin-email the new
school's first admin is created; its password is read from standard input.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req := clients.CreateRequest{Schema: schema, Name: name, Domains: domains}
			if cmd.Flags().Changed("admin-email") {
				pw, err := c.readPassword(true)
				if err != nil {
					return err
				}
				req.Admin = &auth.NewUser{Email: adminEmail, Name: adminName, Password: pw}
			} else if cmd.Flags().Changed("admin-name") {
				return usageError{fmt.Errorf("%s: --admin-name needs --admin-email", commandName(cmd))}
			}
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				t, err := a.Clients.CloneWithAdmin(ctx, from, req, cliMeta)
				if err != nil {
					return err
				}
				detail := map[string]any{"from": from, "name": t.Name}
				if req.Admin != nil {
					email, _ := auth.NormalizeEmail(adminEmail)
					detail["admin"] = email
				}
				c.audit(ctx, a, "tenant.clone", t.Schema, detail)
				fmt.Fprintf(c.out(), "cloned %s into school %q (%s) at %s\n", from, t.Name, t.Schema, strings.Join(domainNames(t), ", "))
				if req.Admin != nil {
					fmt.Fprintf(c.out(), "created admin %s in %s\n", detail["admin"], t.Schema)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "schema of the school to copy the setup of (required)")
	cmd.Flags().StringVar(&schema, "schema", "", "schema name of the new school (required)")
	cmd.Flags().StringVar(&name, "name", "", "display name of the new school (required)")
	cmd.Flags().StringArrayVar(&domains, "domain", nil, "host name of the new school (repeatable)")
	cmd.Flags().StringVar(&adminEmail, "admin-email", "", "create the new school's first admin with this email; the password is read from standard input")
	cmd.Flags().StringVar(&adminName, "admin-name", "", "display name of that admin")
	required(cmd, "from", "schema", "name")
	return cmd
}

func (c *cli) tenantList() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "List schools",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				ts, err := a.Clients.List(ctx)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(c.out(), ts)
				}
				w := tabwriter.NewWriter(c.out(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "SCHEMA\tNAME\tSTATUS\tAPPLIANCE\tDOMAINS")
				for _, t := range ts {
					// Names stored before names were checked may hold terminal escapes.
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.Schema, text.Printable(t.Name), t.Status, applianceLabel(t.Appliance),
						text.Printable(strings.Join(domainNames(t), ",")))
				}
				return w.Flush()
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (c *cli) tenantShow() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show SCHEMA [--json]",
		Short: "Show one school",
		Args:  exactArgs(1, "SCHEMA"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				t, err := a.Clients.Get(ctx, args[0])
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(c.out(), t)
				}
				printTenant(c, a, t)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printTenant(c *cli, a *app.App, t clients.Tenant) {
	w := tabwriter.NewWriter(c.out(), 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "schema:\t%s\n", t.Schema)
	fmt.Fprintf(w, "name:\t%s\n", text.Printable(t.Name))
	fmt.Fprintf(w, "status:\t%s\n", t.Status)
	fmt.Fprintf(w, "appliance:\t%s\n", applianceLabel(t.Appliance))
	for _, d := range t.Domains {
		primary := ""
		if d.IsPrimary {
			primary = " (primary)"
		}
		fmt.Fprintf(w, "domain:\t%s%s\n", text.Printable(d.Domain), primary)
	}
	fmt.Fprintf(w, "file:\t%s\n", a.Pool.Path(t.Schema))
	fmt.Fprintf(w, "created:\t%s\n", t.CreatedAt)
	fmt.Fprintf(w, "updated:\t%s\n", t.UpdatedAt)
	w.Flush()
}

func (c *cli) tenantUpdate() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "update SCHEMA --name N",
		Short: "Rename a school",
		Args:  exactArgs(1, "SCHEMA"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				t, err := a.Clients.Rename(ctx, args[0], name)
				if err != nil {
					return err
				}
				c.audit(ctx, a, "tenant.update", t.Schema, map[string]any{"name": t.Name})
				fmt.Fprintf(c.out(), "renamed %s to %q\n", t.Schema, t.Name)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "new display name (required)")
	required(cmd, "name")
	return cmd
}

func (c *cli) tenantSuspend() *cobra.Command {
	return &cobra.Command{
		Use:   "suspend SCHEMA",
		Short: "Stop serving a school (its data stays)",
		Args:  exactArgs(1, "SCHEMA"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				t, err := a.Clients.Suspend(ctx, args[0])
				if err != nil {
					return err
				}
				c.audit(ctx, a, "tenant.update", t.Schema, map[string]any{"status": t.Status})
				fmt.Fprintf(c.out(), "suspended %s\n", t.Schema)
				return nil
			})
		},
	}
}

func (c *cli) tenantResume() *cobra.Command {
	return &cobra.Command{
		Use:   "resume SCHEMA",
		Short: "Serve a suspended school again",
		Args:  exactArgs(1, "SCHEMA"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				t, err := a.Clients.Resume(ctx, args[0])
				if err != nil {
					return err
				}
				c.audit(ctx, a, "tenant.update", t.Schema, map[string]any{"status": t.Status})
				fmt.Fprintf(c.out(), "resumed %s\n", t.Schema)
				return nil
			})
		},
	}
}

func (c *cli) tenantDelete() *cobra.Command {
	var purge bool
	cmd := &cobra.Command{
		Use:   "delete SCHEMA [--purge]",
		Short: "Delete a school: its file is archived, or removed with --purge",
		Args:  exactArgs(1, "SCHEMA"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				archived, err := a.Clients.Delete(ctx, args[0], purge)
				if err != nil {
					return err
				}
				c.audit(ctx, a, "tenant.delete", args[0], map[string]any{"purge": purge, "archived": archived != ""})
				switch {
				case purge:
					fmt.Fprintf(c.out(), "deleted %s and removed its files\n", args[0])
				case archived != "":
					fmt.Fprintf(c.out(), "deleted %s; its file was archived to %s\n", args[0], archived)
				default:
					fmt.Fprintf(c.out(), "deleted %s (it had no file)\n", args[0])
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&purge, "purge", false, "remove the school's .db, -wal and -shm files instead of archiving them")
	return cmd
}

func (c *cli) tenantPlace() *cobra.Command {
	var schema, appliance string
	cmd := &cobra.Command{
		Use:   "place --schema S --appliance NAME",
		Short: "Place a school on an appliance of the cluster (\"\" for this one)",
		Long: `Record which appliance serves a school, when several sms serve share one NATS
cluster (--nats-url) and each has its own data directory. An appliance serves the
schools placed on it by its --appliance name and those placed on "" (this
appliance: every school created or imported here). A school placed elsewhere is
no longer served here within a second: its host answers 421, its webhooks go to
the appliance holding it, its bot work and outbox stop. Nothing is copied or
deleted; see docs/deploy.md for moving a school step by step.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				t, err := a.Clients.Place(ctx, schema, appliance)
				if err != nil {
					return err
				}
				c.audit(ctx, a, "tenant.update", t.Schema, map[string]any{"appliance": t.Appliance})
				where := t.Appliance
				if where == "" {
					where = "this appliance"
				}
				fmt.Fprintf(c.out(), "placed %s on %s\n", t.Schema, where)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&schema, "schema", "", "schema name of the school (required)")
	cmd.Flags().StringVar(&appliance, "appliance", "", `name of the appliance that serves it; "" for this one (required)`)
	required(cmd, "schema", "appliance")
	return cmd
}

// applianceLabel shows a placement in lists: a name, or "here" for this appliance.
func applianceLabel(name string) string {
	if name == "" {
		return "here"
	}
	return name
}

func domainNames(t clients.Tenant) []string {
	out := make([]string, 0, len(t.Domains))
	for _, d := range t.Domains {
		out = append(out, d.Domain)
	}
	return out
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// required marks flags as required, reported as a usage error naming the flag.
func required(cmd *cobra.Command, names ...string) {
	prev := cmd.PreRunE
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		for _, n := range names {
			if !cmd.Flags().Changed(n) {
				return usageError{fmt.Errorf("%s: --%s is required", commandName(cmd), n)}
			}
		}
		if prev != nil {
			return prev(cmd, args)
		}
		return nil
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s: unexpected argument %q", commandName(cmd), args[0])}
	}
	return nil
}

func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s: expected %s, got %d argument(s)", commandName(cmd), what, len(args))}
		}
		return nil
	}
}

// commandName is the command as typed after "sms", for messages that stderr already
// prefixes with "sms: ".
func commandName(cmd *cobra.Command) string {
	return strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
}

// unknownSubcommand fails a command group called without a known subcommand, so that a
// typo in a script is an error rather than a help text and exit status 0.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return usageError{fmt.Errorf("%s: missing subcommand (one of: %s)", commandName(cmd), subcommands(cmd))}
	}
	return usageError{fmt.Errorf("%s: unknown subcommand %q (one of: %s)", commandName(cmd), args[0], subcommands(cmd))}
}

func subcommands(cmd *cobra.Command) string {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return strings.Join(names, ", ")
}

// audit records a platform change made from the command line in the catalog's log.
func (c *cli) audit(ctx context.Context, a *app.App, action, target string, detail any) {
	a.Auth.Audit(ctx, auth.PlatformStore(a.Catalog), cliMeta.Entry(action, target, detail))
}
