package students

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Promotion actions.
const (
	ActionPromote  = "promote"  // to a class of the next form up
	ActionRepeat   = "repeat"   // to a class of the same form
	ActionGraduate = "graduate" // no higher form: the student leaves as a graduate
	ActionSkip     = "skip"     // already enrolled in the target session: left alone
)

// PromotionInput asks to move the students of one session into the next. Overrides
// replace the proposed action (and class) of single students.
type PromotionInput struct {
	FromSession int64               `json:"from_session"`
	ToSession   int64               `json:"to_session"`
	Overrides   []PromotionOverride `json:"overrides"`
}

// PromotionOverride is a reviewer's decision for one student. Class is optional for
// promote and repeat (the proposed class is used) and must be empty for graduate.
type PromotionOverride struct {
	Student int64  `json:"student"`
	Action  string `json:"action"`
	Class   int64  `json:"class"`
}

// PromotionPlan is what a promotion does (preview) or did (commit).
type PromotionPlan struct {
	FromSession SessionRef       `json:"from_session"`
	ToSession   SessionRef       `json:"to_session"`
	Students    []PromotionRow   `json:"students"`
	Classes     []PromotionClass `json:"classes"`
	Counts      map[string]int   `json:"counts"`
	// Problems name what would stop a commit (full classes, students with no class to go to).
	Problems map[string]string `json:"problems"`
}

// PromotionRow is one student's move.
type PromotionRow struct {
	Student    StudentRef `json:"student"`
	Enrollment int64      `json:"enrollment"`
	FromClass  ClassRef   `json:"from_class"`
	Action     string     `json:"action"`
	ToClass    *ClassRef  `json:"to_class"`
	Overridden bool       `json:"overridden"`
	Problem    string     `json:"problem,omitempty"`
}

// PromotionClass is the load a promotion puts on a class of the target session.
type PromotionClass struct {
	Class        ClassRef `json:"class"`
	Capacity     *int64   `json:"capacity"`
	Enrolled     int64    `json:"enrolled"` // active enrollments there already
	Incoming     int      `json:"incoming"`
	OverCapacity bool     `json:"over_capacity"`
}

// streamOf is the part of a class name that names its stream: "Form 1A" of form
// "Form 1" -> "a"; "1 East" -> "east"; a name without digits is its own stream.
func streamOf(className, formName string) string {
	n := strings.ToLower(strings.TrimSpace(className))
	if f := strings.ToLower(strings.TrimSpace(formName)); f != "" && strings.HasPrefix(n, f) {
		return strings.TrimSpace(n[len(f):])
	}
	if i := strings.LastIndexFunc(n, unicode.IsDigit); i >= 0 {
		return strings.TrimSpace(n[i+1:])
	}
	return n
}

type promotionCtx struct {
	from, to     tenantdb.AcademicSession
	forms        []tenantdb.Form
	toClasses    []tenantdb.StudentsSessionClassesRow // of the target session
	fromClasses  map[int64]tenantdb.StudentsSessionClassesRow
	classByID    map[int64]tenantdb.StudentsSessionClassesRow // target session
	alreadyInTo  map[int64]bool
	activeInFrom []tenantdb.EnrollmentsActiveInSessionRow
}

func loadSession(ctx context.Context, q *tenantdb.Queries, field string, id int64) (tenantdb.AcademicSession, error) {
	if id <= 0 {
		return tenantdb.AcademicSession{}, errs.Field(field, "is required: the id of an academic session")
	}
	s, err := q.StudentsSession(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return s, errs.Field(field, fmt.Sprintf("no session with id %d", id))
	}
	return s, errs.Wrap(err, "get session")
}

