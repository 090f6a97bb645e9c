package exams

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/app/web"
)

// pages are the assessments, results and report cards pages.
type pages struct {
	*web.Kit
	newS func(c *fiber.Ctx) Service
}

func pageRoutes(newS func(c *fiber.Ctx) Service) func(r fiber.Router, k *web.Kit) {
	return func(r fiber.Router, k *web.Kit) {
		h := pages{Kit: k, newS: newS}
		read, assess, comment := h.Require(Read), h.Require(Assess), h.Require(Comment)
		r.Get("/exams", read, h.home)
		r.Post("/exams/assessments", assess, h.assessmentCreate)
		r.Get("/exams/assessments/:id", read, h.sheet)
		r.Post("/exams/assessments/:id", assess, h.sheetSave)
		r.Get("/exams/results", read, h.results)
		r.Get("/exams/report-cards", read, h.cards)
		r.Post("/exams/report-cards/workflow", comment, h.workflow)
		r.Get("/exams/report-cards/:id", read, h.card)
		r.Post("/exams/report-cards/:id/comments", comment, h.comments)
	}
}

// picker is the term and class (or form) a page shows, with the options to change them.
type picker struct {
	Term, Class, Form int64
	TermValue         string
	ClassValue        string
	FormValue         string
	Terms             []web.Option
	Classes           []web.OptionGroup
	Forms             []web.Option
}

// pick reads ?term= and ?class= (or ?form=), defaulting the term to the current one
// and, without a class or form, the class to the first one the school has.
func (h pages) pick(c *fiber.Ctx, wantForm bool) (picker, error) {
	p := picker{Term: web.QueryID(c, "term"), Class: web.QueryID(c, "class"), Form: web.QueryID(c, "form")}
	a := academics.New(web.Tenant(c))
	ctx := c.UserContext()
	var sessionID int64
	if p.Term != 0 {
		t, err := a.Term(ctx, p.Term)
		if err != nil {
			return p, err
		}
		sessionID = t.SessionID
	} else if t, err := a.CurrentTerm(ctx); err == nil {
		p.Term, sessionID = t.ID, t.SessionID
	} else if errs.CodeOf(err) != errs.NotFound {
		return p, err
	}
	if sessionID == 0 {
		return p, nil
	}
	terms, err := web.All(c, a.ListTerms, academics.TermFilter{SessionID: sessionID})
	if err != nil {
		return p, err
	}
	for _, t := range terms {
		p.Terms = append(p.Terms, web.Option{Value: web.ID(t.ID), Label: t.Name + " · " + t.SessionName})
	}
	classes, opts, err := academics.ClassOptions(c, sessionID)
	if err != nil {
		return p, err
	}
	p.Classes = web.Grouped(opts)
	seen := map[int64]bool{}
	for _, cl := range classes {
		if !seen[cl.FormID] {
			seen[cl.FormID] = true
			p.Forms = append(p.Forms, web.Option{Value: web.ID(cl.FormID), Label: cl.FormName})
		}
	}
	if p.Class == 0 && (p.Form == 0 || !wantForm) && len(classes) > 0 {
		p.Class = classes[0].ID
		p.Form = 0
	}
	if p.Class != 0 {
		p.Form = 0
	}
	p.TermValue, p.ClassValue, p.FormValue = web.ID(p.Term), web.ID(p.Class), web.ID(p.Form)
	return p, nil
}

// query is the picker's choice as a URL query for the pages' links. It is a template.URL
// (url.Values.Encode made it, so it is safe): as a plain string html/template escapes
// it whole after the "?", "=" and "&" included, and every link lost the choice.
func (p picker) query() template.URL {
	q := url.Values{"term": {web.ID(p.Term)}}
	if p.Class != 0 {
		q.Set("class", web.ID(p.Class))
	} else if p.Form != 0 {
		q.Set("form", web.ID(p.Form))
	}
	return template.URL(q.Encode())
}

// subjectGroup is one subject's assessments of a class.
type subjectGroup struct {
	Subject     string
	Teacher     string
	Assessments []Assessment
}

type homeData struct {
	Pick        picker
	Groups      []subjectGroup
	CanAssess   bool
	Subjects    []web.Option
	Kinds       []string
	Status      string
	QueryString template.URL
}

