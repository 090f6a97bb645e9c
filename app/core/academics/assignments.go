package academics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Assignment says who teaches a subject to a class; a class has one teacher per subject.
// It decides which classes and subjects a teacher may see and mark.
type Assignment struct {
	ID          int64  `json:"id"`
	TeacherID   int64  `json:"teacher"`
	TeacherName string `json:"teacher_name"`
	ClassID     int64  `json:"class"`
	ClassName   string `json:"class_name"`
	SessionID   int64  `json:"session"`
	SessionName string `json:"session_name"`
	SubjectID   int64  `json:"subject"`
	SubjectCode string `json:"subject_code"`
	SubjectName string `json:"subject_name"`
	CreatedAt   string `json:"created_at"`
}

// AssignmentInput creates an assignment: an active teacher or admin, a class, a subject.
type AssignmentInput struct {
	TeacherID int64 `json:"teacher"`
	ClassID   int64 `json:"class"`
	SubjectID int64 `json:"subject"`
}

// AssignmentPatch changes an assignment; nil fields stay as they are.
type AssignmentPatch struct {
	TeacherID *int64 `json:"teacher"`
	ClassID   *int64 `json:"class"`
	SubjectID *int64 `json:"subject"`
}

// AssignmentFilter narrows a list of assignments; zero ids do not filter.
type AssignmentFilter struct {
	TeacherID int64
	ClassID   int64
	SubjectID int64
	SessionID int64
	Search    string // in the teacher's name and email, the class name, the subject code and name
	Order     query.Order
}

var assignmentView = query.View[Assignment]{
	Cols: `a.id, a.teacher_id, CASE WHEN u.name = '' THEN u.email ELSE u.name END, a.class_id, c.name, c.session_id, s.name,
		a.subject_id, sub.code, sub.name, a.created_at`,
	From: `subject_assignments a JOIN users u ON u.id = a.teacher_id JOIN classes c ON c.id = a.class_id
		JOIN academic_sessions s ON s.id = c.session_id JOIN forms f ON f.id = c.form_id JOIN subjects sub ON sub.id = a.subject_id`,
	ID: "a.id",
	Scan: func(r query.Scanner) (Assignment, error) {
		var x Assignment
		err := r.Scan(&x.ID, &x.TeacherID, &x.TeacherName, &x.ClassID, &x.ClassName, &x.SessionID, &x.SessionName,
			&x.SubjectID, &x.SubjectCode, &x.SubjectName, &x.CreatedAt)
		return x, err
	},
}

var assignmentOrdering = query.NewOrdering(map[string]string{"id": "a.id", "class": "c.name", "subject": "sub.name",
	"teacher": "u.name", "session": "s.start_date", "form": "f.level", "created_at": "a.created_at"}, "-session,form,class,subject")

// ListAssignments returns a page of subject assignments: the latest session first, then by
// class and subject.
func (s Service) ListAssignments(ctx context.Context, f AssignmentFilter, p query.Page) ([]Assignment, int64, error) {
	var w query.Where
	for _, c := range []struct {
		col string
		id  int64
	}{{"a.teacher_id", f.TeacherID}, {"a.class_id", f.ClassID}, {"a.subject_id", f.SubjectID}, {"c.session_id", f.SessionID}} {
		if c.id != 0 {
			w.Add(c.col+" = ?", c.id)
		}
	}
	w.Search(f.Search, "u.name", "u.email", "c.name", "sub.code", "sub.name")
	return assignmentView.List(ctx, s.T, w, f.Order.Or(assignmentOrdering.Default()), p)
}

// Assignment returns one subject assignment.
func (s Service) Assignment(ctx context.Context, id int64) (Assignment, error) {
	x, err := assignmentView.Get(ctx, s.T.ReadDB(), id)
	return x, errs.Wrap(found(err, "subject assignment", id), "get subject assignment")
}