func loadPromotion(ctx context.Context, q *tenantdb.Queries, in PromotionInput) (*promotionCtx, error) {
	f := errs.Fields{}
	from, err := loadSession(ctx, q, "from_session", in.FromSession)
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return nil, err
		}
		for k, v := range errs.As(err).Fields {
			f.Add(k, v)
		}
	}
	to, err := loadSession(ctx, q, "to_session", in.ToSession)
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return nil, err
		}
		for k, v := range errs.As(err).Fields {
			f.Add(k, v)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if from.ID == to.ID {
		return nil, errs.Field("to_session", "must differ from from_session")
	}
	if to.StartDate <= from.StartDate {
		return nil, errs.Field("to_session", fmt.Sprintf("%s must start after %s", to.Name, from.Name))
	}
	p := &promotionCtx{from: from, to: to, fromClasses: map[int64]tenantdb.StudentsSessionClassesRow{},
		classByID: map[int64]tenantdb.StudentsSessionClassesRow{}, alreadyInTo: map[int64]bool{}}
	if p.forms, err = q.StudentsForms(ctx); err != nil {
		return nil, errs.Wrap(err, "forms")
	}
	fc, err := q.StudentsSessionClasses(ctx, from.ID)
	if err != nil {
		return nil, errs.Wrap(err, "classes")
	}
	for _, c := range fc {
		p.fromClasses[c.ID] = c
	}
	if p.toClasses, err = q.StudentsSessionClasses(ctx, to.ID); err != nil {
		return nil, errs.Wrap(err, "classes")
	}
	for _, c := range p.toClasses {
		p.classByID[c.ID] = c
	}
	ids, err := q.EnrollmentsStudentsInSession(ctx, to.ID)
	if err != nil {
		return nil, errs.Wrap(err, "enrollments")
	}
	for _, id := range ids {
		p.alreadyInTo[id] = true
	}
	if p.activeInFrom, err = q.EnrollmentsActiveInSession(ctx, from.ID); err != nil {
		return nil, errs.Wrap(err, "enrollments")
	}
	return p, nil
}

// nextForm is the form with the lowest level above level, if any.
func (p *promotionCtx) nextForm(level int64) (tenantdb.Form, bool) {
	for _, f := range p.forms { // ordered by level
		if f.Level > level {
			return f, true
		}
	}
	return tenantdb.Form{}, false
}

// classFor picks the target-session class of a form for a student coming from class c:
// the same stream when there is one, else the form's first class.
func (p *promotionCtx) classFor(formID int64, from tenantdb.StudentsSessionClassesRow) (tenantdb.StudentsSessionClassesRow, bool) {
	stream := streamOf(from.Name, from.FormName)
	var first *tenantdb.StudentsSessionClassesRow
	for i, c := range p.toClasses {
		if c.FormID != formID {
			continue
		}
		if first == nil {
			first = &p.toClasses[i]
		}
		if streamOf(c.Name, c.FormName) == stream {
			return c, true
		}
	}
	if first != nil {
		return *first, true
	}
	return tenantdb.StudentsSessionClassesRow{}, false
}

func sessionClassRef(c tenantdb.StudentsSessionClassesRow) ClassRef {
	return ClassRef{ID: c.ID, Name: c.Name, Form: FormRef{ID: c.FormID, Name: c.FormName, Level: c.FormLevel}}
}

func sessionRef(s tenantdb.AcademicSession) SessionRef {
	return SessionRef{ID: s.ID, Name: s.Name, IsCurrent: s.IsCurrent}
}

