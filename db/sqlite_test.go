package db

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sqlite3 "modernc.org/sqlite/lib"
)

func TestConnectionSettings(t *testing.T) {
	p := newTestPool(t, 2)
	makeTenant(t, p, "alpha", "Alpha")
	ctx := context.Background()
	pragma := func(d *sql.DB, name string) string {
		var v string
		require.NoError(t, d.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v))
		return v
	}
	require.NoError(t, p.WithTenant(ctx, "alpha", func(tn *Tenant) error {
		for role, d := range map[string]*sql.DB{"writer": tn.h.w, "reader": tn.h.r} {
			assert.Equal(t, "5000", pragma(d, "busy_timeout"), role)
			assert.Equal(t, "wal", pragma(d, "journal_mode"), role)
			assert.Equal(t, "1", pragma(d, "synchronous"), role, "NORMAL")
			assert.Equal(t, "1", pragma(d, "foreign_keys"), role)
			assert.Equal(t, "2", pragma(d, "temp_store"), role, "MEMORY")
		}
		assert.Equal(t, "1", pragma(tn.h.r, "query_only"))
		assert.Equal(t, "0", pragma(tn.h.w, "query_only"))
		return nil
	}))
}

// TestConnectionsHaveStablePlans: every connection, a school's writer and readers and
// the catalog's, runs with the query planner stability guarantee, so a prepared join is
// not prepared again each time its parameters are bound (see qpsg.go).
func TestConnectionsHaveStablePlans(t *testing.T) {
	p := newTestPool(t, 2)
	makeTenant(t, p, "alpha", "Alpha")
	ctx := context.Background()
	qpsg := func(d *sql.DB) bool {
		t.Helper()
		conn, err := d.Conn(ctx)
		require.NoError(t, err)
		defer conn.Close()
		var on bool
		require.NoError(t, conn.Raw(func(c any) error {
			on, err = dbConfig(c, sqlite3.SQLITE_DBCONFIG_ENABLE_QPSG, -1)
			return err
		}))
		return on
	}
	require.NoError(t, p.WithTenant(ctx, "alpha", func(tn *Tenant) error {
		assert.True(t, qpsg(tn.h.w), "writer")
		assert.True(t, qpsg(tn.h.r), "reader")
		return nil
	}))
	assert.True(t, qpsg(p.cat.h.w), "catalog writer")
}