func (h pages) home(c *fiber.Ctx) error {
	return h.homePage(c, fiber.StatusOK, h.View(c, "Assessments", "exams"))
}

func (h pages) homePage(c *fiber.Ctx, status int, v *web.View) error {
	p, err := h.pick(c, false)
	if err != nil {
		return h.Fail(c, err)
	}
	d := homeData{Pick: p, CanAssess: auth.Allowed(auth.PrincipalOf(c), Assess), Kinds: Kinds, Status: StatusDraft,
		QueryString: p.query()}
	if p.Class != 0 && p.Term != 0 {
		s := h.newS(c)
		as, _, err := s.ListAssessments(c.UserContext(), viewer(c), AssessmentFilter{TermID: p.Term, ClassID: p.Class,
			Order: AssessmentOrdering.Default()}, query.Page{Number: 1, Size: query.MaxPageSize})
		if err != nil {
			return h.Fail(c, err)
		}
		for _, a := range as {
			if n := len(d.Groups); n == 0 || d.Groups[n-1].Subject != a.SubjectName {
				d.Groups = append(d.Groups, subjectGroup{Subject: a.SubjectName, Teacher: a.TeacherName})
			}
			d.Groups[len(d.Groups)-1].Assessments = append(d.Groups[len(d.Groups)-1].Assessments, a)
			d.Status = a.Status
		}
		if d.CanAssess {
			cl, err := academics.New(web.Tenant(c)).Class(c.UserContext(), p.Class)
			if err != nil {
				return h.Fail(c, err)
			}
			cur, err := academics.New(web.Tenant(c)).Curriculum(c.UserContext(), cl.FormID)
			if err != nil {
				return h.Fail(c, err)
			}
			for _, s := range cur.Subjects {
				d.Subjects = append(d.Subjects, web.Option{Value: web.ID(s.ID), Label: s.Name})
			}
		}
	}
	if v.Form == nil || len(v.Form) == 0 {
		v.Form = map[string]string{"kind": "test", "weight": "1", "max_score": "100"}
	}
	v.Data = d
	return h.Render(c, status, "exams", v)
}

var assessmentFields = []string{"term", "class", "subject", "name", "kind", "date", "max_score", "weight"}

func (h pages) assessmentCreate(c *fiber.Ctx) error {
	v := h.View(c, "Assessments", "exams")
	v.Form = web.Form(c, assessmentFields...)
	term, _ := web.FormInt(v, "term")
	class, _ := web.FormInt(v, "class")
	subject, _ := web.FormInt(v, "subject")
	in := AssessmentInput{TermID: term, ClassID: class, SubjectID: subject, Name: v.Form["name"], Kind: v.Form["kind"],
		Date: v.Form["date"]}
	if x, err := strconv.ParseFloat(v.Form["max_score"], 64); err == nil {
		in.MaxScore = &x
	} else if v.Form["max_score"] != "" {
		v.Fields["max_score"] = "Must be a number"
	}
	if x, err := strconv.ParseFloat(v.Form["weight"], 64); err == nil {
		in.Weight = &x
	} else if v.Form["weight"] != "" {
		v.Fields["weight"] = "Must be a number"
	}
	var err error
	var a Assessment
	if len(v.Fields) > 0 {
		err = web.FieldsError(v)
	} else {
		a, err = h.newS(c).CreateAssessment(c.UserContext(), viewer(c), in, auth.MetaFrom(c))
	}
	if err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		c.Request().URI().QueryArgs().Set("term", v.Form["term"])
		c.Request().URI().QueryArgs().Set("class", v.Form["class"])
		return h.homePage(c, status, v)
	}
	return web.Redirect(c, fmt.Sprintf("%s/exams/assessments/%d?done=assessment_created", v.Prefix, a.ID))
}

// sheetRow is a row of the mark-sheet grid.
type sheetRow struct {
	SheetRow
	Value string // what the cell shows: the saved mark, or what was typed
	Error string
}

type sheetData struct {
	Sheet     MarkSheet
	Rows      []sheetRow
	CanSave   bool
	Back      string
	Marked    int
	MaxScore  string
	StatusMsg string
}

