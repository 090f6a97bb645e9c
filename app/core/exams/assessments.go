package exams

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	apptext "github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Kinds of assessment.
var Kinds = []string{"test", "exam", "assignment", "project"}

// Assessment is one piece of assessed work of a class in a subject and term.
type Assessment struct {
	ID          int64   `json:"id"`
	TermID      int64   `json:"term"`
	TermName    string  `json:"term_name"`
	ClassID     int64   `json:"class"`
	ClassName   string  `json:"class_name"`
	FormID      int64   `json:"form"`
	SubjectID   int64   `json:"subject"`
	SubjectCode string  `json:"subject_code"`
	SubjectName string  `json:"subject_name"`
	TeacherID   *int64  `json:"teacher"` // who teaches the subject to the class
	TeacherName string  `json:"teacher_name"`
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	Date        string  `json:"date"`
	MaxScore    float64 `json:"max_score"`
	Weight      float64 `json:"weight"`
	Marked      int64   `json:"marked"` // students with a mark (a score, absent or exempt)
	// Status is where the class's report cards are; "published" locks the marks.
	Status    string `json:"status"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// Locked reports whether the assessment's marks are locked by published results.
func (a Assessment) Locked() bool { return a.Status == StatusPublished }

// AssessmentInput creates an assessment. Term 0 is the current term; a missing weight
// is 1 (weights of a class's subject need not add up to anything: results divide by
// their sum).
type AssessmentInput struct {
	TermID    int64    `json:"term"`
	ClassID   int64    `json:"class"`
	SubjectID int64    `json:"subject"`
	Name      string   `json:"name"`
	Kind      string   `json:"kind"`
	Date      string   `json:"date"`
	MaxScore  *float64 `json:"max_score"`
	Weight    *float64 `json:"weight"`
}

// AssessmentPatch changes an assessment; nil fields stay as they are. Its class,
// subject and term do not change: marks belong to them.
type AssessmentPatch struct {
	Name     *string  `json:"name"`
	Kind     *string  `json:"kind"`
	Date     *string  `json:"date"`
	MaxScore *float64 `json:"max_score"`
	Weight   *float64 `json:"weight"`
}

// AssessmentFilter narrows a list of assessments; zero values do not filter.
type AssessmentFilter struct {
	TermID    int64
	ClassID   int64
	FormID    int64
	SubjectID int64
	TeacherID int64 // assessments of subjects this teacher teaches
	Kind      string
	Search    string // in the name, the subject's code and name, the class name
	Order     query.Order
}

const assessmentStatus = `coalesce((SELECT w.status FROM report_workflow w WHERE w.term_id = a.term_id AND w.class_id = a.class_id), 'draft')`

var assessmentView = query.View[Assessment]{
	Cols: `a.id, a.term_id, t.name, a.class_id, c.name, c.form_id, a.subject_id, sub.code, sub.name, sa.teacher_id,
		coalesce(CASE WHEN u.name = '' THEN u.email ELSE u.name END, ''), a.name, a.kind, a.date, a.max_tenths, a.weight,
		(SELECT count(*) FROM scores sc WHERE sc.assessment_id = a.id), ` + assessmentStatus + `, a.created_at, a.updated_at`,
	From: `assessments a JOIN terms t ON t.id = a.term_id JOIN classes c ON c.id = a.class_id
		JOIN subjects sub ON sub.id = a.subject_id
		LEFT JOIN subject_assignments sa ON sa.class_id = a.class_id AND sa.subject_id = a.subject_id
		LEFT JOIN users u ON u.id = sa.teacher_id`,
	ID: "a.id",
	Scan: func(r query.Scanner) (Assessment, error) {
		var x Assessment
		var teacher sql.NullInt64
		var max int64
		err := r.Scan(&x.ID, &x.TermID, &x.TermName, &x.ClassID, &x.ClassName, &x.FormID, &x.SubjectID, &x.SubjectCode,
			&x.SubjectName, &teacher, &x.TeacherName, &x.Name, &x.Kind, &x.Date, &max, &x.Weight, &x.Marked, &x.Status,
			&x.CreatedAt, &x.UpdatedAt)
		if teacher.Valid {
			x.TeacherID = &teacher.Int64
		}
		x.MaxScore = fromTenths(max)
		return x, err
	},
}

// AssessmentOrdering is the whitelist of the list's orderings.
var AssessmentOrdering = query.NewOrdering(map[string]string{"id": "a.id", "date": "a.date", "name": "a.name COLLATE NOCASE",
	"class": "c.name", "subject": "sub.name", "term": "t.start_date", "created_at": "a.created_at"}, "-term,class,subject,date")

// ListAssessments returns a page of assessments: the latest term first, then by class,
// subject and date. A teacher sees those of the classes they teach or lead.
func (s Service) ListAssessments(ctx context.Context, v Viewer, f AssessmentFilter, p query.Page) ([]Assessment, int64, error) {
	if f.Kind != "" && !slices.Contains(Kinds, f.Kind) {
		return nil, 0, errs.Field("kind", "must be one of "+strings.Join(Kinds, ", "))
	}
	var w query.Where
	for _, c := range []struct {
		col string
		id  int64
	}{{"a.term_id", f.TermID}, {"a.class_id", f.ClassID}, {"c.form_id", f.FormID}, {"a.subject_id", f.SubjectID}, {"sa.teacher_id", f.TeacherID}} {
		if c.id != 0 {
			w.Add(c.col+" = ?", c.id)
		}
	}
	if f.Kind != "" {
		w.Add("a.kind = ?", f.Kind)
	}
	if v.Scoped() {
		w.Add(`(a.class_id IN (SELECT class_id FROM subject_assignments WHERE teacher_id = ?) OR c.class_teacher_id = ?)`,
			v.TeacherID, v.TeacherID)
	}
	w.Search(f.Search, "a.name", "sub.code", "sub.name", "c.name")
	return assessmentView.List(ctx, s.T, w, f.Order.Or(AssessmentOrdering.Default()), p)
}

// Assessment returns one assessment the viewer may see.
func (s Service) Assessment(ctx context.Context, v Viewer, id int64) (Assessment, error) {
	var out Assessment
	err := read(ctx, s.T, "get assessment", func(q *tenantdb.Queries, d tenantdb.DBTX) error {
		var err error
		out, err = assessmentView.Get(ctx, d, id)
		if err != nil {
			return found(err, "assessment", id)
		}
		c, err := q.ExamsGetClass(ctx, out.ClassID)
		if err != nil {
			return err
		}
		return canSeeClass(ctx, q, v, c)
	})
	return out, err
}

// tenths is x in tenths, if x has at most one decimal.
func tenths(x float64) (int64, bool) {
	r := math.Round(x * 10)
	return int64(r), math.Abs(x*10-r) < 1e-6
}

func fromTenths(n int64) float64 { return float64(n) / 10 }

const (
	maxMaxScore = 1000
	maxWeight   = 1000
)

// checked is a validated assessment, ready to be written.
type checked struct {
	term    term
	class   class
	subject tenantdb.ExamsGetSubjectRow
	in      AssessmentInput
	max     int64
	weight  float64
}

// checkAssessment validates an assessment; every bad field is named in one error.
func checkAssessment(ctx context.Context, q *tenantdb.Queries, in AssessmentInput) (checked, error) {
	f := errs.Fields{}
	out := checked{in: in}
	var err error
	out.term, err = termOrCurrent(ctx, q, in.TermID)
	if e := errs.As(err); err != nil && e.Code == errs.Invalid {
		f.Add("term", e.Fields["term"])
	} else if err != nil {
		return out, err
	}
	c, err := q.ExamsGetClass(ctx, in.ClassID)
	if err := ref(f, "class", "class", in.ClassID, err); err != nil {
		return out, err
	}
	out.class = c
	sub, err := q.ExamsGetSubject(ctx, in.SubjectID)
	if err := ref(f, "subject", "subject", in.SubjectID, err); err != nil {
		return out, err
	}
	out.subject = sub
	if c.ID != 0 && out.term.ID != 0 && c.SessionID != out.term.SessionID {
		f.Add("class", fmt.Sprintf("%s is a class of another session than %s %s", c.Name, out.term.SessionName, out.term.Name))
	}
	if c.ID != 0 && sub.ID != 0 {
		n, err := q.ExamsInCurriculum(ctx, tenantdb.ExamsInCurriculumParams{FormID: c.FormID, SubjectID: sub.ID})
		if err != nil {
			return out, err
		}
		if n == 0 {
			f.Add("subject", fmt.Sprintf("%s is not taught to %s (it is not in the form's curriculum)", sub.Name, c.FormName))
		}
	}
	checkFields(f, &out, out.term)
	return out, f.Err()
}

// checkFields validates the fields an assessment's patch may change too.
func checkFields(f errs.Fields, out *checked, t term) {
	in := &out.in
	apptext.Required(f, "name", &in.Name, maxName)
	in.Kind = strings.ToLower(strings.TrimSpace(in.Kind))
	if !slices.Contains(Kinds, in.Kind) {
		f.Add("kind", "must be one of "+strings.Join(Kinds, ", "))
	}
	in.Date = strings.TrimSpace(in.Date)
	switch {
	case in.Date == "":
		f.Add("date", "is required (YYYY-MM-DD)")
	case !validDate(in.Date):
		f.Add("date", "must be a date written YYYY-MM-DD")
	case t.ID != 0 && (in.Date < t.StartDate || in.Date > t.EndDate):
		f.Add("date", fmt.Sprintf("must be within %s (%s to %s)", t.Name, t.StartDate, t.EndDate))
	}
	switch m, ok := tenthsOf(in.MaxScore); {
	case in.MaxScore == nil:
		f.Add("max_score", "is required (a number above 0)")
	case *in.MaxScore <= 0 || *in.MaxScore > maxMaxScore:
		f.Add("max_score", fmt.Sprintf("must be above 0 and at most %d", maxMaxScore))
	case !ok:
		f.Add("max_score", "may have at most one decimal")
	default:
		out.max = m
	}
	out.weight = 1
	if in.Weight != nil {
		w := *in.Weight
		switch {
		case w < 0:
			f.Add("weight", "must not be negative")
		case w > maxWeight:
			f.Add("weight", fmt.Sprintf("must be at most %d", maxWeight))
		case math.Abs(w*100-math.Round(w*100)) > 1e-6:
			f.Add("weight", "may have at most two decimals")
		default:
			out.weight = math.Round(w*100) / 100
		}
	}
}

func tenthsOf(p *float64) (int64, bool) {
	if p == nil {
		return 0, false
	}
	return tenths(*p)
}

var assessmentUnique = query.Conflicts{
	"assessments.term_id, assessments.class_id, assessments.subject_id, assessments.name": {Field: "name",
		Message: "the class already has an assessment of this name in this subject and term"},
}

func assessmentTarget(a Assessment) string {
	return a.ClassName + " " + a.SubjectCode + " " + a.TermName + " " + a.Name
}

// CreateAssessment adds an assessment. A teacher may add one only for a subject they
// teach to the class; nobody may while the class's results for the term are published.
func (s Service) CreateAssessment(ctx context.Context, v Viewer, in AssessmentInput, meta auth.Meta) (Assessment, error) {
	var out Assessment
	err := write(ctx, s.T, "create assessment", func(q *tenantdb.Queries, tx *sql.Tx) error {
		c, err := checkAssessment(ctx, q, in)
		if err != nil {
			return err
		}
		if err := canMark(ctx, q, v, c.class, c.subject.ID, c.subject.Name); err != nil {
			return err
		}
		if err := unlocked(ctx, q, c.term, c.class); err != nil {
			return err
		}
		id, err := q.ExamsCreateAssessment(ctx, tenantdb.ExamsCreateAssessmentParams{TermID: c.term.ID, ClassID: c.class.ID,
			SubjectID: c.subject.ID, Name: c.in.Name, Kind: c.in.Kind, Date: c.in.Date, MaxTenths: c.max, Weight: c.weight,
			CreatedBy: actorID(meta)})
		if err != nil {
			return assessmentUnique.Check(err)
		}
		if out, err = assessmentView.Get(ctx, tx, id); err != nil {
			return err
		}
		return audit(ctx, q, meta, "assessment.create", assessmentTarget(out), map[string]any{"id": id, "after": out})
	})
	return out, err
}

// UpdateAssessment changes an assessment's name, kind, date, maximum or weight. A lower
// maximum is refused while a mark above it exists.
func (s Service) UpdateAssessment(ctx context.Context, v Viewer, id int64, p AssessmentPatch, meta auth.Meta) (Assessment, error) {
	var out Assessment
	err := write(ctx, s.T, "update assessment", func(q *tenantdb.Queries, tx *sql.Tx) error {
		before, t, c, err := s.assessmentFor(ctx, q, tx, v, id)
		if err != nil {
			return err
		}
		max, weight := before.MaxScore, before.Weight
		in := AssessmentInput{TermID: before.TermID, ClassID: before.ClassID, SubjectID: before.SubjectID, Name: before.Name,
			Kind: before.Kind, Date: before.Date, MaxScore: &max, Weight: &weight}
		set(&in.Name, p.Name)
		set(&in.Kind, p.Kind)
		set(&in.Date, p.Date)
		if p.MaxScore != nil {
			in.MaxScore = p.MaxScore
		}
		if p.Weight != nil {
			in.Weight = p.Weight
		}
		f := errs.Fields{}
		ck := checked{in: in}
		checkFields(f, &ck, t)
		if ck.max > 0 {
			top, err := q.ExamsMaxScoreOnAssessment(ctx, id)
			if err != nil {
				return err
			}
			if top > ck.max {
				f.Add("max_score", fmt.Sprintf("a student has %s on this assessment; the maximum cannot be below it", formatTenths(top)))
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := unlocked(ctx, q, t, c); err != nil {
			return err
		}
		if err := q.ExamsUpdateAssessment(ctx, tenantdb.ExamsUpdateAssessmentParams{TermID: t.ID, ClassID: c.ID,
			SubjectID: before.SubjectID, Name: ck.in.Name, Kind: ck.in.Kind, Date: ck.in.Date, MaxTenths: ck.max,
			Weight: ck.weight, ID: id}); err != nil {
			return assessmentUnique.Check(err)
		}
		if out, err = assessmentView.Get(ctx, tx, id); err != nil {
			return err
		}
		return audit(ctx, q, meta, "assessment.update", assessmentTarget(out), map[string]any{"id": id, "before": before, "after": out})
	})
	return out, err
}

// DeleteAssessment removes an assessment and its marks.
func (s Service) DeleteAssessment(ctx context.Context, v Viewer, id int64, meta auth.Meta) error {
	return write(ctx, s.T, "delete assessment", func(q *tenantdb.Queries, tx *sql.Tx) error {
		before, t, c, err := s.assessmentFor(ctx, q, tx, v, id)
		if err != nil {
			return err
		}
		if err := unlocked(ctx, q, t, c); err != nil {
			return err
		}
		if _, err := q.ExamsDeleteAssessment(ctx, id); err != nil {
			return err
		}
		return audit(ctx, q, meta, "assessment.delete", assessmentTarget(before), map[string]any{"id": id, "before": before,
			"marks_deleted": before.Marked})
	})
}

// assessmentFor reads an assessment for a change by v: 404 for none, 403 for a teacher
// who does not teach its subject to its class. Ids are not secret within a school.
func (s Service) assessmentFor(ctx context.Context, q *tenantdb.Queries, d query.Queryer, v Viewer, id int64) (Assessment, term, class, error) {
	a, err := assessmentView.Get(ctx, d, id)
	if err != nil {
		return a, term{}, class{}, found(err, "assessment", id)
	}
	t, err := q.ExamsGetTerm(ctx, a.TermID)
	if err != nil {
		return a, t, class{}, err
	}
	c, err := q.ExamsGetClass(ctx, a.ClassID)
	if err != nil {
		return a, t, c, err
	}
	return a, t, c, canMark(ctx, q, v, c, a.SubjectID, a.SubjectName)
}

func set[T any](dst *T, p *T) {
	if p != nil {
		*dst = *p
	}
}

// formatTenths writes a mark in tenths as people do: 12, 12.5.
func formatTenths(n int64) string {
	if n%10 == 0 {
		return fmt.Sprintf("%d", n/10)
	}
	return fmt.Sprintf("%d.%d", n/10, n%10)
}