// plan works out every student's move; field problems with the overrides are errors,
// problems of the plan itself (full classes, no class to go to) are listed in it.
func (p *promotionCtx) plan(ctx context.Context, q *tenantdb.Queries, overrides []PromotionOverride) (PromotionPlan, error) {
	byStudent := map[int64]int{}
	for i, e := range p.activeInFrom {
		byStudent[e.StudentID] = i
	}
	f := errs.Fields{}
	ov := map[int64]PromotionOverride{}
	for i, o := range overrides {
		prefix := fmt.Sprintf("overrides[%d].", i)
		if _, ok := byStudent[o.Student]; !ok {
			f.Add(prefix+"student", fmt.Sprintf("student %d has no active enrollment in %s", o.Student, p.from.Name))
			continue
		}
		if _, dup := ov[o.Student]; dup {
			f.Add(prefix+"student", "is overridden twice")
		}
		switch o.Action {
		case ActionPromote, ActionRepeat:
			if _, ok := p.classByID[o.Class]; o.Class != 0 && !ok {
				f.Add(prefix+"class", fmt.Sprintf("no class with id %d in %s", o.Class, p.to.Name))
			}
		case ActionGraduate:
			if o.Class != 0 {
				f.Add(prefix+"class", "must be empty when the student graduates")
			}
		default:
			f.Add(prefix+"action", "must be promote, repeat or graduate")
		}
		ov[o.Student] = o
	}
	if err := f.Err(); err != nil {
		return PromotionPlan{}, err
	}
	plan := PromotionPlan{FromSession: sessionRef(p.from), ToSession: sessionRef(p.to), Students: []PromotionRow{},
		Classes: []PromotionClass{}, Counts: map[string]int{ActionPromote: 0, ActionRepeat: 0, ActionGraduate: 0, ActionSkip: 0},
		Problems: map[string]string{}}
	incoming := map[int64]int{}
	noClass := map[string]int{}
	for _, e := range p.activeInFrom {
		from := p.fromClasses[e.ClassID]
		row := PromotionRow{Student: StudentRef{ID: e.StudentID, AdmissionNo: e.AdmissionNo, Name: fullName(e.FirstName, e.MiddleName, e.LastName)},
			Enrollment: e.ID, FromClass: sessionClassRef(from)}
		o, overridden := ov[e.StudentID]
		switch {
		case p.alreadyInTo[e.StudentID]:
			row.Action = ActionSkip
			row.Problem = fmt.Sprintf("already enrolled for %s; left as it is", p.to.Name)
		case overridden:
			row.Action, row.Overridden = o.Action, true
		default:
			if _, ok := p.nextForm(from.FormLevel); ok {
				row.Action = ActionPromote
			} else {
				row.Action = ActionGraduate
			}
		}
		if row.Action == ActionPromote || row.Action == ActionRepeat {
			formID, formName := from.FormID, from.FormName
			if row.Action == ActionPromote {
				nf, ok := p.nextForm(from.FormLevel)
				if ok {
					formID, formName = nf.ID, nf.Name
				} else {
					formID, formName = 0, ""
				}
			}
			var target tenantdb.StudentsSessionClassesRow
			found := false
			if overridden && o.Class != 0 {
				target, found = p.classByID[o.Class], true
			} else if formID != 0 {
				target, found = p.classFor(formID, from)
			}
			if found {
				ref := sessionClassRef(target)
				row.ToClass = &ref
				incoming[target.ID]++
			} else if formID == 0 {
				row.Problem = fmt.Sprintf("%s is the highest form: there is no form to promote to; give a class or graduate", from.FormName)
				noClass["the highest form"]++
			} else {
				row.Problem = fmt.Sprintf("%s has no class of %s", p.to.Name, formName)
				noClass[formName]++
			}
		}
		plan.Counts[row.Action]++
		plan.Students = append(plan.Students, row)
	}
	if len(noClass) > 0 {
		var parts []string
		for name, n := range noClass {
			parts = append(parts, fmt.Sprintf("%d students have no class of %s", n, name))
		}
		sort.Strings(parts)
		plan.Problems["to_session"] = strings.Join(parts, "; ") + "; add the classes or give overrides"
	}
	var full []string
	for _, c := range p.toClasses {
		if incoming[c.ID] == 0 {
			continue
		}
		n, err := q.StudentsClassActiveCount(ctx, c.ID)
		if err != nil {
			return PromotionPlan{}, errs.Wrap(err, "count class")
		}
		pc := PromotionClass{Class: sessionClassRef(c), Capacity: int64Ptr(c.Capacity), Enrolled: n, Incoming: incoming[c.ID]}
		if c.Capacity.Valid && n+int64(pc.Incoming) > c.Capacity.Int64 {
			pc.OverCapacity = true
			full = append(full, fmt.Sprintf("%s would have %d students for %d places", c.Name, n+int64(pc.Incoming), c.Capacity.Int64))
		}
		plan.Classes = append(plan.Classes, pc)
	}
	if len(full) > 0 {
		plan.Problems["class"] = strings.Join(full, "; ")
	}
	return plan, nil
}

