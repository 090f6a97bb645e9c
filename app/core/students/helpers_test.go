package students_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

const schema = "alpha"

// now is the moment the appliance's clock is pinned to in these tests, and today the
// date it is then in the school (UTC).
var now = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

const today = "2026-11-30"

// world is a running appliance with the school alpha and one account per role.
type world struct {
	t       *testing.T
	s       *apptest.Server
	clients map[string]*apptest.Client
	ids     map[string]int64 // user ids by role
	subject int64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	t.Parallel()
	w := &world{t: t, s: apptest.Start(t, apptest.At(now)), clients: map[string]*apptest.Client{}, ids: map[string]int64{}}
	w.s.CreateSchool(schema, "Alpha School")
	w.clients["anonymous"] = w.s.Client(schema+".localhost", "")
	return w
}

// as is a client signed in with a role ("admin", "clerk", "viewer", "teacher", or any
// other name for another teacher); the account is created on first use.
func (w *world) as(role string) *apptest.Client {
	w.t.Helper()
	if c, ok := w.clients[role]; ok {
		return c
	}
	email := role + "@" + schema + ".test"
	if role != "admin" {
		r := auth.Role(role)
		if !auth.ValidSchoolRole(r) {
			r = auth.RoleTeacher
		}
		w.ids[role] = w.s.CreateUser(schema, email, r)
	}
	c := w.s.As(schema, email)
	w.clients[role] = c
	return c
}

// exec runs a statement on the school's file in a write transaction and returns the
// id of the inserted row.
func (w *world) exec(query string, args ...any) int64 {
	w.t.Helper()
	var id int64
	w.s.WithSchool(schema, func(t *db.Tenant) error {
		return t.Tx(context.Background(), func(_ *tenantdb.Queries, tx *sql.Tx) error {
			res, err := tx.Exec(query, args...)
			if err != nil {
				return err
			}
			id, err = res.LastInsertId()
			return err
		})
	})
	return id
}

func (w *world) session(name, start, end string, current bool) int64 {
	return w.exec("INSERT INTO academic_sessions (name, start_date, end_date, is_current) VALUES (?, ?, ?, ?)", name, start, end, current)
}

func (w *world) form(name string, level int) int64 {
	return w.exec("INSERT INTO forms (name, level) VALUES (?, ?)", name, level)
}

// class adds a class; capacity 0 means unlimited, teacher 0 no class teacher.
func (w *world) class(form, session int64, name string, capacity int, teacher int64) int64 {
	return w.exec("INSERT INTO classes (form_id, session_id, name, capacity, class_teacher_id) VALUES (?, ?, ?, ?, ?)",
		form, session, name, sql.NullInt64{Int64: int64(capacity), Valid: capacity > 0}, sql.NullInt64{Int64: teacher, Valid: teacher > 0})
}

// assign makes a teacher teach a subject in a class.
func (w *world) assign(teacher, class int64) {
	if w.subject == 0 {
		w.subject = w.exec("INSERT INTO subjects (code, name) VALUES ('MAT', 'Mathematics')")
	}
	w.exec("INSERT INTO subject_assignments (teacher_id, class_id, subject_id) VALUES (?, ?, ?)", teacher, class, w.subject)
}

func (w *world) country(code string) {
	w.exec("UPDATE school_profile SET country_code = ? WHERE id = 1", code)
}

func (w *world) count(table string) int { return w.s.Count(schema, table) }

// counts snapshots the row counts of the student tables (and the audit log).
func (w *world) counts() map[string]int {
	out := map[string]int{}
	for _, t := range []string{"students", "guardians", "student_guardians", "admissions", "enrollments", "audit_log", "counters", "school_settings"} {
		out[t] = w.count(t)
	}
	return out
}

// student creates a student through the API as admin and returns its id.
func (w *world) student(body map[string]any) int64 {
	w.t.Helper()
	status, out := w.as("admin").JSON("POST", "/api/core/students/", body)
	require.Equal(w.t, 201, status, "create student %v: %v", body, out)
	return id(out)
}

// school is the usual academic structure: a current session with Form 1 (1A capacity
// 3, 1B) and Form 2 (2A), teacher "teacher" teaching 1A and "lead" leading 1B.
type school struct {
	session, form1, form2, c1A, c1B, c2A int64
}

func (w *world) school() school {
	w.t.Helper()
	w.as("teacher")
	w.as("lead")
	var s school
	s.session = w.session("2025/2026", "2025-09-01", "2026-07-31", true)
	s.form1 = w.form("Form 1", 1)
	s.form2 = w.form("Form 2", 2)
	s.c1A = w.class(s.form1, s.session, "Form 1A", 3, 0)
	s.c1B = w.class(s.form1, s.session, "Form 1B", 0, w.ids["lead"])
	s.c2A = w.class(s.form2, s.session, "Form 2A", 0, 0)
	w.assign(w.ids["teacher"], s.c1A)
	return s
}

func id(m map[string]any) int64 {
	v, _ := m["id"].(float64)
	return int64(v)
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// fields is the "fields" object of an error answer.
func fields(m map[string]any) map[string]any {
	e, _ := m["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

func results(m map[string]any) []map[string]any {
	var out []map[string]any
	list, _ := m["results"].([]any)
	for _, r := range list {
		out = append(out, r.(map[string]any))
	}
	return out
}

func admissionNos(m map[string]any) []string {
	var out []string
	for _, r := range results(m) {
		out = append(out, r["admission_no"].(string))
	}
	return out
}

func path(format string, args ...any) string { return fmt.Sprintf(format, args...) }
