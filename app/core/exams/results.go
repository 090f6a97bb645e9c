package exams

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"math/big"
	"sort"
	"strings"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db/tenantdb"
)

// How an absent mark counts in results (the school setting results.absent).
const (
	AbsentZero     = "zero"      // as a score of 0 (the default)
	AbsentLeaveOut = "leave_out" // not at all, like exempt
)

const absentSetting = "results.absent"

// ResultSettings are the school's rules for results.
type ResultSettings struct {
	Absent string `json:"absent"` // AbsentZero or AbsentLeaveOut
}

// ResultSettings reads the school's rules for results.
func (s Service) ResultSettings(ctx context.Context) (ResultSettings, error) {
	rule, err := absentRule(ctx, s.T.Read())
	return ResultSettings{Absent: rule}, errs.Wrap(err, "read result settings")
}

func absentRule(ctx context.Context, q *tenantdb.Queries) (string, error) {
	v, err := q.ExamsGetSetting(ctx, absentSetting)
	if errors.Is(err, sql.ErrNoRows) || err == nil && v != AbsentLeaveOut {
		return AbsentZero, nil
	}
	return v, err
}

// SetResultSettings changes the school's rules for results.
func (s Service) SetResultSettings(ctx context.Context, in ResultSettings, meta auth.Meta) (ResultSettings, error) {
	if in.Absent != AbsentZero && in.Absent != AbsentLeaveOut {
		return ResultSettings{}, errs.Field("absent", "must be zero (an absent mark counts as 0) or leave_out (it does not count)")
	}
	err := write(ctx, s.T, "set result settings", func(q *tenantdb.Queries, tx *sql.Tx) error {
		before, err := absentRule(ctx, q)
		if err != nil {
			return err
		}
		if err := q.ExamsPutSetting(ctx, tenantdb.ExamsPutSettingParams{Key: absentSetting, Value: in.Absent}); err != nil {
			return err
		}
		return audit(ctx, q, meta, "results.settings", "absent marks", map[string]any{"before": before, "after": in.Absent})
	})
	return in, err
}

// Ref names a thing of the school.
type Ref struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// SubjectRef is a subject of a results table.
type SubjectRef struct {
	ID   int64  `json:"id"`
	Code string `json:"code"`
	Name string `json:"name"`
}

// AssessmentMark is a student's mark on one assessment of a subject.
type AssessmentMark struct {
	AssessmentID int64   `json:"assessment"`
	Name         string  `json:"name"`
	MaxScore     float64 `json:"max_score"`
	Weight       float64 `json:"weight"`
	Score        Mark    `json:"score"`
}

// SubjectResult is a student's term result in one subject: the weighted percentage of
// its assessments (one decimal), its grade, and where it places the student.
type SubjectResult struct {
	SubjectID     int64   `json:"subject"`
	Code          string  `json:"code"`
	Name          string  `json:"name"`
	Percent       float64 `json:"percent"`
	Grade         string  `json:"grade"`
	Points        float64 `json:"points"`
	Remark        string  `json:"remark"`
	ClassPosition int     `json:"class_position"`
	ClassOf       int     `json:"class_of"` // students of the class with a result in the subject
	FormPosition  int     `json:"form_position"`
	FormOf        int     `json:"form_of"`
	// Marks are the assessments behind the result (report cards only).
	Marks []AssessmentMark `json:"marks,omitempty"`

	pct int64 // tenths
}

