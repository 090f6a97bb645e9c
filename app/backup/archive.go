package backup

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
)

// An archive moves one school between appliances: a gzip-compressed tar holding
// manifest.json, catalog.db (the school's own catalog rows and domains, nothing of other
// schools or of the platform) and tenants/<schema>.db, the same layout as a backup.

// ExportReport says what Export wrote.
type ExportReport struct {
	File   string
	Schema string
	Size   int64 // of the archive
}

// Export writes the school schema, its file and its catalog rows, to a new archive file.
func (s *Service) Export(ctx context.Context, schema, file string) (rep ExportReport, err error) {
	if file == "" {
		return rep, errs.Field("file", "must not be empty")
	}
	file, err = filepath.Abs(file)
	if err != nil {
		return rep, err
	}
	if exists(file) {
		return rep, &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf("%s already exists; choose another file name", file),
			Fields: map[string]string{"file": "already exists"}}
	}
	scratch, err := os.MkdirTemp(filepath.Dir(s.Catalog.Path), ".export-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(scratch)
	dir := filepath.Join(scratch, "school")
	r, err := s.write(ctx, dir, []string{schema}, kindExport)
	if err != nil {
		return rep, err
	}
	if err := r.FailedError(); err != nil {
		return rep, err
	}
	out, err := os.OpenFile(file, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return rep, err
	}
	defer func() {
		if err != nil {
			os.Remove(file)
		}
	}()
	err = writeArchive(out, dir, r.Manifest)
	if serr := out.Sync(); err == nil {
		err = serr
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return rep, fmt.Errorf("write %s: %w", file, err)
	}
	st, err := os.Stat(file)
	if err != nil {
		return rep, err
	}
	return ExportReport{File: file, Schema: schema, Size: st.Size()}, nil
}

func writeArchive(w io.Writer, dir string, m Manifest) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	add := func(rel string) error {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: rel, Mode: 0o640, Size: st.Size(), ModTime: st.ModTime(),
			Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	}
	// The manifest first, so a reader learns what to expect before the large files.
	for _, rel := range append([]string{ManifestName, catalogPath}, schoolPaths(m)...) {
		if err := add(rel); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

func schoolPaths(m Manifest) []string {
	var out []string
	for _, f := range m.Schools {
		out = append(out, f.Path)
	}
	return out
}

// ImportReport says what Import added.
type ImportReport struct {
	Schema  string
	Name    string
	Domains []string
	Size    int64 // of the school's file
}

// Import adds the school in an archive made by Export. It refuses, writing nothing, a
// school whose schema or any of whose domains already exist here.
func (s *Service) Import(ctx context.Context, file string) (rep ImportReport, err error) {
	scratch, err := os.MkdirTemp(filepath.Dir(s.Catalog.Path), ".import-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(scratch)
	dir := filepath.Join(scratch, "school")
	if err := extract(file, dir); err != nil {
		return rep, err
	}
	m, err := readManifest(dir)
	if err != nil {
		return rep, fmt.Errorf("%s is not an sms school archive: %w", file, err)
	}
	if m.Kind != kindExport || len(m.Schools) != 1 {
		return rep, fmt.Errorf("%s is not an sms school archive (made by sms tenant export)", file)
	}
	f := m.Schools[0]
	if err := verify(dir, []File{m.Catalog, f}); err != nil {
		return rep, fmt.Errorf("%s: %w", file, err)
	}
	src, cleanup, err := s.stageCatalog(ctx, dir, m.Catalog)
	if err != nil {
		return rep, err
	}
	defer cleanup()
	if err := s.checkNew(ctx, src, f.Schema); err != nil {
		return rep, err
	}
	staged, err := s.stageSchools(ctx, dir, []File{f})
	if err != nil {
		return rep, err
	}
	defer s.Pool.Discard(staged[0])
	err = s.Pool.Remove(ctx, f.Schema, func(path string) error {
		return s.Catalog.CopyTenantRows(ctx, src.Path, f.Schema, func() error {
			return s.Pool.Install(staged[0], f.Schema)
		})
	})
	if err != nil {
		if _, gerr := s.Catalog.Read().GetTenantBySchema(ctx, f.Schema); gerr == nil || exists(s.Pool.Path(f.Schema)) || db.IsUniqueViolation(err) {
			// Another process added the school (or took a domain) meanwhile.
			return rep, &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf(
				"a school with schema %q or one of its domains was added here meanwhile; nothing was imported", f.Schema), Err: err}
		}
		return rep, err
	}
	s.changed()
	rep = ImportReport{Schema: f.Schema, Name: schoolName(ctx, s.Catalog, f.Schema), Size: f.Size}
	if t, err := s.Catalog.Read().GetTenantBySchema(ctx, f.Schema); err == nil {
		if ds, err := s.Catalog.Read().ListDomainsByTenant(ctx, t.ID); err == nil {
			for _, d := range ds {
				rep.Domains = append(rep.Domains, d.Domain)
			}
		}
	}
	return rep, nil
}

// checkNew refuses an imported school whose schema, file or domains exist here.
func (s *Service) checkNew(ctx context.Context, src *db.Catalog, schema string) error {
	if _, err := s.Catalog.Read().GetTenantBySchema(ctx, schema); err == nil {
		return &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf(
			"a school with schema %q already exists here; nothing was imported", schema),
			Fields: map[string]string{"schema_name": "is already taken"}}
	}
	if exists(s.Pool.Path(schema)) {
		return &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf(
			"a file for schema %q already exists at %s; archive or remove it first; nothing was imported", schema, s.Pool.Path(schema)),
			Fields: map[string]string{"schema_name": "has a leftover file"}}
	}
	ds, err := backupDomains(ctx, src, schema)
	if err != nil {
		return err
	}
	for _, d := range ds {
		owner, err := s.Catalog.Read().ResolveDomain(ctx, d)
		if err == nil {
			return &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf(
				"the domain %s of the imported school already belongs to school %s here; nothing was imported", d, owner.SchemaName),
				Fields: map[string]string{"domain": "is already taken"}}
		}
	}
	return nil
}

