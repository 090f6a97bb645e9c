package academics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	apptext "github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Class is a stream of a form in one session ("Form 1A"), with the names of what it
// refers to and its number of active students.
type Class struct {
	ID               int64   `json:"id"`
	FormID           int64   `json:"form"`
	FormName         string  `json:"form_name"`
	FormLevel        int64   `json:"form_level"`
	SessionID        int64   `json:"session"`
	SessionName      string  `json:"session_name"`
	Name             string  `json:"name"`
	ClassTeacherID   *int64  `json:"class_teacher"`
	ClassTeacherName *string `json:"class_teacher_name"`
	Capacity         *int64  `json:"capacity"`
	StudentCount     int64   `json:"student_count"`
	CreatedAt        string  `json:"created_at"`
	UpdatedAt        string  `json:"updated_at"`
}

// ClassInput creates a class. SessionID 0 means the current session. The class teacher,
// if any, must be an active teacher or admin; a capacity, if any, is above zero.
type ClassInput struct {
	FormID         int64  `json:"form"`
	SessionID      int64  `json:"session"`
	Name           string `json:"name"`
	ClassTeacherID *int64 `json:"class_teacher"`
	Capacity       *int64 `json:"capacity"`
}

// ClassPatch changes a class; unset fields stay as they are, and class_teacher or capacity
// sent as null are cleared. Capacity cannot go below the class's active students; a class
// with enrollments cannot move to another session.
type ClassPatch struct {
	FormID         *int64          `json:"form"`
	SessionID      *int64          `json:"session"`
	Name           *string         `json:"name"`
	ClassTeacherID Nullable[int64] `json:"class_teacher"`
	Capacity       Nullable[int64] `json:"capacity"`
}

// ClassFilter narrows a list of classes; zero ids do not filter.
type ClassFilter struct {
	SessionID      int64
	FormID         int64
	ClassTeacherID int64
	Search         string // in the name
	Order          query.Order
}

// MaxCapacity bounds a class's capacity.
const MaxCapacity = 10000

var classView = query.View[Class]{
	Cols: `c.id, c.form_id, f.name, f.level, c.session_id, s.name, c.name, c.class_teacher_id,
		CASE WHEN u.id IS NULL THEN NULL WHEN u.name = '' THEN u.email ELSE u.name END,
		c.capacity, (SELECT count(*) FROM enrollments e WHERE e.class_id = c.id AND e.status = 'active') AS student_count,
		c.created_at, c.updated_at`,
	From: `classes c JOIN forms f ON f.id = c.form_id JOIN academic_sessions s ON s.id = c.session_id
		LEFT JOIN users u ON u.id = c.class_teacher_id`,
	ID: "c.id",
	Scan: func(r query.Scanner) (Class, error) {
		var x Class
		var teacher, capacity sql.NullInt64
		var teacherName sql.NullString
		err := r.Scan(&x.ID, &x.FormID, &x.FormName, &x.FormLevel, &x.SessionID, &x.SessionName, &x.Name, &teacher,
			&teacherName, &capacity, &x.StudentCount, &x.CreatedAt, &x.UpdatedAt)
		x.ClassTeacherID, x.ClassTeacherName, x.Capacity = intPtr(teacher), strPtr(teacherName), intPtr(capacity)
		return x, err
	},
}

var classOrdering = query.NewOrdering(map[string]string{"id": "c.id", "name": "c.name", "form": "f.level", "session": "s.start_date",
	"capacity": "c.capacity", "student_count": "student_count"}, "-session,form,name")

var classUnique = query.Conflicts{"classes.session_id, classes.name": {Field: "name", Message: "the session already has a class with this name"}}

// ListClasses returns a page of classes: the latest session first, then by form level and name.
func (s Service) ListClasses(ctx context.Context, f ClassFilter, p query.Page) ([]Class, int64, error) {
	var w query.Where
	if f.SessionID != 0 {
		w.Add("c.session_id = ?", f.SessionID)
	}
	if f.FormID != 0 {
		w.Add("c.form_id = ?", f.FormID)
	}
	if f.ClassTeacherID != 0 {
		w.Add("c.class_teacher_id = ?", f.ClassTeacherID)
	}
	w.Search(f.Search, "c.name")
	return classView.List(ctx, s.T, w, f.Order.Or(classOrdering.Default()), p)
}

// Class returns one class.
func (s Service) Class(ctx context.Context, id int64) (Class, error) {
	x, err := classView.Get(ctx, s.T.ReadDB(), id)
	return x, errs.Wrap(found(err, "class", id), "get class")
}

// ClassByName returns the class of a session with this name (case-insensitive).
func (s Service) ClassByName(ctx context.Context, sessionID int64, name string) (Class, error) {
	row, err := s.T.Read().AcademicsGetClassByName(ctx, tenantdb.AcademicsGetClassByNameParams{SessionID: sessionID, Name: strings.TrimSpace(name)})
	if errors.Is(err, sql.ErrNoRows) {
		return Class{}, errs.E(errs.NotFound, "no class named %q in session %d", name, sessionID)
	}
	if err != nil {
		return Class{}, errs.Wrap(err, "get class")
	}
	return s.Class(ctx, row.ID)
}