// StudentResult is a student's term: each subject taken, the total of the subject
// percentages, their mean (two decimals), the mean points, the grade of the mean points,
// and the positions by mean percentage. A student with no subject result has no mean
// and no position.
type StudentResult struct {
	StudentID     int64           `json:"student"`
	AdmissionNo   string          `json:"admission_no"`
	Name          string          `json:"name"`
	ClassID       int64           `json:"class"`
	ClassName     string          `json:"class_name"`
	Subjects      []SubjectResult `json:"subjects"`
	SubjectsTaken int             `json:"subjects_taken"`
	Total         float64         `json:"total"`
	MeanPercent   *float64        `json:"mean_percent"`
	MeanPoints    *float64        `json:"mean_points"`
	MeanGrade     string          `json:"mean_grade"`
	ClassPosition *int            `json:"class_position"`
	ClassOf       int             `json:"class_of"` // students of the class with a position
	FormPosition  *int            `json:"form_position"`
	FormOf        int             `json:"form_of"`

	mean   int64 // hundredths of a percent
	points int64 // hundredths of a point
	last   string
	first  string
}

// GradeCount is how many results of a subject got a grade.
type GradeCount struct {
	Grade string `json:"grade"`
	Count int    `json:"count"`
}

// TeacherSummary is a subject's results in the classes one teacher teaches it to.
type TeacherSummary struct {
	TeacherID   *int64   `json:"teacher"`
	TeacherName string   `json:"teacher_name"`
	Classes     []string `json:"classes"`
	Students    int      `json:"students"`
	Mean        *float64 `json:"mean"`
}

// SubjectSummary is a subject's results over the table's students.
type SubjectSummary struct {
	SubjectID  int64            `json:"subject"`
	Code       string           `json:"code"`
	Name       string           `json:"name"`
	Students   int              `json:"students"`
	Mean       *float64         `json:"mean"`
	MeanPoints *float64         `json:"mean_points"`
	MeanGrade  string           `json:"mean_grade"`
	Highest    *float64         `json:"highest"`
	Lowest     *float64         `json:"lowest"`
	Grades     []GradeCount     `json:"grades"` // every grade of the scale, highest first
	Teachers   []TeacherSummary `json:"teachers"`
}

// TermRef is the term of a results table.
type TermRef struct {
	ID             int64  `json:"id"`
	Name           string `json:"name"`
	Session        string `json:"session"`
	StartDate      string `json:"start_date"`
	EndDate        string `json:"end_date"`
	NextTermBegins string `json:"next_term_begins"`
}

// Results is a term's results table of a class or of a whole form (all its streams).
// Positions in class and in form are always both given; a form's table lists its
// students by form position, a class's by class position.
type Results struct {
	Term      TermRef          `json:"term"`
	Form      Ref              `json:"form"`
	Class     *Ref             `json:"class"` // nil for a whole form
	Scale     Ref              `json:"scale"`
	Absent    string           `json:"absent"`
	Subjects  []SubjectRef     `json:"subjects"`
	Students  []StudentResult  `json:"students"`
	Summaries []SubjectSummary `json:"summaries"`
}

// ResultsQuery asks for the results of a term (0: the current term) for a class or a
// form: exactly one of them.
type ResultsQuery struct {
	TermID  int64
	ClassID int64
	FormID  int64
}

// Results computes a term's results table. A teacher sees the classes they teach or
// lead: a class they do not is refused, and a form's table holds only their classes'
// students (positions are still those in the whole form).
func (s Service) Results(ctx context.Context, v Viewer, rq ResultsQuery) (Results, error) {
	var out Results
	err := read(ctx, s.T, "results", func(q *tenantdb.Queries, d tenantdb.DBTX) error {
		t, formID, cl, err := resultsScope(ctx, q, rq)
		if err != nil {
			return err
		}
		if cl != nil {
			if err := canSeeClass(ctx, q, v, *cl); err != nil {
				return err
			}
		}
		fr, err := computeForm(ctx, q, t, formID, false)
		if err != nil {
			return err
		}
		var keep func(classID int64) bool
		switch {
		case cl != nil:
			keep = func(id int64) bool { return id == cl.ID }
		case v.Scoped():
			mine := map[int64]bool{}
			for _, c := range fr.classes {
				if canSeeClass(ctx, q, v, class{ID: c.ID, Name: c.Name}) == nil {
					mine[c.ID] = true
				}
			}
			if len(mine) == 0 {
				return errs.E(errs.Forbidden, "you neither teach nor lead a class of %s", fr.form.Name)
			}
			keep = func(id int64) bool { return mine[id] }
		}
		out = fr.table(cl, keep)
		return nil
	})
	return out, err
}

