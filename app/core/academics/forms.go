package academics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	apptext "github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Form is a grade level ("Form 1", "JSS 2"); Level orders the forms and decides which form
// comes next at promotion.
type Form struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Level      int64  `json:"level"`
	LevelBlock string `json:"level_block"`
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
}

// FormInput creates a form. Level is a whole number from 1 to MaxLevel, unique in the school.
type FormInput struct {
	Name       string `json:"name"`
	Level      int64  `json:"level"`
	LevelBlock string `json:"level_block"` // optional, e.g. "O Level"
}

// FormPatch changes a form; nil fields stay as they are.
type FormPatch struct {
	Name       *string `json:"name"`
	Level      *int64  `json:"level"`
	LevelBlock *string `json:"level_block"`
}

// FormFilter narrows a list of forms.
type FormFilter struct {
	Search string // in the name and level block
	Order  query.Order
}

// MaxLevel is the highest form level.
const MaxLevel = 99

func (in *FormInput) check(f errs.Fields) {
	apptext.Required(f, "name", &in.Name, maxShort)
	if in.Level < 1 || in.Level > MaxLevel {
		f.Add("level", fmt.Sprintf("must be a whole number from 1 to %d", MaxLevel))
	}
	var msg string
	if in.LevelBlock, msg = apptext.Line(in.LevelBlock, maxShort); msg != "" {
		f.Add("level_block", msg)
	}
}

var formView = query.View[Form]{
	Cols: "id, name, level, level_block, created_at, updated_at",
	From: "forms",
	ID:   "id",
	Scan: func(r query.Scanner) (Form, error) {
		var x Form
		err := r.Scan(&x.ID, &x.Name, &x.Level, &x.LevelBlock, &x.CreatedAt, &x.UpdatedAt)
		return x, err
	},
}

var formOrdering = query.NewOrdering(map[string]string{"id": "id", "name": "name", "level": "level", "level_block": "level_block"}, "level")

var formUnique = query.Conflicts{
	"forms.name":  {Field: "name", Message: "another form already has this name"},
	"forms.level": {Field: "level", Message: "another form already has this level"},
}

// ListForms returns a page of forms, lowest level first.
func (s Service) ListForms(ctx context.Context, f FormFilter, p query.Page) ([]Form, int64, error) {
	var w query.Where
	w.Search(f.Search, "name", "level_block")
	return formView.List(ctx, s.T, w, f.Order.Or(formOrdering.Default()), p)
}

// Form returns one form.
func (s Service) Form(ctx context.Context, id int64) (Form, error) {
	row, err := s.T.Read().AcademicsGetForm(ctx, id)
	if err != nil {
		return Form{}, errs.Wrap(found(err, "form", id), "get form")
	}
	return Form(row), nil
}

// FormByLevel returns the form at a level (e.g. the next form at promotion).
func (s Service) FormByLevel(ctx context.Context, level int64) (Form, error) {
	row, err := s.T.Read().AcademicsGetFormByLevel(ctx, level)
	if errors.Is(err, sql.ErrNoRows) {
		return Form{}, errs.E(errs.NotFound, "no form at level %d", level)
	}
	if err != nil {
		return Form{}, errs.Wrap(err, "get form")
	}
	return Form(row), nil
}

// CreateForm adds a form.
func (s Service) CreateForm(ctx context.Context, in FormInput, meta auth.Meta) (Form, error) {
	f := errs.Fields{}
	in.check(f)
	if err := f.Err(); err != nil {
		return Form{}, err
	}
	var out Form
	err := write(ctx, s.T, "create form", func(q *tenantdb.Queries, _ *sql.Tx) error {
		row, err := q.AcademicsCreateForm(ctx, tenantdb.AcademicsCreateFormParams{Name: in.Name, Level: in.Level, LevelBlock: in.LevelBlock})
		if err != nil {
			return formUnique.Check(err)
		}
		out = Form(row)
		return audit(ctx, q, meta, "form.create", out.Name, map[string]any{"id": out.ID, "after": out})
	})
	return out, err
}

// UpdateForm changes a form.
func (s Service) UpdateForm(ctx context.Context, id int64, p FormPatch, meta auth.Meta) (Form, error) {
	var out Form
	err := write(ctx, s.T, "update form", func(q *tenantdb.Queries, _ *sql.Tx) error {
		row, err := q.AcademicsGetForm(ctx, id)
		if err != nil {
			return found(err, "form", id)
		}
		before := Form(row)
		in := FormInput{Name: before.Name, Level: before.Level, LevelBlock: before.LevelBlock}
		setIf(&in.Name, p.Name)
		setIf(&in.Level, p.Level)
		setIf(&in.LevelBlock, p.LevelBlock)
		f := errs.Fields{}
		in.check(f)
		if err := f.Err(); err != nil {
			return err
		}
		row, err = q.AcademicsUpdateForm(ctx, tenantdb.AcademicsUpdateFormParams{Name: in.Name, Level: in.Level, LevelBlock: in.LevelBlock, ID: id})
		if err != nil {
			return formUnique.Check(err)
		}
		out = Form(row)
		return audit(ctx, q, meta, "form.update", out.Name, map[string]any{"id": id, "before": before, "after": out})
	})
	return out, err
}

// DeleteForm removes a form nothing refers to: no classes, no applications for admission
// and no subjects in its curriculum. Otherwise it is a Conflict listing them.
func (s Service) DeleteForm(ctx context.Context, id int64, meta auth.Meta) error {
	return write(ctx, s.T, "delete form", func(q *tenantdb.Queries, _ *sql.Tx) error {
		row, err := q.AcademicsGetForm(ctx, id)
		if err != nil {
			return found(err, "form", id)
		}
		subjects, err := q.AcademicsFormSubjects(ctx, id)
		if err != nil {
			return err
		}
		deps, err := dependents(ctx, id,
			dependentCount{"classes", "class", "classes", q.AcademicsCountFormClasses},
			dependentCount{"admissions", "application for admission", "applications for admission", q.AcademicsCountFormAdmissions},
			dependentCount{"curriculum", "subject in its curriculum", "subjects in its curriculum",
				func(context.Context, int64) (int64, error) { return int64(len(subjects)), nil }})
		if err != nil {
			return err
		}
		if len(deps) > 0 {
			return errs.InUse(deps, "%s has %s; delete or move them first", row.Name, errs.Labels(deps))
		}
		if _, err := q.AcademicsDeleteForm(ctx, id); err != nil {
			return formUnique.Check(err)
		}
		return audit(ctx, q, meta, "form.delete", row.Name, map[string]any{"id": id, "before": Form(row),
			"curriculum_before": subjectIDs(subjects)})
	})
}
