package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	sqlite "modernc.org/sqlite"

	"github.com/schoolsms/sms/db/catalogdb"
	"github.com/schoolsms/sms/migrations"
)

// This file holds what backups, restores and moving a school between appliances need
// from SQLite: consistent copies of live files, checks of copies, replacing a live
// file's content, and copying a school's catalog rows by column name.

// SnapshotFile writes a consistent copy of the live SQLite file src to dst, which must
// not exist, with VACUUM INTO. It runs on a connection of its own: the pool's readers are
// query_only, which refuses VACUUM INTO, and the writer stays free for others meanwhile.
// Writers may go on during the copy; the copy is the state of one moment.
func SnapshotFile(ctx context.Context, src, dst string) error {
	if _, err := os.Stat(src); err != nil {
		return err
	}
	conn, err := sql.Open("sqlite", dsn(src, mustExist, false))
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return err
	}
	return syncFile(dst)
}

// Snapshot writes a consistent copy of the catalog to dst.
func (c *Catalog) Snapshot(ctx context.Context, dst string) error {
	return SnapshotFile(ctx, c.Path, dst)
}

// Snapshot writes a consistent copy of a school's file to dst, even while the school is
// being written to.
func (p *Pool) Snapshot(ctx context.Context, schema, dst string) error {
	if err := CheckSchemaName(schema); err != nil {
		return err
	}
	err := SnapshotFile(ctx, p.Path(schema), dst)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("tenant %q: %w", schema, ErrNoTenantFile)
	}
	return err
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// openCopy opens a copy (a backup file, which must stay byte for byte as it is) for
// reading only: immutable means no locks, no -wal and no -shm are made beside it.
func openCopy(path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	d, err := sql.Open("sqlite", fileURI(path)+"?mode=ro&immutable=1")
	if err != nil {
		return nil, err
	}
	d.SetMaxOpenConns(1)
	return d, nil
}

// CopyVersion reads the migration version of a copy made by SnapshotFile without
// changing a byte of it.
func CopyVersion(ctx context.Context, path string, m *Migrator) (uint, error) {
	d, err := openCopy(path)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	return m.Version(ctx, d)
}

// CopySchemas lists the schools in a catalog copy made by SnapshotFile, sorted.
func CopySchemas(ctx context.Context, path string) ([]string, error) {
	d, err := openCopy(path)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return catalogdb.New(d).ListTenantSchemas(ctx)
}

// ErrDamaged means a file failed SQLite's integrity check.
var ErrDamaged = errors.New("file is damaged")

// checkIntegrity runs PRAGMA integrity_check on d and names the first problem found.
func checkIntegrity(ctx context.Context, d *sql.DB) error {
	var res string
	if err := d.QueryRowContext(ctx, `PRAGMA integrity_check(1)`).Scan(&res); err != nil {
		return fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	if res != "ok" {
		return fmt.Errorf("%w: %s", ErrDamaged, strings.Join(strings.Fields(res), " "))
	}
	return nil
}

// IsDamaged reports whether err says a file is not a sound SQLite database (corrupt, or
// not a database at all), as opposed to a condition such as a lock or a full disk.
func IsDamaged(err error) bool {
	if errors.Is(err, ErrDamaged) {
		return true
	}
	code, ok := sqliteCode(err)
	return ok && (code&0xff == sqliteCorrupt || code&0xff == sqliteNotADB)
}

// IsUniqueViolation reports whether err is a UNIQUE constraint failing.
func IsUniqueViolation(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code() == sqliteConstraintUnique
}

// StageFile makes a staging file for schema beside the tenant files from the bytes write
// gives it (a school file from a backup or an archive), checks its integrity and brings
// it to the latest migration. The staged file is for Install (a new school) or
// ReplaceContent (over a live one); Discard removes it.
func (p *Pool) StageFile(ctx context.Context, schema string, write func(io.Writer) error) (string, error) {
	if err := CheckSchemaName(schema); err != nil {
		return "", err
	}
	if err := os.MkdirAll(p.dir, 0o750); err != nil {
		return "", fmt.Errorf("create tenants dir: %w", err)
	}
	staged := p.stagingPath(schema)
	if err := p.stage(ctx, staged, write); err != nil {
		removeFiles(staged)
		return "", err
	}
	return staged, nil
}

func (p *Pool) stage(ctx context.Context, staged string, write func(io.Writer) error) error {
	f, err := os.OpenFile(staged, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	h, err := openHandles(staged, mustExist)
	if err != nil {
		return err
	}
	defer h.close()
	if err := checkIntegrity(ctx, h.w); err != nil {
		return err
	}
	// A lock of its own: the staged file is nobody else's, and the school's lock may be
	// held by a server migrating the live file.
	defer os.Remove(staged + ".lock")
	_, err = p.mig.ensure(ctx, h, staged+".lock")
	return err
}

// ReplaceContent makes the live SQLite file dst hold what src holds, through SQLite's
// online backup: one write transaction on dst. Unlike moving another file into place,
// connections that other processes (a running server) hold on dst see the new content on
// their next read instead of the old file's, which a rename would leave them reading.
func ReplaceContent(ctx context.Context, src, dst string) error {
	d, err := sql.Open("sqlite", dsn(dst, mustExist, false))
	if err != nil {
		return err
	}
	defer d.Close()
	conn, err := d.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		r, ok := dc.(interface {
			NewRestore(string) (*sqlite.Backup, error)
		})
		if !ok {
			return errors.New("the sqlite driver cannot restore in place")
		}
		b, err := r.NewRestore(dsn(src, mustExist, false))
		if err != nil {
			return err
		}
		for {
			// In steps, so an interrupt is noticed; dst stays locked until Finish.
			more, err := b.Step(1024)
			if err == nil && more {
				err = ctx.Err()
			}
			if err != nil {
				b.Finish()
				return err
			}
			if !more {
				return b.Finish()
			}
		}
	})
}