// resultsScope reads the term and the class or form a results query names.
func resultsScope(ctx context.Context, q *tenantdb.Queries, rq ResultsQuery) (term, int64, *class, error) {
	f := errs.Fields{}
	t, err := termOrCurrent(ctx, q, rq.TermID)
	if e := errs.As(err); err != nil && e.Code == errs.Invalid {
		f.Add("term", e.Fields["term"])
	} else if err != nil {
		return t, 0, nil, err
	}
	var cl *class
	var formID int64
	switch {
	case rq.ClassID != 0 && rq.FormID != 0:
		f.Add("class", "give a class or a form, not both")
	case rq.ClassID != 0:
		c, err := q.ExamsGetClass(ctx, rq.ClassID)
		if err := ref(f, "class", "class", rq.ClassID, err); err != nil {
			return t, 0, nil, err
		}
		if c.ID != 0 {
			cl, formID = &c, c.FormID
			if t.ID != 0 && c.SessionID != t.SessionID {
				f.Add("class", c.Name+" is a class of another session than "+t.SessionName+" "+t.Name)
			}
		}
	case rq.FormID != 0:
		fm, err := q.ExamsGetForm(ctx, rq.FormID)
		if err := ref(f, "form", "form", rq.FormID, err); err != nil {
			return t, 0, nil, err
		}
		formID = fm.ID
	default:
		f.Add("class", "is required: give a class or a form")
	}
	return t, formID, cl, f.Err()
}

// formResults is everything computed for a form's term, over all its streams.
type formResults struct {
	term     term
	form     tenantdb.ExamsGetFormRow
	classes  []tenantdb.ExamsFormClassesRow
	scale    Scale
	absent   string
	subjects []SubjectRef
	students []StudentResult // in roster order
	teachers map[[2]int64]tenantdb.ExamsFormTeachersRow
}

// part is one assessment's share of a subject result: a weight (hundredths) and a
// score out of a maximum (tenths).
type part struct {
	w, score, max int64
}

// weightedTenths is Σ wᵢ·(scoreᵢ/maxᵢ) / Σ wᵢ as a percentage in tenths, rounded half
// up. Floating point is exact enough except within a hair of a half tenth, where the
// rational value decides (79.95 must not become 79.9 by a rounding error).
func weightedTenths(parts []part) int64 {
	var num, den float64
	for _, p := range parts {
		num += float64(p.w) * float64(p.score) / float64(p.max)
		den += float64(p.w)
	}
	x := num / den * 1000
	if frac := x - math.Floor(x); math.Abs(frac-0.5) > 1e-6 {
		return int64(math.Floor(x + 0.5))
	}
	r := new(big.Rat)
	var sum int64
	for _, p := range parts {
		r.Add(r, big.NewRat(p.w*p.score, p.max))
		sum += p.w
	}
	r.Mul(r, big.NewRat(1000, sum))
	r.Add(r, big.NewRat(1, 2))
	return new(big.Int).Quo(r.Num(), r.Denom()).Int64() // floor: the value is not negative
}

// meanOf is sum/n rounded half up (all values non-negative).
func meanOf(sum int64, n int) int64 { return (2*sum + int64(n)) / (2 * int64(n)) }

func hundredths(x float64) int64 { return int64(math.Round(x * 100)) }

