package db

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