// OpenCatalogFile opens an existing catalog file (a staged copy from a backup or an
// archive, never a live one) and brings it to the latest catalog migration.
func OpenCatalogFile(ctx context.Context, path string) (*Catalog, error) {
	m, err := NewMigrator(migrations.Catalog())
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	h, err := openHandles(path, mustExist)
	if err != nil {
		return nil, err
	}
	if err := checkIntegrity(ctx, h.w); err != nil {
		h.close()
		return nil, err
	}
	res, err := m.ensure(ctx, h, path+".lock")
	os.Remove(path + ".lock")
	if err != nil {
		h.close()
		return nil, err
	}
	return &Catalog{Path: path, h: h, read: catalogdb.New(h.r), Migration: res}, nil
}

// NewCatalogFile creates an empty, migrated catalog at path (which must not exist): the
// catalog of an archive that carries one school.
func NewCatalogFile(ctx context.Context, path string) (*Catalog, error) {
	m, err := NewMigrator(migrations.Catalog())
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("%s already exists", path)
	}
	h, err := openHandles(path, mayCreate)
	if err != nil {
		return nil, err
	}
	if err := h.w.PingContext(ctx); err != nil {
		h.close()
		return nil, err
	}
	res, err := m.ensure(ctx, h, path+".lock")
	os.Remove(path + ".lock")
	if err != nil {
		h.close()
		return nil, err
	}
	return &Catalog{Path: path, h: h, read: catalogdb.New(h.r), Migration: res}, nil
}

// ReplaceAll makes the catalog hold what the catalog file src holds (a whole restore into
// an empty data dir) and brings it to the latest migration.
func (c *Catalog) ReplaceAll(ctx context.Context, src string) error {
	if err := ReplaceContent(ctx, src, c.Path); err != nil {
		return err
	}
	m, err := NewMigrator(migrations.Catalog())
	if err != nil {
		return err
	}
	_, err = m.ensure(ctx, c.h, filepath.Join(filepath.Dir(c.Path), ".catalog.lock"))
	return err
}

// IsEmpty reports whether the catalog has no schools and no platform admins: a data dir
// nobody has used yet.
func (c *Catalog) IsEmpty(ctx context.Context) (bool, error) {
	var used bool
	err := c.h.r.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM tenants) OR EXISTS (SELECT 1 FROM platform_admins)`).Scan(&used)
	return !used, err
}

// KeepTenants deletes the catalog rows (and so the domains) of every school not in keep.
func (c *Catalog) KeepTenants(ctx context.Context, keep []string) error {
	return inTx(ctx, c.h.w, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT schema_name FROM tenants`)
		if err != nil {
			return err
		}
		var drop []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return err
			}
			if !contains(keep, s) {
				drop = append(drop, s)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, s := range drop {
			if _, err := tx.ExecContext(ctx, `DELETE FROM tenants WHERE schema_name = ?`, s); err != nil {
				return err
			}
		}
		return nil
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CopyTenantRows writes the catalog rows of schema (its tenants row and its domains) from
// the catalog file src into c, column by column by name: whatever columns a tenant row
// has, they travel with the school without this code naming them. Row ids are c's own:
// an existing row of schema is updated in place (so rows elsewhere that point at it stay
// valid) and its domains replaced; otherwise a new row is added.
//
// during runs inside the same catalog transaction after the rows are written (it moves
// the school's file into place): if it fails, no row changes. It must not use the
// catalog's writer, which the transaction holds.
func (c *Catalog) CopyTenantRows(ctx context.Context, src, schema string, during func() error) error {
	conn, err := c.h.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Read-only: BEGIN IMMEDIATE would otherwise take src's write lock too, holding off the
	// writers of a live catalog copied from (an export).
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS src`, fileURI(src)+"?mode=ro"); err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	detached := false
	defer func() {
		if !detached {
			// A connection left with src attached must not go back to the pool.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	err = copyTenantRows(ctx, conn, schema, during)
	if _, derr := conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE src`); derr == nil {
		detached = true
	}
	return err
}

