package backup_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/backup"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// openApp opens the appliance on dataDir the way a second sms command would.
func openApp(t *testing.T, dataDir string) *app.App {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.DataDir = dataDir
	cfg.LogLevel = "error"
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	return a
}

// tableCounts counts the rows of every table of a SQLite database.
func tableCounts(t *testing.T, d tenantdb.DBTX) map[string]int {
	t.Helper()
	ctx := context.Background()
	rows, err := d.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string]int{}
	for _, tb := range tables {
		var n int
		require.NoError(t, d.QueryRowContext(ctx, `SELECT count(*) FROM "`+tb+`"`).Scan(&n))
		out[tb] = n
	}
	return out
}

// openCopy opens a backup file read-only without touching it.
func openCopy(t *testing.T, path string) *sql.DB {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+path+"?mode=ro&immutable=1")
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	return d
}

func integrity(t *testing.T, d tenantdb.DBTX) string {
	t.Helper()
	var res string
	require.NoError(t, d.QueryRowContext(context.Background(), `PRAGMA integrity_check`).Scan(&res))
	return res
}

// writePair writes one subject and one audit row in a single transaction: a consistent
// copy has exactly as many of one as of the other.
func writePair(ctx context.Context, p *db.Pool, schema string, n int64) error {
	return p.WithTenant(ctx, schema, func(tn *db.Tenant) error {
		return tn.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
			code := fmt.Sprintf("W%d", n)
			if _, err := tx.ExecContext(ctx, `INSERT INTO subjects (code, name) VALUES (?, ?)`, code, "Written "+code); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (action, target) VALUES ('test.write', ?)`, code)
			return err
		})
	})
}

func eventually(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBackupWhileWritersRunRestoresIntoFreshDataDir(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	schools := []string{"alpha", "beta"}
	s.CreateSchool("alpha", "Alpha Academy")
	s.CreateSchool("beta", "Beta College")
	_, err := auth.CreatePlatformAdmin(ctx, s.App.Catalog, "it@example.org", "IT", apptest.Password, auth.Meta{})
	require.NoError(t, err)

	// Writers go on through the pool, as requests do, for the whole backup.
	var written atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writeErr atomic.Value
	for _, schema := range schools {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := writePair(ctx, s.App.Pool, schema, written.Add(1)); err != nil {
						writeErr.Store(err)
						return
					}
				}
			}()
		}
	}
	eventually(t, func() bool { return written.Load() > 40 }, "writers under way")
	dir := filepath.Join(t.TempDir(), "backup")
	r, err := s.App.Backup.Backup(ctx, dir, nil)
	require.NoError(t, err)
	atBackup := written.Load()
	eventually(t, func() bool { return written.Load() > atBackup+40 }, "writers go on after the backup")
	close(stop)
	wg.Wait()
	require.Nil(t, writeErr.Load(), "writers never failed during the backup")

	require.NoError(t, r.FailedError())
	assert.Equal(t, dir, r.Dir)
	assert.Equal(t, schools, r.Manifest.Schemas())
	assert.True(t, r.Manifest.All)
	for _, f := range r.Manifest.Schools {
		assert.Equal(t, s.App.Pool.Migrator().Latest(), f.Version)
		assert.Len(t, f.SHA256, 64)
	}

	fresh := openApp(t, t.TempDir())
	rep, err := fresh.Backup.Restore(ctx, dir, backup.RestoreOptions{})
	require.NoError(t, err)
	assert.True(t, rep.Catalog, "an unused data dir gets the whole catalog back")
	require.Len(t, rep.Schools, 2)

	for _, schema := range schools {
		t.Run(schema, func(t *testing.T) {
			copied := tableCounts(t, openCopy(t, filepath.Join(dir, "tenants", schema+".db")))
			var restored, live map[string]int
			require.NoError(t, fresh.Pool.WithTenant(ctx, schema, func(tn *db.Tenant) error {
				restored = tableCounts(t, tn.ReadDB())
				assert.Equal(t, "ok", integrity(t, tn.ReadDB()))
				return nil
			}))
			s.WithSchool(schema, func(tn *db.Tenant) error {
				live = tableCounts(t, tn.ReadDB())
				return nil
			})
			assert.Equal(t, copied, restored, "the restored school has the backup's rows, table by table")
			var pairs int
			require.NoError(t, fresh.Pool.WithTenant(ctx, schema, func(tn *db.Tenant) error {
				return tn.ReadDB().QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action = 'test.write'`).Scan(&pairs)
			}))
			assert.Equal(t, restored["subjects"], pairs, "every transaction is in the copy whole or not at all")
			assert.Positive(t, restored["subjects"], "writes made before the backup are in it")
			assert.Less(t, restored["subjects"], live["subjects"], "writes made after the backup are not")
		})
	}

	ts, err := fresh.Clients.List(ctx)
	require.NoError(t, err)
	require.Len(t, ts, 2)
	assert.Equal(t, "Alpha Academy", ts[0].Name)
	assert.Equal(t, "alpha.localhost", ts[0].PrimaryDomain())
	_, err = fresh.Catalog.Read().GetUserByEmail(ctx, "it@example.org")
	assert.NoError(t, err, "the platform accounts came back with the catalog")
}

