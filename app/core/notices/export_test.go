package notices

import (
	"context"

	"github.com/schoolsms/sms/db"
)

// DueNotices is the due-notices worker's memory, for tests.
type DueNotices = dueNotices

// NewDueNotices is the worker's memory over pool, empty as at a start.
func NewDueNotices(pool *db.Pool) *DueNotices {
	return &dueNotices{pool: pool, seen: map[string]dueVisit{}}
}

// UsePool makes the memory serve another pool (a restarted process's, say).
func (d *dueNotices) UsePool(p *db.Pool) { d.pool = p }

// Round is one round of the worker over schools.
func (d *dueNotices) Round(ctx context.Context, schools ...string) error {
	d.forgetOthers(schools)
	for _, s := range schools {
		if err := d.visit(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
