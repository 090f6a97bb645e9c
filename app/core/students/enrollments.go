package students

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Enrollment statuses: active while the student is in the class; the others end it.
const (
	EnrollmentActive    = "active"
	EnrollmentPromoted  = "promoted"
	EnrollmentRepeated  = "repeated"
	EnrollmentGraduated = "graduated"
	EnrollmentLeft      = "left"
)

var enrollmentStatuses = []string{EnrollmentActive, EnrollmentPromoted, EnrollmentRepeated, EnrollmentGraduated, EnrollmentLeft}

func validEnrollmentStatus(s string) bool {
	for _, x := range enrollmentStatuses {
		if s == x {
			return true
		}
	}
	return false
}

// Enrollment is a student in a class for a session, as the API shows it.
type Enrollment struct {
	ID         int64      `json:"id"`
	Student    StudentRef `json:"student"`
	Class      ClassRef   `json:"class"`
	Session    SessionRef `json:"session"`
	Status     string     `json:"status"`
	EnrolledOn string     `json:"enrolled_on"`
	EndedOn    *string    `json:"ended_on"`
	CreatedAt  string     `json:"created_at"`
}

func enrollmentData(e tenantdb.Enrollment) map[string]any {
	return map[string]any{"student_id": e.StudentID, "class_id": e.ClassID, "session_id": e.SessionID, "status": e.Status,
		"enrolled_on": e.EnrolledOn, "ended_on": strPtr(e.EndedOn)}
}

// classFull is the error for a class with no free place.
func classFull(field string, c tenantdb.StudentsClassRow, taken int64) error {
	return errs.Field(field, fmt.Sprintf("%s is full: %d of %d places are taken", c.Name, taken, c.Capacity.Int64))
}

// checkRoom refuses a class whose active enrollments already fill its capacity.
func checkRoom(ctx context.Context, q *tenantdb.Queries, field string, c tenantdb.StudentsClassRow) error {
	if !c.Capacity.Valid {
		return nil
	}
	n, err := q.StudentsClassActiveCount(ctx, c.ID)
	if err != nil {
		return errs.Wrap(err, "count class")
	}
	if n >= c.Capacity.Int64 {
		return classFull(field, c, n)
	}
	return nil
}

func getClass(ctx context.Context, q *tenantdb.Queries, field string, id int64) (tenantdb.StudentsClassRow, error) {
	c, err := q.StudentsClass(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.Field(field, fmt.Sprintf("no class with id %d", id))
	}
	return c, errs.Wrap(err, "get class")
}

// Enroll puts an active student in a class, for the class's session, inside the caller's
// transaction, with its audit entry. It refuses (naming the field "student" or "class")
// a student who is not active or suspended, an unknown or full class (capacity counts
// active enrollments), and a second enrollment in the same session (409 Conflict).
func Enroll(ctx context.Context, q *tenantdb.Queries, studentID, classID int64, meta auth.Meta) (tenantdb.Enrollment, error) {
	st, err := q.StudentsGet(ctx, studentID)
	if errors.Is(err, sql.ErrNoRows) {
		return tenantdb.Enrollment{}, errs.Field("student", fmt.Sprintf("no student with id %d", studentID))
	}
	if err != nil {
		return tenantdb.Enrollment{}, errs.Wrap(err, "get student")
	}
	if st.Status != StatusActive && st.Status != StatusSuspended {
		return tenantdb.Enrollment{}, errs.Field("student", fmt.Sprintf("is %s; only active students can be enrolled", st.Status))
	}
	c, err := getClass(ctx, q, "class", classID)
	if err != nil {
		return tenantdb.Enrollment{}, err
	}
	prev, err := q.EnrollmentsForStudentSession(ctx, tenantdb.EnrollmentsForStudentSessionParams{StudentID: studentID, SessionID: c.SessionID})
	if err == nil {
		pc, _ := q.StudentsClass(ctx, prev.ClassID)
		return tenantdb.Enrollment{}, &errs.Error{Code: errs.Conflict,
			Message: fmt.Sprintf("%s is already enrolled for %s", st.AdmissionNo, c.SessionName),
			Fields: map[string]string{"student": fmt.Sprintf("is already enrolled in %s for %s (enrollment %d); change that enrollment instead",
				pc.Name, c.SessionName, prev.ID)}}
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return tenantdb.Enrollment{}, errs.Wrap(err, "enrollment for session")
	}
	if err := checkRoom(ctx, q, "class", c); err != nil {
		return tenantdb.Enrollment{}, err
	}
	today, err := todayIn(ctx, q)
	if err != nil {
		return tenantdb.Enrollment{}, err
	}
	e, err := q.EnrollmentsCreate(ctx, tenantdb.EnrollmentsCreateParams{StudentID: studentID, ClassID: classID,
		SessionID: c.SessionID, Status: EnrollmentActive, EnrolledOn: today})
	if err != nil {
		return tenantdb.Enrollment{}, errs.Wrap(err, "create enrollment")
	}
	return e, audit(ctx, q, meta, "enrollment.create", target(st), map[string]any{"id": e.ID, "class": c.Name,
		"session": c.SessionName, "after": enrollmentData(e)})
}