// backupOf creates the schools and returns a backup of them.
func backupOf(t *testing.T, a *app.App) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "backup")
	r, err := a.Backup.Backup(context.Background(), dir, nil)
	require.NoError(t, err)
	require.NoError(t, r.FailedError())
	return dir
}

// dataFiles lists every file under a data dir except the catalog's own.
func dataFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if !strings.HasPrefix(rel, "catalog.db") && !strings.HasSuffix(rel, ".lock") {
			out = append(out, rel)
		}
		return nil
	}))
	slices.Sort(out)
	return out
}

func flipByte(t *testing.T, path string, at int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	defer f.Close()
	b := make([]byte, 1)
	_, err = f.ReadAt(b, at)
	require.NoError(t, err)
	b[0] ^= 0xff
	_, err = f.WriteAt(b, at)
	require.NoError(t, err)
}

// copyDir copies a backup so each case damages its own.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy")
	require.NoError(t, os.CopyFS(dst, os.DirFS(src)))
	return dst
}

func TestRestoreRefusesDamagedBackup(t *testing.T) {
	s := apptest.Start(t)
	s.CreateSchool("alpha", "Alpha Academy")
	s.CreateSchool("beta", "Beta College")
	good := backupOf(t, s.App)
	ctx := context.Background()

	rehash := func(t *testing.T, dir, rel string) {
		var m map[string]any
		raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, &m))
		f, err := os.ReadFile(filepath.Join(dir, rel))
		require.NoError(t, err)
		for _, e := range m["schools"].([]any) {
			e := e.(map[string]any)
			if e["path"] == rel {
				sum := sha256Hex(f)
				e["sha256"] = sum
				e["size"] = len(f)
			}
		}
		raw, err = json.Marshal(m)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "manifest.json"), raw, 0o600))
	}

	cases := []struct {
		name   string
		damage func(t *testing.T, dir string)
		opts   backup.RestoreOptions
		wants  []string
	}{
		{"a school file with a flipped byte", func(t *testing.T, dir string) {
			flipByte(t, filepath.Join(dir, "tenants", "beta.db"), 5000)
		}, backup.RestoreOptions{}, []string{"tenants/beta.db", "checksum"}},
		{"the catalog with a flipped byte", func(t *testing.T, dir string) {
			flipByte(t, filepath.Join(dir, "catalog.db"), 100)
		}, backup.RestoreOptions{Schema: "alpha"}, []string{"catalog.db", "checksum"}},
		{"a missing school file", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, "tenants", "alpha.db")))
		}, backup.RestoreOptions{}, []string{"tenants/alpha.db", "missing"}},
		{"a damaged file whose manifest was made to match", func(t *testing.T, dir string) {
			// Page 2 starts with its b-tree page type; 0 is none.
			path := filepath.Join(dir, "tenants", "alpha.db")
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			require.NoError(t, err)
			_, err = f.WriteAt(make([]byte, 16), 4096)
			require.NoError(t, err)
			f.Close()
			rehash(t, dir, "tenants/alpha.db")
		}, backup.RestoreOptions{}, []string{"tenants/alpha.db", "integrity"}},
		{"a manifest that points outside the backup", func(t *testing.T, dir string) {
			raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
			require.NoError(t, err)
			raw = []byte(strings.Replace(string(raw), `"tenants/alpha.db"`, `"../../etc/passwd"`, 1))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "manifest.json"), raw, 0o600))
		}, backup.RestoreOptions{}, []string{"manifest.json", "tenants/alpha.db"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, good)
			tc.damage(t, dir)
			target := openApp(t, t.TempDir())
			_, err := target.Backup.Restore(ctx, dir, tc.opts)
			require.Error(t, err)
			for _, w := range tc.wants {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "\n")
			empty, err := target.Catalog.IsEmpty(ctx)
			require.NoError(t, err)
			assert.True(t, empty, "nothing was restored")
			assert.Empty(t, dataFiles(t, target.Config.DataDir), "no school file or staging file was left")
		})
	}
}

