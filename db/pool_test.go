package db

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/db/tenantdb"
	"github.com/schoolsms/sms/migrations"
)

func TestPoolOpensAndReadsTenant(t *testing.T) {
	p := newTestPool(t, 4)
	makeTenant(t, p, "alpha", "Alpha School")
	err := p.WithTenant(context.Background(), "alpha", func(tn *Tenant) error {
		prof, err := tn.Read().GetSchoolProfile(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "Alpha School", prof.Name)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 1, p.Stats().Open)
}

func TestPoolMigratesBehindFileOnOpen(t *testing.T) {
	data := t.TempDir()
	cat := newTestCatalog(t, data)
	dir := filepath.Join(data, "tenants")
	ctx := context.Background()
	m1, err := NewMigrator(migrationsV1)
	require.NoError(t, err)
	old := NewPoolWithMigrations(cat, dir, 2, m1)
	makeTenant(t, old, "alpha", "Alpha")
	require.NoError(t, old.Close())

	m2, err := NewMigrator(migrationsV2())
	require.NoError(t, err)
	require.Equal(t, uint(2), m2.Latest())
	p := NewPoolWithMigrations(cat, dir, 2, m2)
	defer p.Close()
	err = p.WithTenant(ctx, "alpha", func(tn *Tenant) error {
		v, err := m2.Version(ctx, tn.ReadDB())
		require.NoError(t, err)
		assert.Equal(t, uint(2), v)
		var body string
		require.NoError(t, tn.ReadDB().QueryRowContext(ctx, `SELECT body FROM notes`).Scan(&body))
		assert.Equal(t, "added by 0002", body)
		prof, err := tn.Read().GetSchoolProfile(ctx)
		require.NoError(t, err)
		assert.Equal(t, "Alpha", prof.Name, "existing data survives the migration")
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 1, p.Stats().Migrated)

	// A file already at the latest version is not migrated again.
	require.NoError(t, p.Close())
	p2 := NewPoolWithMigrations(cat, dir, 2, m2)
	defer p2.Close()
	require.NoError(t, p2.WithTenant(ctx, "alpha", func(*Tenant) error { return nil }))
	assert.Equal(t, 0, p2.Stats().Migrated)

	// And an older binary refuses a newer file instead of damaging it.
	p3 := NewPoolWithMigrations(cat, dir, 2, m1)
	defer p3.Close()
	err = p3.WithTenant(ctx, "alpha", func(*Tenant) error { return nil })
	require.ErrorIs(t, err, ErrTooNew)
}

func TestPoolMissingAndCorruptFiles(t *testing.T) {
	p := newTestPool(t, 4)
	ctx := context.Background()
	makeTenant(t, p, "good", "Good School")

	_, _, err := p.Acquire(ctx, "nowhere")
	require.ErrorIs(t, err, ErrUnknownTenant, "a school the catalog does not know")

	registerTenant(t, p, "missing", NewIncarnation())
	registerTenant(t, p, "broken", NewIncarnation())
	_, _, err = p.Acquire(ctx, "missing")
	require.ErrorIs(t, err, ErrNoTenantFile)
	_, err = os.Stat(p.Path("missing"))
	require.True(t, os.IsNotExist(err), "acquiring a missing tenant must not create its file")

	require.NoError(t, os.WriteFile(p.Path("broken"), []byte("this is not a sqlite database, just some text that is long enough"), 0o600))
	_, _, err = p.Acquire(ctx, "broken")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "broken")

	for _, bad := range []string{"../x", "Public", "public", "a", "é", ""} {
		_, _, err := p.Acquire(ctx, bad)
		require.ErrorIs(t, err, ErrInvalidSchema, bad)
	}

	require.NoError(t, p.WithTenant(ctx, "good", func(tn *Tenant) error {
		_, err := tn.Read().GetSchoolProfile(ctx)
		return err
	}), "a broken tenant does not affect a good one")
	assert.Equal(t, 1, p.Stats().Open)
}

func TestPoolNeverMigratesFilesItDidNotMake(t *testing.T) {
	p := newTestPool(t, 4)
	ctx := context.Background()
	require.NoError(t, os.MkdirAll(p.Dir(), 0o750))

	other := filepath.Join(t.TempDir(), "other.db")
	conn, err := sql.Open("sqlite", other)
	require.NoError(t, err)
	_, err = conn.Exec(`CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('not a school')`)
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	otherBytes, err := os.ReadFile(other)
	require.NoError(t, err)

	for name, content := range map[string][]byte{
		"empty":     {},
		"short":     []byte("SQLite format 3"),
		"text":      []byte(fmt.Sprintf("%0200d", 7)),
		"unrelated": otherBytes,
	} {
		t.Run(name, func(t *testing.T) {
			schema := "f_" + name
			registerTenant(t, p, schema, NewIncarnation())
			require.NoError(t, os.WriteFile(p.Path(schema), content, 0o600))
			_, _, err := p.Acquire(ctx, schema)
			require.ErrorIs(t, err, ErrNotTenantFile)
			_, err = p.Migrate(ctx, schema)
			require.ErrorIs(t, err, ErrNotTenantFile)
			got, err := os.ReadFile(p.Path(schema))
			require.NoError(t, err)
			assert.Truef(t, string(content) == string(got), "the file is unchanged: %d bytes before, %d after", len(content), len(got))
		})
	}
	assert.Zero(t, p.Stats().Open)
}

// TestPoolServesOnlyTheIncarnationAskedFor: another process deletes a school whose file
// this pool has open, in use, and creates a new one under the same schema name.
func TestPoolServesOnlyTheIncarnationAskedFor(t *testing.T) {
	p := newTestPool(t, 4)
	ctx := context.Background()
	first := makeTenant(t, p, "alpha", "First Alpha")
	old, releaseOld, err := p.AcquireIncarnation(ctx, "alpha", first)
	require.NoError(t, err)
	assert.Equal(t, first, old.Incarnation)

	other := NewPoolWithMigrations(p.cat, p.Dir(), 4, p.mig) // the other process
	defer other.Close()
	require.NoError(t, other.Remove(ctx, "alpha", func(path string) error {
		_, err := other.cat.h.w.ExecContext(ctx, `DELETE FROM tenants WHERE schema_name = 'alpha'`)
		if err == nil {
			err = MoveFiles(path, filepath.Join(t.TempDir(), "archived.db"))
		}
		return err
	}))
	second := makeTenant(t, other, "alpha", "Second Alpha")
	require.NotEqual(t, first, second)

	profileName := func(tn *Tenant) string {
		prof, err := tn.Read().GetSchoolProfile(ctx)
		require.NoError(t, err)
		return prof.Name
	}
	tn, release, err := p.AcquireIncarnation(ctx, "alpha", second)
	require.NoError(t, err)
	assert.Equal(t, "Second Alpha", profileName(tn), "the new school is served from its own file")
	assert.Equal(t, "First Alpha", profileName(old), "a request already under way finishes on the file it started with")
	release()
	releaseOld()
	assert.Equal(t, 1, p.Stats().Open, "the old file closed with its last user")

	_, _, err = p.AcquireIncarnation(ctx, "alpha", first)
	require.ErrorIs(t, err, ErrWrongIncarnation, "the old incarnation is never served from the new file")
	tn, release, err = p.Acquire(ctx, "alpha")
	require.NoError(t, err, "Acquire asks the catalog for the current incarnation")
	assert.Equal(t, second, tn.Incarnation)
	release()

	t.Run("Retain drops files of schools the catalog no longer has", func(t *testing.T) {
		tn, release, err := p.Acquire(ctx, "alpha")
		require.NoError(t, err)
		assert.Equal(t, 1, p.Retain(func(schema, inc string) bool { return false }))
		assert.Equal(t, 0, p.Stats().Open, "nobody new gets the file")
		assert.Equal(t, "Second Alpha", profileName(tn), "its user still can finish")
		release()
		_, release, err = p.Acquire(ctx, "alpha")
		require.NoError(t, err)
		release()
		assert.Equal(t, 0, p.Retain(func(schema, inc string) bool { return schema == "alpha" && inc == second }))
		assert.Equal(t, 1, p.Stats().Open)
	})
}

// TestPoolServesSchoolsMadeBeforeIncarnations: a school file and catalog row from before
// incarnations existed (no id in either) keep working after the upgrade.
func TestPoolServesSchoolsMadeBeforeIncarnations(t *testing.T) {
	p := newTestPool(t, 4)
	ctx := context.Background()
	// A file made by this release's migrations up to the one that added incarnations...
	upTo5 := fstest.MapFS{}
	require.NoError(t, fs.WalkDir(migrations.Tenant(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path >= "0006" {
			return err
		}
		b, err := fs.ReadFile(migrations.Tenant(), path)
		upTo5[path] = &fstest.MapFile{Data: b}
		return err
	}))
	m5, err := NewMigrator(upTo5)
	require.NoError(t, err)
	older := NewPoolWithMigrations(p.cat, p.Dir(), 4, m5)
	makeOlderTenant(t, older, "legacy", "Legacy School")
	require.NoError(t, older.Close())
	// ...turned into what the release before incarnations left behind: version 4, no id anywhere.
	conn, err := sql.Open("sqlite", p.Path("legacy"))
	require.NoError(t, err)
	_, err = conn.Exec(`DROP TABLE school_incarnation; UPDATE schema_migrations SET version = 4`)
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	_, err = p.cat.h.w.Exec(`UPDATE tenants SET incarnation = '' WHERE schema_name = 'legacy'`)
	require.NoError(t, err)

	tn, release, err := p.Acquire(ctx, "legacy")
	require.NoError(t, err)
	defer release()
	assert.Empty(t, tn.Incarnation)
	prof, err := tn.Read().GetSchoolProfile(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Legacy School", prof.Name)
	assert.Equal(t, 1, p.Stats().Migrated, "the file was brought to the latest version")
	_, _, err = p.AcquireIncarnation(ctx, "legacy", NewIncarnation())
	require.ErrorIs(t, err, ErrWrongIncarnation, "a new school of the same name is never served from it")
}

func TestPoolNeverExceedsCap(t *testing.T) {
	const capacity = 3
	p := newTestPool(t, capacity)
	ctx := context.Background()
	var schemas []string
	for i := range 8 {
		s := fmt.Sprintf("school_%d", i)
		makeTenant(t, p, s, "School "+s)
		schemas = append(schemas, s)
	}
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for range 60 {
				s := schemas[r.IntN(len(schemas))]
				err := p.WithTenant(ctx, s, func(tn *Tenant) error {
					prof, err := tn.Read().GetSchoolProfile(ctx)
					if err != nil {
						return err
					}
					if prof.Name != "School "+s {
						return fmt.Errorf("tenant %s answered with %q", s, prof.Name)
					}
					if st := p.Stats(); st.Open > capacity {
						return fmt.Errorf("%d files open, cap %d", st.Open, capacity)
					}
					return nil
				})
				if !assert.NoError(t, err) {
					return
				}
			}
		}()
	}
	wg.Wait()
	st := p.Stats()
	assert.LessOrEqual(t, st.Peak, capacity)
	assert.Positive(t, st.Evictions)
	assert.Equal(t, 0, st.InUse)
}

