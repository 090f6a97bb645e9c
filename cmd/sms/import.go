package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/core/studentimport"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
)

// machineError says a full disk or a school locked for too long as what it is, with
// SQLite's own words for whoever looks after the machine; other errors pass as they are.
func machineError(err error) error {
	e := errs.As(err)
	if e.Code != errs.StorageFull && e.Code != errs.Busy {
		return err
	}
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		return fmt.Errorf("%s (%v)", e.Message, coded)
	}
	return errors.New(e.Message)
}

func (c *cli) importCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "Import school data from spreadsheets", Args: cobra.ArbitraryArgs, RunE: unknownSubcommand}
	var schema string
	var dry bool
	students := &cobra.Command{
		Use:   "students --schema S FILE [--dry-run]",
		Short: "Import students (CSV or .xlsx, one student per row); any error imports nothing",
		Args:  exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			body, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("read %s: %w", args[0], err)
			}
			rows, problems, err := studentimport.ParseFile(filepath.Base(args[0]), body)
			if err != nil {
				return err
			}
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				if _, err := a.Clients.Get(ctx, schema); err != nil {
					return err
				}
				res := studentimport.Result{DryRun: dry, Errors: problems}
				if len(problems) == 0 {
					err := a.Pool.WithTenant(ctx, schema, func(t *db.Tenant) error {
						res, err = studentimport.New(t).Import(ctx, rows, dry, cliMeta)
						return err
					})
					if err != nil {
						return machineError(err)
					}
				}
				for _, p := range res.Errors {
					col := ""
					if p.Column != "" {
						col = ", column " + p.Column
					}
					fmt.Fprintf(c.env.Stderr, "row %d%s: %s\n", p.Row, col, p.Message)
				}
				if len(res.Errors) > 0 {
					return fmt.Errorf("%d problem(s) in %s; nothing was imported", len(res.Errors), args[0])
				}
				if dry {
					fmt.Fprintf(c.out(), "dry run: %d student(s) would be created and %d updated; nothing was written\n", res.Created, res.Updated)
				} else {
					fmt.Fprintf(c.out(), "imported %s: %d student(s) created, %d updated\n", args[0], res.Created, res.Updated)
				}
				return nil
			})
		},
	}
	students.Flags().StringVar(&schema, "schema", "", "the school (required)")
	students.Flags().BoolVar(&dry, "dry-run", false, "check the file and report problems without writing")
	required(students, "schema")
	cmd.AddCommand(students)
	return cmd
}
