// Package exams owns how a school assesses its students: assessments and their mark
// sheets, grading scales, term results (positions, means, subject summaries), the
// broadsheet, and report cards with their comments, publishing workflow and PDF.
//
// Marks are kept in tenths of a point, so that sums and comparisons of marks are exact.
// A subject's term percentage is the weighted mean of its assessments' percentages,
// rounded to one decimal; that rounded value is what is graded, ranked and shown.
package exams

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// The module's actions.
const (
	// Read lets every school role see assessments, scales, results and report cards;
	// a teacher is narrowed to the classes they teach or lead.
	Read auth.Action = "exams.read"
	// Assess is creating assessments and entering marks; a teacher only for the
	// subjects they teach.
	Assess auth.Action = "exams.assess"
	// Comment is writing report card comments; a teacher only as the class teacher.
	Comment auth.Action = "exams.comment"
	// Manage is school-wide: grading scales, the results settings, the comment bank,
	// and publishing report cards.
	Manage auth.Action = "exams.manage"
)

// AttendanceSummary is a student's attendance over a term, as the report card shows it.
type AttendanceSummary struct {
	Days    int     `json:"days"`
	Present int     `json:"present"`
	Absent  int     `json:"absent"`
	Late    int     `json:"late"`
	Excused int     `json:"excused"`
	Rate    float64 `json:"rate"` // percent of days present (late counts as present)
}

// AttendanceSource reads a student's attendance summary for a term from the school's
// file; ok is false when the school has recorded no attendance for them.
type AttendanceSource func(ctx context.Context, t *db.Tenant, studentID, termID int64) (s AttendanceSummary, ok bool, err error)

// LogoSource reads the school's logo (PNG or JPEG bytes); nil bytes when it has none.
type LogoSource func(ctx context.Context, t *db.Tenant) ([]byte, error)

// Sources are what the module reads from other parts of the appliance, when they are
// wired; a report card leaves out what has no source.
type Sources struct {
	Attendance AttendanceSource
	Logo       LogoSource
}

// Service is the one way into a school's assessments, results and report cards, for
// the HTTP handlers, the chatbot, workers and the demo seeder alike. Every write is one
// transaction that validates its input, changes the rows and appends the audit entry,
// so a refused request writes nothing.
type Service struct {
	T   *db.Tenant
	Src Sources
}

// New returns the service of a school's open file, without attendance or logo.
func New(t *db.Tenant) Service { return Service{T: t} }

// NewWith returns a constructor of the service that reads from src.
func NewWith(src Sources) func(*db.Tenant) Service {
	return func(t *db.Tenant) Service { return Service{T: t, Src: src} }
}

// Viewer is whose eyes a call is for. A teacher sees and marks only the classes they
// teach or lead; the zero Viewer (admins, other staff allowed by the policy, workers)
// the whole school.
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

const dateLayout = "2006-01-02"

// Limits on free text, in characters.
const (
	maxName    = 100
	maxRemark  = 200
	maxComment = 1000
)

func validDate(v string) bool {
	d, err := time.Parse(dateLayout, v)
	return err == nil && d.Format(dateLayout) == v
}

// found turns sql.ErrNoRows into a not-found error naming the thing.
func found(err error, kind string, id int64) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotFound, "no %s with id %d", kind, id)
	}
	return err
}

// ref checks that a referenced id names a row; a missing one is a field error.
func ref(f errs.Fields, field, kind string, id int64, err error) error {
	switch {
	case id <= 0:
		f.Add(field, "is required (an id)")
	case errors.Is(err, sql.ErrNoRows):
		f.Add(field, fmt.Sprintf("no %s with id %d", kind, id))
	case err != nil:
		return err
	}
	return nil
}

// audit appends an audit entry inside the write transaction.
func audit(ctx context.Context, q *tenantdb.Queries, meta auth.Meta, action, target string, detail map[string]any) error {
	return auth.InsertSchoolAudit(ctx, q, meta.Entry(action, target, detail))
}

// write runs fn in one transaction on the school's writer, marking unexpected errors as
// internal (coded errors, and busy or full storage, pass through as what they are).
func write(ctx context.Context, t *db.Tenant, what string, fn func(q *tenantdb.Queries, tx *sql.Tx) error) error {
	return errs.Wrap(t.Tx(ctx, fn), what)
}

