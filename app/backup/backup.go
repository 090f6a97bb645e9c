// Package backup owns copies of the appliance's data: consistent online backups of the
// catalog and every school with a checksummed manifest, restoring one school or all of
// them, the serve schedule's pruning, and moving one school to another appliance as a
// single archive file.
package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/migrations"
)

// Service makes and restores backups of one data directory.
type Service struct {
	Catalog    *db.Catalog
	Pool       *db.Pool
	ArchiveDir string // where a school's data before a restore is kept
	// Changed runs after this process changed routing (a school restored or imported),
	// so its caches drop the old answers at once.
	Changed func()
}

// Report says what a backup wrote.
type Report struct {
	Dir      string
	Manifest Manifest
}

// Size is the total size of the files written.
func (r Report) Size() int64 { return r.Manifest.Size() }

// FailedError says which schools a backup could not copy; the others were written.
func (r Report) FailedError() error {
	if len(r.Manifest.Failed) == 0 {
		return nil
	}
	var parts []string
	for _, f := range r.Manifest.Failed {
		parts = append(parts, f.Schema+" ("+f.Error+")")
	}
	return fmt.Errorf("could not back up %d of %d schools: %s", len(r.Manifest.Failed),
		len(r.Manifest.Failed)+len(r.Manifest.Schools), strings.Join(parts, ", "))
}

func catalogMigrator() (*db.Migrator, error) { return db.NewMigrator(migrations.Catalog()) }

// Backup writes a consistent copy of the catalog and of every school (or of the schools
// named) into dir, which must not exist or be empty, with the manifest written last.
// Schools are copied while they are in use. A school that cannot be copied is listed in
// the manifest's failures and the others are still written; see Report.FailedError.
func (s *Service) Backup(ctx context.Context, dir string, schemas []string) (Report, error) {
	return s.write(ctx, dir, schemas, kindBackup)
}

func (s *Service) write(ctx context.Context, dir string, schemas []string, kind string) (r Report, err error) {
	dir, err = filepath.Abs(dir)
	if err != nil {
		return r, err
	}
	r.Dir = dir
	created, err := makeEmptyDir(dir)
	if err != nil {
		return r, err
	}
	defer func() {
		if err != nil {
			cleanUp(dir, created)
		}
	}()
	if err := os.MkdirAll(filepath.Join(dir, "tenants"), 0o750); err != nil {
		return r, err
	}
	m := Manifest{Format: formatVersion, Kind: kind, CreatedAt: time.Now().UTC().Format(time.RFC3339Nano),
		All: schemas == nil, Schools: []File{}}
	catFile := filepath.Join(dir, catalogPath)
	if schemas == nil {
		if err := s.Catalog.Snapshot(ctx, catFile); err != nil {
			return r, fmt.Errorf("copy the catalog: %w", err)
		}
		// The schools are those of the catalog copy, so every school file belongs to a
		// row of the same copy.
		if schemas, err = db.CopySchemas(ctx, catFile); err != nil {
			return r, fmt.Errorf("read the catalog copy: %w", err)
		}
	} else if err := s.partialCatalog(ctx, dir, schemas); err != nil {
		return r, err
	}
	cm, err := catalogMigrator()
	if err != nil {
		return r, err
	}
	if m.Catalog, err = describeCopy(ctx, dir, catalogPath, cm); err != nil {
		return r, err
	}
	for _, schema := range schemas {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		f, err := s.copySchool(ctx, dir, schema)
		if err != nil {
			if ctx.Err() != nil {
				return r, ctx.Err()
			}
			m.Failed = append(m.Failed, Failure{Schema: schema, Error: oneLine(err)})
			continue
		}
		m.Schools = append(m.Schools, f)
	}
	if err := writeManifest(dir, m); err != nil {
		return r, fmt.Errorf("write %s: %w", ManifestName, err)
	}
	r.Manifest = m
	return r, nil
}

// partialCatalog writes a catalog holding only the rows of the schools named: a backup of
// some schools carries nothing of the others, nor the platform's accounts.
func (s *Service) partialCatalog(ctx context.Context, dir string, schemas []string) error {
	for _, schema := range schemas {
		if db.CheckSchemaName(schema) != nil {
			return errs.E(errs.NotFound, "no school with schema %q", schema)
		}
		_, err := s.Catalog.Read().GetTenantBySchema(ctx, schema)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "no school with schema %q", schema)
		}
		if err != nil {
			return errs.Wrap(err, "look up school")
		}
	}
	build := filepath.Join(dir, ".catalog-build.db")
	defer db.RemoveFiles(build)
	part, err := db.NewCatalogFile(ctx, build)
	if err != nil {
		return fmt.Errorf("make the catalog copy: %w", err)
	}
	for _, schema := range schemas {
		if err := part.CopyTenantRows(ctx, s.Catalog.Path, schema, nil); err != nil {
			part.Close()
			return fmt.Errorf("copy the catalog rows of %s: %w", schema, err)
		}
	}
	if err := part.Close(); err != nil {
		return err
	}
	// VACUUM INTO leaves a compact file without -wal, like the other copies.
	return db.SnapshotFile(ctx, build, filepath.Join(dir, catalogPath))
}

