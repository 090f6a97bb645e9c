package db

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
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