func TestPoolWaitsWhenEveryFileIsBusy(t *testing.T) {
	p := newTestPool(t, 1)
	makeTenant(t, p, "one", "One")
	makeTenant(t, p, "two", "Two")
	ctx := context.Background()
	_, release, err := p.Acquire(ctx, "one")
	require.NoError(t, err)

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, _, err = p.Acquire(short, "two")
	require.ErrorIs(t, err, context.DeadlineExceeded, "the file in use is not closed under its user")

	got := make(chan error, 1)
	go func() {
		_, rel, err := p.Acquire(ctx, "two")
		if err == nil {
			rel()
		}
		got <- err
	}()
	release()
	require.NoError(t, <-got)
}

func TestPoolRemoveWaitsForUsers(t *testing.T) {
	p := newTestPool(t, 2)
	makeTenant(t, p, "gone", "Gone")
	ctx := context.Background()
	_, release, err := p.Acquire(ctx, "gone")
	require.NoError(t, err)

	removed := make(chan error, 1)
	go func() {
		removed <- p.Remove(ctx, "gone", func(path string) error { return RemoveFiles(path) })
	}()
	select {
	case <-removed:
		t.Fatal("Remove returned while the tenant was in use")
	case <-time.After(50 * time.Millisecond):
	}
	release()
	require.NoError(t, <-removed)
	_, err = os.Stat(p.Path("gone"))
	assert.True(t, os.IsNotExist(err))
	for _, suffix := range []string{"-wal", "-shm"} {
		_, err = os.Stat(p.Path("gone") + suffix)
		assert.True(t, os.IsNotExist(err), suffix)
	}
}