// checkClass validates a class (id 0 for a new one) into f; the error is for failures to
// check, not for bad input. A zero session becomes the current session.
func checkClass(ctx context.Context, q *tenantdb.Queries, f errs.Fields, id int64, in *ClassInput, before *Class) error {
	apptext.Required(f, "name", &in.Name, maxShort)
	if required(f, "form", in.FormID) {
		if _, err := q.AcademicsGetForm(ctx, in.FormID); errors.Is(err, sql.ErrNoRows) {
			f.Add("form", fmt.Sprintf("no form with id %d", in.FormID))
		} else if err != nil {
			return err
		}
	}
	if in.SessionID == 0 && before != nil {
		f.Add("session", choose("session"))
	} else if in.SessionID == 0 {
		cur, err := q.AcademicsGetCurrentSession(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			f.Add("session", "There is no current session; create one first")
		} else if err != nil {
			return err
		}
		in.SessionID = cur.ID
	} else if in.SessionID < 0 {
		f.Add("session", choose("session"))
	} else if _, err := q.AcademicsGetSession(ctx, in.SessionID); errors.Is(err, sql.ErrNoRows) {
		f.Add("session", fmt.Sprintf("no session with id %d", in.SessionID))
	} else if err != nil {
		return err
	}
	if in.ClassTeacherID != nil && required(f, "class_teacher", *in.ClassTeacherID) &&
		(before == nil || before.ClassTeacherID == nil || *before.ClassTeacherID != *in.ClassTeacherID) {
		if err := staff(ctx, q, f, "class_teacher", *in.ClassTeacherID); err != nil {
			return err
		}
	}
	if in.Capacity != nil && (*in.Capacity < 1 || *in.Capacity > MaxCapacity) {
		f.Add("capacity", fmt.Sprintf("must be a whole number from 1 to %d", MaxCapacity))
	}
	if before == nil {
		return nil
	}
	if in.Capacity != nil && *in.Capacity < before.StudentCount {
		f.Add("capacity", fmt.Sprintf("cannot be below the class's %s", plural(before.StudentCount, "active student")))
	}
	if in.SessionID != before.SessionID {
		n, err := q.AcademicsCountClassEnrollments(ctx, id)
		if err != nil {
			return err
		}
		if n > 0 {
			f.Add("session", fmt.Sprintf("cannot change: the class has %s in %s", plural(n, "enrollment"), before.SessionName))
		}
	}
	return nil
}

// CreateClass adds a class.
func (s Service) CreateClass(ctx context.Context, in ClassInput, meta auth.Meta) (Class, error) {
	var out Class
	err := write(ctx, s.T, "create class", func(q *tenantdb.Queries, tx *sql.Tx) error {
		f := errs.Fields{}
		if err := checkClass(ctx, q, f, 0, &in, nil); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		row, err := q.AcademicsCreateClass(ctx, tenantdb.AcademicsCreateClassParams{FormID: in.FormID, SessionID: in.SessionID,
			Name: in.Name, ClassTeacherID: nullInt(in.ClassTeacherID), Capacity: nullInt(in.Capacity)})
		if err != nil {
			return classUnique.Check(err)
		}
		if out, err = classView.Get(ctx, tx, row.ID); err != nil {
			return err
		}
		return audit(ctx, q, meta, "class.create", out.SessionName+" "+out.Name, map[string]any{"id": out.ID, "after": out})
	})
	return out, err
}

// UpdateClass changes a class.
func (s Service) UpdateClass(ctx context.Context, id int64, p ClassPatch, meta auth.Meta) (Class, error) {
	var out Class
	err := write(ctx, s.T, "update class", func(q *tenantdb.Queries, tx *sql.Tx) error {
		before, err := classView.Get(ctx, tx, id)
		if err != nil {
			return found(err, "class", id)
		}
		in := ClassInput{FormID: before.FormID, SessionID: before.SessionID, Name: before.Name,
			ClassTeacherID: before.ClassTeacherID, Capacity: before.Capacity}
		setIf(&in.FormID, p.FormID)
		setIf(&in.SessionID, p.SessionID)
		setIf(&in.Name, p.Name)
		if p.ClassTeacherID.Set {
			in.ClassTeacherID = p.ClassTeacherID.Ptr()
		}
		if p.Capacity.Set {
			in.Capacity = p.Capacity.Ptr()
		}
		f := errs.Fields{}
		if err := checkClass(ctx, q, f, id, &in, &before); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		if _, err := q.AcademicsUpdateClass(ctx, tenantdb.AcademicsUpdateClassParams{FormID: in.FormID, SessionID: in.SessionID,
			Name: in.Name, ClassTeacherID: nullInt(in.ClassTeacherID), Capacity: nullInt(in.Capacity), ID: id}); err != nil {
			return classUnique.Check(err)
		}
		if out, err = classView.Get(ctx, tx, id); err != nil {
			return err
		}
		return audit(ctx, q, meta, "class.update", out.SessionName+" "+out.Name, map[string]any{"id": id, "before": before, "after": out})
	})
	return out, err
}

// DeleteClass removes a class that has no enrollments; its subject assignments go with it.
func (s Service) DeleteClass(ctx context.Context, id int64, meta auth.Meta) error {
	return write(ctx, s.T, "delete class", func(q *tenantdb.Queries, tx *sql.Tx) error {
		before, err := classView.Get(ctx, tx, id)
		if err != nil {
			return found(err, "class", id)
		}
		deps, err := dependents(ctx, id,
			dependentCount{"enrollments", "student enrolled", "students enrolled", q.AcademicsCountClassEnrollments})
		if err != nil {
			return err
		}
		if len(deps) > 0 {
			return errs.InUse(deps, "%s has %s (now or before); move its students first", before.Name, errs.Labels(deps))
		}
		assignments, err := q.AcademicsCountClassAssignments(ctx, id)
		if err != nil {
			return err
		}
		if _, err := q.AcademicsDeleteClass(ctx, id); err != nil {
			return classUnique.Check(err)
		}
		return audit(ctx, q, meta, "class.delete", before.SessionName+" "+before.Name, map[string]any{"id": id, "before": before,
			"subject_assignments_removed": assignments})
	})
}
