package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/schoolsms/sms/db"
)

// ManifestName is the file that describes a backup; a directory without it is not a
// finished backup.
const ManifestName = "manifest.json"

// formatVersion is the manifest layout this program writes and reads.
const formatVersion = 1

const (
	kindBackup = "backup" // a directory written by sms backup or the serve schedule
	kindExport = "export" // one school, packed into an archive by sms tenant export
)

// Manifest lists what a backup holds, with a checksum per file.
type Manifest struct {
	Format    int    `json:"format"`
	Kind      string `json:"kind"`
	CreatedAt string `json:"created_at"`
	// All is set when the catalog is the whole catalog (platform accounts, settings,
	// every school's rows); otherwise it holds only the rows of the schools listed.
	All     bool      `json:"all"`
	Catalog File      `json:"catalog"`
	Schools []File    `json:"schools"`
	Failed  []Failure `json:"failed,omitempty"`
}

// File is one SQLite file of a backup.
type File struct {
	Schema  string `json:"schema,omitempty"`
	Path    string `json:"path"` // relative to the backup directory, with /
	Version uint   `json:"version"`
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256"`
}

// Failure is a school that could not be backed up.
type Failure struct {
	Schema string `json:"schema"`
	Error  string `json:"error"`
}

// Schemas lists the schools in the backup.
func (m Manifest) Schemas() []string {
	out := make([]string, 0, len(m.Schools))
	for _, f := range m.Schools {
		out = append(out, f.Schema)
	}
	return out
}

// Size is the total size of the backup's files.
func (m Manifest) Size() int64 {
	n := m.Catalog.Size
	for _, f := range m.Schools {
		n += f.Size
	}
	return n
}

func (m Manifest) school(schema string) (File, bool) {
	for _, f := range m.Schools {
		if f.Schema == schema {
			return f, true
		}
	}
	return File{}, false
}

const catalogPath = "catalog.db"

// schoolPath is where a school's file sits in a backup; paths are only ever built here
// from a checked schema name, never taken from a manifest.
func schoolPath(schema string) string { return "tenants/" + schema + ".db" }

// describe hashes the file at rel under dir into a manifest entry.
func describe(dir, rel string) (File, error) {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, err
	}
	return File{Path: rel, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// writeManifest writes m last of all, through a temporary name, so a directory with a
// manifest always has every file the manifest lists.
func writeManifest(dir string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+ManifestName+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
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
	if err := os.Rename(tmp, filepath.Join(dir, ManifestName)); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some filesystems cannot sync a directory; the files themselves are synced.
	d.Sync()
	return nil
}

// readManifest reads and checks the shape of dir's manifest. It trusts no path in it:
// every file must sit where this program puts it.
func readManifest(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(dir); serr != nil {
			return m, fmt.Errorf("%s does not exist", dir)
		}
		return m, fmt.Errorf("%s has no %s: it is not an sms backup, or its backup did not finish", dir, ManifestName)
	}
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %s is not valid: %v", dir, ManifestName, err)
	}
	bad := func(why string) error { return fmt.Errorf("%s: %s is not valid: %s", dir, ManifestName, why) }
	if m.Format != formatVersion {
		return m, bad(fmt.Sprintf("format %d, this sms reads format %d", m.Format, formatVersion))
	}
	if m.Kind != kindBackup && m.Kind != kindExport {
		return m, bad(fmt.Sprintf("unknown kind %q", m.Kind))
	}
	if m.Catalog.Path != catalogPath {
		return m, bad(fmt.Sprintf("the catalog must be %s, not %q", catalogPath, m.Catalog.Path))
	}
	seen := map[string]bool{}
	for _, f := range m.Schools {
		if db.CheckSchemaName(f.Schema) != nil {
			return m, bad(fmt.Sprintf("%q is not a school's schema name", f.Schema))
		}
		if f.Path != schoolPath(f.Schema) {
			return m, bad(fmt.Sprintf("school %s must be at %s, not %q", f.Schema, schoolPath(f.Schema), f.Path))
		}
		if seen[f.Schema] {
			return m, bad(fmt.Sprintf("school %s is listed twice", f.Schema))
		}
		seen[f.Schema] = true
	}
	return m, nil
}

// verify checks the size and SHA-256 of each file against the manifest, naming the
// first file that does not match.
func verify(dir string, files []File) error {
	for _, want := range files {
		got, err := describe(dir, want.Path)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("backup file %s is missing from %s", want.Path, dir)
		}
		if err != nil {
			return fmt.Errorf("backup file %s: %w", want.Path, err)
		}
		if got.Size != want.Size || got.SHA256 != want.SHA256 {
			return fmt.Errorf("backup file %s in %s does not match its checksum in %s (damaged or changed since the backup)",
				want.Path, dir, ManifestName)
		}
	}
	return nil
}

// copyVerified copies the file f of a backup in dir to w, failing unless the bytes
// copied are the ones the manifest describes (the file may change after verify).
func copyVerified(dir string, f File, w io.Writer) error {
	src, err := os.Open(filepath.Join(dir, filepath.FromSlash(f.Path)))
	if err != nil {
		return fmt.Errorf("backup file %s: %w", f.Path, err)
	}
	defer src.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), src)
	if err != nil {
		return fmt.Errorf("copy backup file %s: %w", f.Path, err)
	}
	if n != f.Size || hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
		return fmt.Errorf("backup file %s in %s does not match its checksum in %s (damaged or changed since the backup)",
			f.Path, dir, ManifestName)
	}
	return nil
}

// FormatSize renders a byte count the way people read disk sizes.
func FormatSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), -1
	units := []string{"kB", "MB", "GB", "TB"}
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

func sortedSchemas(fs []File) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.Schema)
	}
	slices.Sort(out)
	return out
}
