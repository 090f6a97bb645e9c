// Package attendance owns a school's daily registers and its calendar: the working
// weekdays, the holidays of each term, one mark per student and school day, and the
// reports made from them (a student's term summary, a class's monthly tracking sheet, the
// school's day overview and absentee list). A register save that makes a student newly
// absent writes an attendance.absent event to the outbox in the same transaction.
//
// The service takes plain inputs and returns typed errors; the HTTP handlers (routes.go),
// the pages, the bot and the demo seeder all go through it.
package attendance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// The module's actions.
const (
	// Read is registers, tracking sheets, summaries, the day overview and the calendar;
	// teachers see those of the classes they teach or lead.
	Read auth.Action = "attendance.read"
	// Mark is saving a register: admins any class, teachers the classes they teach or lead.
	Mark auth.Action = "attendance.mark"
	// Manage is the school calendar: holidays and working days.
	Manage auth.Action = "attendance.manage"
	// Absentees is the list of who was absent on a day, with their guardians' phones.
	Absentees auth.Action = "attendance.absentees"
)

// policy grants the module's actions.
var policy = auth.Policy{
	Read:      {auth.RoleAdmin, auth.RoleTeacher, auth.RoleClerk, auth.RoleViewer},
	Mark:      {auth.RoleAdmin, auth.RoleTeacher},
	Manage:    {auth.RoleAdmin},
	Absentees: {auth.RoleAdmin, auth.RoleClerk},
}

// Statuses a mark can have.
const (
	Present = "present"
	Absent  = "absent"
	Late    = "late"
	Excused = "excused"
)

// Statuses is every status, in the order registers cycle through them.
var Statuses = []string{Present, Absent, Late, Excused}

func validStatus(s string) bool {
	for _, x := range Statuses {
		if s == x {
			return true
		}
	}
	return false
}

// EventAbsent is the type of the event a newly absent student causes; its data is
// {"student_id":N,"class_id":N,"date":"YYYY-MM-DD"}.
const EventAbsent = "attendance.absent"

// AbsentData is the data of an attendance.absent event.
type AbsentData struct {
	StudentID int64  `json:"student_id"`
	ClassID   int64  `json:"class_id"`
	Date      string `json:"date"`
}

// Service is the attendance of one school's file.
type Service struct {
	T *db.Tenant
}

// New returns the service over a school's open file.
func New(t *db.Tenant) Service { return Service{T: t} }

// Viewer is whose eyes a read or a save is for. A teacher (TeacherID > 0) reaches the
// registers of the classes they lead or teach, and the summaries of the students
// enrolled in them this session; everyone else allowed reaches the whole school.
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

// Scoped reports whether the viewer reaches only part of the school.
func (v Viewer) Scoped() bool { return v.TeacherID > 0 }

// ClassRef is a class as registers and reports show it.
type ClassRef struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	FormID    int64  `json:"form"`
	FormName  string `json:"form_name"`
	SessionID int64  `json:"session"`
}

// StudentRef is a student as registers and reports show it.
type StudentRef struct {
	ID          int64  `json:"id"`
	AdmissionNo string `json:"admission_no"`
	Name        string `json:"name"`
}

// TermRef is a term as reports show it.
type TermRef struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
}

func termRef(t tenantdb.Term) TermRef {
	return TermRef{ID: t.ID, Name: t.Name, StartDate: t.StartDate, EndDate: t.EndDate}
}

func fullName(first, middle, last string) string {
	return strings.Join(strings.Fields(first+" "+middle+" "+last), " ")
}

// class reads a class, not found when there is none.
func class(ctx context.Context, q *tenantdb.Queries, id int64) (tenantdb.AttendanceClassRow, error) {
	c, err := q.AttendanceClass(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.E(errs.NotFound, "no class with id %d", id)
	}
	return c, errs.Wrap(err, "get class")
}

func classRef(c tenantdb.AttendanceClassRow) ClassRef {
	return ClassRef{ID: c.ID, Name: c.Name, FormID: c.FormID, FormName: c.FormName, SessionID: c.SessionID}
}

// reach refuses a teacher a class they neither lead nor teach.
func reach(ctx context.Context, q *tenantdb.Queries, v Viewer, c tenantdb.AttendanceClassRow) error {
	if !v.Scoped() {
		return nil
	}
	ok, err := q.AttendanceTeaches(ctx, tenantdb.AttendanceTeachesParams{ClassID: c.ID,
		TeacherID: sql.NullInt64{Int64: v.TeacherID, Valid: true}})
	if err != nil {
		return errs.Wrap(err, "teacher's classes")
	}
	if !ok.Bool {
		return errs.E(errs.Forbidden, "you can only keep the registers of the classes you teach or lead; %s is not one of them", c.Name)
	}
	return nil
}

// today is the school's date now (see package school).
func today(ctx context.Context, q *tenantdb.Queries) (string, error) {
	d, err := school.TodayIn(ctx, q)
	return d, errs.Wrap(err, "today")
}

// parseDate reads a calendar date written YYYY-MM-DD (2026-02-30 and "yesterday" are
// not), naming field in the error.
func parseDate(field, v string) (time.Time, error) {
	d, err := time.Parse(school.DateLayout, v)
	if err != nil || d.Format(school.DateLayout) != v {
		if v == "" {
			return time.Time{}, errs.Field(field, "is required: a date written YYYY-MM-DD")
		}
		return time.Time{}, errs.Field(field, fmt.Sprintf("%q is not a date written YYYY-MM-DD", clip(v)))
	}
	return d, nil
}

// clip shortens a value echoed in a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// nowStamp is the clock's time as stored in marked_at and the like.
func nowStamp(ctx context.Context) string {
	return school.ClockOf(ctx)().UTC().Format("2006-01-02T15:04:05.000Z")
}

// audit appends an audit entry inside the write transaction.
func audit(ctx context.Context, q *tenantdb.Queries, meta auth.Meta, action, target string, detail any) error {
	return errs.Wrap(auth.InsertSchoolAudit(ctx, q, meta.Entry(action, target, detail)), "audit")
}

// currentSessionID is the current session's id, 0 when there is none.
func currentSessionID(ctx context.Context, q *tenantdb.Queries) (int64, error) {
	s, err := q.AttendanceCurrentSession(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return s.ID, errs.Wrap(err, "current session")
}

// rate is the share of marked days a student was there (present or late), in percent
// with one decimal; nil when no day is marked.
func rate(present, late, marked int64) *float64 {
	if marked == 0 {
		return nil
	}
	r := float64(int64(float64(present+late)*1000/float64(marked)+0.5)) / 10
	return &r
}