// PreviewPromotion works out, without writing anything, what committing the promotion
// would do: each student of each class of from_session is promoted to the class of the
// next form in to_session with the same stream (else the form's first class), or
// graduates when there is no higher form; overrides change single students.
func (s Service) PreviewPromotion(ctx context.Context, in PromotionInput) (PromotionPlan, error) {
	q := s.T.Read()
	p, err := loadPromotion(ctx, q, in)
	if err != nil {
		return PromotionPlan{}, err
	}
	return p.plan(ctx, q, in.Overrides)
}

// CommitPromotion applies the plan in one transaction: old enrollments end as
// promoted, repeated or graduated; promoted and repeating students get active
// enrollments in to_session; graduates get status graduated. It writes nothing
// (400) when the plan has a problem: a class over capacity or a student with no class.
func (s Service) CommitPromotion(ctx context.Context, in PromotionInput, meta auth.Meta) (PromotionPlan, error) {
	var plan PromotionPlan
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		p, err := loadPromotion(ctx, q, in)
		if err != nil {
			return err
		}
		if plan, err = p.plan(ctx, q, in.Overrides); err != nil {
			return err
		}
		if len(plan.Problems) > 0 {
			return &errs.Error{Code: errs.Invalid, Message: "the promotion cannot be applied as it is; nothing was changed",
				Fields: plan.Problems}
		}
		day, err := todayIn(ctx, q)
		if err != nil {
			return err
		}
		var log []map[string]any
		for _, r := range plan.Students {
			if r.Action == ActionSkip {
				continue
			}
			e, err := q.EnrollmentsGet(ctx, r.Enrollment)
			if err != nil {
				return errs.Wrap(err, "get enrollment")
			}
			status := map[string]string{ActionPromote: EnrollmentPromoted, ActionRepeat: EnrollmentRepeated, ActionGraduate: EnrollmentGraduated}[r.Action]
			if _, err := q.EnrollmentsUpdate(ctx, tenantdb.EnrollmentsUpdateParams{ID: e.ID, ClassID: e.ClassID, Status: status,
				EnrolledOn: e.EnrolledOn, EndedOn: nullStr(day)}); err != nil {
				return errs.Wrap(err, "end enrollment")
			}
			entry := map[string]any{"student_id": r.Student.ID, "action": r.Action, "from_class_id": r.FromClass.ID,
				"from_enrollment_id": e.ID}
			if r.ToClass != nil {
				ne, err := q.EnrollmentsCreate(ctx, tenantdb.EnrollmentsCreateParams{StudentID: r.Student.ID, ClassID: r.ToClass.ID,
					SessionID: p.to.ID, Status: EnrollmentActive, EnrolledOn: day})
				if err != nil {
					return errs.Wrap(err, "create enrollment")
				}
				entry["to_class_id"], entry["to_enrollment_id"] = r.ToClass.ID, ne.ID
			}
			if r.Action == ActionGraduate {
				if err := q.StudentsSetStatus(ctx, tenantdb.StudentsSetStatusParams{Status: StatusGraduated, ID: r.Student.ID}); err != nil {
					return errs.Wrap(err, "graduate student")
				}
			}
			log = append(log, entry)
		}
		return audit(ctx, q, meta, "promotion.commit", fmt.Sprintf("sessions:%d->%d", p.from.ID, p.to.ID), map[string]any{
			"from_session": p.from.Name, "to_session": p.to.Name, "counts": plan.Counts, "students": log})
	})
	return plan, err
}
