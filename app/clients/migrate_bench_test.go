package clients_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/migrations"
)

// These benchmarks work on many schools: SMS_BENCH_TENANTS of them (1000 by default).
// Building that many through Service.Create takes a while, so it is done once per test
// binary, and only when a benchmark asks for it; the resulting data directory is kept
// in memory and written out wherever a benchmark needs a fresh copy.

const benchBaseDomain = "localhost"

func benchTenantCount(b *testing.B) int {
	b.Helper()
	v := os.Getenv("SMS_BENCH_TENANTS")
	if v == "" {
		return 1000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("SMS_BENCH_TENANTS=%q: want a positive number", v)
	}
	return n
}

func benchSchema(i int) string { return fmt.Sprintf("s%06d", i) }

// dataSnapshot is every file of a closed data directory (catalog.db, tenants/...).
type dataSnapshot struct {
	tenants int
	files   []snapFile
	bytes   int64
	took    time.Duration // time it took to create the schools
}

type snapFile struct {
	rel  string
	data []byte
}

// writeTo recreates the data directory under dir, which must not hold one yet.
func (s *dataSnapshot) writeTo(dir string) error {
	made := map[string]bool{}
	for _, f := range s.files {
		path := filepath.Join(dir, f.rel)
		if parent := filepath.Dir(path); !made[parent] {
			if err := os.MkdirAll(parent, 0o750); err != nil {
				return err
			}
			made[parent] = true
		}
		if err := os.WriteFile(path, f.data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

var (
	snapOnce sync.Once
	snap     *dataSnapshot
	snapErr  error
)

// tenantsSnapshot returns the data directory of n schools at the latest real tenant
// migration, building it on first use.
func tenantsSnapshot(b *testing.B, n int) *dataSnapshot {
	b.Helper()
	snapOnce.Do(func() { snap, snapErr = buildSnapshot(n) })
	if snapErr != nil {
		b.Fatalf("set up %d schools: %v", n, snapErr)
	}
	if snap.tenants != n {
		b.Fatalf("snapshot has %d schools, want %d", snap.tenants, n)
	}
	return snap
}

func buildSnapshot(n int) (_ *dataSnapshot, err error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sms-bench-clients-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	start := time.Now()
	svc, closeAll, err := openService(ctx, dir, nil)
	if err != nil {
		return nil, err
	}
	// Creating in parallel only shortens the set-up; the schools are the same.
	work := make(chan int)
	errs := make(chan error, runtime.NumCPU())
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if _, err := svc.Create(ctx, clients.CreateInput{Schema: benchSchema(i), Name: fmt.Sprintf("School %d", i)}); err != nil {
					errs <- fmt.Errorf("create %s: %w", benchSchema(i), err)
					return
				}
			}
		}()
	}
	stopped := false
	for i := 0; i < n && !stopped; i++ {
		select {
		case work <- i:
		case err = <-errs:
			stopped = true
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	if err == nil {
		err = <-errs
	}
	if cerr := closeAll(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	s := &dataSnapshot{tenants: n, took: time.Since(start)}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		s.files = append(s.files, snapFile{rel: rel, data: data})
		s.bytes += int64(len(data))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// openService opens the catalog and a pool over the data directory dir, with the given
// tenant migrations (nil: the real ones), and returns a close function for both.
func openService(ctx context.Context, dir string, m *db.Migrator) (*clients.Service, func() error, error) {
	cat, err := db.OpenCatalog(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	tenants := filepath.Join(dir, "tenants")
	var pool *db.Pool
	if m == nil {
		if pool, err = db.NewPool(cat, tenants, 128); err != nil {
			cat.Close()
			return nil, nil, err
		}
	} else {
		pool = db.NewPoolWithMigrations(cat, tenants, 128, m)
	}
	svc := &clients.Service{Catalog: cat, Pool: pool, BaseDomain: benchBaseDomain,
		ArchiveDir: filepath.Join(dir, "archive")}
	closeAll := func() error {
		perr := pool.Close()
		if err := cat.Close(); err != nil {
			return err
		}
		return perr
	}
	return svc, closeAll, nil
}

// openCopy writes a fresh copy of snapshot s to a new directory under root and opens it.
func openCopy(b *testing.B, s *dataSnapshot, root string, m *db.Migrator) (svc *clients.Service, cleanup func()) {
	b.Helper()
	dir, err := os.MkdirTemp(root, "data-")
	if err != nil {
		b.Fatal(err)
	}
	if err := s.writeTo(dir); err != nil {
		b.Fatal(err)
	}
	svc, closeAll, err := openService(context.Background(), dir, m)
	if err != nil {
		b.Fatal(err)
	}
	return svc, func() {
		if err := closeAll(); err != nil {
			b.Error(err)
		}
		if err := os.RemoveAll(dir); err != nil {
			b.Error(err)
		}
	}
}

// reportPerTenant adds the time per school of ops that each went over n schools.
func reportPerTenant(b *testing.B, ops, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(ops*n), "ns/tenant")
	b.ReportMetric(float64(n), "tenants")
}

// BenchmarkMigrateAllNoop1000 is "sms migrate" over every school when every file is
// already up to date: one open, version read and close per file.
func BenchmarkMigrateAllNoop1000(b *testing.B) {
	n := benchTenantCount(b)
	s := tenantsSnapshot(b, n)
	b.Logf("set-up: %d schools (%d files, %.1f MB) created in %v", n, len(s.files), float64(s.bytes)/1e6, s.took.Round(time.Millisecond))
	svc, cleanup := openCopy(b, s, b.TempDir(), nil)
	defer cleanup()
	ctx := context.Background()
	jobs := runtime.NumCPU()

	ops := 0
	for b.Loop() {
		sum, err := svc.MigrateAll(ctx, nil, jobs, nil)
		if err != nil {
			b.Fatal(err)
		}
		if sum.Total != n || sum.UpToDate != n {
			b.Fatalf("summary %+v, want all %d up to date", sum, n)
		}
		ops++
	}
	reportPerTenant(b, ops, n)
}

// benchMigrations is the real tenant history plus one more migration, the kind a
// release adds: a new table with an index and a row.
func benchMigrations(b *testing.B) *db.Migrator {
	b.Helper()
	tenantFS := migrations.Tenant()
	current, err := db.NewMigrator(tenantFS)
	if err != nil {
		b.Fatal(err)
	}
	m := fstest.MapFS{}
	err = fs.WalkDir(tenantFS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(tenantFS, path)
		if err != nil {
			return err
		}
		m[path] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	next := current.Latest() + 1
	m[fmt.Sprintf("%04d_bench.up.sql", next)] = &fstest.MapFile{Data: []byte(`
CREATE TABLE bench_notes (
    id         INTEGER PRIMARY KEY,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX bench_notes_created ON bench_notes (created_at);
INSERT INTO bench_notes (body) VALUES ('added by the bench migration');
`)}
	m[fmt.Sprintf("%04d_bench.down.sql", next)] = &fstest.MapFile{Data: []byte(`DROP TABLE bench_notes;`)}
	mig, err := db.NewMigrator(m)
	if err != nil {
		b.Fatal(err)
	}
	if mig.Latest() != next {
		b.Fatalf("bench history ends at %d, want %d", mig.Latest(), next)
	}
	return mig
}

// BenchmarkMigrateAllOneNew1000 is "sms migrate" after an upgrade that brings one new
// migration: every school goes from version N to N+1. Each op starts from a fresh copy of
// the schools at N, written while the timer is stopped.
func BenchmarkMigrateAllOneNew1000(b *testing.B) {
	n := benchTenantCount(b)
	s := tenantsSnapshot(b, n)
	m := benchMigrations(b)
	root := b.TempDir()
	ctx := context.Background()
	jobs := runtime.NumCPU()

	var svc *clients.Service
	cleanup := func() {}
	defer func() { cleanup() }()
	ops := 0
	for b.Loop() {
		b.StopTimer()
		cleanup()
		svc, cleanup = openCopy(b, s, root, m)
		b.StartTimer()

		sum, err := svc.MigrateAll(ctx, nil, jobs, nil)
		if err != nil {
			b.Fatal(err)
		}
		if sum.Total != n || sum.Migrated != n {
			b.Fatalf("summary %+v, want all %d migrated", sum, n)
		}
		ops++
	}
	b.StopTimer()
	// The last school really is at N+1, with its data intact.
	err := svc.Pool.WithTenant(ctx, benchSchema(n-1), func(t *db.Tenant) error {
		v, err := m.Version(ctx, t.ReadDB())
		if err != nil {
			return err
		}
		if v != m.Latest() {
			return fmt.Errorf("version %d, want %d", v, m.Latest())
		}
		var notes int
		if err := t.ReadDB().QueryRowContext(ctx, `SELECT count(*) FROM bench_notes`).Scan(&notes); err != nil {
			return err
		}
		prof, err := t.Read().GetSchoolProfile(ctx)
		if err != nil {
			return err
		}
		if notes != 1 || prof.Name != fmt.Sprintf("School %d", n-1) {
			return fmt.Errorf("after migrating: %d notes, school %q", notes, prof.Name)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	reportPerTenant(b, ops, n)
}

// BenchmarkCreate1000Tenants creates SMS_BENCH_TENANTS schools one after another through
// Service.Create, in a fresh data directory each op. s/1000tenants is scaled to 1000
// schools when another count is set.
func BenchmarkCreate1000Tenants(b *testing.B) {
	n := benchTenantCount(b)
	root := b.TempDir()
	ctx := context.Background()

	cleanup := func() error { return nil }
	var dir string
	defer func() { cleanup(); os.RemoveAll(dir) }()
	ops := 0
	for b.Loop() {
		b.StopTimer()
		if err := cleanup(); err != nil {
			b.Fatal(err)
		}
		os.RemoveAll(dir)
		var err error
		if dir, err = os.MkdirTemp(root, "data-"); err != nil {
			b.Fatal(err)
		}
		var svc *clients.Service
		if svc, cleanup, err = openService(ctx, dir, nil); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		for i := range n {
			if _, err := svc.Create(ctx, clients.CreateInput{Schema: benchSchema(i), Name: fmt.Sprintf("School %d", i)}); err != nil {
				b.Fatalf("create %s: %v", benchSchema(i), err)
			}
		}
		ops++
	}
	perOp := b.Elapsed().Seconds() / float64(ops)
	b.ReportMetric(perOp*1000/float64(n), "s/1000tenants")
	b.ReportMetric(perOp*1e3/float64(n), "ms/tenant")
}
