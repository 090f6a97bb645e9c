package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
)

// RestoreOptions says what to restore.
type RestoreOptions struct {
	Schema string // one school; empty means every school in the backup
	Force  bool   // replace schools that exist here
}

// Restored is one school put back.
type Restored struct {
	Schema string
	Name   string
	Size   int64
	// Kept is where the school's data from before the restore was kept ("" if it had none).
	Kept string
}

// RestoreReport says what a restore did.
type RestoreReport struct {
	From    string
	Catalog bool // the whole catalog (platform accounts, settings) was restored too
	Schools []Restored
	// Missing are schools the backup's catalog lists but whose file the backup could not
	// copy; a whole-catalog restore leaves them out.
	Missing []Failure
}

// Restore puts schools back from the backup in dir: every school in it, or only
// opts.Schema. Every file it uses must match the manifest's checksums and pass SQLite's
// integrity check before anything here is changed. A school that exists here is replaced
// only with opts.Force, and its current data is kept under the archive directory first;
// a domain the backup gives a school is never taken from another school.
//
// Into a data dir nobody has used yet (no schools, no platform accounts), restoring all
// of a whole backup brings back the whole catalog: platform accounts and settings too.
func (s *Service) Restore(ctx context.Context, dir string, opts RestoreOptions) (RestoreReport, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return RestoreReport{}, err
	}
	m, err := readManifest(dir)
	if err != nil {
		return RestoreReport{}, err
	}
	schools := m.Schools
	if opts.Schema != "" {
		f, ok := m.school(opts.Schema)
		if !ok {
			return RestoreReport{}, errs.E(errs.NotFound, "the backup in %s has no school %q (it has: %s)",
				dir, opts.Schema, listOrNone(sortedSchemas(m.Schools)))
		}
		schools = []File{f}
	}
	if err := verify(dir, append([]File{m.Catalog}, schools...)); err != nil {
		return RestoreReport{}, err
	}
	fresh := false
	if opts.Schema == "" && m.All {
		if fresh, err = s.isFresh(ctx); err != nil {
			return RestoreReport{}, err
		}
	}
	src, cleanup, err := s.stageCatalog(ctx, dir, m.Catalog)
	if err != nil {
		return RestoreReport{}, err
	}
	defer cleanup()
	if !fresh {
		if err := s.checkTargets(ctx, src, schools, opts.Force); err != nil {
			return RestoreReport{}, err
		}
	}
	staged, err := s.stageSchools(ctx, dir, schools)
	if err != nil {
		return RestoreReport{}, err
	}
	defer func() {
		for _, st := range staged {
			s.Pool.Discard(st) // gone already once installed or copied
		}
	}()

	rep := RestoreReport{From: dir, Catalog: fresh}
	defer s.changed()
	if fresh {
		rep.Missing = m.Failed
		err := s.restoreFresh(ctx, src.Path, schools, staged, &rep)
		return rep, err
	}
	for i, f := range schools {
		kept, err := s.replaceSchool(ctx, src.Path, f.Schema, staged[i])
		if err != nil {
			return rep, fmt.Errorf("restore %s: %w%s", f.Schema, err, restoredSoFar(rep))
		}
		rep.Schools = append(rep.Schools, Restored{Schema: f.Schema, Name: schoolName(ctx, s.Catalog, f.Schema), Size: f.Size, Kept: kept})
	}
	return rep, nil
}

func (s *Service) changed() {
	if s.Changed != nil {
		s.Changed()
	}
}

func restoredSoFar(rep RestoreReport) string {
	if len(rep.Schools) == 0 {
		return ""
	}
	var names []string
	for _, r := range rep.Schools {
		names = append(names, r.Schema)
	}
	return " (already restored: " + strings.Join(names, ", ") + ")"
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "no schools"
	}
	return strings.Join(xs, ", ")
}

func schoolName(ctx context.Context, c *db.Catalog, schema string) string {
	t, err := c.Read().GetTenantBySchema(ctx, schema)
	if err != nil {
		return ""
	}
	return t.Name
}

