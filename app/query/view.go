package query

import (
	"context"
	"database/sql"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Queryer is what a read needs: the reader pool, a read transaction or a write one.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Scanner is a row to scan: *sql.Row or *sql.Rows.
type Scanner interface{ Scan(dest ...any) error }

// View is how one kind of row is read: its columns (joins included), the FROM clause,
// its primary key column (the last tie-break of every order), and how a row is scanned.
// A module's list and single reads share it, so both show the same fields.
type View[T any] struct {
	Cols string
	From string
	ID   string
	Scan func(Scanner) (T, error)
}

// List reads the rows of w in order o (the zero Order falls back to nothing but the
// id) on page p, and the total of w, in one read-only transaction on the school's reader
// pool, so the total and the page agree even while the school is written to.
func (v View[T]) List(ctx context.Context, t *db.Tenant, w Where, o Order, p Page) (rows []T, total int64, err error) {
	err = t.ReadTx(ctx, func(_ *tenantdb.Queries, d tenantdb.DBTX) error {
		rows, total, err = v.ListIn(ctx, d, w, o, p)
		return err
	})
	return rows, total, err
}

// ListIn is List inside a transaction the caller holds (for a list whose conditions
// need a read of their own first, such as the current session).
func (v View[T]) ListIn(ctx context.Context, d Queryer, w Where, o Order, p Page) ([]T, int64, error) {
	var n int64
	if err := d.QueryRowContext(ctx, "SELECT count(*) FROM "+v.From+w.SQL(), w.Args()...).Scan(&n); err != nil {
		return nil, 0, errs.Wrap(err, "count")
	}
	out := []T{}
	if n <= p.Offset() {
		return out, n, nil
	}
	q := "SELECT " + v.Cols + " FROM " + v.From + w.SQL() + " ORDER BY " + o.By(v.ID) + " LIMIT ? OFFSET ?"
	rows, err := d.QueryContext(ctx, q, append(w.Args(), p.Limit(), p.Offset())...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list")
	}
	defer rows.Close()
	for rows.Next() {
		x, err := v.Scan(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "scan")
		}
		out = append(out, x)
	}
	return out, n, errs.Wrap(rows.Err(), "list")
}

// Get reads the row with primary key id; sql.ErrNoRows when there is none.
func (v View[T]) Get(ctx context.Context, d Queryer, id int64) (T, error) {
	return v.Scan(d.QueryRowContext(ctx, "SELECT "+v.Cols+" FROM "+v.From+" WHERE "+v.ID+" = ?", id))
}