// computeForm reads a form's term in one snapshot and computes every student's results.
func computeForm(ctx context.Context, q *tenantdb.Queries, t term, formID int64, withMarks bool) (*formResults, error) {
	fr := &formResults{term: t}
	var err error
	if fr.form, err = q.ExamsGetForm(ctx, formID); err != nil {
		return nil, found(err, "form", formID)
	}
	if fr.classes, err = q.ExamsFormClasses(ctx, tenantdb.ExamsFormClassesParams{FormID: formID, SessionID: t.SessionID}); err != nil {
		return nil, err
	}
	if fr.scale, err = scaleFor(ctx, q, formID); err != nil {
		return nil, err
	}
	if fr.absent, err = absentRule(ctx, q); err != nil {
		return nil, err
	}
	fp := tenantdb.ExamsFormSubjectsParams{FormID: formID, SessionID: t.SessionID, TermID: t.ID}
	subs, err := q.ExamsFormSubjects(ctx, fp)
	if err != nil {
		return nil, err
	}
	for _, s := range subs {
		fr.subjects = append(fr.subjects, SubjectRef(s))
	}
	roster, err := q.ExamsFormRoster(ctx, tenantdb.ExamsFormRosterParams{FormID: formID, SessionID: t.SessionID})
	if err != nil {
		return nil, err
	}
	assessments, err := q.ExamsFormAssessments(ctx, tenantdb.ExamsFormAssessmentsParams(fp))
	if err != nil {
		return nil, err
	}
	scores, err := q.ExamsFormScores(ctx, tenantdb.ExamsFormScoresParams(fp))
	if err != nil {
		return nil, err
	}
	teachers, err := q.ExamsFormTeachers(ctx, tenantdb.ExamsFormTeachersParams{FormID: formID, SessionID: t.SessionID})
	if err != nil {
		return nil, err
	}
	fr.teachers = make(map[[2]int64]tenantdb.ExamsFormTeachersRow, len(teachers))
	for _, x := range teachers {
		fr.teachers[[2]int64{x.ClassID, x.SubjectID}] = x
	}

	// Marks by assessment, then by student: one small map per assessment.
	aIndex := make(map[int64]int, len(assessments))
	for i, a := range assessments {
		aIndex[a.ID] = i
	}
	marks := make([]map[int64]Mark, len(assessments))
	for _, sc := range scores {
		i := aIndex[sc.AssessmentID]
		if marks[i] == nil {
			marks[i] = map[int64]Mark{}
		}
		marks[i][sc.StudentID] = Mark{Status: sc.Status, Tenths: sc.ScoreTenths.Int64}
	}
	// The assessments of each class and subject, in date order.
	type cs = [2]int64
	byCS := map[cs][]int{}
	for i, a := range assessments {
		k := cs{a.ClassID, a.SubjectID}
		byCS[k] = append(byCS[k], i)
	}
	className := map[int64]string{}
	for _, c := range fr.classes {
		className[c.ID] = c.Name
	}

	absentZero := fr.absent == AbsentZero
	fr.students = make([]StudentResult, len(roster))
	parts := make([]part, 0, 8)
	for si, r := range roster {
		st := StudentResult{StudentID: r.ID, AdmissionNo: r.AdmissionNo, Name: fullName(r.FirstName, r.MiddleName, r.LastName),
			ClassID: r.ClassID, ClassName: className[r.ClassID], Subjects: []SubjectResult{}, last: r.LastName, first: r.FirstName}
		var total, pointSum int64
		for _, sub := range fr.subjects {
			idx := byCS[cs{r.ClassID, sub.ID}]
			if len(idx) == 0 {
				continue
			}
			parts = parts[:0]
			var ms []AssessmentMark
			for _, i := range idx {
				a := assessments[i]
				m := marks[i][r.ID]
				if withMarks {
					ms = append(ms, AssessmentMark{AssessmentID: a.ID, Name: a.Name, MaxScore: fromTenths(a.MaxTenths),
						Weight: a.Weight, Score: m})
				}
				w := hundredths(a.Weight)
				if w == 0 {
					continue
				}
				switch {
				case m.Status == MarkScored:
					parts = append(parts, part{w: w, score: m.Tenths, max: a.MaxTenths})
				case m.Status == MarkAbsent && absentZero:
					parts = append(parts, part{w: w, score: 0, max: a.MaxTenths})
				}
			}
			if len(parts) == 0 {
				continue
			}
			pct := weightedTenths(parts)
			b := grade(fr.scale.Bands, pct)
			st.Subjects = append(st.Subjects, SubjectResult{SubjectID: sub.ID, Code: sub.Code, Name: sub.Name,
				Percent: fromTenths(pct), Grade: b.Grade, Points: b.Points, Remark: b.Remark, Marks: ms, pct: pct})
			total += pct
			pointSum += hundredths(b.Points)
		}
		st.SubjectsTaken = len(st.Subjects)
		st.Total = fromTenths(total)
		if n := st.SubjectsTaken; n > 0 {
			st.mean = meanOf(total*10, n)
			st.points = meanOf(pointSum, n)
			mp, pts := float64(st.mean)/100, float64(st.points)/100
			st.MeanPercent, st.MeanPoints = &mp, &pts
			st.MeanGrade = gradeOfPoints(fr.scale.Bands, st.points).Grade
		}
		fr.students[si] = st
	}
	fr.rank()
	return fr, nil
}