func (h pages) sheet(c *fiber.Ctx) error {
	id, err := web.PathID(c, "assessment")
	if err != nil {
		return h.Fail(c, err)
	}
	sh, err := h.newS(c).MarkSheet(c.UserContext(), viewer(c), id)
	if err != nil {
		return h.Fail(c, err)
	}
	return h.sheetPage(c, fiber.StatusOK, h.View(c, "", "exams"), sh, nil)
}

// sheetPage shows a sheet; typed holds what was sent, by student, after a refused save.
func (h pages) sheetPage(c *fiber.Ctx, status int, v *web.View, sh MarkSheet, typed map[int64]string) error {
	a := sh.Assessment
	v.Title = a.SubjectName + " · " + a.Name + " · " + a.ClassName
	d := sheetData{Sheet: sh, MaxScore: formatTenths(int64(a.MaxScore*10 + 0.5)),
		Back: fmt.Sprintf("%s/exams?term=%d&class=%d", v.Prefix, a.TermID, a.ClassID)}
	d.CanSave = !sh.Locked && auth.Allowed(auth.PrincipalOf(c), Assess) && canMarkPage(c, h.newS(c), a)
	for i, r := range sh.Rows {
		row := sheetRow{SheetRow: r, Value: r.Score.String()}
		if typed != nil {
			row.Value = typed[r.StudentID]
		}
		row.Error = v.Fields[fmt.Sprintf("scores[%d]", i)]
		if !r.Score.Empty() {
			d.Marked++
		}
		d.Rows = append(d.Rows, row)
	}
	v.Data = d
	return h.Render(c, status, "exams_sheet", v)
}

// canMarkPage reports whether the signed-in user may save the sheet (a teacher only
// their own subject), to show the grid read-only otherwise.
func canMarkPage(c *fiber.Ctx, s Service, a Assessment) bool {
	v := viewer(c)
	return !v.Scoped() || a.TeacherID != nil && *a.TeacherID == v.TeacherID
}

// sheetSave saves the grid: fields score_<student id>, in the sheet's order.
func (h pages) sheetSave(c *fiber.Ctx) error {
	id, err := web.PathID(c, "assessment")
	if err != nil {
		return h.Fail(c, err)
	}
	s := h.newS(c)
	ctx := c.UserContext()
	sh, err := s.MarkSheet(ctx, viewer(c), id)
	if err != nil {
		return h.Fail(c, err)
	}
	typed := map[int64]string{}
	entries := make([]SheetEntry, 0, len(sh.Rows))
	for _, r := range sh.Rows {
		val := strings.TrimSpace(c.FormValue(fmt.Sprintf("score_%d", r.StudentID)))
		typed[r.StudentID] = val
		entries = append(entries, SheetEntry{StudentID: r.StudentID, Score: ParseMark(val)})
	}
	v := h.View(c, "", "exams")
	saved, err := s.SaveMarkSheet(ctx, viewer(c), id, entries, auth.MetaFrom(c))
	if err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		if e := errs.As(err); e.Code != errs.Invalid {
			v.Error = web.Sentence(e.Message)
		}
		return h.sheetPage(c, status, v, sh, typed)
	}
	return web.Redirect(c, fmt.Sprintf("%s/exams/assessments/%d?done=marks_saved", v.Prefix, saved.Assessment.ID))
}

type resultsData struct {
	Pick        picker
	Results     *Results
	Sheet       Broadsheet
	Cells       [][]string // the broadsheet's rows as text
	QueryString template.URL
	Print       bool
}

func (h pages) results(c *fiber.Ctx) error {
	p, err := h.pick(c, true)
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, "Results", "exams")
	d := resultsData{Pick: p, QueryString: p.query(), Print: c.Query("print") == "1"}
	if p.Term != 0 && (p.Class != 0 || p.Form != 0) {
		r, err := h.newS(c).Results(c.UserContext(), viewer(c), ResultsQuery{TermID: p.Term, ClassID: p.Class, FormID: p.Form})
		if err != nil {
			return h.Fail(c, err)
		}
		d.Results = &r
		d.Sheet = BroadsheetOf(r)
		for _, row := range d.Sheet.Rows {
			cells := make([]string, len(row))
			for i, x := range row {
				cells[i] = cellText(x)
			}
			d.Cells = append(d.Cells, cells)
		}
		v.Title = "Results · " + d.Sheet.Title
	}
	v.Data = d
	return h.Render(c, fiber.StatusOK, "exams_results", v)
}

