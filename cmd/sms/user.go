package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/db"
)

// cliMeta marks audit entries made from the command line.
var cliMeta = auth.Meta{ActorEmail: "cli", IP: "local"}

func (c *cli) adminCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Manage platform administrators (they manage schools, not school data)", Args: cobra.ArbitraryArgs, RunE: unknownSubcommand}
	var email, name string
	var fromStdin bool
	create := &cobra.Command{
		Use:   "create --email E --password-stdin [--name N]",
		Short: "Create a platform administrator; the password is read from standard input",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pw, err := c.readPassword(fromStdin)
			if err != nil {
				return err
			}
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				acc, err := auth.CreatePlatformAdmin(ctx, a.Catalog, email, name, pw, cliMeta)
				if err != nil {
					return err
				}
				fmt.Fprintf(c.out(), "created platform admin %s; sign in at http://%s/\n", acc.Email, c.cfg.BaseDomain)
				return nil
			})
		},
	}
	create.Flags().StringVar(&email, "email", "", "email address to sign in with (required)")
	create.Flags().StringVar(&name, "name", "", "display name")
	create.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input (required)")
	required(create, "email", "password-stdin")
	cmd.AddCommand(create)
	return cmd
}

func (c *cli) userCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage a school's staff accounts", Args: cobra.ArbitraryArgs, RunE: unknownSubcommand}
	var schema, email, name, role string
	var fromStdin bool
	create := &cobra.Command{
		Use:   "create --schema S --email E --role admin|teacher|clerk|viewer --password-stdin [--name N]",
		Short: "Create a school account; the password is read from standard input",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pw, err := c.readPassword(fromStdin)
			if err != nil {
				return err
			}
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				if _, err := a.Clients.Get(ctx, schema); err != nil {
					return err
				}
				return a.Pool.WithTenant(ctx, schema, func(t *db.Tenant) error {
					u, err := auth.Users{T: t}.Create(ctx, auth.NewUser{Email: email, Name: name, Role: auth.Role(role), Password: pw}, cliMeta)
					if err != nil {
						return err
					}
					fmt.Fprintf(c.out(), "created %s %s in %s\n", u.Role, u.Email, schema)
					return nil
				})
			})
		},
	}
	create.Flags().StringVar(&schema, "schema", "", "the school (required)")
	create.Flags().StringVar(&email, "email", "", "email address to sign in with (required)")
	create.Flags().StringVar(&name, "name", "", "display name")
	create.Flags().StringVar(&role, "role", "", "admin, teacher, clerk or viewer (required)")
	create.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input (required)")
	required(create, "schema", "email", "role", "password-stdin")
	cmd.AddCommand(create)
	return cmd
}

// readPassword reads one line from standard input, so passwords never appear in shell
// history or the process list.
func (c *cli) readPassword(fromStdin bool) (string, error) {
	if !fromStdin {
		return "", usageError{errors.New("--password-stdin is required")}
	}
	line, err := bufio.NewReader(io.LimitReader(c.env.Stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("no password on standard input (e.g. echo 'long secret' | sms ... --password-stdin)")
	}
	return pw, nil
}