func (s *Service) copySchool(ctx context.Context, dir, schema string) (File, error) {
	rel := schoolPath(schema)
	dst := filepath.Join(dir, filepath.FromSlash(rel))
	if err := s.Pool.Snapshot(ctx, schema, dst); err != nil {
		db.RemoveFiles(dst)
		return File{}, err
	}
	f, err := describeCopy(ctx, dir, rel, s.Pool.Migrator())
	if err != nil {
		db.RemoveFiles(dst)
		return File{}, err
	}
	f.Schema = schema
	return f, nil
}

func describeCopy(ctx context.Context, dir, rel string, m *db.Migrator) (File, error) {
	v, err := db.CopyVersion(ctx, filepath.Join(dir, filepath.FromSlash(rel)), m)
	if err != nil {
		return File{}, fmt.Errorf("read the version of %s: %w", rel, err)
	}
	f, err := describe(dir, rel)
	if err != nil {
		return File{}, err
	}
	f.Version = v
	return f, nil
}

// makeEmptyDir makes dir, or accepts an existing empty one; created says which.
func makeEmptyDir(dir string) (created bool, err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return false, err
		}
		return true, nil
	case err != nil:
		return false, err
	case len(entries) > 0:
		return false, fmt.Errorf("%s is not empty; a backup goes into a new or empty directory", dir)
	}
	return false, nil
}

// cleanUp removes what a failed backup wrote into dir.
func cleanUp(dir string, created bool) {
	if created {
		os.RemoveAll(dir)
		return
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// nameLayout names the backups the schedule and sms backup write under a backups
// directory: sortable by name, and the time a backup was made.
const nameLayout = "20060102T150405.000Z"

const partialSuffix = ".partial"

// BackupInto writes a backup of everything into a new directory named after the time
// under parent (<data>/backups by default). It is written as <name>.partial and renamed
// when complete, under parent's lock; partial directories left by a crash are removed.
func (s *Service) BackupInto(ctx context.Context, parent string) (Report, error) {
	unlock, err := db.LockBackups(ctx, parent)
	if err != nil {
		return Report{}, fmt.Errorf("lock %s: %w", parent, err)
	}
	defer unlock()
	removePartials(parent)
	name := time.Now().UTC().Format(nameLayout)
	for i := 2; exists(filepath.Join(parent, name)); i++ {
		name = time.Now().UTC().Format(nameLayout) + fmt.Sprintf("-%d", i)
	}
	tmp := filepath.Join(parent, name+partialSuffix)
	r, err := s.Backup(ctx, tmp, nil)
	if err != nil {
		return r, err
	}
	final := filepath.Join(parent, name)
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		return r, err
	}
	syncDir(parent)
	r.Dir = final
	return r, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// removePartials removes backups that never finished; the caller holds parent's lock,
// so none of them is still being written.
func removePartials(parent string) {
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if e.IsDir() && strings.HasSuffix(e.Name(), partialSuffix) {
			if _, ok := parseName(strings.TrimSuffix(e.Name(), partialSuffix)); ok {
				os.RemoveAll(filepath.Join(parent, e.Name()))
			}
		}
	}
}

func parseName(name string) (time.Time, bool) {
	base := name
	if len(name) > len(nameLayout) && name[len(nameLayout)] == '-' {
		base = name[:len(nameLayout)]
	}
	t, err := time.Parse(nameLayout, base)
	return t, err == nil
}

// Entry is a finished backup under a backups directory.
type Entry struct {
	Name string
	Dir  string
	At   time.Time
}

// List returns the finished backups under parent, oldest first. Anything else there
// (other files, unfinished backups) is not a backup and is left alone.
func List(parent string) ([]Entry, error) {
	entries, err := os.ReadDir(parent)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		at, ok := parseName(e.Name())
		if !ok || !exists(filepath.Join(parent, e.Name(), ManifestName)) {
			continue
		}
		out = append(out, Entry{Name: e.Name(), Dir: filepath.Join(parent, e.Name()), At: at})
	}
	slices.SortFunc(out, func(a, b Entry) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return len(a.Name) - len(b.Name) // "…Z" before "…Z-2"
	})
	return out, nil
}

// Prune removes all but the newest keep finished backups under parent and returns the
// directories it removed.
func Prune(ctx context.Context, parent string, keep int) ([]string, error) {
	if keep < 1 {
		return nil, fmt.Errorf("keep must be at least 1, got %d", keep)
	}
	unlock, err := db.LockBackups(ctx, parent)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", parent, err)
	}
	defer unlock()
	all, err := List(parent)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range all[:max(0, len(all)-keep)] {
		if err := os.RemoveAll(e.Dir); err != nil {
			return removed, err
		}
		removed = append(removed, e.Dir)
	}
	return removed, nil
}