// checkAssignment validates an assignment (id 0 for a new one); bad input is an Invalid
// error, a class that already has a teacher for the subject a Conflict.
func checkAssignment(ctx context.Context, q *tenantdb.Queries, id int64, in AssignmentInput, teacherChanged bool) error {
	f := errs.Fields{}
	if required(f, "teacher", in.TeacherID) && teacherChanged {
		if err := staff(ctx, q, f, "teacher", in.TeacherID); err != nil {
			return err
		}
	}
	var className string
	if required(f, "class", in.ClassID) {
		c, err := q.AcademicsGetClass(ctx, in.ClassID)
		if errors.Is(err, sql.ErrNoRows) {
			f.Add("class", fmt.Sprintf("no class with id %d", in.ClassID))
		} else if err != nil {
			return err
		}
		className = c.Name
	}
	var subject tenantdb.Subject
	if required(f, "subject", in.SubjectID) {
		var err error
		subject, err = q.AcademicsGetSubject(ctx, in.SubjectID)
		if errors.Is(err, sql.ErrNoRows) {
			f.Add("subject", fmt.Sprintf("no subject with id %d", in.SubjectID))
		} else if err != nil {
			return err
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	other, err := q.AcademicsGetAssignmentFor(ctx, tenantdb.AcademicsGetAssignmentForParams{ClassID: in.ClassID, SubjectID: in.SubjectID})
	if errors.Is(err, sql.ErrNoRows) || (err == nil && other.ID == id) {
		return nil
	}
	if err != nil {
		return err
	}
	teacher, err := q.AcademicsGetStaff(ctx, other.TeacherID)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("%s already has a %s teacher: %s (assignment %d)", className, subject.Code,
		displayName(teacher.Name, teacher.Email), other.ID)
	return &errs.Error{Code: errs.Conflict, Message: msg, Fields: map[string]string{"subject": msg}}
}

// AssignSubject makes a teacher the teacher of a subject in a class.
func (s Service) AssignSubject(ctx context.Context, in AssignmentInput, meta auth.Meta) (Assignment, error) {
	var out Assignment
	err := write(ctx, s.T, "assign subject", func(q *tenantdb.Queries, tx *sql.Tx) error {
		if err := checkAssignment(ctx, q, 0, in, true); err != nil {
			return err
		}
		row, err := q.AcademicsCreateAssignment(ctx, tenantdb.AcademicsCreateAssignmentParams(in))
		if err != nil {
			return assignmentUnique.Check(err)
		}
		if out, err = assignmentView.Get(ctx, tx, row.ID); err != nil {
			return err
		}
		return audit(ctx, q, meta, "subject_assignment.create", assignmentTarget(out), map[string]any{"id": out.ID, "after": out})
	})
	return out, err
}

var assignmentUnique = query.Conflicts{"subject_assignments.class_id, subject_assignments.subject_id": {Field: "subject", Message: "the class already has a teacher for this subject"}}

func assignmentTarget(a Assignment) string {
	return a.SessionName + " " + a.ClassName + " " + a.SubjectCode
}

// UpdateAssignment changes an assignment (usually its teacher).
func (s Service) UpdateAssignment(ctx context.Context, id int64, p AssignmentPatch, meta auth.Meta) (Assignment, error) {
	var out Assignment
	err := write(ctx, s.T, "update subject assignment", func(q *tenantdb.Queries, tx *sql.Tx) error {
		before, err := assignmentView.Get(ctx, tx, id)
		if err != nil {
			return found(err, "subject assignment", id)
		}
		in := AssignmentInput{TeacherID: before.TeacherID, ClassID: before.ClassID, SubjectID: before.SubjectID}
		setIf(&in.TeacherID, p.TeacherID)
		setIf(&in.ClassID, p.ClassID)
		setIf(&in.SubjectID, p.SubjectID)
		if err := checkAssignment(ctx, q, id, in, in.TeacherID != before.TeacherID); err != nil {
			return err
		}
		if _, err := q.AcademicsUpdateAssignment(ctx, tenantdb.AcademicsUpdateAssignmentParams{TeacherID: in.TeacherID,
			ClassID: in.ClassID, SubjectID: in.SubjectID, ID: id}); err != nil {
			return assignmentUnique.Check(err)
		}
		if out, err = assignmentView.Get(ctx, tx, id); err != nil {
			return err
		}
		return audit(ctx, q, meta, "subject_assignment.update", assignmentTarget(out), map[string]any{"id": id, "before": before, "after": out})
	})
	return out, err
}

// DeleteAssignment removes an assignment.
func (s Service) DeleteAssignment(ctx context.Context, id int64, meta auth.Meta) error {
	return write(ctx, s.T, "delete subject assignment", func(q *tenantdb.Queries, tx *sql.Tx) error {
		before, err := assignmentView.Get(ctx, tx, id)
		if err != nil {
			return found(err, "subject assignment", id)
		}
		if _, err := q.AcademicsDeleteAssignment(ctx, id); err != nil {
			return assignmentUnique.Check(err)
		}
		return audit(ctx, q, meta, "subject_assignment.delete", assignmentTarget(before), map[string]any{"id": id, "before": before})
	})
}
