package db

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/db/catalogdb"
	"github.com/schoolsms/sms/db/tenantdb"
)

// migrationsV1 and migrationsV2 are a tenant history before and after one new migration.
var migrationsV1 = fstest.MapFS{
	"0001_init.up.sql": {Data: []byte(`CREATE TABLE school_profile (id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL, motto TEXT NOT NULL DEFAULT '', address TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '', country_code TEXT NOT NULL DEFAULT '', timezone TEXT NOT NULL DEFAULT 'UTC', updated_at TEXT NOT NULL DEFAULT '', date_format TEXT NOT NULL DEFAULT 'DD/MM/YYYY', logo_etag TEXT NOT NULL DEFAULT '');
CREATE TABLE school_incarnation (id INTEGER PRIMARY KEY CHECK (id = 1), incarnation TEXT NOT NULL);`)},
	"0001_init.down.sql": {Data: []byte(`DROP TABLE school_incarnation; DROP TABLE school_profile;`)},
}

func migrationsV2() fstest.MapFS {
	m := fstest.MapFS{}
	for k, v := range migrationsV1 {
		m[k] = v
	}
	m["0002_notes.up.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
INSERT INTO notes (body) VALUES ('added by 0002');`)}
	m["0002_notes.down.sql"] = &fstest.MapFile{Data: []byte(`DROP TABLE notes;`)}
	return m
}

// newTestCatalog opens a catalog in dir, closed when the test ends.
func newTestCatalog(t testing.TB, dir string) *Catalog {
	t.Helper()
	cat, err := OpenCatalog(context.Background(), dir)
	require.NoError(t, err)
	t.Cleanup(func() { cat.Close() })
	return cat
}

// newTestPool returns a pool with the real tenant migrations over a fresh data dir.
func newTestPool(t testing.TB, capacity int) *Pool {
	t.Helper()
	dir := t.TempDir()
	p, err := NewPool(newTestCatalog(t, dir), filepath.Join(dir, "tenants"), capacity)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

// registerTenant writes a school's catalog row, as creating a school does.
func registerTenant(t testing.TB, p *Pool, schema, incarnation string) {
	t.Helper()
	require.NoError(t, p.cat.Tx(context.Background(), func(q *catalogdb.Queries) error {
		_, err := q.CreateTenant(context.Background(), catalogdb.CreateTenantParams{SchemaName: schema, Name: schema, Incarnation: incarnation})
		return err
	}))
}

// makeTenant creates a school named schema with the given school name: its file and
// its catalog row. It returns the school's incarnation.
func makeTenant(t testing.TB, p *Pool, schema, name string) string {
	t.Helper()
	ctx := context.Background()
	inc := NewIncarnation()
	staged, err := p.CreateFile(ctx, schema, inc, func(q *tenantdb.Queries) error {
		_, err := q.UpsertSchoolProfile(ctx, tenantdb.UpsertSchoolProfileParams{Name: name, Timezone: "UTC"})
		return err
	})
	require.NoError(t, err)
	registerTenant(t, p, schema, inc)
	require.NoError(t, p.Install(staged, schema))
	return inc
}

// makeOlderTenant is makeTenant for a pool whose migrations stop before this release's
// school profile: the profile row is written with plain SQL, as that release did.
func makeOlderTenant(t testing.TB, p *Pool, schema, name string) {
	t.Helper()
	ctx := context.Background()
	inc := NewIncarnation()
	staged, err := p.CreateFile(ctx, schema, inc, nil)
	require.NoError(t, err)
	registerTenant(t, p, schema, inc)
	require.NoError(t, p.Install(staged, schema))
	conn, err := sql.Open("sqlite", p.Path(schema))
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, `INSERT INTO school_profile (id, name, timezone) VALUES (1, ?, 'UTC')`, name)
	require.NoError(t, err)
}

// acquireAlpha makes a pool of two files holding the school "alpha" and acquires it;
// release (safe to call early, and called again at the end of the test) lets it go.
func acquireAlpha(t *testing.T) (p *Pool, tn *Tenant, release func()) {
	t.Helper()
	p = newTestPool(t, 2)
	makeTenant(t, p, "alpha", "Alpha")
	tn, rel, err := p.Acquire(context.Background(), "alpha")
	require.NoError(t, err)
	release = sync.OnceFunc(rel)
	t.Cleanup(release)
	return p, tn, release
}