func subjectCodes(t *testing.T, c *apptest.Client) []string {
	t.Helper()
	status, body := c.JSON("GET", "/api/core/subjects/?ordering=code", nil)
	require.Equal(t, 200, status, "%v", body)
	var out []string
	for _, r := range body["results"].([]any) {
		out = append(out, r.(map[string]any)["code"].(string))
	}
	return out
}

func addSubject(t *testing.T, c *apptest.Client, code string) {
	t.Helper()
	status, body := c.JSON("POST", "/api/core/subjects/", map[string]any{"code": code, "name": code})
	require.Equal(t, 201, status, "%v", body)
}

// TestRestoreOneSchoolWhileServerHasItOpen: the server restores a school it is serving;
// its requests then see the restored data, and the other school keeps its own.
func TestRestoreOneSchoolWhileServerHasItOpen(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	s.CreateSchool("alpha", "Alpha Academy")
	s.CreateSchool("beta", "Beta College")
	ca, cb := s.As("alpha", "admin@alpha.test"), s.As("beta", "admin@beta.test")
	addSubject(t, ca, "MATH")
	addSubject(t, cb, "BIO")
	dir := backupOf(t, s.App)
	addSubject(t, ca, "ART")
	addSubject(t, cb, "CHEM")
	require.Equal(t, []string{"ART", "MATH"}, subjectCodes(t, ca), "alpha's file is open in the server's pool")

	// Readers keep coming during the restore: each sees the old or the new data, or is
	// told to come back; never an error of ours.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bad atomic.Value
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			status, _, raw := ca.Do("GET", "/api/core/subjects/", "", nil)
			if status != 200 && status != 503 {
				bad.Store(fmt.Sprintf("%d %s", status, raw))
			}
		}
	}()
	rep, err := s.App.Backup.Restore(ctx, dir, backup.RestoreOptions{Schema: "alpha", Force: true})
	close(stop)
	wg.Wait()
	require.NoError(t, err)
	assert.Nil(t, bad.Load())

	require.Len(t, rep.Schools, 1)
	assert.Equal(t, "alpha", rep.Schools[0].Schema)
	assert.Equal(t, []string{"MATH"}, subjectCodes(t, ca), "the server serves the restored data")
	assert.Equal(t, []string{"BIO", "CHEM"}, subjectCodes(t, cb), "the other school is untouched")
	addSubject(t, ca, "GEO")
	assert.Equal(t, []string{"GEO", "MATH"}, subjectCodes(t, ca), "and writes to it again")

	// What alpha had before the restore is kept.
	require.NotEmpty(t, rep.Schools[0].Kept)
	var n int
	require.NoError(t, openCopy(t, rep.Schools[0].Kept).QueryRow(`SELECT count(*) FROM subjects WHERE code = 'ART'`).Scan(&n))
	assert.Equal(t, 1, n)
}

