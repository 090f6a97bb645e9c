package academics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	apptext "github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Subject is something taught: a unique code ("MATH"), a name, core or elective.
type Subject struct {
	ID        int64  `json:"id"`
	Code      string `json:"code"`
	Name      string `json:"name"`
	IsCore    bool   `json:"is_core"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// SubjectInput creates a subject; IsCore nil means core.
type SubjectInput struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	IsCore *bool  `json:"is_core"`
}

// SubjectPatch changes a subject; nil fields stay as they are.
type SubjectPatch struct {
	Code   *string `json:"code"`
	Name   *string `json:"name"`
	IsCore *bool   `json:"is_core"`
}

// SubjectFilter narrows a list of subjects.
type SubjectFilter struct {
	Search string // in the code and name
	Core   *bool
	Order  query.Order
}

// Curriculum is the list of subjects a form takes.
type Curriculum struct {
	FormID   int64     `json:"form"`
	FormName string    `json:"form_name"`
	Subjects []Subject `json:"subjects"`
}

func checkSubject(f errs.Fields, code, name *string) {
	apptext.Required(f, "code", code, maxCode)
	if *code != "" && !codePattern.MatchString(*code) {
		f.Add("code", "must be letters and digits (and . _ -), without spaces")
	}
	apptext.Required(f, "name", name, maxName)
}

var subjectView = query.View[Subject]{
	Cols: "id, code, name, is_core, created_at, updated_at",
	From: "subjects",
	ID:   "id",
	Scan: func(r query.Scanner) (Subject, error) {
		var x Subject
		err := r.Scan(&x.ID, &x.Code, &x.Name, &x.IsCore, &x.CreatedAt, &x.UpdatedAt)
		return x, err
	},
}

var subjectOrdering = query.NewOrdering(map[string]string{"id": "id", "code": "code", "name": "name", "is_core": "is_core"}, "name")

var subjectUnique = query.Conflicts{"subjects.code": {Field: "code", Message: "another subject already has this code"}}

// ListSubjects returns a page of subjects, by name.
func (s Service) ListSubjects(ctx context.Context, f SubjectFilter, p query.Page) ([]Subject, int64, error) {
	var w query.Where
	w.Search(f.Search, "code", "name")
	if f.Core != nil {
		w.Add("is_core = ?", *f.Core)
	}
	return subjectView.List(ctx, s.T, w, f.Order.Or(subjectOrdering.Default()), p)
}

// Subject returns one subject.
func (s Service) Subject(ctx context.Context, id int64) (Subject, error) {
	row, err := s.T.Read().AcademicsGetSubject(ctx, id)
	if err != nil {
		return Subject{}, errs.Wrap(found(err, "subject", id), "get subject")
	}
	return Subject(row), nil
}

// SubjectByCode returns the subject with this code (case-insensitive).
func (s Service) SubjectByCode(ctx context.Context, code string) (Subject, error) {
	row, err := s.T.Read().AcademicsGetSubjectByCode(ctx, strings.TrimSpace(code))
	if errors.Is(err, sql.ErrNoRows) {
		return Subject{}, errs.E(errs.NotFound, "no subject with code %q", code)
	}
	if err != nil {
		return Subject{}, errs.Wrap(err, "get subject")
	}
	return Subject(row), nil
}

// CreateSubject adds a subject.
func (s Service) CreateSubject(ctx context.Context, in SubjectInput, meta auth.Meta) (Subject, error) {
	f := errs.Fields{}
	checkSubject(f, &in.Code, &in.Name)
	if err := f.Err(); err != nil {
		return Subject{}, err
	}
	core := in.IsCore == nil || *in.IsCore
	var out Subject
	err := write(ctx, s.T, "create subject", func(q *tenantdb.Queries, _ *sql.Tx) error {
		row, err := q.AcademicsCreateSubject(ctx, tenantdb.AcademicsCreateSubjectParams{Code: in.Code, Name: in.Name, IsCore: core})
		if err != nil {
			return subjectUnique.Check(err)
		}
		out = Subject(row)
		return audit(ctx, q, meta, "subject.create", out.Code, map[string]any{"id": out.ID, "after": out})
	})
	return out, err
}

// UpdateSubject changes a subject.
func (s Service) UpdateSubject(ctx context.Context, id int64, p SubjectPatch, meta auth.Meta) (Subject, error) {
	var out Subject
	err := write(ctx, s.T, "update subject", func(q *tenantdb.Queries, _ *sql.Tx) error {
		row, err := q.AcademicsGetSubject(ctx, id)
		if err != nil {
			return found(err, "subject", id)
		}
		before := Subject(row)
		next := tenantdb.AcademicsUpdateSubjectParams{Code: before.Code, Name: before.Name, IsCore: before.IsCore, ID: id}
		setIf(&next.Code, p.Code)
		setIf(&next.Name, p.Name)
		setIf(&next.IsCore, p.IsCore)
		f := errs.Fields{}
		checkSubject(f, &next.Code, &next.Name)
		if err := f.Err(); err != nil {
			return err
		}
		row, err = q.AcademicsUpdateSubject(ctx, next)
		if err != nil {
			return subjectUnique.Check(err)
		}
		out = Subject(row)
		return audit(ctx, q, meta, "subject.update", out.Code, map[string]any{"id": id, "before": before, "after": out})
	})
	return out, err
}

// DeleteSubject removes a subject nobody is assigned to teach and no form takes;
// otherwise it is a Conflict listing them.
func (s Service) DeleteSubject(ctx context.Context, id int64, meta auth.Meta) error {
	return write(ctx, s.T, "delete subject", func(q *tenantdb.Queries, _ *sql.Tx) error {
		row, err := q.AcademicsGetSubject(ctx, id)
		if err != nil {
			return found(err, "subject", id)
		}
		deps, err := dependents(ctx, id,
			dependentCount{"subject_assignments", "teacher assigned to it", "teachers assigned to it", q.AcademicsCountSubjectAssignments},
			dependentCount{"curriculum", "form that takes it", "forms that take it", q.AcademicsCountSubjectForms})
		if err != nil {
			return err
		}
		if len(deps) > 0 {
			return errs.InUse(deps, "%s has %s; remove them first", row.Name, errs.Labels(deps))
		}
		if _, err := q.AcademicsDeleteSubject(ctx, id); err != nil {
			return subjectUnique.Check(err)
		}
		return audit(ctx, q, meta, "subject.delete", row.Code, map[string]any{"id": id, "before": Subject(row)})
	})
}

// Curriculum returns the subjects a form takes, core subjects first.
func (s Service) Curriculum(ctx context.Context, formID int64) (Curriculum, error) {
	return curriculumOf(ctx, s.T.Read(), formID)
}

func curriculumOf(ctx context.Context, q *tenantdb.Queries, formID int64) (Curriculum, error) {
	form, err := q.AcademicsGetForm(ctx, formID)
	if err != nil {
		return Curriculum{}, errs.Wrap(found(err, "form", formID), "get form")
	}
	rows, err := q.AcademicsFormSubjects(ctx, formID)
	if err != nil {
		return Curriculum{}, errs.Wrap(err, "curriculum")
	}
	out := Curriculum{FormID: form.ID, FormName: form.Name, Subjects: make([]Subject, 0, len(rows))}
	for _, r := range rows {
		out.Subjects = append(out.Subjects, Subject(r))
	}
	return out, nil
}

// SetCurriculum replaces the list of subjects a form takes (repeated ids count once; an
// empty list clears it).
func (s Service) SetCurriculum(ctx context.Context, formID int64, subjects []int64, meta auth.Meta) (Curriculum, error) {
	ids := slices.Clone(subjects)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var out Curriculum
	err := write(ctx, s.T, "set curriculum", func(q *tenantdb.Queries, _ *sql.Tx) error {
		before, err := curriculumOf(ctx, q, formID)
		if err != nil {
			return err
		}
		var missing []string
		for _, id := range ids {
			if _, err := q.AcademicsGetSubject(ctx, id); errors.Is(err, sql.ErrNoRows) {
				missing = append(missing, fmt.Sprint(id))
			} else if err != nil {
				return err
			}
		}
		if len(missing) > 0 {
			return errs.Field("subjects", "no subject with id "+strings.Join(missing, ", "))
		}
		if err := q.AcademicsClearCurriculum(ctx, formID); err != nil {
			return err
		}
		for _, id := range ids {
			if err := q.AcademicsAddCurriculum(ctx, tenantdb.AcademicsAddCurriculumParams{FormID: formID, SubjectID: id}); err != nil {
				return err
			}
		}
		if out, err = curriculumOf(ctx, q, formID); err != nil {
			return err
		}
		return audit(ctx, q, meta, "curriculum.set", out.FormName, map[string]any{"form": formID,
			"before": subjectIDs(before.Subjects), "after": subjectIDs(out.Subjects)})
	})
	return out, err
}

// subjectIDs lists the ids of subjects (rows of either type), for audit entries.
func subjectIDs[S Subject | tenantdb.Subject](xs []S) []int64 {
	out := make([]int64, 0, len(xs))
	for _, x := range xs {
		out = append(out, Subject(x).ID)
	}
	return out
}