// maxEntry bounds one archive entry, so a hostile archive cannot fill the disk.
const maxEntry = 64 << 30

// extract unpacks an archive into dir, accepting only the entries an export writes.
func extract(file, dir string) error {
	in, err := os.Open(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s does not exist", file)
		}
		return err
	}
	defer in.Close()
	notArchive := func(why string) error {
		return fmt.Errorf("%s is not an sms school archive (%s)", file, why)
	}
	zr, err := gzip.NewReader(bufio.NewReader(in))
	if err != nil {
		return notArchive("not gzip-compressed")
	}
	defer zr.Close()
	if err := os.MkdirAll(filepath.Join(dir, "tenants"), 0o750); err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	seen := map[string]bool{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return notArchive("damaged: " + err.Error())
		}
		if !allowedEntry(h.Name) || h.Typeflag != tar.TypeReg || seen[h.Name] {
			return notArchive(fmt.Sprintf("unexpected entry %q", h.Name))
		}
		if h.Size > maxEntry {
			return notArchive(fmt.Sprintf("entry %q is too large", h.Name))
		}
		seen[h.Name] = true
		out, err := os.OpenFile(filepath.Join(dir, filepath.FromSlash(h.Name)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, io.LimitReader(tr, h.Size))
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return notArchive("damaged: " + err.Error())
		}
	}
	if !seen[ManifestName] {
		return notArchive("no " + ManifestName)
	}
	return nil
}

// allowedEntry accepts the names an export writes, and nothing that could leave dir.
func allowedEntry(name string) bool {
	if name == ManifestName || name == catalogPath {
		return true
	}
	schema, ok := strings.CutPrefix(name, "tenants/")
	if !ok {
		return false
	}
	schema, ok = strings.CutSuffix(schema, ".db")
	return ok && db.CheckSchemaName(schema) == nil
}
