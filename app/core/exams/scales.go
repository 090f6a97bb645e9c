package exams

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	apptext "github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Band is a range of whole percentages with its grade. A band covers [Min, the next
// band's Min): a percentage is rounded to one decimal and then graded, so 79.5 is in the
// band that starts at 75, not the one that starts at 80. Max is the last whole percentage
// the band is written with (79 in "75-79"); the top band ends at 100.
type Band struct {
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Grade  string  `json:"grade"`
	Points float64 `json:"points"`
	Remark string  `json:"remark"`
}

// ScaleForm is a form graded on a scale.
type ScaleForm struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Scale is a grading scale: its bands, highest first, and the forms graded on it (a
// form on no scale of its own is graded on the default scale).
type Scale struct {
	ID        int64       `json:"id"`
	Name      string      `json:"name"`
	IsDefault bool        `json:"is_default"`
	Forms     []ScaleForm `json:"forms"`
	Bands     []Band      `json:"bands"`
	CreatedAt string      `json:"created_at"`
	UpdatedAt string      `json:"updated_at"`
}

// ScaleInput creates a scale.
type ScaleInput struct {
	Name      string  `json:"name"`
	IsDefault bool    `json:"is_default"`
	Forms     []int64 `json:"forms"`
	Bands     *[]Band `json:"bands"`
}

// ScalePatch changes a scale; nil fields stay as they are. Bands and forms, when sent,
// replace the scale's.
type ScalePatch struct {
	Name      *string  `json:"name"`
	IsDefault *bool    `json:"is_default"`
	Forms     *[]int64 `json:"forms"`
	Bands     *[]Band  `json:"bands"`
}

// ScaleFilter narrows the list of scales (there are few; it is not paged in SQL).
type ScaleFilter struct{}

// grade finds the band of a percentage given in tenths (bands highest first).
func grade(bands []Band, pct int64) Band {
	for _, b := range bands {
		if int64(b.Min)*10 <= pct {
			return b
		}
	}
	if len(bands) == 0 {
		return Band{}
	}
	return bands[len(bands)-1]
}

// gradeOfPoints is the mean grade of mean points in hundredths: the band with the most
// points not above the mean rounded to a whole number (half up), as KCSE-style mean
// grades are read; the lowest band when none is that low.
func gradeOfPoints(bands []Band, hundredths int64) Band {
	whole := float64((hundredths + 50) / 100)
	best := -1
	for i, b := range bands {
		if b.Points <= whole+1e-9 && (best < 0 || b.Points > bands[best].Points) {
			best = i
		}
	}
	if best < 0 {
		if len(bands) == 0 {
			return Band{}
		}
		return bands[len(bands)-1]
	}
	return bands[best]
}

// checkBands validates bands: whole percentages covering 0 to 100 once, grades that
// differ, and points that do not fall as percentages rise. It returns them highest first.
func checkBands(f errs.Fields, in []Band) []Band {
	if len(in) == 0 {
		f.Add("bands", "are required: at least one band, covering 0 to 100")
		return nil
	}
	if len(in) > 50 {
		f.Add("bands", "may be at most 50")
		return nil
	}
	type idx struct {
		Band
		i int
	}
	var ok []idx
	seen := map[string]int{}
	for i, b := range in {
		field := fmt.Sprintf("bands[%d]", i)
		var msg string
		b.Grade, msg = apptext.Line(b.Grade, 10)
		b.Remark, _ = apptext.Line(b.Remark, maxRemark)
		switch {
		case msg != "":
			f.Add(field, "grade "+msg)
		case b.Grade == "":
			f.Add(field, "grade is required")
		case b.Min != math.Trunc(b.Min) || b.Max != math.Trunc(b.Max):
			f.Add(field, "min and max must be whole percentages (a band covers min up to the next band's min)")
		case b.Min < 0 || b.Max > 100 || b.Min > b.Max:
			f.Add(field, fmt.Sprintf("%g-%g is not a range within 0-100", b.Min, b.Max))
		case b.Points < 0 || b.Points > 100 || math.Abs(b.Points*100-math.Round(b.Points*100)) > 1e-6:
			f.Add(field, "points must be from 0 to 100 with at most two decimals")
		case seen[strings.ToUpper(b.Grade)] > 0:
			f.Add(field, fmt.Sprintf("grade %s is used twice (also bands[%d])", b.Grade, seen[strings.ToUpper(b.Grade)]-1))
		default:
			if _, msg := apptext.Line(b.Remark, maxRemark); msg != "" {
				f.Add(field, "remark "+msg)
				continue
			}
			seen[strings.ToUpper(b.Grade)] = i + 1
			ok = append(ok, idx{b, i})
		}
	}
	if len(ok) != len(in) {
		return nil
	}
	sort.Slice(ok, func(a, b int) bool { return ok[a].Min < ok[b].Min })
	if ok[0].Min != 0 {
		f.Add(fmt.Sprintf("bands[%d]", ok[0].i), fmt.Sprintf("nothing covers 0 to %g: the lowest band must start at 0", ok[0].Min-1))
	}
	for k := 1; k < len(ok); k++ {
		prev, b := ok[k-1], ok[k]
		field := fmt.Sprintf("bands[%d]", b.i)
		switch {
		case b.Min > prev.Max+1:
			f.Add(field, fmt.Sprintf("gap: nothing covers %g to %g (between %s %g-%g and %s %g-%g)",
				prev.Max+1, b.Min-1, prev.Grade, prev.Min, prev.Max, b.Grade, b.Min, b.Max))
		case b.Min < prev.Max+1:
			f.Add(field, fmt.Sprintf("%s %g-%g overlaps %s %g-%g", b.Grade, b.Min, b.Max, prev.Grade, prev.Min, prev.Max))
		case b.Points < prev.Points:
			f.Add(field, fmt.Sprintf("%s has fewer points than the lower band %s", b.Grade, prev.Grade))
		}
	}
	if last := ok[len(ok)-1]; last.Max != 100 {
		f.Add(fmt.Sprintf("bands[%d]", last.i), fmt.Sprintf("nothing covers %g to 100: the top band must end at 100", last.Max+1))
	}
	out := make([]Band, len(ok))
	for k := range ok {
		out[len(ok)-1-k] = ok[k].Band
	}
	return out
}

// ListScales returns every grading scale, the default first.
func (s Service) ListScales(ctx context.Context, _ ScaleFilter, p query.Page) ([]Scale, int64, error) {
	var out []Scale
	err := read(ctx, s.T, "list grading scales", func(q *tenantdb.Queries, _ tenantdb.DBTX) error {
		rows, err := q.ExamsListScales(ctx)
		if err != nil {
			return err
		}
		for _, r := range rows {
			sc, err := scaleOf(ctx, q, r)
			if err != nil {
				return err
			}
			out = append(out, sc)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return query.Slice(out, p), int64(len(out)), nil
}

// Scale returns one grading scale.
func (s Service) Scale(ctx context.Context, id int64) (Scale, error) {
	var out Scale
	err := read(ctx, s.T, "get grading scale", func(q *tenantdb.Queries, _ tenantdb.DBTX) error {
		r, err := q.ExamsGetScale(ctx, id)
		if err != nil {
			return found(err, "grading scale", id)
		}
		out, err = scaleOf(ctx, q, r)
		return err
	})
	return out, err
}

func scaleOf(ctx context.Context, q *tenantdb.Queries, r tenantdb.GradingScale) (Scale, error) {
	out := Scale{ID: r.ID, Name: r.Name, IsDefault: r.IsDefault, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Forms: []ScaleForm{}}
	bands, err := q.ExamsScaleBands(ctx, r.ID)
	if err != nil {
		return out, err
	}
	for _, b := range bands {
		out.Bands = append(out.Bands, Band{Min: float64(b.MinPercent), Max: float64(b.MaxPercent), Grade: b.Grade,
			Points: b.Points, Remark: b.Remark})
	}
	forms, err := q.ExamsScaleForms(ctx, r.ID)
	if err != nil {
		return out, err
	}
	for _, f := range forms {
		out.Forms = append(out.Forms, ScaleForm{ID: f.FormID, Name: f.Name})
	}
	return out, nil
}

// scaleFor is the scale a form is graded on: its own, or the default.
func scaleFor(ctx context.Context, q *tenantdb.Queries, formID int64) (Scale, error) {
	id, err := q.ExamsFormScaleID(ctx, formID)
	var r tenantdb.GradingScale
	switch {
	case errors.Is(err, sql.ErrNoRows):
		r, err = q.ExamsGetDefaultScale(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return Scale{}, errs.E(errs.Conflict, "the school has no default grading scale")
		}
	case err == nil:
		r, err = q.ExamsGetScale(ctx, id)
	}
	if err != nil {
		return Scale{}, err
	}
	return scaleOf(ctx, q, r)
}

var scaleUnique = query.Conflicts{"grading_scales.name": {Field: "name", Message: "another grading scale has this name"}}

// CreateScale adds a grading scale.
func (s Service) CreateScale(ctx context.Context, in ScaleInput, meta auth.Meta) (Scale, error) {
	var out Scale
	err := write(ctx, s.T, "create grading scale", func(q *tenantdb.Queries, tx *sql.Tx) error {
		f := errs.Fields{}
		apptext.Required(f, "name", &in.Name, maxName)
		var bands []Band
		if in.Bands == nil {
			f.Add("bands", "are required: at least one band, covering 0 to 100")
		} else {
			bands = checkBands(f, *in.Bands)
		}
		if err := checkForms(ctx, q, f, in.Forms); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		id, err := q.ExamsCreateScale(ctx, tenantdb.ExamsCreateScaleParams{Name: in.Name, IsDefault: false})
		if err != nil {
			return scaleUnique.Check(err)
		}
		if err := saveScale(ctx, q, id, in.IsDefault, in.Name, &bands, &in.Forms); err != nil {
			return err
		}
		r, err := q.ExamsGetScale(ctx, id)
		if err != nil {
			return err
		}
		if out, err = scaleOf(ctx, q, r); err != nil {
			return err
		}
		return audit(ctx, q, meta, "grading_scale.create", out.Name, map[string]any{"id": id, "after": out})
	})
	return out, err
}

// UpdateScale changes a grading scale. The default scale stays the default until
// another is made the default.
func (s Service) UpdateScale(ctx context.Context, id int64, p ScalePatch, meta auth.Meta) (Scale, error) {
	var out Scale
	err := write(ctx, s.T, "update grading scale", func(q *tenantdb.Queries, tx *sql.Tx) error {
		r, err := q.ExamsGetScale(ctx, id)
		if err != nil {
			return found(err, "grading scale", id)
		}
		before, err := scaleOf(ctx, q, r)
		if err != nil {
			return err
		}
		f := errs.Fields{}
		name := before.Name
		if p.Name != nil {
			name = *p.Name
			apptext.Required(f, "name", &name, maxName)
		}
		isDefault := before.IsDefault
		if p.IsDefault != nil {
			if before.IsDefault && !*p.IsDefault {
				f.Add("is_default", "a school always has a default scale: make another scale the default instead")
			}
			isDefault = *p.IsDefault
		}
		var bands *[]Band
		if p.Bands != nil {
			b := checkBands(f, *p.Bands)
			bands = &b
		}
		if p.Forms != nil {
			if err := checkForms(ctx, q, f, *p.Forms); err != nil {
				return err
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := saveScale(ctx, q, id, isDefault, name, bands, p.Forms); err != nil {
			return err
		}
		if r, err = q.ExamsGetScale(ctx, id); err != nil {
			return err
		}
		if out, err = scaleOf(ctx, q, r); err != nil {
			return err
		}
		return audit(ctx, q, meta, "grading_scale.update", out.Name, map[string]any{"id": id, "before": before, "after": out})
	})
	return out, err
}

// saveScale writes a checked scale's name, default flag, and (when not nil) its bands
// and forms.
func saveScale(ctx context.Context, q *tenantdb.Queries, id int64, isDefault bool, name string, bands *[]Band, forms *[]int64) error {
	if isDefault {
		if err := q.ExamsClearDefaultScale(ctx, id); err != nil {
			return err
		}
	}
	if err := q.ExamsUpdateScale(ctx, tenantdb.ExamsUpdateScaleParams{Name: name, IsDefault: isDefault, ID: id}); err != nil {
		return scaleUnique.Check(err)
	}
	if bands != nil {
		if err := q.ExamsDeleteBands(ctx, id); err != nil {
			return err
		}
		for _, b := range *bands {
			if err := q.ExamsInsertBand(ctx, tenantdb.ExamsInsertBandParams{ScaleID: id, MinPercent: int64(b.Min),
				MaxPercent: int64(b.Max), Grade: b.Grade, Points: math.Round(b.Points*100) / 100, Remark: b.Remark}); err != nil {
				return err
			}
		}
	}
	if forms != nil {
		if err := q.ExamsClearScaleForms(ctx, id); err != nil {
			return err
		}
		for _, f := range *forms {
			if err := q.ExamsSetFormScale(ctx, tenantdb.ExamsSetFormScaleParams{FormID: f, ScaleID: id}); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkForms checks that every id names a form, once.
func checkForms(ctx context.Context, q *tenantdb.Queries, f errs.Fields, ids []int64) error {
	seen := map[int64]bool{}
	for i, id := range ids {
		field := fmt.Sprintf("forms[%d]", i)
		if seen[id] {
			f.Add(field, fmt.Sprintf("form %d is listed twice", id))
			continue
		}
		seen[id] = true
		_, err := q.ExamsGetForm(ctx, id)
		if err := ref(f, field, "form", id, err); err != nil {
			return err
		}
	}
	return nil
}

// DeleteScale removes a grading scale that is not the default; its forms go back to
// the default scale.
func (s Service) DeleteScale(ctx context.Context, id int64, meta auth.Meta) error {
	return write(ctx, s.T, "delete grading scale", func(q *tenantdb.Queries, tx *sql.Tx) error {
		r, err := q.ExamsGetScale(ctx, id)
		if err != nil {
			return found(err, "grading scale", id)
		}
		if r.IsDefault {
			return errs.E(errs.Conflict, "%s is the default scale; make another scale the default first", r.Name)
		}
		before, err := scaleOf(ctx, q, r)
		if err != nil {
			return err
		}
		if _, err := q.ExamsDeleteScale(ctx, id); err != nil {
			return err
		}
		return audit(ctx, q, meta, "grading_scale.delete", r.Name, map[string]any{"id": id, "before": before})
	})
}

// gradesOf are the grades of a scale, highest first.
func gradesOf(sc Scale) []string {
	out := make([]string, len(sc.Bands))
	for i, b := range sc.Bands {
		out[i] = b.Grade
	}
	return out
}