func TestPoolNoDescriptorGrowth(t *testing.T) {
	if _, err := os.ReadDir("/proc/self/fd"); err != nil {
		t.Skip("needs /proc/self/fd")
	}
	p := newTestPool(t, 1)
	makeTenant(t, p, "one", "One")
	makeTenant(t, p, "two", "Two")
	ctx := context.Background()
	cycle := func(n int) {
		for i := range n {
			s := "one"
			if i%2 == 1 {
				s = "two"
			}
			require.NoError(t, p.WithTenant(ctx, s, func(tn *Tenant) error {
				_, err := tn.Read().GetSchoolProfile(ctx)
				return err
			}))
		}
	}
	cycle(20) // warm up runtime descriptors
	before := countFDs(t)
	cycle(1000)
	after := countFDs(t)
	assert.LessOrEqual(t, after, before+2, "descriptors before %d, after %d", before, after)
	assert.GreaterOrEqual(t, p.Stats().Evictions, 1000)
}

func countFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(ents)
}

func TestCloneFileCopiesOnlyListedTables(t *testing.T) {
	p := newTestPool(t, 4)
	ctx := context.Background()
	makeTenant(t, p, "template", "Template")
	require.NoError(t, p.WithTenant(ctx, "template", func(tn *Tenant) error {
		return tn.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `
				INSERT INTO users (email, role, password_hash) VALUES ('head@template.test', 'admin', 'x');
				INSERT INTO academic_sessions (name, start_date, end_date) VALUES ('2026', '2026-01-05', '2026-11-27');
				INSERT INTO forms (name, level) VALUES ('Form 1', 1);
				INSERT INTO classes (form_id, session_id, name, class_teacher_id) SELECT f.id, s.id, 'Form 1A', u.id FROM forms f, academic_sessions s, users u;`)
			return err
		})
	}))

	tables := []CopyTable{{Name: "school_profile"}, {Name: "academic_sessions"}, {Name: "forms"}, {Name: "classes", Null: []string{"class_teacher_id"}}}
	inc := NewIncarnation()
	staged, err := p.CloneFile(ctx, "template", "copy", inc, tables, func(q *tenantdb.Queries) error {
		return q.SetSchoolName(ctx, "Copy")
	})
	require.NoError(t, err)
	registerTenant(t, p, "copy", inc)
	require.NoError(t, p.Install(staged, "copy"))
	require.NoError(t, p.WithTenant(ctx, "copy", func(tn *Tenant) error {
		prof, err := tn.Read().GetSchoolProfile(ctx)
		require.NoError(t, err)
		assert.Equal(t, "Copy", prof.Name)
		var users, classes, linked int
		require.NoError(t, tn.ReadDB().QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&users))
		require.NoError(t, tn.ReadDB().QueryRowContext(ctx, `SELECT count(*), count(class_teacher_id) FROM classes`).Scan(&classes, &linked))
		assert.Zero(t, users, "a table that is not listed is not copied")
		assert.Equal(t, 1, classes)
		assert.Zero(t, linked, "a column listed as Null is left NULL")
		return nil
	}))
	entries, _ := filepath.Glob(filepath.Join(p.Dir(), ".copy.db.new*"))
	assert.Empty(t, entries, "no staging files are left behind")

	_, err = p.CloneFile(ctx, "template", "other", NewIncarnation(), []CopyTable{{Name: "users; DROP TABLE forms"}}, nil)
	require.Error(t, err)
	_, err = p.CloneFile(ctx, "template", "other", NewIncarnation(), []CopyTable{{Name: "no_such_table"}}, nil)
	require.Error(t, err)
	entries, _ = filepath.Glob(filepath.Join(p.Dir(), ".other.db.new*"))
	assert.Empty(t, entries, "a failed clone leaves no staging file")
}

