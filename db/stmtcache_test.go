package db

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/db/tenantdb"
)

func TestReadTxSeesOneSnapshot(t *testing.T) {
	p := newTestPool(t, 2)
	makeTenant(t, p, "alpha", "Alpha")
	ctx := context.Background()
	count := func(d tenantdb.DBTX) int {
		var n int
		require.NoError(t, d.QueryRowContext(ctx, "SELECT count(*) FROM school_settings").Scan(&n))
		return n
	}
	require.NoError(t, p.WithTenant(ctx, "alpha", func(tn *Tenant) error {
		return tn.ReadTx(ctx, func(_ *tenantdb.Queries, d tenantdb.DBTX) error {
			before := count(d)
			require.NoError(t, tn.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
				return q.StudentsPutSetting(ctx, tenantdb.StudentsPutSettingParams{Key: "k", Value: "v"})
			}))
			assert.Equal(t, before, count(d), "a write committed meanwhile is not seen inside the transaction")
			return nil
		})
	}))
	require.NoError(t, p.WithTenant(ctx, "alpha", func(tn *Tenant) error {
		return tn.ReadTx(ctx, func(_ *tenantdb.Queries, d tenantdb.DBTX) error {
			assert.Equal(t, 1, count(d), "the next transaction sees it")
			return nil
		})
	}))
}

// TestReadStatements: repeated reads run through statements kept per file, at most
// maxReadStmts of them, and many transactions meeting new queries at once never wait
// on each other for a connection to prepare on.
func TestReadStatements(t *testing.T) {
	p := newTestPool(t, 4)
	makeTenant(t, p, "alpha", "Alpha")
	makeTenant(t, p, "beta", "Beta")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := func(tn *Tenant, d tenantdb.DBTX) string {
		var s string
		require.NoError(t, d.QueryRowContext(ctx, "SELECT name FROM school_profile WHERE id = ?", 1).Scan(&s))
		return s
	}

	var alpha, beta *Tenant
	require.NoError(t, p.WithTenant(ctx, "alpha", func(tn *Tenant) error { alpha = tn; return nil }))
	require.NoError(t, p.WithTenant(ctx, "beta", func(tn *Tenant) error { beta = tn; return nil }))
	for range 3 {
		for _, c := range []struct {
			tn   *Tenant
			want string
		}{{alpha, "Alpha"}, {beta, "Beta"}} {
			prof, err := c.tn.Read().GetSchoolProfile(ctx)
			require.NoError(t, err)
			assert.Equal(t, c.want, prof.Name, "each file answers from its own statements")
			require.NoError(t, c.tn.ReadTx(ctx, func(_ *tenantdb.Queries, d tenantdb.DBTX) error {
				assert.Equal(t, c.want, name(c.tn, d))
				return nil
			}))
		}
	}
	// A file read one request at a time reads on its writer (Tenant.readsOnWriter).
	q := "SELECT name FROM school_profile WHERE id = ?"
	assert.True(t, alpha.reads.cached(q) != nil || alpha.writes.cached(q) != nil, "prepared after its first transaction")

	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 20 {
				err := alpha.ReadTx(ctx, func(_ *tenantdb.Queries, d tenantdb.DBTX) error {
					var n int
					return d.QueryRowContext(ctx, fmt.Sprintf("SELECT %d + ? FROM school_profile", g*20+i), 1).Scan(&n)
				})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	require.NoError(t, ctx.Err(), "no transaction waited for a connection held by another")
	alpha.reads.mu.RLock()
	defer alpha.reads.mu.RUnlock()
	assert.Equal(t, maxReadStmts, len(alpha.reads.stmts), "the cache stops at its bound")
}

// TestWriteStatements: a write transaction's statements are prepared once on the
// writer's connection and reused by later transactions; preparing never makes a
// transaction wait for the connection another holds.
func TestWriteStatements(t *testing.T) {
	p := newTestPool(t, 2)
	makeTenant(t, p, "alpha", "Alpha")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var alpha *Tenant
	require.NoError(t, p.WithTenant(ctx, "alpha", func(tn *Tenant) error { alpha = tn; return nil }))
	put := func(k string) error {
		return alpha.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
			return q.StudentsPutSetting(ctx, tenantdb.StudentsPutSettingParams{Key: k, Value: "v"})
		})
	}
	require.NoError(t, put("a"))
	deadline := time.Now().Add(30 * time.Second)
	kept := func() int {
		alpha.writes.mu.RLock()
		defer alpha.writes.mu.RUnlock()
		return len(alpha.writes.stmts)
	}
	for kept() == 0 {
		require.True(t, time.Now().Before(deadline), "the statement is prepared on the writer after its first transaction")
		time.Sleep(time.Millisecond)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				assert.NoError(t, put(fmt.Sprintf("k%d-%d", g, i)))
			}
		})
	}
	wg.Wait()
	require.NoError(t, ctx.Err())
	assert.Equal(t, 1, kept(), "one statement, prepared once")
	var n int
	require.NoError(t, alpha.ReadDB().QueryRowContext(ctx, "SELECT count(*) FROM school_settings").Scan(&n))
	assert.Equal(t, 161, n, "every write through the kept statement landed")
}
