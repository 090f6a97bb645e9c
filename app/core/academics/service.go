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

// date checks that v is a calendar date written YYYY-MM-DD.
func date(f errs.Fields, field, v string) bool {
	if v == "" {
		f.Add(field, "Enter a date, such as 2025-09-01")
		return false
	}
	d, err := time.Parse(dateLayout, v)
	if err != nil || d.Format(dateLayout) != v {
		f.Add(field, "Enter a real date, such as 2025-09-01")
		return false
	}
	return true
}

// span checks a start and end date pair; it reports whether both are usable.
func span(f errs.Fields, start, end string) bool {
	okStart, okEnd := date(f, "start_date", start), date(f, "end_date", end)
	if okStart && okEnd && end <= start {
		f.Add("end_date", "End must be after start")
		return false
	}
	return okStart && okEnd
}

// required checks that an id was chosen; the message says what to choose.
func required(f errs.Fields, field string, id int64) bool {
	if id <= 0 {
		f.Add(field, choose(field))
		return false
	}
	return true
}

// choose is the message for a missing choice of field ("Choose a form").
func choose(field string) string {
	switch field {
	case "form", "session", "class", "subject", "teacher", "student":
		return "Choose a " + field
	}
	return "Choose one"
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

// dependentCount counts one kind of record that refers to the record being deleted.
type dependentCount struct {
	kind      string // for programs: "classes"
	one, many string // "class", "classes"
	count     func(context.Context, int64) (int64, error)
}

// dependents are the kinds of record that still refer to id, with their counts; none
// means it can go.
func dependents(ctx context.Context, id int64, counts ...dependentCount) ([]errs.Dependent, error) {
	var out []errs.Dependent
	for _, c := range counts {
		n, err := c.count(ctx, id)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			continue
		}
		label := fmt.Sprintf("%d %s", n, c.many)
		if n == 1 {
			label = "1 " + c.one
		}
		out = append(out, errs.Dependent{Kind: c.kind, Count: n, Label: label})
	}
	return out, nil
}