type cardsData struct {
	Pick        picker
	Cards       *ClassCards
	CanComment  bool
	CanManage   bool
	QueryString template.URL
	Missing     map[string]string
}

func (h pages) cards(c *fiber.Ctx) error {
	return h.cardsPage(c, fiber.StatusOK, h.View(c, "Report cards", "exams"), nil)
}

func (h pages) cardsPage(c *fiber.Ctx, status int, v *web.View, missing map[string]string) error {
	p, err := h.pick(c, false)
	if err != nil {
		return h.Fail(c, err)
	}
	pr := auth.PrincipalOf(c)
	d := cardsData{Pick: p, QueryString: p.query(), CanComment: auth.Allowed(pr, Comment), CanManage: auth.Allowed(pr, Manage),
		Missing: missing}
	if p.Term != 0 && p.Class != 0 {
		cc, err := h.newS(c).ClassReportCards(c.UserContext(), viewer(c), p.Term, p.Class)
		if err != nil {
			return h.Fail(c, err)
		}
		d.Cards = &cc
		v.Title = "Report cards · " + cc.Class.Name + " · " + cc.Term.Name
	}
	v.Data = d
	return h.Render(c, status, "exams_cards", v)
}

func (h pages) workflow(c *fiber.Ctx) error {
	v := h.View(c, "Report cards", "exams")
	v.Form = web.Form(c, "term", "class", "status", "force")
	term, _ := web.FormInt(v, "term")
	class, _ := web.FormInt(v, "class")
	_, err := h.newS(c).SetWorkflow(c.UserContext(), viewer(c), WorkflowInput{TermID: term, ClassID: class,
		Status: v.Form["status"], Force: v.Form["force"] == "1"}, auth.MetaFrom(c))
	back := fmt.Sprintf("%s/exams/report-cards?term=%d&class=%d", v.Prefix, term, class)
	if err != nil {
		e := errs.As(err)
		if e.Code == errs.Internal || e.Code == errs.NotFound {
			return h.Fail(c, err)
		}
		v.Error = web.Sentence(e.Message)
		c.Request().URI().QueryArgs().Set("term", v.Form["term"])
		c.Request().URI().QueryArgs().Set("class", v.Form["class"])
		var missing map[string]string
		if e.Code == errs.Conflict {
			missing = e.Fields
		}
		return h.cardsPage(c, web.StatusFor(e), v, missing)
	}
	return web.Redirect(c, back+"&done=cards_"+v.Form["status"])
}

func (h pages) comments(c *fiber.Ctx) error {
	id, err := web.PathID(c, "student")
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, "Report card", "exams")
	v.Form = web.Form(c, "term", "class", "class_teacher_comment", "head_teacher_comment", "back")
	term, _ := web.FormInt(v, "term")
	in := CommentsInput{TermID: term}
	if c.Request().PostArgs().Has("class_teacher_comment") {
		in.ClassTeacherComment = ptr(v.Form["class_teacher_comment"])
	}
	if c.Request().PostArgs().Has("head_teacher_comment") {
		in.HeadTeacherComment = ptr(v.Form["head_teacher_comment"])
	}
	if _, err := h.newS(c).SetComments(c.UserContext(), viewer(c), id, in, auth.MetaFrom(c)); err != nil {
		e := errs.As(err)
		if e.Code == errs.Internal || e.Code == errs.NotFound {
			return h.Fail(c, err)
		}
		c.Request().URI().QueryArgs().Set("term", v.Form["term"])
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		if e.Code != errs.Invalid {
			v.Error = web.Sentence(e.Message)
		}
		return h.cardPage(c, status, v, id)
	}
	return web.Redirect(c, fmt.Sprintf("%s/exams/report-cards/%d?term=%d&done=comments_saved", v.Prefix, id, term))
}

