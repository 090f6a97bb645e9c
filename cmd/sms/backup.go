package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/backup"
)

func (c *cli) backupCommand() *cobra.Command {
	var out, schema string
	cmd := &cobra.Command{
		Use:   "backup [--out DIR] [--schema S]",
		Short: "Write a consistent copy of the catalog and every school (or one) with a checksummed manifest",
		Long: `Write a consistent copy of the catalog and every school, or of one school with --schema,
while the appliance keeps running. Without --out the backup goes to a new directory named
after the time under <data>/backups (or SMS_BACKUP_DIR).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				var schemas []string
				if schema != "" {
					schemas = []string{schema}
				}
				var r backup.Report
				var err error
				if out == "" && schema == "" {
					r, err = a.Backup.BackupInto(ctx, c.cfg.BackupsDir())
				} else {
					if out == "" {
						return usageError{fmt.Errorf("backup: --schema needs --out DIR")}
					}
					r, err = a.Backup.Backup(ctx, out, schemas)
				}
				if err != nil {
					return fmt.Errorf("backup failed: %w", err)
				}
				what := fmt.Sprintf("the catalog and %d %s", len(r.Manifest.Schools), plural(len(r.Manifest.Schools), "school", "schools"))
				if schema != "" && len(r.Manifest.Schools) == 1 {
					what = "school " + schema
				}
				fmt.Fprintf(c.out(), "backed up %s to %s (%s)\n", what, r.Dir, backup.FormatSize(r.Size()))
				return r.FailedError()
			})
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory to write (new or empty; default <data>/backups/<time>)")
	cmd.Flags().StringVar(&schema, "schema", "", "back up only this school (needs --out)")
	return cmd
}

func (c *cli) restoreCommand() *cobra.Command {
	var from, schema string
	var force bool
	cmd := &cobra.Command{
		Use:   "restore --from DIR [--schema S] [--force]",
		Short: "Restore every school (or one) from a backup; refuses damaged backups and, without --force, existing schools",
		Long: `Restore every school in a backup, or one with --schema. Every file used must match the
manifest's checksums first. Schools that exist here are replaced only with --force; their
current data is kept under <data>/archive. Into an unused data dir, a full backup also
brings back the platform accounts and settings.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				rep, err := a.Backup.Restore(ctx, from, backup.RestoreOptions{Schema: schema, Force: force})
				if rep.Catalog {
					fmt.Fprintf(c.out(), "restored the catalog (platform accounts and settings) from %s\n", rep.From)
				}
				for _, m := range rep.Missing {
					fmt.Fprintf(c.out(), "not restored: %s, the backup has no copy of its file (%s)\n", m.Schema, m.Error)
				}
				for _, r := range rep.Schools {
					c.audit(ctx, a, "tenant.restore", r.Schema, map[string]any{"from": rep.From, "replaced": r.Kept != ""})
					fmt.Fprintf(c.out(), "restored %s (%q, %s) from %s\n", r.Schema, r.Name, backup.FormatSize(r.Size), rep.From)
					if r.Kept != "" {
						fmt.Fprintf(c.out(), "  its data from before the restore is kept at %s\n", r.Kept)
					}
				}
				if err != nil {
					return err
				}
				if len(rep.Schools) == 0 {
					fmt.Fprintf(c.out(), "the backup in %s has no schools\n", rep.From)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "backup directory (one with a manifest.json) (required)")
	cmd.Flags().StringVar(&schema, "schema", "", "restore only this school")
	cmd.Flags().BoolVar(&force, "force", false, "replace schools that exist here (their current data is archived first)")
	required(cmd, "from")
	return cmd
}

func (c *cli) tenantExport() *cobra.Command {
	return &cobra.Command{
		Use:   "export SCHEMA FILE",
		Short: "Write one school (its file, catalog rows and domains) to an archive for another appliance",
		Args:  exactArgs(2, "SCHEMA and FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				rep, err := a.Backup.Export(ctx, args[0], args[1])
				if err != nil {
					return err
				}
				c.audit(ctx, a, "tenant.export", rep.Schema, map[string]any{"file": rep.File})
				fmt.Fprintf(c.out(), "exported %s to %s (%s); on the other appliance run: sms tenant import %s\n",
					rep.Schema, rep.File, backup.FormatSize(rep.Size), rep.File)
				return nil
			})
		},
	}
}

func (c *cli) tenantImport() *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE",
		Short: "Add a school from an archive made by tenant export (refuses a schema or domain that exists here)",
		Args:  exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				rep, err := a.Backup.Import(ctx, args[0])
				if err != nil {
					return err
				}
				c.audit(ctx, a, "tenant.import", rep.Schema, map[string]any{"name": rep.Name, "domains": rep.Domains})
				fmt.Fprintf(c.out(), "imported school %q (%s, %s) at %s\n", rep.Name, rep.Schema,
					backup.FormatSize(rep.Size), strings.Join(rep.Domains, ", "))
				return nil
			})
		},
	}
}

// backupFlags are the serve flags of the backup schedule.
func (c *cli) backupFlags(f *pflag.FlagSet) {
	f.DurationVar(&c.cfg.BackupEvery, "backup-every", c.cfg.BackupEvery, "back everything up this often, e.g. 24h; 0 never (env SMS_BACKUP_EVERY)")
	f.IntVar(&c.cfg.BackupKeep, "backup-keep", c.cfg.BackupKeep, "scheduled backups to keep, newest first (env SMS_BACKUP_KEEP)")
	f.StringVar(&c.cfg.BackupDir, "backup-dir", c.cfg.BackupDir, "where backups go (default <data>/backups; env SMS_BACKUP_DIR)")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