func TestRestoreRefusesExistingSchoolsWithoutForce(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	s.CreateSchool("alpha", "Alpha Academy")
	s.CreateSchool("beta", "Beta College")
	dir := backupOf(t, s.App)
	_, err := s.App.Clients.Rename(ctx, "alpha", "Renamed Since")
	require.NoError(t, err)
	before := dataFiles(t, s.App.Config.DataDir)

	_, err = s.App.Backup.Restore(ctx, dir, backup.RestoreOptions{})
	require.Error(t, err)
	assert.Equal(t, errs.Conflict, errs.CodeOf(err))
	assert.Contains(t, err.Error(), "alpha, beta")
	assert.Contains(t, err.Error(), "--force")
	_, err = s.App.Backup.Restore(ctx, dir, backup.RestoreOptions{Schema: "beta"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "school beta already exists")

	tn, err := s.App.Clients.Get(ctx, "alpha")
	require.NoError(t, err)
	assert.Equal(t, "Renamed Since", tn.Name, "nothing was restored")
	assert.Equal(t, before, dataFiles(t, s.App.Config.DataDir), "no file was written")

	_, err = s.App.Backup.Restore(ctx, dir, backup.RestoreOptions{Schema: "gamma"})
	assert.Equal(t, errs.NotFound, errs.CodeOf(err))
	assert.Contains(t, err.Error(), "it has: alpha, beta")
}

// TestRestoreNeverTakesAnotherSchoolsDomain: a domain that moved to another school since
// the backup stays with that school, even with --force.
func TestRestoreNeverTakesAnotherSchoolsDomain(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	s.CreateSchool("alpha", "Alpha Academy")
	s.CreateSchool("beta", "Beta College")
	_, err := s.App.Clients.AddDomain(ctx, "alpha", "portal.example.org", false)
	require.NoError(t, err)
	dir := backupOf(t, s.App)
	_, err = s.App.Clients.RemoveDomain(ctx, "portal.example.org")
	require.NoError(t, err)
	_, err = s.App.Clients.AddDomain(ctx, "beta", "portal.example.org", false)
	require.NoError(t, err)
	cb := s.Client("portal.example.org", "")

	_, err = s.App.Backup.Restore(ctx, dir, backup.RestoreOptions{Schema: "alpha", Force: true})
	require.Error(t, err)
	assert.Equal(t, errs.Conflict, errs.CodeOf(err))
	assert.Contains(t, err.Error(), "portal.example.org")
	assert.Contains(t, err.Error(), "belongs to school beta")
	status, body := cb.JSON("GET", "/api/tenant", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "beta", body["schema_name"], "the domain still leads to beta")
}

// TestExportImportOnAnotherAppliance moves a school to another appliance, where its
// admin signs in with the same password and finds the same data.
func TestExportImportOnAnotherAppliance(t *testing.T) {
	ctx := context.Background()
	a := apptest.Start(t)
	a.CreateSchool("alpha", "Alpha Academy")
	a.CreateSchool("beta", "Beta College")
	addSubject(t, a.As("alpha", "admin@alpha.test"), "MATH")
	_, err := a.App.Clients.AddDomain(ctx, "alpha", "alpha.example.org", true)
	require.NoError(t, err)
	_, err = a.App.Clients.Suspend(ctx, "beta")
	require.NoError(t, err)

	file := filepath.Join(t.TempDir(), "alpha.tar.gz")
	exp, err := a.App.Backup.Export(ctx, "alpha", file)
	require.NoError(t, err)
	assert.Equal(t, file, exp.File)
	assert.Positive(t, exp.Size)

	b := apptest.Start(t)
	b.CreateSchool("gamma", "Gamma School")
	imp, err := b.App.Backup.Import(ctx, file)
	require.NoError(t, err)
	assert.Equal(t, "alpha", imp.Schema)
	assert.Equal(t, "Alpha Academy", imp.Name)
	assert.ElementsMatch(t, []string{"alpha.localhost", "alpha.example.org"}, imp.Domains)

	tn, err := b.App.Clients.Get(ctx, "alpha")
	require.NoError(t, err)
	assert.Equal(t, "alpha.example.org", tn.PrimaryDomain())
	assert.Equal(t, "active", tn.Status)

	c := b.Client("alpha.example.org", "")
	c.Login("admin@alpha.test")
	assert.Equal(t, []string{"MATH"}, subjectCodes(t, c), "signed in on the new appliance, same data")
	assert.Equal(t, []string{"alpha", "gamma"}, schemas(t, b.App))

	t.Run("the archive carries nothing of other schools or the platform", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, untar(file, dir))
		cat := openCopy(t, filepath.Join(dir, "catalog.db"))
		counts := tableCounts(t, cat)
		assert.Equal(t, 1, counts["tenants"])
		assert.Equal(t, 2, counts["domains"])
		assert.Zero(t, counts["platform_admins"])
		assert.Zero(t, counts["audit_log"])
		entries, err := os.ReadDir(filepath.Join(dir, "tenants"))
		require.NoError(t, err)
		require.Len(t, entries, 1)
		assert.Equal(t, "alpha.db", entries[0].Name())
	})

	t.Run("importing again is refused and writes nothing", func(t *testing.T) {
		before := dataFiles(t, b.App.Config.DataDir)
		_, err := b.App.Backup.Import(ctx, file)
		require.Error(t, err)
		assert.Equal(t, errs.Conflict, errs.CodeOf(err))
		assert.Contains(t, err.Error(), `schema "alpha" already exists`)
		assert.Equal(t, before, dataFiles(t, b.App.Config.DataDir))
	})

	t.Run("a domain taken here is refused and writes nothing", func(t *testing.T) {
		c := apptest.Start(t)
		c.CreateSchool("delta", "Delta")
		_, err := c.App.Clients.AddDomain(ctx, "delta", "alpha.example.org", false)
		require.NoError(t, err)
		before := dataFiles(t, c.App.Config.DataDir)
		_, err = c.App.Backup.Import(ctx, file)
		require.Error(t, err)
		assert.Equal(t, errs.Conflict, errs.CodeOf(err))
		assert.Contains(t, err.Error(), "alpha.example.org")
		assert.Contains(t, err.Error(), "delta")
		assert.Equal(t, []string{"delta"}, schemas(t, c.App))
		assert.Equal(t, before, dataFiles(t, c.App.Config.DataDir))
	})

	t.Run("an export never overwrites a file", func(t *testing.T) {
		_, err := a.App.Backup.Export(ctx, "alpha", file)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "already exists")
	})
}

