package academics_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// world is a running appliance with the school alpha (and its staff, one per role).
type world struct {
	t       *testing.T
	s       *apptest.Server
	clients map[string]*apptest.Client
}

const schema = "alpha"

func newWorld(t *testing.T) *world {
	t.Helper()
	t.Parallel()
	w := &world{t: t, s: apptest.Start(t), clients: map[string]*apptest.Client{}}
	w.s.CreateSchool(schema, "Alpha School")
	w.clients["anonymous"] = w.s.Client(schema+".localhost", "")
	return w
}

// as is a client signed in with the role (its account is created on first use).
func (w *world) as(role string) *apptest.Client {
	w.t.Helper()
	if c, ok := w.clients[role]; ok {
		return c
	}
	email := role + "@" + schema + ".test"
	if role != "admin" {
		w.s.CreateUser(schema, email, auth.Role(role))
	}
	c := w.s.As(schema, email)
	w.clients[role] = c
	return c
}

// user adds an account and returns its id.
func (w *world) user(email string, role auth.Role) int64 {
	w.t.Helper()
	return w.s.CreateUser(schema, email, role)
}

// do runs fn with the school's open file, for setting up through the service API.
func (w *world) do(fn func(ctx context.Context, t *db.Tenant) error) {
	w.t.Helper()
	w.s.WithSchool(schema, func(t *db.Tenant) error { return fn(context.Background(), t) })
}

func (w *world) session(name, start, end string) academics.Session {
	w.t.Helper()
	var out academics.Session
	w.do(func(ctx context.Context, t *db.Tenant) (err error) {
		out, err = academics.New(t).CreateSession(ctx, academics.SessionInput{Name: name, StartDate: start, EndDate: end}, auth.Meta{})
		return err
	})
	return out
}

func (w *world) term(session int64, name, start, end string) academics.Term {
	w.t.Helper()
	var out academics.Term
	w.do(func(ctx context.Context, t *db.Tenant) (err error) {
		out, err = academics.New(t).CreateTerm(ctx, academics.TermInput{SessionID: session, Name: name, StartDate: start, EndDate: end}, auth.Meta{})
		return err
	})
	return out
}

func (w *world) form(name string, level int64) academics.Form {
	w.t.Helper()
	var out academics.Form
	w.do(func(ctx context.Context, t *db.Tenant) (err error) {
		out, err = academics.New(t).CreateForm(ctx, academics.FormInput{Name: name, Level: level}, auth.Meta{})
		return err
	})
	return out
}

func (w *world) class(form, session int64, name string, capacity *int64) academics.Class {
	w.t.Helper()
	var out academics.Class
	w.do(func(ctx context.Context, t *db.Tenant) (err error) {
		out, err = academics.New(t).CreateClass(ctx, academics.ClassInput{FormID: form, SessionID: session, Name: name, Capacity: capacity}, auth.Meta{})
		return err
	})
	return out
}

func (w *world) subject(code, name string) academics.Subject {
	w.t.Helper()
	var out academics.Subject
	w.do(func(ctx context.Context, t *db.Tenant) (err error) {
		out, err = academics.New(t).CreateSubject(ctx, academics.SubjectInput{Code: code, Name: name}, auth.Meta{})
		return err
	})
	return out
}

func (w *world) assign(teacher, class, subject int64) academics.Assignment {
	w.t.Helper()
	var out academics.Assignment
	w.do(func(ctx context.Context, t *db.Tenant) (err error) {
		out, err = academics.New(t).AssignSubject(ctx, academics.AssignmentInput{TeacherID: teacher, ClassID: class, SubjectID: subject}, auth.Meta{})
		return err
	})
	return out
}

// enroll puts n new students in a class (active enrollments), as the students module would.
func (w *world) enroll(class academics.Class, n int) {
	w.t.Helper()
	w.do(func(ctx context.Context, t *db.Tenant) error {
		return t.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
			for i := 0; i < n; i++ {
				res, err := tx.ExecContext(ctx, `INSERT INTO students (admission_no, first_name, last_name, gender)
					VALUES (?, 'Test', 'Student', 'female')`, fmt.Sprintf("C%d-%d", class.ID, i))
				if err != nil {
					return err
				}
				sid, _ := res.LastInsertId()
				if _, err := tx.ExecContext(ctx, `INSERT INTO enrollments (student_id, class_id, session_id) VALUES (?, ?, ?)`,
					sid, class.ID, class.SessionID); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// tables are the rows a refused request must leave alone.
var tables = []string{"academic_sessions", "terms", "forms", "classes", "subjects", "curriculum", "subject_assignments", "audit_log"}

func (w *world) counts() map[string]int {
	out := map[string]int{}
	for _, tb := range tables {
		out[tb] = w.s.Count(schema, tb)
	}
	return out
}

// call is one request of a scenario and what must come back.
type call struct {
	name   string
	role   string // "admin" when empty; "anonymous" for no credentials
	method string
	path   string
	body   any
	status int
	fields []string // for errors: exactly these keys in error.fields
	check  func(t *testing.T, body map[string]any)
}

// run plays the calls in order. A refused call (4xx) must change no row of any
// academic table nor the audit log.
func (w *world) run(t *testing.T, calls []call) {
	t.Helper()
	for _, c := range calls {
		role := c.role
		if role == "" {
			role = "admin"
		}
		client := w.as(role)
		t.Run(c.name, func(t *testing.T) {
			before := w.counts()
			status, body := client.JSON(c.method, c.path, c.body)
			require.Equal(t, c.status, status, "%s %s: %v", c.method, c.path, body)
			if status >= 400 {
				assert.Equal(t, before, w.counts(), "a refused request must write nothing")
				if c.fields != nil {
					assert.ElementsMatch(t, c.fields, fieldsOf(body), "error.fields: %v", body)
				}
			}
			if c.check != nil {
				c.check(t, body)
			}
		})
	}
}

// fieldsOf returns the keys of error.fields.
func fieldsOf(body map[string]any) []string {
	e, _ := body["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return slices.Sorted(maps.Keys(f))
}

func fieldMsg(body map[string]any, field string) string {
	e, _ := body["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	s, _ := f[field].(string)
	return s
}

func errMsg(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

// names lists a field of every result of a list answer.
func names(body map[string]any, field string) []any {
	var out []any
	rs, _ := body["results"].([]any)
	for _, r := range rs {
		out = append(out, r.(map[string]any)[field])
	}
	return out
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// codeOf is the error code of a service error, "" for none.
func codeOf(err error) string {
	if err == nil {
		return ""
	}
	return string(errs.CodeOf(err))
}

func ptr[T any](v T) *T { return &v }

func path(format string, args ...any) string { return fmt.Sprintf(format, args...) }
