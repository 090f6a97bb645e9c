package students

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Service is the student records of one school. Its methods each own one transaction
// (writes) or read from the school's reader pool; the package-level functions
// (CreateStudent, Enroll, ...) run inside a caller's transaction instead, for importers
// and seeders that write many records all-or-nothing.
type Service struct {
	T *db.Tenant
}

// New returns the service over a school's open file.
func New(t *db.Tenant) Service { return Service{T: t} }

// Viewer is whose eyes a read is for. A teacher (TeacherID > 0) sees only the students
// enrolled, in the current session, in a class they teach (a subject assignment) or lead
// (class teacher), and the guardians and enrollments of those students; everyone else
// allowed to read sees the whole school.
type Viewer struct {
	TeacherID int64
}

// ViewerOf is the viewer of a signed-in account.
func ViewerOf(p *auth.Principal) Viewer {
	if p != nil && p.Role == auth.RoleTeacher {
		return Viewer{TeacherID: p.UserID}
	}
	return Viewer{}
}

// Scoped reports whether the viewer sees only part of the school.
func (v Viewer) Scoped() bool { return v.TeacherID > 0 }

// teacherStudents selects the students a teacher sees (args: session, teacher, teacher):
// those enrolled in the session in a class the teacher leads or teaches, each once,
// because a student has one enrollment per session. It starts from the teacher's few
// classes, so it reads only their enrollments.
const teacherStudents = `SELECT ve.student_id FROM enrollments ve WHERE ve.session_id = ? AND ve.class_id IN (
	SELECT vc.id FROM classes vc WHERE vc.class_teacher_id = ?
	UNION SELECT vsa.class_id FROM subject_assignments vsa WHERE vsa.teacher_id = ?)`

// visibleTo adds the teacher's scope on a column holding a student id.
func visibleTo(w *query.Where, v Viewer, currentSession int64, studentCol string) {
	if !v.Scoped() {
		return
	}
	if currentSession == 0 {
		w.Add("0")
		return
	}
	w.Add(studentCol+" IN ("+teacherStudents+")", currentSession, v.TeacherID, v.TeacherID)
}

// currentSessionID is the id of the current academic session, 0 when none is set.
func currentSessionID(ctx context.Context, q *tenantdb.Queries) (int64, error) {
	s, err := q.StudentsCurrentSession(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, errs.Wrap(err, "current session")
	}
	return s.ID, nil
}

// canSee reports whether the viewer may see the student.
func canSee(ctx context.Context, q *tenantdb.Queries, v Viewer, studentID int64) (bool, error) {
	if !v.Scoped() {
		return true, nil
	}
	cur, err := currentSessionID(ctx, q)
	if err != nil || cur == 0 {
		return false, err
	}
	ok, err := q.StudentsTeacherSees(ctx, tenantdb.StudentsTeacherSeesParams{StudentID: studentID, SessionID: cur,
		TeacherID: sql.NullInt64{Int64: v.TeacherID, Valid: true}})
	return ok, errs.Wrap(err, "teacher scope")
}

// Refs: the small shapes other records are shown by.

// FormRef is a form as other records show it.
type FormRef struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Level int64  `json:"level"`
}

// ClassRef is a class as other records show it.
type ClassRef struct {
	ID   int64   `json:"id"`
	Name string  `json:"name"`
	Form FormRef `json:"form"`
}

// SessionRef is an academic session as other records show it.
type SessionRef struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	IsCurrent bool   `json:"is_current"`
}

// StudentRef is a student as other records show it.
type StudentRef struct {
	ID          int64  `json:"id"`
	AdmissionNo string `json:"admission_no"`
	Name        string `json:"name"`
}

func fullName(first, middle, last string) string {
	return strings.Join(strings.Fields(first+" "+middle+" "+last), " ")
}

func classRefOf(c tenantdb.StudentsClassRow) ClassRef {
	return ClassRef{ID: c.ID, Name: c.Name, Form: FormRef{ID: c.FormID, Name: c.FormName, Level: c.FormLevel}}
}

// Small helpers for validation and SQL values.

const dateLayout = school.DateLayout

// todayIn is the school's date now (see package school): what a date left blank
// defaults to, and what a date is checked against.
func todayIn(ctx context.Context, q *tenantdb.Queries) (string, error) {
	d, err := school.TodayIn(ctx, q)
	return d, errs.Wrap(err, "today")
}

// checkDate validates an optional YYYY-MM-DD date, returning a field message or "". A
// date more than a year after today (the school's date) is a typing mistake.
func checkDate(s, today string) string {
	if s == "" {
		return ""
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return "must be a date like 2014-03-31"
	}
	limit, _ := time.Parse(dateLayout, today)
	if t.Year() < 1900 || t.After(limit.AddDate(1, 0, 0)) {
		return "is not a plausible date"
	}
	return ""
}

// cleanText cleans a one-line value (see package text) and checks it is present if required.
func cleanText(f errs.Fields, field, s string, max int, required bool) string {
	s, msg := text.Line(s, max)
	return present(f, field, s, msg, required)
}

// cleanNotes is cleanText for values that may span lines (addresses, notes).
func cleanNotes(f errs.Fields, field, s string, max int) string {
	s, msg := text.Multiline(s, max)
	return present(f, field, s, msg, false)
}

func present(f errs.Fields, field, s, msg string, required bool) string {
	switch {
	case msg != "":
		f.Add(field, msg)
	case s == "" && required:
		f.Add(field, "is required")
	}
	return s
}

// normGender accepts male/female/other and the usual one-letter forms.
func normGender(f errs.Fields, field, g string) string {
	switch strings.ToLower(strings.TrimSpace(g)) {
	case "male", "m":
		return "male"
	case "female", "f":
		return "female"
	case "other", "o":
		return "other"
	case "":
		f.Add(field, "is required: male, female or other")
	default:
		f.Add(field, "must be male, female or other")
	}
	return g
}

func nullStr(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func strPtr(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	s := n.String
	return &s
}

func int64Ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func notFound(what string, id int64) error {
	return errs.E(errs.NotFound, "no %s with id %d", what, id)
}

func audit(ctx context.Context, q *tenantdb.Queries, meta auth.Meta, action, target string, detail any) error {
	return errs.Wrap(auth.InsertSchoolAudit(ctx, q, meta.Entry(action, target, detail)), "audit")
}
