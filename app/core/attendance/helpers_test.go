package attendance_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// now is the moment the appliance's clock is pinned to: Wednesday 4 March 2026, 09:00
// UTC; today is that date in the schools (kept in UTC unless a test says otherwise).
var now = time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)

const today = "2026-03-04"

// world is a running appliance with schools, accounts per role and a seeded calendar.
type world struct {
	t       *testing.T
	s       *apptest.Server
	clients map[string]*apptest.Client // by schema + "/" + role
	ids     map[string]int64           // user ids by schema + "/" + role
}

func newWorld(t *testing.T, schemas ...string) *world {
	t.Helper()
	t.Parallel()
	w := &world{t: t, s: apptest.Start(t, apptest.At(now)), clients: map[string]*apptest.Client{}, ids: map[string]int64{}}
	for _, s := range schemas {
		w.s.CreateSchool(s, "School "+s)
	}
	return w
}

// as is a client of the school signed in with a role ("admin", "clerk", "viewer",
// "teacher", or another name for another teacher), created on first use; "anonymous"
// is signed in as nobody.
func (w *world) as(schema, role string) *apptest.Client {
	w.t.Helper()
	key := schema + "/" + role
	if c, ok := w.clients[key]; ok {
		return c
	}
	if role == "anonymous" {
		c := w.s.Client(schema+".localhost", "")
		w.clients[key] = c
		return c
	}
	email := role + "@" + schema + ".test"
	if role != "admin" {
		w.userID(schema, role)
	}
	c := w.s.As(schema, email)
	w.clients[key] = c
	return c
}

// userID is the id of the school's account with a role (as for as), created on first
// use without signing in (hashing passwords is slow under the race detector).
func (w *world) userID(schema, role string) int64 {
	key := schema + "/" + role
	if id, ok := w.ids[key]; ok {
		return id
	}
	r := auth.Role(role)
	if !auth.ValidSchoolRole(r) {
		r = auth.RoleTeacher
	}
	w.ids[key] = w.s.CreateUser(schema, role+"@"+schema+".test", r)
	return w.ids[key]
}

