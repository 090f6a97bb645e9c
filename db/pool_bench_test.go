package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/db/tenantdb"
)

// BenchmarkAcquireWarm measures AcquireIncarnation plus release of a tenant whose file
// is already open: the pool's share of every request once a school is warm.
func BenchmarkAcquireWarm(b *testing.B) {
	ctx := context.Background()
	p := newTestPool(b, 4)
	inc := makeTenant(b, p, "alpha", "Alpha School")
	_, release, err := p.AcquireIncarnation(ctx, "alpha", inc)
	require.NoError(b, err)
	release()

	b.ReportAllocs()
	for b.Loop() {
		_, release, err := p.AcquireIncarnation(ctx, "alpha", inc)
		if err != nil {
			b.Fatal(err)
		}
		release()
	}
	b.StopTimer()
	if s := p.Stats(); s.Opens != 1 {
		b.Fatalf("opened the file %d times, want 1", s.Opens)
	}
}

// BenchmarkAcquireWarmParallel is BenchmarkAcquireWarm with every goroutine acquiring
// the same open tenant, so they all meet on the pool's lock.
func BenchmarkAcquireWarmParallel(b *testing.B) {
	ctx := context.Background()
	p := newTestPool(b, 4)
	inc := makeTenant(b, p, "alpha", "Alpha School")
	_, release, err := p.AcquireIncarnation(ctx, "alpha", inc)
	require.NoError(b, err)
	release()

	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, release, err := p.AcquireIncarnation(ctx, "alpha", inc)
			if err != nil {
				b.Error(err)
				return
			}
			release()
		}
	})
	b.StopTimer()
	if s := p.Stats(); s.Opens != 1 {
		b.Fatalf("opened the file %d times, want 1", s.Opens)
	}
}

// BenchmarkOpenCold measures opening a tenant file that is not open: a pool of one with
// two tenants taken in turn, so every Acquire closes the other file (eviction) and opens
// its own, including the migration version read. One op is one cold open.
func BenchmarkOpenCold(b *testing.B) {
	ctx := context.Background()
	p := newTestPool(b, 1)
	schemas := [2]string{"alpha", "beta"}
	var incs [2]string
	for i, s := range schemas {
		incs[i] = makeTenant(b, p, s, s)
	}
	before := p.Stats()

	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, release, err := p.AcquireIncarnation(ctx, schemas[i&1], incs[i&1])
		if err != nil {
			b.Fatal(err)
		}
		release()
		i++
	}
	b.StopTimer()
	after := p.Stats()
	opens := after.Opens - before.Opens
	if opens != i {
		b.Fatalf("%d opens for %d acquires: not every acquire was cold", opens, i)
	}
	b.ReportMetric(float64(opens)/float64(i), "opens/op")
	b.ReportMetric(float64(after.Migrated-before.Migrated)/float64(i), "migrations/op")
}

// BenchmarkCreateTenantFile measures making a new tenant: a fresh file migrated to the
// latest version with its school profile written (CreateFile), then moved into place
// (Install).
func BenchmarkCreateTenantFile(b *testing.B) {
	ctx := context.Background()
	p := newTestPool(b, 4)
	latest := p.Migrator().Latest()

	b.ReportAllocs()
	i := 0
	for b.Loop() {
		makeTenant(b, p, fmt.Sprintf("t%07d", i), "Bench School")
		i++
	}
	b.StopTimer()
	// The last file is complete and at the latest version.
	err := p.WithTenant(ctx, fmt.Sprintf("t%07d", i-1), func(t *Tenant) error {
		v, err := p.Migrator().Version(ctx, t.ReadDB())
		if err == nil && v != latest {
			err = fmt.Errorf("version %d, want %d", v, latest)
		}
		return err
	})
	require.NoError(b, err)
}

// BenchmarkOpenColdRequest measures what a request to a school that is not open costs
// the pool: a pool of one with two schools taken in turn, each op opening one (and
// closing the other), looking up a bearer token and reading a page in a read
// transaction, as the student list does, and writing once (a token's last use). conns/op is the SQLite connections the file
// had open when the request ended: each one parsed the whole schema.
func BenchmarkOpenColdRequest(b *testing.B) {
	ctx := context.Background()
	p := newTestPool(b, 1)
	schemas := [2]string{"alpha", "beta"}
	var incs [2]string
	for i, s := range schemas {
		incs[i] = makeTenant(b, p, s, s)
	}
	before := p.Stats()

	b.ReportAllocs()
	i, conns := 0, 0
	for b.Loop() {
		t, release, err := p.AcquireIncarnation(ctx, schemas[i&1], incs[i&1])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := t.Read().GetTokenAndUserByHash(ctx, "no such token"); !errors.Is(err, sql.ErrNoRows) {
			b.Fatal(err)
		}
		err = t.ReadTx(ctx, func(q *tenantdb.Queries, d tenantdb.DBTX) error {
			var n int
			if err := d.QueryRowContext(ctx, `SELECT count(*) FROM students`).Scan(&n); err != nil {
				return err
			}
			_, err := q.GetSchoolProfile(ctx)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		// A request's write: a bearer token's last use, written once a minute.
		err = t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
			return q.StudentsPutSetting(ctx, tenantdb.StudentsPutSettingParams{Key: "last_seen", Value: "now"})
		})
		if err != nil {
			b.Fatal(err)
		}
		conns += t.openConns()
		release()
		i++
	}
	b.StopTimer()
	if opens := p.Stats().Opens - before.Opens; opens != i {
		b.Fatalf("%d opens for %d acquires: not every acquire was cold", opens, i)
	}
	b.ReportMetric(float64(conns)/float64(i), "conns/op")
}

// openConns is how many SQLite connections the file has open now.
func (t *Tenant) openConns() int {
	return t.h.w.Stats().OpenConnections + t.h.r.Stats().OpenConnections
}

// BenchmarkReadTxOnWriter measures a read transaction of two prepared reads on a school
// whose file is open with its writer alone (readsOnWriter): most schools, most of the
// time. One op is one transaction.
func BenchmarkReadTxOnWriter(b *testing.B) {
	ctx := context.Background()
	p := newTestPool(b, 4)
	makeTenant(b, p, "alpha", "Alpha School")
	require.NoError(b, p.WithTenant(ctx, "alpha", func(tn *Tenant) error {
		if !tn.readsOnWriter() {
			b.Fatal("the school has a reader open")
		}
		read := func() error {
			return tn.ReadTx(ctx, func(q *tenantdb.Queries, d tenantdb.DBTX) error {
				if _, err := q.GetSchoolProfile(ctx); err != nil {
					return err
				}
				var n int64
				return d.QueryRowContext(ctx, `SELECT count(*) FROM students WHERE status = ?`, "active").Scan(&n)
			})
		}
		require.NoError(b, read()) // prepares both
		b.ReportAllocs()
		for b.Loop() {
			if err := read(); err != nil {
				b.Fatal(err)
			}
		}
		return nil
	}))
}