type cardData struct {
	Card       ReportCard
	Query      template.URL // the card's term, for its PDF link (see picker.query)
	CanComment bool
	CanHead    bool
	Back       string
}

func (h pages) card(c *fiber.Ctx) error {
	id, err := web.PathID(c, "student")
	if err != nil {
		return h.Fail(c, err)
	}
	return h.cardPage(c, fiber.StatusOK, h.View(c, "Report card", "exams"), id)
}

func (h pages) cardPage(c *fiber.Ctx, status int, v *web.View, id int64) error {
	card, err := h.newS(c).ReportCard(c.UserContext(), viewer(c), id, web.QueryID(c, "term"))
	if err != nil {
		return h.Fail(c, err)
	}
	pr := auth.PrincipalOf(c)
	d := cardData{Card: card, Query: template.URL("term=" + web.ID(card.Term.ID)),
		CanComment: !card.Published() && auth.Allowed(pr, Comment),
		CanHead:    !card.Published() && auth.Allowed(pr, Manage),
		Back:       fmt.Sprintf("%s/exams/report-cards?term=%d&class=%d", v.Prefix, card.Term.ID, card.Student.ClassID)}
	if d.CanComment && viewer(c).Scoped() && !leads(c, card) {
		d.CanComment = false
	}
	if len(v.Form) == 0 {
		v.Form = map[string]string{"class_teacher_comment": card.ClassTeacherComment, "head_teacher_comment": card.HeadTeacherComment}
	}
	v.Title = "Report card · " + card.Student.Name
	v.Data = d
	return h.Render(c, status, "exams_card", v)
}

// leads reports whether the signed-in teacher is the class teacher of the card's class.
func leads(c *fiber.Ctx, card ReportCard) bool {
	cl, err := academics.New(web.Tenant(c)).Class(c.UserContext(), card.Student.ClassID)
	return err == nil && cl.ClassTeacherID != nil && *cl.ClassTeacherID == viewer(c).TeacherID
}

func ptr[T any](v T) *T { return &v }

// emptySheetsCard tells a teacher which of their mark sheets of the current term are
// still empty.
func emptySheetsCard(newS func(c *fiber.Ctx) Service) func(c *fiber.Ctx) (web.CardView, bool, error) {
	return func(c *fiber.Ctx) (web.CardView, bool, error) {
		v := viewer(c)
		if !v.Scoped() {
			return web.CardView{}, false, nil
		}
		empty, err := newS(c).EmptyMarkSheets(c.UserContext(), v.TeacherID)
		if err != nil {
			return web.CardView{}, false, err
		}
		card := web.CardView{Label: "Empty mark sheets", Value: strconv.Itoa(len(empty)), Link: "/exams", LinkText: "Assessments"}
		switch len(empty) {
		case 0:
			card.Text = "Every mark sheet of this term has marks."
		default:
			names := make([]string, 0, 3)
			for _, e := range empty[:min(3, len(empty))] {
				names = append(names, e.SubjectName+" "+e.Name+" ("+e.ClassName+")")
			}
			card.Text = strings.Join(names, "; ")
			if len(empty) > 3 {
				card.Text += fmt.Sprintf("; and %d more", len(empty)-3)
			}
			card.Link = fmt.Sprintf("/exams/assessments/%d", empty[0].AssessmentID)
			card.LinkText = "Enter marks"
		}
		return card, true, nil
	}
}

// decimals writes *p with n decimals, "—" for nil (pages show means this way).
func decimals(p *float64, n int) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatFloat(*p, 'f', n, 64)
}

// MeanText is the mean percentage as pages show it.
func (l CardLine) MeanText() string { return decimals(l.MeanPercent, 2) }

// MeanText is the mean percentage as pages show it.
func (s SubjectSummary) MeanText() string { return decimals(s.Mean, 1) }

// MeanText is the mean percentage as pages show it.
func (s TeacherSummary) MeanText() string { return decimals(s.Mean, 1) }

// MeanText and PointsText are the card's means as pages show them.
func (c ReportCard) MeanText() string   { return decimals(c.MeanPercent, 2) }
func (c ReportCard) PointsText() string { return decimals(c.MeanPoints, 2) }