// read runs fn in one read transaction, so everything it reads is one snapshot.
func read(ctx context.Context, t *db.Tenant, what string, fn func(q *tenantdb.Queries, d tenantdb.DBTX) error) error {
	return errs.Wrap(t.ReadTx(ctx, fn), what)
}

func nullID(id int64) sql.NullInt64 {
	if id <= 0 {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: id, Valid: true}
}

func actorID(meta auth.Meta) sql.NullInt64 {
	if meta.ActorID == nil {
		return sql.NullInt64{}
	}
	return nullID(*meta.ActorID)
}

// fullName is "First Middle Last" without empty parts.
func fullName(first, middle, last string) string {
	return strings.Join(strings.Fields(first+" "+middle+" "+last), " ")
}

// term is a term with its session's name.
type term = tenantdb.ExamsGetTermRow

// class is a class with its form.
type class = tenantdb.ExamsGetClassRow

// termOrCurrent reads the term with id, or the current term for 0.
func termOrCurrent(ctx context.Context, q *tenantdb.Queries, id int64) (term, error) {
	if id == 0 {
		cur, err := q.ExamsGetCurrentTermID(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return term{}, errs.Field("term", "is required: the school has no current term")
		}
		if err != nil {
			return term{}, err
		}
		id = cur
	}
	t, err := q.ExamsGetTerm(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return term{}, errs.Field("term", fmt.Sprintf("no term with id %d", id))
	}
	return t, err
}

// classOf reads a class named by a field of the input.
func classOf(ctx context.Context, q *tenantdb.Queries, field string, id int64) (class, error) {
	if id <= 0 {
		return class{}, errs.Field(field, "is required (an id)")
	}
	c, err := q.ExamsGetClass(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return class{}, errs.Field(field, fmt.Sprintf("no class with id %d", id))
	}
	return c, err
}

// canSeeClass refuses a teacher who neither teaches nor leads the class.
func canSeeClass(ctx context.Context, q *tenantdb.Queries, v Viewer, c class) error {
	if !v.Scoped() {
		return nil
	}
	n, err := q.ExamsTeachesOrLeads(ctx, tenantdb.ExamsTeachesOrLeadsParams{ClassID: c.ID, TeacherID: v.TeacherID})
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.E(errs.Forbidden, "you neither teach nor lead %s", c.Name)
	}
	return nil
}

// canMark refuses a teacher who does not teach the subject to the class.
func canMark(ctx context.Context, q *tenantdb.Queries, v Viewer, c class, subjectID int64, subjectName string) error {
	if !v.Scoped() {
		return nil
	}
	t, err := q.ExamsTeacherOf(ctx, tenantdb.ExamsTeacherOfParams{ClassID: c.ID, SubjectID: subjectID})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if err != nil || t != v.TeacherID {
		return errs.E(errs.Forbidden, "you do not teach %s to %s; only its teacher or an admin may mark it", subjectName, c.Name)
	}
	return nil
}

// Workflow statuses of a class's report cards for a term.
const (
	StatusDraft     = "draft"
	StatusComments  = "comments"
	StatusPublished = "published"
)

// workflowStatus is where a class's cards are for a term (draft when never moved).
func workflowStatus(ctx context.Context, q *tenantdb.Queries, termID, classID int64) (string, error) {
	s, err := q.ExamsWorkflowStatus(ctx, tenantdb.ExamsWorkflowStatusParams{TermID: termID, ClassID: classID})
	if errors.Is(err, sql.ErrNoRows) {
		return StatusDraft, nil
	}
	return s, err
}

// unlocked refuses a change to marks behind published report cards.
func unlocked(ctx context.Context, q *tenantdb.Queries, t term, c class) error {
	s, err := workflowStatus(ctx, q, t.ID, c.ID)
	if err != nil {
		return err
	}
	if s == StatusPublished {
		return errs.E(errs.Conflict, "the %s results of %s are published, so their marks are locked; an admin can unpublish them", t.Name, c.Name)
	}
	return nil
}