func schemas(t *testing.T, a *app.App) []string {
	t.Helper()
	ts, err := a.Clients.List(context.Background())
	require.NoError(t, err)
	var out []string
	for _, tn := range ts {
		out = append(out, tn.Schema)
	}
	return out
}

func TestImportRefusesWhatIsNotASchoolArchive(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.txt")
	require.NoError(t, os.WriteFile(plain, []byte("hello"), 0o600))
	escape := filepath.Join(dir, "escape.tar.gz")
	require.NoError(t, writeTarGz(escape, map[string]string{"manifest.json": "{}", "../../outside.db": "x"}))
	cases := map[string][]string{
		plain:                         {"not an sms school archive", "gzip"},
		escape:                        {"not an sms school archive", "../../outside.db"},
		filepath.Join(dir, "missing"): {"does not exist"},
	}
	for file, wants := range cases {
		_, err := s.App.Backup.Import(ctx, file)
		require.Error(t, err, file)
		for _, w := range wants {
			assert.Contains(t, err.Error(), w)
		}
	}
	assert.NoFileExists(t, filepath.Join(s.App.Config.DataDir, "..", "outside.db"))
	assert.Empty(t, dataFiles(t, s.App.Config.DataDir))
}

func TestPruneKeepsTheNewestBackups(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	s.CreateSchool("alpha", "Alpha Academy")
	parent := filepath.Join(t.TempDir(), "backups")
	var made []string
	for range 4 {
		r, err := s.App.Backup.BackupInto(ctx, parent)
		require.NoError(t, err)
		made = append(made, r.Dir)
	}
	// Things that are not finished backups of ours are never pruned.
	require.NoError(t, os.MkdirAll(filepath.Join(parent, "keep-me"), 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(parent, "notes.txt"), []byte("x"), 0o600))
	require.NoError(t, os.MkdirAll(filepath.Join(parent, "20200101T000000.000Z"), 0o750)) // no manifest

	removed, err := backup.Prune(ctx, parent, 2)
	require.NoError(t, err)
	assert.Equal(t, made[:2], removed)
	all, err := backup.List(parent)
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, made[2], all[0].Dir)
	assert.Equal(t, made[3], all[1].Dir)
	for _, p := range []string{"keep-me", "notes.txt", "20200101T000000.000Z"} {
		_, err := os.Stat(filepath.Join(parent, p))
		assert.NoError(t, err, "%s is left alone", p)
	}

	// A backup cut off half-way (a crash) leaves a .partial directory; the next backup
	// into the same place removes it.
	partial := filepath.Join(parent, "20200101T000000.000Z.partial")
	require.NoError(t, os.MkdirAll(filepath.Join(partial, "tenants"), 0o750))
	_, err = s.App.Backup.BackupInto(ctx, parent)
	require.NoError(t, err)
	assert.NoDirExists(t, partial)
}

func TestBackupIntoAnUsedDirectoryIsRefused(t *testing.T) {
	s := apptest.Start(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "important.txt"), []byte("x"), 0o600))
	_, err := s.App.Backup.Backup(context.Background(), dir, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not empty")
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 1, "nothing was written and nothing removed")
}

// TestBackupGoesOnPastABrokenSchool: one school whose file is gone does not cost the
// others their backup; the manifest and the report name it.
func TestBackupGoesOnPastABrokenSchool(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	s.CreateSchool("alpha", "Alpha Academy")
	s.CreateSchool("beta", "Beta College")
	require.NoError(t, os.Remove(s.App.Pool.Path("beta")))

	dir := filepath.Join(t.TempDir(), "backup")
	r, err := s.App.Backup.Backup(ctx, dir, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"alpha"}, r.Manifest.Schemas())
	require.Len(t, r.Manifest.Failed, 1)
	assert.Equal(t, "beta", r.Manifest.Failed[0].Schema)
	require.Error(t, r.FailedError())
	assert.Contains(t, r.FailedError().Error(), "could not back up 1 of 2 schools: beta (")
	assert.NoFileExists(t, filepath.Join(dir, "tenants", "beta.db"))

	fresh := openApp(t, t.TempDir())
	rep, err := fresh.Backup.Restore(ctx, dir, backup.RestoreOptions{})
	require.NoError(t, err)
	require.Len(t, rep.Missing, 1)
	assert.Equal(t, "beta", rep.Missing[0].Schema)
	assert.Equal(t, []string{"alpha"}, schemas(t, fresh), "no school without its file")
}
