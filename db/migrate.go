package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	msqlite "github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source/iofs"
)

// Migrator applies one migration history (catalog or tenant) to SQLite files.
// It knows the latest version up front, so an up-to-date file costs one row read.
type Migrator struct {
	fsys   fs.FS
	latest uint
}

// NewMigrator reads the golang-migrate files (NNNN_name.up.sql) at the root of fsys.
func NewMigrator(fsys fs.FS) (*Migrator, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var latest uint
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".up.sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		if !ok {
			return nil, fmt.Errorf("migration %q: name must be NNNN_title.up.sql", name)
		}
		v, err := strconv.ParseUint(num, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("migration %q: %w", name, err)
		}
		latest = max(latest, uint(v))
	}
	if latest == 0 {
		return nil, errors.New("no migrations found")
	}
	return &Migrator{fsys: fsys, latest: latest}, nil
}

// Latest is the version a file has once every migration is applied.
func (m *Migrator) Latest() uint { return m.latest }

// ErrDirty means an earlier migration of the file stopped half-way; a person must look.
var ErrDirty = errors.New("migration state is dirty (an earlier migration failed)")

// ErrTooNew means the file was migrated by a newer binary than this one.
var ErrTooNew = errors.New("file is at a newer schema version than this program knows")

// rowQuerier is a handle, a connection or a transaction.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Version reads the file's migration version; a file without the version table is at 0.
func (m *Migrator) Version(ctx context.Context, q rowQuerier) (uint, error) {
	var v int64
	var dirty bool
	err := q.QueryRowContext(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&v, &dirty)
	switch {
	case err == nil:
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case isNoSuchTable(err):
		return 0, nil
	default:
		return 0, err
	}
	return m.check(v, dirty)
}

func isNoSuchTable(err error) bool { return strings.Contains(err.Error(), "no such table") }

// check turns a stored version into the file's version or the reason it cannot be used.
func (m *Migrator) check(v int64, dirty bool) (uint, error) {
	if dirty {
		return uint(v), fmt.Errorf("version %d: %w", v, ErrDirty)
	}
	if uint(v) > m.latest {
		return uint(v), fmt.Errorf("version %d > %d: %w", v, m.latest, ErrTooNew)
	}
	return uint(v), nil
}

// up migrates the file behind w to the latest version. The caller holds the file's
// migration lock; w is a single-connection writer handle that stays open afterwards.
func (m *Migrator) up(w *sql.DB) error {
	src, err := iofs.New(m.fsys, ".")
	if err != nil {
		return fmt.Errorf("migration source: %w", err)
	}
	drv, err := msqlite.WithInstance(w, &msqlite.Config{})
	if err != nil {
		return fmt.Errorf("migration driver: %w", err)
	}
	mg, err := migrate.NewWithInstance("iofs", src, "sqlite", drv)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// mg.Close would close w, which belongs to the caller; only the source is ours.
	defer src.Close()
	if err := mg.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return err
	}
	return nil
}

// Result says what bringing one file up to date did.
type Result struct {
	From, To uint
}

// Migrated reports whether any migration ran.
func (r Result) Migrated() bool { return r.From != r.To }

// ensure brings the file behind h to the latest version: a cheap version read when it is
// current, otherwise the migrations under an exclusive cross-process lock on lockPath.
func (m *Migrator) ensure(ctx context.Context, h handles, lockPath string) (Result, error) {
	v, err := m.Version(ctx, h.r)
	if err != nil {
		return Result{From: v, To: v}, err
	}
	return m.ensureFrom(ctx, h, lockPath, v)
}

// ensureFrom is ensure for a file whose version v was just read.
func (m *Migrator) ensureFrom(ctx context.Context, h handles, lockPath string, v uint) (Result, error) {
	if v == m.latest {
		return Result{From: v, To: v}, nil
	}
	unlock, err := lockFile(ctx, lockPath)
	if err != nil {
		return Result{From: v, To: v}, err
	}
	defer unlock()
	// Another process may have migrated the file while this one waited for the lock.
	v, err = m.Version(ctx, h.w)
	if err != nil || v == m.latest {
		return Result{From: v, To: v}, err
	}
	if err := m.up(h.w); err != nil {
		return Result{From: v, To: v}, fmt.Errorf("migrate from version %d: %w", v, err)
	}
	return Result{From: v, To: m.latest}, nil
}