func TestPoolCountsWaits(t *testing.T) {
	ctx := context.Background()
	p := newTestPool(t, 1)
	makeTenant(t, p, "alpha", "Alpha")
	makeTenant(t, p, "beta", "Beta")

	// Every open file busy: the next school waits for one.
	_, release, err := p.Acquire(ctx, "alpha")
	require.NoError(t, err)
	got := make(chan error, 1)
	go func() {
		_, rel, err := p.Acquire(ctx, "beta")
		if err == nil {
			rel()
		}
		got <- err
	}()
	require.Eventually(t, func() bool { return p.Stats().Waits == 1 }, 5*time.Second, 10*time.Millisecond)
	release()
	require.NoError(t, <-got)

	// A write of a school while another write of it runs waits for the one writer.
	tn, release, err := p.Acquire(ctx, "beta")
	require.NoError(t, err)
	holding, done := make(chan struct{}), make(chan struct{})
	go func() {
		tn.Tx(ctx, func(q *tenantdb.Queries, tx *sql.Tx) error {
			close(holding)
			<-done
			return nil
		})
	}()
	<-holding
	second := make(chan error, 1)
	go func() {
		second <- tn.Tx(ctx, func(q *tenantdb.Queries, tx *sql.Tx) error { return nil })
	}()
	require.Eventually(t, func() bool { return p.Stats().WriteWaits == 1 }, 5*time.Second, 10*time.Millisecond)
	close(done)
	require.NoError(t, <-second)
	release()

	// Counts of a file outlive its closing.
	_, release, err = p.Acquire(ctx, "alpha") // evicts beta
	require.NoError(t, err)
	release()
	s := p.Stats()
	assert.Equal(t, int64(1), s.WriteWaits)
	assert.Positive(t, s.WriteWaitTime)
	assert.Equal(t, 1, s.Waits)
}

