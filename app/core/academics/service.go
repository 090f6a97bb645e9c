package academics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	apptext "github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Service is the one way into a school's academic structure, for the HTTP handlers, other
// modules, workers and the demo seeder alike. Reads use the school's reader pool; every
// write is one transaction that validates its input, changes the rows and appends the
// audit entry (with before/after), so a refused request writes nothing.
type Service struct {
	T *db.Tenant
}

// New returns the academic structure service of a school's open file.
func New(t *db.Tenant) Service { return Service{T: t} }

// Nullable is api.Nullable: a PATCH field that tells "not sent" from null from a value.
type Nullable[T any] = api.Nullable[T]

// Value is a Nullable set to v.
func Value[T any](v T) Nullable[T] { return api.Value(v) }

// Null is a Nullable set to null (clear the field).
func Null[T any]() Nullable[T] { return api.Null[T]() }

const dateLayout = "2006-01-02"

// Limits on free text, in characters.
const (
	maxName  = 100
	maxShort = 50
	maxCode  = 20
)

// text cleans *v (one line, see package text) and checks it is present.
func text(f errs.Fields, field string, v *string, max int) {
	var msg string
	*v, msg = apptext.Line(*v, max)
	switch {
	case msg != "":
		f.Add(field, msg)
	case *v == "":
		f.Add(field, "is required")
	}
}

// date checks that v is a calendar date written YYYY-MM-DD.
func date(f errs.Fields, field, v string) bool {
	if v == "" {
		f.Add(field, "is required (YYYY-MM-DD)")
		return false
	}
	d, err := time.Parse(dateLayout, v)
	if err != nil || d.Format(dateLayout) != v {
		f.Add(field, "must be a date written YYYY-MM-DD")
		return false
	}
	return true
}

// span checks a start and end date pair; it reports whether both are usable.
func span(f errs.Fields, start, end string) bool {
	okStart, okEnd := date(f, "start_date", start), date(f, "end_date", end)
	if okStart && okEnd && end <= start {
		f.Add("end_date", "must be after start_date")
		return false
	}
	return okStart && okEnd
}

func required(f errs.Fields, field string, id int64) bool {
	if id <= 0 {
		f.Add(field, "is required (an id)")
		return false
	}
	return true
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// notFound is the error for an id that names nothing.
func notFound(kind string, id int64) error {
	return errs.E(errs.NotFound, "no %s with id %d", kind, id)
}

// found turns sql.ErrNoRows into a not-found error.
func found(err error, kind string, id int64) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(kind, id)
	}
	return err
}

// staff checks that id is an active teacher or admin of the school, adding a field error
// if not; the error is for a failure to check.
func staff(ctx context.Context, q *tenantdb.Queries, f errs.Fields, field string, id int64) error {
	u, err := q.AcademicsGetStaff(ctx, id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		f.Add(field, fmt.Sprintf("no user with id %d", id))
	case err != nil:
		return err
	case !u.IsActive:
		f.Add(field, fmt.Sprintf("%s is not an active account", u.Email))
	case u.Role != string(auth.RoleTeacher) && u.Role != string(auth.RoleAdmin):
		f.Add(field, fmt.Sprintf("%s is a %s; only teachers and admins can teach", u.Email, u.Role))
	}
	return nil
}

func displayName(name, email string) string {
	if strings.TrimSpace(name) != "" {
		return name
	}
	return email
}

// audit appends an audit entry inside the write transaction.
func audit(ctx context.Context, q *tenantdb.Queries, meta auth.Meta, action, target string, detail map[string]any) error {
	return auth.InsertSchoolAudit(ctx, q, meta.Entry(action, target, detail))
}

// write runs fn in one transaction on the school's writer, marking unexpected errors as
// internal (coded errors pass through unchanged).
func write(ctx context.Context, t *db.Tenant, what string, fn func(q *tenantdb.Queries, tx *sql.Tx) error) error {
	return errs.Wrap(t.Tx(ctx, fn), what)
}

func nullString(p *string) sql.NullString {
	if p == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *p, Valid: true}
}

func nullInt(p *int64) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *p, Valid: true}
}

func strPtr(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	return &n.String
}

func intPtr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

// plural is "1 term", "3 terms", "2 classes".
func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "s") {
		return fmt.Sprintf("%d %ses", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
