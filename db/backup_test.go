package db

import (
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/db/tenantdb"
)

func schoolName(t *testing.T, tn *Tenant) string {
	t.Helper()
	p, err := tn.Read().GetSchoolProfile(context.Background())
	require.NoError(t, err)
	return p.Name
}

func setName(t *testing.T, p *Pool, schema, name string) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, p.WithTenant(ctx, schema, func(tn *Tenant) error {
		return tn.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error { return q.SetSchoolName(ctx, name) })
	}))
}

// TestReplaceContentReachesHandlesOpenElsewhere: a server in another process keeps its
// handles on a school's file while a restore runs. Moving a new file into place would
// leave those handles reading the old file for as long as they stay open; replacing the
// content inside the live file makes them read the restored data.
func TestReplaceContentReachesHandlesOpenElsewhere(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	cat := newTestCatalog(t, data)
	dir := filepath.Join(data, "tenants")
	m, err := NewMigrator(migrationsV1)
	require.NoError(t, err)
	server := NewPoolWithMigrations(cat, dir, 4, m)
	defer server.Close()
	makeTenant(t, server, "alpha", "Before Backup")

	snap := filepath.Join(t.TempDir(), "alpha.db")
	require.NoError(t, server.Snapshot(ctx, "alpha", snap))
	setName(t, server, "alpha", "Changed After Backup")

	// The server holds the file open (and in use) while another process restores.
	tn, release, err := server.Acquire(ctx, "alpha")
	require.NoError(t, err)
	require.Equal(t, "Changed After Backup", schoolName(t, tn))

	restorer := NewPoolWithMigrations(cat, dir, 4, m)
	defer restorer.Close()
	staged, err := restorer.StageFile(ctx, "alpha", func(w io.Writer) error {
		f, err := os.Open(snap)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
	require.NoError(t, err)
	require.NoError(t, restorer.Remove(ctx, "alpha", func(path string) error {
		return ReplaceContent(ctx, staged, path)
	}))
	restorer.Discard(staged)

	assert.Equal(t, "Before Backup", schoolName(t, tn), "the handle the server already had reads the restored data")
	release()
	require.NoError(t, server.WithTenant(ctx, "alpha", func(tn *Tenant) error {
		assert.Equal(t, "Before Backup", schoolName(t, tn))
		return checkIntegrity(ctx, tn.h.r)
	}))
	setName(t, server, "alpha", "Written After Restore")
}

// TestCopyTenantRowsCarriesEveryColumn: a tenants column this code does not know (such
// as an id tying the row to the file it made) must travel with the school.
func TestCopyTenantRowsCarriesEveryColumn(t *testing.T) {
	ctx := context.Background()
	src, err := OpenCatalog(ctx, t.TempDir())
	require.NoError(t, err)
	defer src.Close()
	dst, err := OpenCatalog(ctx, t.TempDir())
	require.NoError(t, err)
	defer dst.Close()
	for _, c := range []*Catalog{src, dst} {
		_, err := c.h.w.ExecContext(ctx, `ALTER TABLE tenants ADD COLUMN future_marker BLOB`)
		require.NoError(t, err)
	}
	exec := func(c *Catalog, q string, args ...any) {
		t.Helper()
		_, err := c.h.w.ExecContext(ctx, q, args...)
		require.NoError(t, err)
	}
	// Ids differ between the two catalogs: rows are matched by schema name, never by id.
	exec(src, `INSERT INTO tenants (id, schema_name, name, status, future_marker) VALUES (7, 'alpha', 'Alpha', 'suspended', x'00ff10')`)
	exec(src, `INSERT INTO domains (domain, tenant_id, is_primary) VALUES ('alpha.example.org', 7, 1), ('www.alpha.example.org', 7, 0)`)
	exec(src, `INSERT INTO tenants (id, schema_name, name) VALUES (8, 'beta', 'Beta')`)
	exec(src, `INSERT INTO domains (domain, tenant_id, is_primary) VALUES ('beta.example.org', 8, 1)`)
	exec(dst, `INSERT INTO tenants (id, schema_name, name) VALUES (1, 'gamma', 'Gamma')`)
	exec(dst, `INSERT INTO domains (domain, tenant_id, is_primary) VALUES ('gamma.example.org', 1, 1)`)

	type row struct {
		ID          int64
		Name        string
		Status      string
		Incarnation []byte
		Domains     []string
	}
	read := func(c *Catalog, schema string) row {
		t.Helper()
		var r row
		require.NoError(t, c.h.r.QueryRowContext(ctx, `SELECT id, name, status, future_marker FROM tenants WHERE schema_name = ?`, schema).
			Scan(&r.ID, &r.Name, &r.Status, &r.Incarnation))
		rows, err := c.h.r.QueryContext(ctx, `SELECT domain FROM domains WHERE tenant_id = ? ORDER BY domain`, r.ID)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var d string
			require.NoError(t, rows.Scan(&d))
			r.Domains = append(r.Domains, d)
		}
		return r
	}

	require.NoError(t, dst.CopyTenantRows(ctx, src.Path, "alpha", nil))
	got := read(dst, "alpha")
	assert.Equal(t, "Alpha", got.Name)
	assert.Equal(t, "suspended", got.Status)
	assert.Equal(t, []byte{0x00, 0xff, 0x10}, got.Incarnation, "the unknown column came along, type and all")
	assert.Equal(t, []string{"alpha.example.org", "www.alpha.example.org"}, got.Domains)
	assert.Equal(t, row{ID: 1, Name: "Gamma", Status: "active", Domains: []string{"gamma.example.org"}}, read(dst, "gamma"),
		"the other school is untouched")
	var n int
	require.NoError(t, dst.h.r.QueryRowContext(ctx, `SELECT count(*) FROM tenants WHERE schema_name = 'beta'`).Scan(&n))
	assert.Zero(t, n, "only the school asked for is copied")

	// Copying again over the existing row updates it in place (same id) and replaces its domains.
	exec(src, `UPDATE tenants SET name = 'Alpha Renamed', future_marker = x'01' WHERE schema_name = 'alpha'`)
	exec(src, `DELETE FROM domains WHERE domain = 'www.alpha.example.org'`)
	require.NoError(t, dst.CopyTenantRows(ctx, src.Path, "alpha", nil))
	again := read(dst, "alpha")
	assert.Equal(t, got.ID, again.ID)
	assert.Equal(t, "Alpha Renamed", again.Name)
	assert.Equal(t, []byte{0x01}, again.Incarnation)
	assert.Equal(t, []string{"alpha.example.org"}, again.Domains)

	// A failure in during rolls the rows back.
	exec(src, `UPDATE tenants SET name = 'Never Seen' WHERE schema_name = 'alpha'`)
	err = dst.CopyTenantRows(ctx, src.Path, "alpha", func() error { return os.ErrPermission })
	require.ErrorIs(t, err, os.ErrPermission)
	assert.Equal(t, "Alpha Renamed", read(dst, "alpha").Name)

	// A domain another school holds fails the copy as a unique violation, writing nothing.
	exec(src, `INSERT INTO domains (domain, tenant_id) VALUES ('gamma.example.org', 7)`)
	err = dst.CopyTenantRows(ctx, src.Path, "alpha", nil)
	require.Error(t, err)
	assert.True(t, IsUniqueViolation(err), "%v", err)
	assert.Equal(t, "Alpha Renamed", read(dst, "alpha").Name)
	assert.Equal(t, []string{"gamma.example.org"}, read(dst, "gamma").Domains)

	// The writer connection is usable afterwards (src was detached).
	exec(dst, `UPDATE tenants SET name = 'Gamma 2' WHERE schema_name = 'gamma'`)
}

func TestSnapshotOfMissingSchool(t *testing.T) {
	p := newTestPool(t, 2)
	err := p.Snapshot(context.Background(), "ghost", filepath.Join(t.TempDir(), "x.db"))
	require.ErrorIs(t, err, ErrNoTenantFile)
}