// TestPoolColdFileUsesOneConnection: a school read and written one request at a time
// keeps one SQLite connection (each one parses the whole schema and holds descriptors);
// readers open only when reads meet a busy writer.
func TestPoolColdFileUsesOneConnection(t *testing.T) {
	_, tn, _ := acquireAlpha(t)
	ctx := context.Background()
	assert.Equal(t, 1, tn.openConns(), "opening checks the file on one connection")

	_, err := tn.Read().GetSchoolProfile(ctx)
	require.NoError(t, err)
	prepared := func() int {
		tn.writes.mu.RLock()
		defer tn.writes.mu.RUnlock()
		return len(tn.writes.stmts)
	}
	before := prepared()
	require.NoError(t, tn.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		return q.StudentsPutSetting(ctx, tenantdb.StudentsPutSettingParams{Key: "k", Value: "v"})
	}))
	// The write's statement is prepared on the writer after it, in the background: until
	// that is done a read may find the writer busy (and rightly take a reader).
	require.Eventually(t, func() bool { return prepared() > before && tn.h.w.Stats().InUse == 0 },
		10*time.Second, time.Millisecond)
	require.NoError(t, tn.ReadTx(ctx, func(q *tenantdb.Queries, d tenantdb.DBTX) error {
		prof, err := q.GetSchoolProfile(ctx)
		assert.Equal(t, "Alpha", prof.Name)
		return err
	}))
	assert.Equal(t, 1, tn.openConns(), "reads, a write and a read transaction, one at a time")

	// A read while a read transaction holds the writer gets a reader.
	require.NoError(t, tn.ReadTx(ctx, func(q *tenantdb.Queries, d tenantdb.DBTX) error {
		prof, err := tn.Read().GetSchoolProfile(ctx)
		assert.Equal(t, "Alpha", prof.Name)
		return err
	}))
	assert.Positive(t, tn.h.r.Stats().OpenConnections, "concurrency opened a reader")
	assert.False(t, tn.readsOnWriter(), "with a reader open, reads stay on the readers")
}

// TestPoolReadsOnWriterNeverWrite: reads that run on the writer's connection can no more
// write than on a query_only reader, and the writer writes again afterwards.
// Queries sqlc cannot express (ReadDB) are routed as Read's are: on a cold file they run
// on its writer, and do not open a reader connection (a schema parse, two descriptors,
// its memory) for themselves. The outbox relay's visit of every changed school read
// through ReadDB, and left each with a reader open.
func TestPoolReadDBOnColdFileUsesTheWriter(t *testing.T) {
	_, tn, _ := acquireAlpha(t)
	ctx := context.Background()
	var name string
	require.NoError(t, tn.ReadDB().QueryRowContext(ctx, `SELECT name FROM school_profile`).Scan(&name))
	assert.Equal(t, "Alpha", name)
	rows, err := tn.ReadDB().QueryContext(ctx, `SELECT name FROM school_profile`)
	require.NoError(t, err)
	require.True(t, rows.Next())
	require.NoError(t, rows.Close())
	assert.Equal(t, 1, tn.openConns(), "reads of a cold file stay on its one connection")
	assert.Zero(t, tn.h.r.Stats().OpenConnections)

	// Anything but a SELECT still runs on a query_only reader, where a write fails.
	_, err = tn.ReadDB().ExecContext(ctx, `UPDATE school_profile SET name = 'X'`)
	assert.Error(t, err)
}

