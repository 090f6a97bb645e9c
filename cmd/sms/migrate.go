package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/spf13/cobra"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/clients"
)

func (c *cli) migrateCommand() *cobra.Command {
	var schema string
	var jobs int
	cmd := &cobra.Command{
		Use:   "migrate [--schema S] [--jobs N]",
		Short: "Bring the catalog and every school file (or one) to the latest schema",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if jobs < 1 {
				return usageError{fmt.Errorf("--jobs must be at least 1")}
			}
			// Opening the app migrates the catalog first.
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				var schemas []string
				if schema != "" {
					if _, err := a.Clients.Get(ctx, schema); err != nil {
						return err
					}
					schemas = []string{schema}
				}
				m := a.Catalog.Migration
				if m.Migrated() {
					fmt.Fprintf(c.out(), "catalog: migrated %d -> %d\n", m.From, m.To)
				} else {
					fmt.Fprintf(c.out(), "catalog: up to date (version %d)\n", m.To)
				}
				tty := isTerminal(c.env.Stdout)
				var mu sync.Mutex
				sum, err := a.Clients.MigrateAll(ctx, schemas, jobs, func(p clients.MigrateProgress) {
					if !tty && p.Err == nil {
						return // scripts get failures and the summary only
					}
					mu.Lock()
					defer mu.Unlock()
					switch {
					case p.Err != nil:
						fmt.Fprintf(c.env.Stderr, "[%d/%d] %s: FAILED: %v\n", p.Done, p.Total, p.Schema, p.Err)
					case p.Result.Migrated():
						fmt.Fprintf(c.out(), "[%d/%d] %s: migrated %d -> %d\n", p.Done, p.Total, p.Schema, p.Result.From, p.Result.To)
					default:
						fmt.Fprintf(c.out(), "[%d/%d] %s: up to date\n", p.Done, p.Total, p.Schema)
					}
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(c.out(), "tenants: %d total, %d migrated, %d up to date, %d failed (latest version %d)\n",
					sum.Total, sum.Migrated, sum.UpToDate, sum.Failed, a.Pool.Migrator().Latest())
				if sum.Failed > 0 {
					return fmt.Errorf("%d of %d school files failed to migrate (listed above)", sum.Failed, sum.Total)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&schema, "schema", "", "migrate only this school")
	cmd.Flags().IntVar(&jobs, "jobs", defaultJobs(), "school files migrated in parallel")
	return cmd
}