// rank gives every student and subject result its positions in class and in form.
// Equal values share a position and the next is skipped (1, 2, 2, 4).
func (fr *formResults) rank() {
	type entry struct {
		student, subject int // indexes; subject -1 for the overall position
		class            int64
		value            int64
	}
	byClass := map[int64][]entry{}
	var form []entry
	subjectOf := map[int64]int{}
	for i, s := range fr.subjects {
		subjectOf[s.ID] = i
	}
	bySubject := make([][]entry, len(fr.subjects))
	for si, st := range fr.students {
		if st.SubjectsTaken > 0 {
			e := entry{student: si, subject: -1, class: st.ClassID, value: st.mean}
			form = append(form, e)
			byClass[st.ClassID] = append(byClass[st.ClassID], e)
		}
		for ri, r := range st.Subjects {
			k := subjectOf[r.SubjectID]
			bySubject[k] = append(bySubject[k], entry{student: si, subject: ri, class: st.ClassID, value: r.pct})
		}
	}
	positions := func(es []entry, set func(e entry, pos, of int)) {
		sort.Slice(es, func(a, b int) bool { return es[a].value > es[b].value })
		pos := 0
		for i, e := range es {
			if i == 0 || es[i-1].value != e.value {
				pos = i + 1
			}
			set(e, pos, len(es))
		}
	}
	positions(form, func(e entry, pos, of int) {
		p := pos
		fr.students[e.student].FormPosition, fr.students[e.student].FormOf = &p, of
	})
	for _, es := range byClass {
		positions(es, func(e entry, pos, of int) {
			p := pos
			fr.students[e.student].ClassPosition, fr.students[e.student].ClassOf = &p, of
		})
	}
	for _, es := range bySubject {
		positions(es, func(e entry, pos, of int) {
			r := &fr.students[e.student].Subjects[e.subject]
			r.FormPosition, r.FormOf = pos, of
		})
		inClass := map[int64][]entry{}
		for _, e := range es {
			inClass[e.class] = append(inClass[e.class], e)
		}
		for _, ces := range inClass {
			positions(ces, func(e entry, pos, of int) {
				r := &fr.students[e.student].Subjects[e.subject]
				r.ClassPosition, r.ClassOf = pos, of
			})
		}
	}
}