func TestPoolReadsOnWriterNeverWrite(t *testing.T) {
	p := newTestPool(t, 2)
	makeTenant(t, p, "alpha", "Alpha")
	ctx := context.Background()
	require.NoError(t, p.WithTenant(ctx, "alpha", func(tn *Tenant) error {
		require.True(t, tn.readsOnWriter())
		err := tn.ReadTx(ctx, func(q *tenantdb.Queries, d tenantdb.DBTX) error {
			_, err := d.ExecContext(ctx, `UPDATE school_profile SET name = 'Changed'`)
			return err
		})
		require.Error(t, err, "a read transaction on the writer cannot write")
		assert.Contains(t, err.Error(), "readonly")

		err = tn.Read().StudentsPutSetting(ctx, tenantdb.StudentsPutSettingParams{Key: "k", Value: "v"})
		require.Error(t, err, "Read never writes")

		prof, err := tn.Read().GetSchoolProfile(ctx)
		require.NoError(t, err)
		assert.Equal(t, "Alpha", prof.Name, "nothing was written")
		return tn.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
			return q.StudentsPutSetting(ctx, tenantdb.StudentsPutSettingParams{Key: "k", Value: "v"})
		})
	}), "the writer writes after a read transaction on it")
}

func TestIsSelect(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT 1":                                  true,
		"-- name: GetX :one\nSELECT id FROM x":      true,
		"  \n select 1":                             true,
		"-- name: PutX :exec\nINSERT INTO x VALUES": false,
		"UPDATE x SET a = 1":                        false,
		"-- only a comment":                         false,
		"WITH a AS (SELECT 1) DELETE FROM x":        false,
	} {
		assert.Equal(t, want, isSelect(q), q)
	}
}

// TestPoolBackgroundVisitsKeepUsersFiles: a sweep over every school (the outbox relay's)
// closes at most one of the files users are working in, however many it opens.
func TestPoolBackgroundVisitsKeepUsersFiles(t *testing.T) {
	p := newTestPool(t, 3)
	ctx := context.Background()
	for _, s := range []string{"u1", "u2", "u3", "s1", "s2", "s3", "s4"} {
		makeTenant(t, p, s, s)
	}
	use := func(s string) { require.NoError(t, p.WithTenant(ctx, s, func(*Tenant) error { return nil })) }
	use("u1")
	use("u2")
	use("u3")
	for _, s := range []string{"s1", "s2", "s3", "s4", "u2"} {
		require.NoError(t, p.WithTenantBackground(ctx, s, func(*Tenant) error { return nil }))
	}
	open := func() map[string]bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		m := map[string]bool{}
		for s, e := range p.entries {
			m[s] = e.t != nil
		}
		return m
	}
	assert.Equal(t, map[string]bool{"u2": true, "u3": true, "s4": true}, open(),
		"the sweep took the least recently used file and then only its own")
	use("u1")
	assert.Equal(t, map[string]bool{"u1": true, "u2": true, "u3": true}, open(),
		"the sweep's file is the first to go")
}

// TestWriteAfterAPanickedWrite: a write whose function panics (the recover middleware
// turns that into a 500) leaves the school writable.
func TestWriteAfterAPanickedWrite(t *testing.T) {
	p := newTestPool(t, 2)
	makeTenant(t, p, "alpha", "Alpha")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, p.WithTenant(ctx, "alpha", func(tn *Tenant) error {
		func() {
			defer func() { assert.NotNil(t, recover()) }()
			tn.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
				if err := q.StudentsPutSetting(ctx, tenantdb.StudentsPutSettingParams{Key: "half", Value: "done"}); err != nil {
					return err
				}
				panic("a bug")
			})
		}()
		return tn.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
			_, err := q.StudentsGetSetting(ctx, "half")
			assert.ErrorIs(t, err, sql.ErrNoRows, "the panicked write was rolled back")
			return q.StudentsPutSetting(ctx, tenantdb.StudentsPutSettingParams{Key: "k", Value: "v"})
		})
	}))
}
