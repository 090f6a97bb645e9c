package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/schoolsms/sms/app/backup"
)

// startBackups runs the backup schedule of sms serve (--backup-every) until stop is
// called; stop waits for a backup in progress to end, so the pool outlives it.
func (s *Server) startBackups(ctx context.Context) (stop func()) {
	cfg := s.a.Config
	if cfg.BackupEvery <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.log.Info("backups scheduled", "every", cfg.BackupEvery.String(), "keep", cfg.BackupKeep, "dir", cfg.BackupsDir())
		RunBackupSchedule(ctx, s.a.Backup, cfg.BackupsDir(), cfg.BackupEvery, cfg.BackupKeep, s.log, s.a.Metrics.Backup)
	}()
	return func() {
		cancel()
		<-done
	}
}

// RunBackupSchedule backs everything up into dir every interval until ctx is done,
// keeping the newest keep backups, with one log line per run. The first run is due one
// interval after the newest backup already in dir (at once if there is none), so a
// server that restarts more often than the interval still makes its backups. ran, if
// not nil, hears how each run that was not interrupted ended.
func RunBackupSchedule(ctx context.Context, svc *backup.Service, dir string, every time.Duration, keep int, log *slog.Logger,
	ran func(error)) {
	next := time.Now()
	if all, err := backup.List(dir); err == nil && len(all) > 0 {
		next = all[len(all)-1].At.Add(every)
	}
	for {
		timer := time.NewTimer(max(0, time.Until(next)))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		if ctx.Err() != nil { // both were ready: stopping wins
			return
		}
		start := time.Now()
		if err := ScheduledBackup(ctx, svc, dir, keep, log); ran != nil && ctx.Err() == nil {
			ran(err)
		}
		next = start.Add(every)
	}
}

// ScheduledBackup is one run of the schedule: a backup of everything into a new
// directory under dir, then pruning to the newest keep, then one log line saying how it
// went. It returns why the backup failed or is incomplete (nil when it is whole).
func ScheduledBackup(ctx context.Context, svc *backup.Service, dir string, keep int, log *slog.Logger) error {
	start := time.Now()
	r, err := svc.BackupInto(ctx, dir)
	if err != nil {
		if ctx.Err() != nil {
			log.Warn("backup interrupted", "dir", dir, "reason", "the server is stopping")
			return err
		}
		log.Error("backup failed", "dir", dir, slog.Any("error", err))
		return err
	}
	// Pruning follows every finished backup, even one that ends as the server stops.
	pruned, perr := backup.Prune(context.WithoutCancel(ctx), dir, keep)
	attrs := []any{"dir", r.Dir, "schools", len(r.Manifest.Schools), "size", backup.FormatSize(r.Size()),
		"bytes", r.Size(), "pruned", len(pruned), "took", time.Since(start).Round(time.Millisecond).String()}
	if perr != nil {
		attrs = append(attrs, slog.Any("prune_error", perr))
	}
	if ferr := r.FailedError(); ferr != nil {
		log.Warn("backup incomplete", append(attrs, slog.Any("error", ferr))...)
		return ferr
	}
	if perr != nil {
		log.Warn("backup written", attrs...)
		return nil
	}
	log.Info("backup written", attrs...)
	return nil
}
