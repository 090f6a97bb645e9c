package db

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/db/tenantdb"
)

// migrationsV1 and migrationsV2 are a tenant history before and after one new migration.
var migrationsV1 = fstest.MapFS{
	"0001_init.up.sql":   {Data: []byte(`CREATE TABLE school_profile (id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL, motto TEXT NOT NULL DEFAULT '', address TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '', country_code TEXT NOT NULL DEFAULT '', timezone TEXT NOT NULL DEFAULT 'UTC', updated_at TEXT NOT NULL DEFAULT '');`)},
	"0001_init.down.sql": {Data: []byte(`DROP TABLE school_profile;`)},
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

// newTestPool returns a pool over a fresh directory with the real tenant migrations.
func newTestPool(t testing.TB, capacity int) *Pool {
	t.Helper()
	p, err := NewPool(t.TempDir(), capacity)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

// makeTenant creates and installs a tenant file named schema with the given school name.
func makeTenant(t testing.TB, p *Pool, schema, name string) {
	t.Helper()
	ctx := context.Background()
	staged, err := p.CreateFile(ctx, schema, func(q *tenantdb.Queries) error {
		_, err := q.UpsertSchoolProfile(ctx, tenantdb.UpsertSchoolProfileParams{Name: name, Timezone: "UTC"})
		return err
	})
	require.NoError(t, err)
	require.NoError(t, p.Install(staged, schema))
}
