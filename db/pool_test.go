package db

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/db/tenantdb"
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
	dir := t.TempDir()
	ctx := context.Background()
	m1, err := NewMigrator(migrationsV1)
	require.NoError(t, err)
	old := NewPoolWithMigrations(dir, 2, m1)
	makeTenant(t, old, "alpha", "Alpha")
	require.NoError(t, old.Close())

	m2, err := NewMigrator(migrationsV2())
	require.NoError(t, err)
	require.Equal(t, uint(2), m2.Latest())
	p := NewPoolWithMigrations(dir, 2, m2)
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
	p2 := NewPoolWithMigrations(dir, 2, m2)
	defer p2.Close()
	require.NoError(t, p2.WithTenant(ctx, "alpha", func(*Tenant) error { return nil }))
	assert.Equal(t, 0, p2.Stats().Migrated)

	// And an older binary refuses a newer file instead of damaging it.
	p3 := NewPoolWithMigrations(dir, 2, m1)
	defer p3.Close()
	err = p3.WithTenant(ctx, "alpha", func(*Tenant) error { return nil })
	require.ErrorIs(t, err, ErrTooNew)
}

func TestPoolMissingAndCorruptFiles(t *testing.T) {
	p := newTestPool(t, 4)
	ctx := context.Background()
	makeTenant(t, p, "good", "Good School")

	_, _, err := p.Acquire(ctx, "missing")
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
	staged, err := p.CloneFile(ctx, "template", "copy", tables, func(q *tenantdb.Queries) error {
		return q.SetSchoolName(ctx, "Copy")
	})
	require.NoError(t, err)
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

	_, err = p.CloneFile(ctx, "template", "other", []CopyTable{{Name: "users; DROP TABLE forms"}}, nil)
	require.Error(t, err)
	_, err = p.CloneFile(ctx, "template", "other", []CopyTable{{Name: "no_such_table"}}, nil)
	require.Error(t, err)
	entries, _ = filepath.Glob(filepath.Join(p.Dir(), ".other.db.new*"))
	assert.Empty(t, entries, "a failed clone leaves no staging file")
}