// EnrollmentFilter narrows an enrollment list. Search matches every word against the
// student's names and admission number. Order comes from EnrollmentOrdering; the zero
// Order is newest session first, then class and name.
type EnrollmentFilter struct {
	Student, Class, Session int64
	Status                  string
	Search                  string
	Order                   query.Order
}

// EnrollmentOrdering is what an enrollment list can be ordered by.
var EnrollmentOrdering = query.NewOrdering(map[string]string{
	"session":      "a.start_date",
	"class":        "c.name COLLATE NOCASE",
	"admission_no": "s.admission_no",
	"last_name":    "s.last_name COLLATE NOCASE",
	"first_name":   "s.first_name COLLATE NOCASE",
	"enrolled_on":  "e.enrolled_on",
	"status":       "e.status",
	"created_at":   "e.created_at",
}, "-session,class,last_name,first_name")

var enrollmentView = query.View[Enrollment]{
	Cols: `e.id, e.status, e.enrolled_on, e.ended_on, e.created_at,
	s.id, s.admission_no, s.first_name, s.middle_name, s.last_name,
	c.id, c.name, f.id, f.name, f.level, a.id, a.name, a.is_current`,
	From: `enrollments e
	JOIN students s ON s.id = e.student_id
	JOIN classes c ON c.id = e.class_id
	JOIN forms f ON f.id = c.form_id
	JOIN academic_sessions a ON a.id = e.session_id`,
	ID: "e.id",
	Scan: func(r query.Scanner) (Enrollment, error) {
		var e Enrollment
		var ended sql.NullString
		var first, middle, last string
		err := r.Scan(&e.ID, &e.Status, &e.EnrolledOn, &ended, &e.CreatedAt,
			&e.Student.ID, &e.Student.AdmissionNo, &first, &middle, &last,
			&e.Class.ID, &e.Class.Name, &e.Class.Form.ID, &e.Class.Form.Name, &e.Class.Form.Level,
			&e.Session.ID, &e.Session.Name, &e.Session.IsCurrent)
		e.EndedOn = strPtr(ended)
		e.Student.Name = fullName(first, middle, last)
		return e, err
	},
}

// ListEnrollments returns a page of enrollments (a teacher: those of their students),
// newest session first unless ordered otherwise, and their total.
func (s Service) ListEnrollments(ctx context.Context, v Viewer, f EnrollmentFilter, page query.Page) (out []Enrollment, n int64, err error) {
	if f.Status != "" && !validEnrollmentStatus(f.Status) {
		return nil, 0, errs.Field("status", "must be one of "+strings.Join(enrollmentStatuses, ", "))
	}
	err = s.T.ReadTx(ctx, func(q *tenantdb.Queries, d tenantdb.DBTX) error {
		cur, err := currentSessionID(ctx, q)
		if err != nil {
			return err
		}
		var w query.Where
		visibleTo(&w, v, cur, "e.student_id")
		if f.Student > 0 {
			w.Add("e.student_id = ?", f.Student)
		}
		if f.Class > 0 {
			w.Add("e.class_id = ?", f.Class)
		}
		if f.Session > 0 {
			w.Add("e.session_id = ?", f.Session)
		}
		if f.Status != "" {
			w.Add("e.status = ?", f.Status)
		}
		w.Search(f.Search, "s.first_name", "s.middle_name", "s.last_name", "s.admission_no")
		out, n, err = enrollmentView.ListIn(ctx, d, w, f.Order.Or(EnrollmentOrdering.Default()), page)
		return err
	})
	return out, n, errs.Wrap(err, "list enrollments")
}

// GetEnrollment returns one enrollment the viewer may see.
func (s Service) GetEnrollment(ctx context.Context, v Viewer, id int64) (Enrollment, error) {
	e, err := enrollmentView.Get(ctx, s.T.ReadDB(), id)
	if errors.Is(err, sql.ErrNoRows) {
		return Enrollment{}, notFound("enrollment", id)
	}
	if err != nil {
		return Enrollment{}, errs.Wrap(err, "get enrollment")
	}
	ok, err := canSee(ctx, s.T.Read(), v, e.Student.ID)
	if err != nil {
		return Enrollment{}, err
	}
	if !ok {
		return Enrollment{}, notFound("enrollment", id)
	}
	return e, nil
}

// EnrollmentInput is what creating an enrollment takes.
type EnrollmentInput struct {
	Student int64 `json:"student"`
	Class   int64 `json:"class"`
}

// CreateEnrollment enrolls a student in a class in its own transaction.
func (s Service) CreateEnrollment(ctx context.Context, in EnrollmentInput, meta auth.Meta) (Enrollment, error) {
	f := errs.Fields{}
	if in.Student <= 0 {
		f.Add("student", "is required: the id of a student")
	}
	if in.Class <= 0 {
		f.Add("class", "is required: the id of a class")
	}
	if err := f.Err(); err != nil {
		return Enrollment{}, err
	}
	var id int64
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		e, err := Enroll(ctx, q, in.Student, in.Class, meta)
		id = e.ID
		return err
	})
	if err != nil {
		return Enrollment{}, err
	}
	return s.GetEnrollment(ctx, Viewer{}, id)
}

