package clients

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
)

// MigrateProgress reports one school file done.
type MigrateProgress struct {
	Schema      string
	Done, Total int
	Result      db.Result
	Err         error
}

// MigrateSummary counts what MigrateAll did.
type MigrateSummary struct {
	Total, Migrated, UpToDate, Failed int
}

// MigrateAll brings school files to the latest version with jobs workers. An up-to-date
// file costs one version read; a failing file is reported and the rest go on.
// schemas nil means every school in the catalog.
func (s *Service) MigrateAll(ctx context.Context, schemas []string, jobs int, report func(MigrateProgress)) (MigrateSummary, error) {
	if schemas == nil {
		var err error
		if schemas, err = s.Catalog.Read().ListTenantSchemas(ctx); err != nil {
			return MigrateSummary{}, errs.Wrap(err, "list tenants")
		}
	}
	sum := MigrateSummary{Total: len(schemas)}
	work := make(chan string)
	var done, migrated, failed atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(jobs, len(schemas))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for schema := range work {
				res, err := s.Pool.Migrate(ctx, schema)
				n := int(done.Add(1))
				if err != nil {
					failed.Add(1)
				} else if res.Migrated() {
					migrated.Add(1)
				}
				if report != nil {
					report(MigrateProgress{Schema: schema, Done: n, Total: len(schemas), Result: res, Err: err})
				}
			}
		}()
	}
feed:
	for _, sc := range schemas {
		select {
		case work <- sc:
		case <-ctx.Done():
			break feed // interrupted: files not yet started stay as they are
		}
	}
	close(work)
	wg.Wait()
	sum.Migrated, sum.Failed = int(migrated.Load()), int(failed.Load())
	sum.UpToDate = int(done.Load()) - sum.Migrated - sum.Failed
	return sum, ctx.Err()
}