// isFresh reports whether this data dir has never been used: no schools, no platform
// accounts, no school files.
func (s *Service) isFresh(ctx context.Context) (bool, error) {
	empty, err := s.Catalog.IsEmpty(ctx)
	if err != nil || !empty {
		return false, err
	}
	matches, err := filepath.Glob(filepath.Join(s.Pool.Dir(), "*.db"))
	return len(matches) == 0, err
}

// stageCatalog copies the backup's catalog to a scratch file beside the live one and
// brings it to this program's catalog version; the caller reads rows from it.
func (s *Service) stageCatalog(ctx context.Context, dir string, f File) (*db.Catalog, func(), error) {
	scratch, err := os.MkdirTemp(filepath.Dir(s.Catalog.Path), ".restore-")
	if err != nil {
		return nil, nil, err
	}
	path := filepath.Join(scratch, "catalog.db")
	out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err == nil {
		err = copyVerified(dir, f, out)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		os.RemoveAll(scratch)
		return nil, nil, err
	}
	c, err := db.OpenCatalogFile(ctx, path)
	if err != nil {
		os.RemoveAll(scratch)
		return nil, nil, fileError(f.Path, err)
	}
	return c, func() { c.Close(); os.RemoveAll(scratch) }, nil
}

// fileError explains why a backup file cannot be used, naming it.
func fileError(rel string, err error) error {
	switch {
	case errors.Is(err, db.ErrTooNew):
		return fmt.Errorf("backup file %s was written by a newer version of sms (%v); upgrade sms to restore it", rel, err)
	case errors.Is(err, db.ErrDamaged):
		return fmt.Errorf("backup file %s fails SQLite's integrity check (%v)", rel, err)
	case errors.Is(err, db.ErrDirty):
		return fmt.Errorf("backup file %s was copied in the middle of a failed migration", rel)
	}
	return fmt.Errorf("backup file %s: %w", rel, err)
}

// checkTargets refuses, before anything is written, schools that exist here (unless
// force) and domains of the backup that another school here uses.
func (s *Service) checkTargets(ctx context.Context, src *db.Catalog, schools []File, force bool) error {
	q := s.Catalog.Read()
	var taken []string
	for _, f := range schools {
		_, err := q.GetTenantBySchema(ctx, f.Schema)
		switch {
		case err == nil:
			taken = append(taken, f.Schema)
		case !errors.Is(err, sql.ErrNoRows):
			return errs.Wrap(err, "look up school")
		case exists(s.Pool.Path(f.Schema)):
			taken = append(taken, f.Schema)
		}
	}
	if len(taken) > 0 && !force {
		return &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf(
			"%s already %s here; add --force to replace %s with the backup (the current data is kept under %s first)",
			plural(len(taken), "school", "schools")+" "+strings.Join(taken, ", "), isAre(len(taken)), itThem(len(taken)), s.ArchiveDir)}
	}
	for _, f := range schools {
		ds, err := backupDomains(ctx, src, f.Schema)
		if err != nil {
			return err
		}
		for _, d := range ds {
			owner, err := q.ResolveDomain(ctx, d)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return errs.Wrap(err, "look up domain")
			}
			if owner.SchemaName != f.Schema {
				return &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf(
					"the domain %s of school %s in the backup belongs to school %s here; remove it from %s first (sms domain remove %s)",
					d, f.Schema, owner.SchemaName, owner.SchemaName, d)}
			}
		}
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func isAre(n int) string { return plural(n, "exists", "exist") }

func itThem(n int) string { return plural(n, "it", "them") }