// table is the results table of one class (cl) or of the form, holding the students
// keep allows (nil: all); its subject summaries are over those students.
func (fr *formResults) table(cl *class, keep func(classID int64) bool) Results {
	out := Results{
		Term: TermRef{ID: fr.term.ID, Name: fr.term.Name, Session: fr.term.SessionName, StartDate: fr.term.StartDate,
			EndDate: fr.term.EndDate, NextTermBegins: fr.term.NextTermBegins.String},
		Form:     Ref{ID: fr.form.ID, Name: fr.form.Name},
		Scale:    Ref{ID: fr.scale.ID, Name: fr.scale.Name},
		Absent:   fr.absent,
		Subjects: append([]SubjectRef{}, fr.subjects...),
		Students: []StudentResult{},
	}
	if cl != nil {
		out.Class = &Ref{ID: cl.ID, Name: cl.Name}
	}
	for _, st := range fr.students {
		if keep == nil || keep(st.ClassID) {
			out.Students = append(out.Students, st)
		}
	}
	pos := func(st StudentResult) int {
		p := st.FormPosition
		if cl != nil {
			p = st.ClassPosition
		}
		if p == nil {
			return math.MaxInt
		}
		return *p
	}
	sort.SliceStable(out.Students, func(a, b int) bool {
		x, y := out.Students[a], out.Students[b]
		if pa, pb := pos(x), pos(y); pa != pb {
			return pa < pb
		}
		if c := strings.Compare(strings.ToLower(x.last), strings.ToLower(y.last)); c != 0 {
			return c < 0
		}
		return strings.ToLower(x.first) < strings.ToLower(y.first)
	})
	out.Summaries = fr.summaries(out.Students)
	return out
}

// summaries are the subject summaries over students.
func (fr *formResults) summaries(students []StudentResult) []SubjectSummary {
	out := make([]SubjectSummary, 0, len(fr.subjects))
	for _, sub := range fr.subjects {
		sm := SubjectSummary{SubjectID: sub.ID, Code: sub.Code, Name: sub.Name, Grades: []GradeCount{}, Teachers: []TeacherSummary{}}
		counts := map[string]int{}
		var sum, pts, hi, lo int64 = 0, 0, -1, -1
		teachers := map[int64]*TeacherSummary{}
		teacherSums := map[int64]int64{}
		var order []int64
		classesSeen := map[int64]map[string]bool{}
		for _, st := range students {
			for _, r := range st.Subjects {
				if r.SubjectID != sub.ID {
					continue
				}
				sm.Students++
				sum += r.pct
				pts += hundredths(r.Points)
				hi = max(hi, r.pct)
				if lo < 0 || r.pct < lo {
					lo = r.pct
				}
				counts[r.Grade]++
				tid := int64(0)
				name := "No teacher assigned"
				if x, ok := fr.teachers[[2]int64{st.ClassID, sub.ID}]; ok {
					tid, name = x.TeacherID, x.TeacherName
				}
				ts, ok := teachers[tid]
				if !ok {
					ts = &TeacherSummary{TeacherName: name, Classes: []string{}}
					if tid != 0 {
						id := tid
						ts.TeacherID = &id
					}
					teachers[tid] = ts
					order = append(order, tid)
					classesSeen[tid] = map[string]bool{}
				}
				ts.Students++
				teacherSums[tid] += r.pct
				if !classesSeen[tid][st.ClassName] {
					classesSeen[tid][st.ClassName] = true
					ts.Classes = append(ts.Classes, st.ClassName)
				}
			}
		}
		for _, g := range gradesOf(fr.scale) {
			sm.Grades = append(sm.Grades, GradeCount{Grade: g, Count: counts[g]})
		}
		if sm.Students > 0 {
			mean, mp := float64(meanOf(sum*10, sm.Students))/100, meanOf(pts, sm.Students)
			mpts, h, l := float64(mp)/100, fromTenths(hi), fromTenths(lo)
			sm.Mean, sm.MeanPoints, sm.Highest, sm.Lowest = &mean, &mpts, &h, &l
			sm.MeanGrade = gradeOfPoints(fr.scale.Bands, mp).Grade
		}
		for _, tid := range order {
			ts := teachers[tid]
			sort.Strings(ts.Classes)
			m := float64(meanOf(teacherSums[tid]*10, ts.Students)) / 100
			ts.Mean = &m
			sm.Teachers = append(sm.Teachers, *ts)
		}
		sort.SliceStable(sm.Teachers, func(a, b int) bool { return sm.Teachers[a].TeacherName < sm.Teachers[b].TeacherName })
		out = append(out, sm)
	}
	return out
}