func copyTenantRows(ctx context.Context, conn *sql.Conn, schema string, during func() error) error {
	tcols, err := sharedColumns(ctx, conn, "tenants")
	if err != nil {
		return err
	}
	dcols, err := sharedColumns(ctx, conn, "domains")
	if err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()

	var srcID int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM src.tenants WHERE schema_name = ?`, schema).Scan(&srcID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no school %q in the catalog copied from", schema)
		}
		return err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM main.tenants WHERE schema_name = ?`, schema).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		cols := without(tcols, "id")
		list := quoteList(cols)
		res, err := tx.ExecContext(ctx, `INSERT INTO main.tenants (`+list+`) SELECT `+list+` FROM src.tenants WHERE id = ?`, srcID)
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		list := quoteList(without(tcols, "id", "schema_name"))
		if _, err := tx.ExecContext(ctx, `UPDATE main.tenants SET (`+list+`) = (SELECT `+list+` FROM src.tenants WHERE id = ?) WHERE id = ?`, srcID, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM main.domains WHERE tenant_id = ?`, id); err != nil {
			return err
		}
	}
	list := quoteList(without(dcols, "id", "tenant_id"))
	if _, err := tx.ExecContext(ctx, `INSERT INTO main.domains (`+list+`, "tenant_id") SELECT `+list+`, ? FROM src.domains WHERE tenant_id = ?`, id, srcID); err != nil {
		return err
	}
	if err := copyWhatsAppNumber(ctx, tx, id, srcID); err != nil {
		return err
	}
	if during != nil {
		if err := during(); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// copyWhatsAppNumber brings the school's WhatsApp number map row along (a catalog copied
// from before the map existed has none). A number another school of this catalog has
// stays that school's: the moved school is then reached on its own host only, until
// its number is set again.
func copyWhatsAppNumber(ctx context.Context, tx *sql.Tx, id, srcID int64) error {
	var has bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM src.sqlite_master WHERE type = 'table' AND name = 'whatsapp_numbers')`).Scan(&has); err != nil || !has {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM main.whatsapp_numbers WHERE tenant_id = ?`, id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO main.whatsapp_numbers (phone_number_id, tenant_id, verify_token_sha256)
		SELECT phone_number_id, ?, verify_token_sha256 FROM src.whatsapp_numbers WHERE tenant_id = ?
		ON CONFLICT DO NOTHING`, id, srcID)
	return err
}

// sharedColumns lists the columns table has both in main and in src. Both are at the
// same migration version, so normally that is every column.
func sharedColumns(ctx context.Context, conn *sql.Conn, table string) ([]string, error) {
	read := func(schema string) ([]string, error) {
		rows, err := conn.QueryContext(ctx, `SELECT name FROM pragma_table_info(?, ?)`, table, schema)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, rows.Err()
	}
	mainCols, err := read("main")
	if err != nil {
		return nil, err
	}
	srcCols, err := read("src")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range mainCols {
		if contains(srcCols, c) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("table %s has no columns in common", table)
	}
	return out, nil
}

func without(cols []string, drop ...string) []string {
	var out []string
	for _, c := range cols {
		if !contains(drop, c) {
			out = append(out, c)
		}
	}
	return out
}

func quoteList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
	}
	return strings.Join(q, ", ")
}

// LockBackups takes the lock of a backups directory, so that the backups written into it
// (by sms serve's schedule or by sms backup) never prune or clean up each other's work.
func LockBackups(ctx context.Context, dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	return lockFile(ctx, filepath.Join(dir, ".lock"))
}