// exec runs a statement in a write transaction of the school's file and returns the id
// of the row inserted.
func (w *world) exec(schema, query string, args ...any) int64 {
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

// school is the seeded academic structure of a school: the 2026 session with Term 1
// (5 Jan to 2 Apr, half term 16-20 Feb) and Term 2 (27 Apr to 6 Aug), Form 1 with 1A
// (led by "teacher") and 1B, Form 2 with 2A (taught by "subject"), and students
// enrolled since the first day of term.
type school struct {
	schema                string
	session, term1, term2 int64
	form1, form2          int64
	c1A, c1B, c2A         int64
	halfTerm              int64
	students              map[int64][]int64 // class -> students, by name
}

func (w *world) school(schema string) *school {
	w.t.Helper()
	s := &school{schema: schema, students: map[int64][]int64{}}
	s.session = w.exec(schema, "INSERT INTO academic_sessions (name, start_date, end_date, is_current) VALUES ('2026', '2026-01-05', '2026-12-04', 1)")
	s.term1 = w.exec(schema, "INSERT INTO terms (session_id, name, start_date, end_date, is_current) VALUES (?, 'Term 1', '2026-01-05', '2026-04-02', 1)", s.session)
	s.term2 = w.exec(schema, "INSERT INTO terms (session_id, name, start_date, end_date) VALUES (?, 'Term 2', '2026-04-27', '2026-08-06')", s.session)
	s.halfTerm = w.exec(schema, "INSERT INTO holidays (term_id, name, start_date, end_date) VALUES (?, 'Half term', '2026-02-16', '2026-02-20')", s.term1)
	s.form1 = w.exec(schema, "INSERT INTO forms (name, level) VALUES ('Form 1', 1)")
	s.form2 = w.exec(schema, "INSERT INTO forms (name, level) VALUES ('Form 2', 2)")
	s.c1A = w.exec(schema, "INSERT INTO classes (form_id, session_id, name, class_teacher_id) VALUES (?, ?, 'Form 1A', ?)",
		s.form1, s.session, w.userID(schema, "teacher"))
	s.c1B = w.exec(schema, "INSERT INTO classes (form_id, session_id, name) VALUES (?, ?, 'Form 1B')", s.form1, s.session)
	s.c2A = w.exec(schema, "INSERT INTO classes (form_id, session_id, name) VALUES (?, ?, 'Form 2A')", s.form2, s.session)
	subject := w.exec(schema, "INSERT INTO subjects (code, name) VALUES ('MAT', 'Mathematics')")
	w.exec(schema, "INSERT INTO subject_assignments (teacher_id, class_id, subject_id) VALUES (?, ?, ?)",
		w.userID(schema, "subject"), s.c2A, subject)
	for i, name := range []string{"Achieng", "Baraka", "Chebet"} {
		s.students[s.c1A] = append(s.students[s.c1A], w.student(schema, s, s.c1A, fmt.Sprintf("%s-1A-%d", schema, i), name, "OneA"))
	}
	for i, name := range []string{"Dalmas", "Esther"} {
		s.students[s.c1B] = append(s.students[s.c1B], w.student(schema, s, s.c1B, fmt.Sprintf("%s-1B-%d", schema, i), name, "OneB"))
	}
	s.students[s.c2A] = append(s.students[s.c2A], w.student(schema, s, s.c2A, schema+"-2A-0", "Faith", "TwoA"))
	return s
}

// student adds a student enrolled in a class since the first day of the session, with
// a guardian.
func (w *world) student(schema string, s *school, class int64, adm, first, last string) int64 {
	id := w.exec(schema, "INSERT INTO students (admission_no, first_name, last_name, gender) VALUES (?, ?, ?, 'female')", adm, first, last)
	w.exec(schema, "INSERT INTO enrollments (student_id, class_id, session_id, enrolled_on) VALUES (?, ?, ?, '2026-01-05')", id, class, s.session)
	g := w.exec(schema, "INSERT INTO guardians (name, relationship, phone) VALUES (?, 'mother', ?)", "Parent of "+first,
		fmt.Sprintf("+2547%08d", id))
	w.exec(schema, "INSERT INTO student_guardians (student_id, guardian_id, is_primary) VALUES (?, ?, 1)", id, g)
	return id
}

func (w *world) count(schema, table string) int { return w.s.Count(schema, table) }

// counts snapshots the tables a register save or a calendar change writes.
func (w *world) counts(schema string) map[string]int {
	out := map[string]int{}
	for _, t := range []string{"attendance", "attendance_alerts", "outbox", "holidays", "audit_log", "school_settings", "notices"} {
		out[t] = w.count(schema, t)
	}
	return out
}

// marks is a register body marking every student of the list present, but for the
// exceptions given.
func marks(students []int64, except map[int64]string) map[string]any {
	var entries []map[string]any
	for _, s := range students {
		st := "present"
		if e, ok := except[s]; ok {
			st = e
		}
		entries = append(entries, map[string]any{"student": s, "status": st})
	}
	return map[string]any{"entries": entries}
}

func path(format string, args ...any) string { return fmt.Sprintf(format, args...) }

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

func list(v any) []map[string]any {
	var out []map[string]any
	l, _ := v.([]any)
	for _, r := range l {
		out = append(out, r.(map[string]any))
	}
	return out
}

// outbox is the school's outbox rows, oldest first.
type outboxRow struct {
	ID, Type string
	Data     map[string]any
}

func (w *world) outbox(schema string) []outboxRow {
	w.t.Helper()
	var out []outboxRow
	w.s.WithSchool(schema, func(t *db.Tenant) error {
		rows, err := t.ReadDB().QueryContext(context.Background(), "SELECT id, type, data FROM outbox ORDER BY created_at, id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r outboxRow
			var data string
			if err := rows.Scan(&r.ID, &r.Type, &data); err != nil {
				return err
			}
			require.NoError(w.t, json.Unmarshal([]byte(data), &r.Data))
			out = append(out, r)
		}
		return rows.Err()
	})
	return out
}

// decode reads a JSON object answer.
func decode(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m), string(raw))
	return m
}