// EnrollmentPatch changes an enrollment: Class moves the student to another class of
// the same session (capacity checked); Status ends it (ended_on defaults to today) or
// makes it active again (ended_on cleared, capacity checked).
type EnrollmentPatch struct {
	Class      *int64  `json:"class"`
	Status     *string `json:"status"`
	EnrolledOn *string `json:"enrolled_on"`
	EndedOn    *string `json:"ended_on"`
}

// UpdateEnrollment applies a patch.
func (s Service) UpdateEnrollment(ctx context.Context, id int64, p EnrollmentPatch, meta auth.Meta) (Enrollment, error) {
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		cur, err := q.EnrollmentsGet(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("enrollment", id)
		}
		if err != nil {
			return errs.Wrap(err, "get enrollment")
		}
		today, err := todayIn(ctx, q)
		if err != nil {
			return err
		}
		next := tenantdb.EnrollmentsUpdateParams{ID: id, ClassID: cur.ClassID, Status: cur.Status, EnrolledOn: cur.EnrolledOn, EndedOn: cur.EndedOn}
		f := errs.Fields{}
		if p.Class != nil {
			next.ClassID = *p.Class
		}
		if p.Status != nil {
			next.Status = strings.TrimSpace(*p.Status)
			if !validEnrollmentStatus(next.Status) {
				f.Add("status", "must be one of "+strings.Join(enrollmentStatuses, ", "))
			}
		}
		if p.EnrolledOn != nil {
			next.EnrolledOn = strings.TrimSpace(*p.EnrolledOn)
			if msg := checkDate(next.EnrolledOn, today); msg != "" || next.EnrolledOn == "" {
				f.Add("enrolled_on", "must be a date like 2026-01-05")
			}
		}
		if p.EndedOn != nil {
			next.EndedOn = nullStr(strings.TrimSpace(*p.EndedOn))
			if msg := checkDate(next.EndedOn.String, today); msg != "" {
				f.Add("ended_on", msg)
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if next.Status == EnrollmentActive {
			next.EndedOn = sql.NullString{}
		} else if !next.EndedOn.Valid {
			next.EndedOn = nullStr(today)
		}
		if next.EndedOn.Valid && next.EndedOn.String < next.EnrolledOn {
			return errs.Field("ended_on", "must not be before enrolled_on")
		}
		c, err := getClass(ctx, q, "class", next.ClassID)
		if err != nil {
			return err
		}
		if c.SessionID != cur.SessionID {
			return errs.Field("class", fmt.Sprintf("%s is in session %s; an enrollment stays in its session (enroll the student in the other session instead)",
				c.Name, c.SessionName))
		}
		joins := next.Status == EnrollmentActive && (cur.Status != EnrollmentActive || next.ClassID != cur.ClassID)
		if joins {
			if err := checkRoom(ctx, q, "class", c); err != nil {
				return err
			}
		}
		row, err := q.EnrollmentsUpdate(ctx, next)
		if err != nil {
			return errs.Wrap(err, "update enrollment")
		}
		st, err := q.StudentsGet(ctx, cur.StudentID)
		if err != nil {
			return errs.Wrap(err, "get student")
		}
		return audit(ctx, q, meta, "enrollment.update", target(st), map[string]any{"id": id,
			"before": enrollmentData(cur), "after": enrollmentData(row)})
	})
	if err != nil {
		return Enrollment{}, err
	}
	return s.GetEnrollment(ctx, Viewer{}, id)
}

// EndEnrollment archives an enrollment: it is kept for the records with status left
// and ended_on today (an enrollment that has ended already is returned unchanged).
func (s Service) EndEnrollment(ctx context.Context, id int64, meta auth.Meta) (Enrollment, error) {
	left := EnrollmentLeft
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		cur, err := q.EnrollmentsGet(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("enrollment", id)
		}
		if err != nil {
			return errs.Wrap(err, "get enrollment")
		}
		if cur.Status != EnrollmentActive {
			return nil
		}
		today, err := todayIn(ctx, q)
		if err != nil {
			return err
		}
		row, err := q.EnrollmentsUpdate(ctx, tenantdb.EnrollmentsUpdateParams{ID: id, ClassID: cur.ClassID, Status: left,
			EnrolledOn: cur.EnrolledOn, EndedOn: nullStr(today)})
		if err != nil {
			return errs.Wrap(err, "end enrollment")
		}
		st, err := q.StudentsGet(ctx, cur.StudentID)
		if err != nil {
			return errs.Wrap(err, "get student")
		}
		return audit(ctx, q, meta, "enrollment.end", target(st), map[string]any{"id": id,
			"before": enrollmentData(cur), "after": enrollmentData(row)})
	})
	if err != nil {
		return Enrollment{}, err
	}
	return s.GetEnrollment(ctx, Viewer{}, id)
}
