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

// problemLine is one problem of an import file: "row 3, column first_name: ...", or
// for a line about the whole file (a class without room) "class Form 2A: ...".
func problemLine(p studentimport.Problem) string {
	switch {
	case p.Row == 0 && p.Column != "":
		return p.Column + " " + p.Message
	case p.Row == 0:
		return p.Message
	case p.Column != "":
		return fmt.Sprintf("row %d, column %s: %s", p.Row, p.Column, p.Message)
	}
	return fmt.Sprintf("row %d: %s", p.Row, p.Message)
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
				// The file's own problems and the school's come back together, as
				// from the web import: one pass shows everything to correct.
				var res studentimport.Result
				err := a.Pool.WithTenant(ctx, schema, func(t *db.Tenant) error {
					res, err = studentimport.New(t).ImportFile(ctx, rows, problems, dry, cliMeta)
					return err
				})
				if err != nil {
					return machineError(err)
				}
				for _, p := range res.Errors {
					fmt.Fprintln(c.env.Stderr, problemLine(p))
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