// backupDomains lists the domains a staged catalog gives a school.
func backupDomains(ctx context.Context, c *db.Catalog, schema string) ([]string, error) {
	t, err := c.Read().GetTenantBySchema(ctx, schema)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("the backup's catalog has no row for school %s", schema)
	}
	if err != nil {
		return nil, fmt.Errorf("read the backup's catalog: %w", err)
	}
	ds, err := c.Read().ListDomainsByTenant(ctx, t.ID)
	if err != nil {
		return nil, fmt.Errorf("read the backup's catalog: %w", err)
	}
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.Domain)
	}
	return out, nil
}

// stageSchools copies each school's file from the backup beside the live files, checked
// against the manifest and by SQLite, and migrated: all of them before any is used.
func (s *Service) stageSchools(ctx context.Context, dir string, schools []File) ([]string, error) {
	var staged []string
	for _, f := range schools {
		st, err := s.Pool.StageFile(ctx, f.Schema, func(w io.Writer) error { return copyVerified(dir, f, w) })
		if err != nil {
			for _, p := range staged {
				s.Pool.Discard(p)
			}
			return nil, fileError(f.Path, err)
		}
		staged = append(staged, st)
	}
	return staged, nil
}

// replaceSchool puts one staged school file in place with its catalog rows from src. In
// this process, Pool.Remove closes the school's open file and holds new users off until
// the rows and the file agree again; a server in another process sees the rows change
// (its resolver notices) and reads the new content through the handles it has, because
// the content is replaced inside the live file rather than by a new file.
func (s *Service) replaceSchool(ctx context.Context, src, schema, staged string) (kept string, err error) {
	err = s.Pool.Remove(ctx, schema, func(path string) error {
		return s.Catalog.CopyTenantRows(ctx, src, schema, func() error {
			if !exists(path) {
				return s.Pool.Install(staged, schema)
			}
			if err := os.MkdirAll(s.ArchiveDir, 0o750); err != nil {
				return fmt.Errorf("create archive dir: %w", err)
			}
			kept = filepath.Join(s.ArchiveDir, schema+"-"+time.Now().UTC().Format(nameLayout)+"-before-restore.db")
			snapErr := db.SnapshotFile(ctx, path, kept)
			if snapErr == nil {
				if err := db.ReplaceContent(ctx, staged, path); err != nil {
					return fmt.Errorf("replace the school's data: %w", err)
				}
				s.Pool.Discard(staged)
				return nil
			}
			db.RemoveFiles(kept)
			if !db.IsDamaged(snapErr) {
				kept = ""
				return fmt.Errorf("copy the school's current data aside: %w", snapErr)
			}
			// The live file is no database any more: keep it as it is and start afresh.
			if err := db.MoveFiles(path, kept); err != nil {
				kept = ""
				return fmt.Errorf("move the damaged file aside: %w", err)
			}
			if err := s.Pool.Install(staged, schema); err != nil {
				db.MoveFiles(kept, path)
				kept = ""
				return err
			}
			return nil
		})
	})
	if err != nil {
		if kept != "" {
			db.RemoveFiles(kept)
		}
		return "", err
	}
	return kept, nil
}

// restoreFresh restores a whole backup into an unused data dir: the catalog as it was
// (without the rows of schools the backup has no file for), then every school's file.
func (s *Service) restoreFresh(ctx context.Context, src string, schools []File, staged []string, rep *RestoreReport) error {
	var schemas []string
	for _, f := range schools {
		schemas = append(schemas, f.Schema)
	}
	if err := s.Catalog.ReplaceAll(ctx, src); err != nil {
		return fmt.Errorf("restore the catalog: %w", err)
	}
	if err := s.Catalog.KeepTenants(ctx, schemas); err != nil {
		return fmt.Errorf("restore the catalog: %w", err)
	}
	for i, f := range schools {
		if err := s.Pool.Install(staged[i], f.Schema); err != nil {
			return fmt.Errorf("restore %s: %w%s", f.Schema, err, restoredSoFar(*rep))
		}
		rep.Schools = append(rep.Schools, Restored{Schema: f.Schema, Name: schoolName(ctx, s.Catalog, f.Schema), Size: f.Size})
	}
	return nil
}
