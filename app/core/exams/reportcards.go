package exams

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	apptext "github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db/tenantdb"
)

// CardSchool is the school as its report cards name it.
type CardSchool struct {
	Name    string `json:"name"`
	Motto   string `json:"motto"`
	HasLogo bool   `json:"has_logo"`
}

// CardStudent is the student a card is for.
type CardStudent struct {
	ID           int64  `json:"id"`
	AdmissionNo  string `json:"admission_no"`
	Name         string `json:"name"`
	Gender       string `json:"gender"`
	ClassID      int64  `json:"class"`
	ClassName    string `json:"class_name"`
	FormName     string `json:"form_name"`
	ClassTeacher string `json:"class_teacher"`
}

// CardSubject is a subject row of a report card: the marks behind it, the result, the
// subject's teacher and their remark (the grade's remark unless they wrote one).
type CardSubject struct {
	SubjectResult
	Teacher string `json:"teacher"`
}

// ReportCard is a student's report for a term.
type ReportCard struct {
	School              CardSchool         `json:"school"`
	Student             CardStudent        `json:"student"`
	Term                TermRef            `json:"term"`
	Status              string             `json:"status"` // draft, comments or published
	PublishedAt         string             `json:"published_at"`
	Scale               Ref                `json:"scale"`
	Subjects            []CardSubject      `json:"subjects"`
	SubjectsTaken       int                `json:"subjects_taken"`
	Total               float64            `json:"total"`
	MeanPercent         *float64           `json:"mean_percent"`
	MeanPoints          *float64           `json:"mean_points"`
	MeanGrade           string             `json:"mean_grade"`
	ClassPosition       *int               `json:"class_position"`
	ClassOf             int                `json:"class_of"`
	FormPosition        *int               `json:"form_position"`
	FormOf              int                `json:"form_of"`
	Attendance          *AttendanceSummary `json:"attendance"` // nil when the school records none
	ClassTeacherComment string             `json:"class_teacher_comment"`
	HeadTeacherComment  string             `json:"head_teacher_comment"`
	NextTermBegins      string             `json:"next_term_begins"`

	logo  []byte
	dates school.Dates // how the school writes dates, for the PDF
}

// Published reports whether parents may see the card.
func (c ReportCard) Published() bool { return c.Status == StatusPublished }

// ClassCards is a class's report cards for a term, as the comments page shows them.
type ClassCards struct {
	Term        TermRef    `json:"term"`
	Class       Ref        `json:"class"`
	Form        Ref        `json:"form"`
	Status      string     `json:"status"`
	PublishedAt string     `json:"published_at"`
	Cards       []CardLine `json:"cards"`
}

// CardLine is one student's card in a class's list.
type CardLine struct {
	StudentID           int64    `json:"student"`
	AdmissionNo         string   `json:"admission_no"`
	Name                string   `json:"name"`
	SubjectsTaken       int      `json:"subjects_taken"`
	MeanPercent         *float64 `json:"mean_percent"`
	MeanGrade           string   `json:"mean_grade"`
	ClassPosition       *int     `json:"class_position"`
	ClassOf             int      `json:"class_of"`
	ClassTeacherComment string   `json:"class_teacher_comment"`
	HeadTeacherComment  string   `json:"head_teacher_comment"`
}

// studentClass is the class a student is in during a term's session.
func studentClass(ctx context.Context, q *tenantdb.Queries, studentID int64, t term) (class, error) {
	if _, err := q.ExamsGetStudent(ctx, studentID); err != nil {
		return class{}, found(err, "student", studentID)
	}
	id, err := q.ExamsStudentClassInSession(ctx, tenantdb.ExamsStudentClassInSessionParams{StudentID: studentID, SessionID: t.SessionID})
	if errors.Is(err, sql.ErrNoRows) {
		return class{}, errs.E(errs.NotFound, "student %d is in no class in %s", studentID, t.SessionName)
	}
	if err != nil {
		return class{}, err
	}
	return q.ExamsGetClass(ctx, id)
}

// cards builds the report cards of a class (only of the students in want, when given)
// from one snapshot.
func (s Service) cards(ctx context.Context, q *tenantdb.Queries, t term, c class, want map[int64]bool) ([]ReportCard, error) {
	fr, err := computeForm(ctx, q, t, c.FormID, true)
	if err != nil {
		return nil, err
	}
	prof, err := school.ProfileIn(ctx, q)
	if err != nil {
		return nil, err
	}
	var logo []byte
	if s.Src.Logo != nil {
		if logo, err = s.Src.Logo(ctx, s.T); err != nil {
			return nil, err
		}
	}
	wf, err := q.ExamsGetWorkflow(ctx, tenantdb.ExamsGetWorkflowParams{TermID: t.ID, ClassID: c.ID})
	if errors.Is(err, sql.ErrNoRows) {
		wf, err = tenantdb.ReportWorkflow{Status: StatusDraft}, nil
	}
	if err != nil {
		return nil, err
	}
	comments, err := q.ExamsClassComments(ctx, tenantdb.ExamsClassCommentsParams{TermID: t.ID, ClassID: c.ID})
	if err != nil {
		return nil, err
	}
	byStudent := make(map[int64]tenantdb.ReportComment, len(comments))
	for _, cm := range comments {
		byStudent[cm.StudentID] = cm
	}
	remarks, err := q.ExamsClassRemarks(ctx, tenantdb.ExamsClassRemarksParams{TermID: t.ID, ClassID: c.ID})
	if err != nil {
		return nil, err
	}
	remarkOf := make(map[[2]int64]string, len(remarks))
	for _, r := range remarks {
		remarkOf[[2]int64{r.StudentID, r.SubjectID}] = r.Remark
	}
	classTeacher := ""
	if c.ClassTeacherID.Valid {
		if classTeacher, err = q.ExamsGetUserName(ctx, c.ClassTeacherID.Int64); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	tab := fr.table(&c, func(id int64) bool { return id == c.ID })
	var out []ReportCard
	for _, st := range tab.Students {
		if want != nil && !want[st.StudentID] {
			continue
		}
		stu, err := q.ExamsGetStudent(ctx, st.StudentID)
		if err != nil {
			return nil, err
		}
		card := ReportCard{
			School: CardSchool{Name: prof.Name, Motto: prof.Motto, HasLogo: len(logo) > 0},
			Student: CardStudent{ID: st.StudentID, AdmissionNo: st.AdmissionNo, Name: st.Name, Gender: stu.Gender,
				ClassID: c.ID, ClassName: c.Name, FormName: c.FormName, ClassTeacher: classTeacher},
			Term: tab.Term, Status: wf.Status, PublishedAt: wf.PublishedAt.String, Scale: tab.Scale,
			Subjects: []CardSubject{}, SubjectsTaken: st.SubjectsTaken, Total: st.Total, MeanPercent: st.MeanPercent,
			MeanPoints: st.MeanPoints, MeanGrade: st.MeanGrade, ClassPosition: st.ClassPosition, ClassOf: st.ClassOf,
			FormPosition: st.FormPosition, FormOf: st.FormOf, NextTermBegins: t.NextTermBegins.String, logo: logo,
			dates: prof.Dates(),
		}
		for _, r := range st.Subjects {
			cs := CardSubject{SubjectResult: r}
			if x, ok := fr.teachers[[2]int64{c.ID, r.SubjectID}]; ok {
				cs.Teacher = x.TeacherName
			}
			if rm, ok := remarkOf[[2]int64{st.StudentID, r.SubjectID}]; ok {
				cs.Remark = rm
			}
			card.Subjects = append(card.Subjects, cs)
		}
		if cm, ok := byStudent[st.StudentID]; ok {
			card.ClassTeacherComment, card.HeadTeacherComment = cm.ClassTeacherComment, cm.HeadTeacherComment
		}
		if s.Src.Attendance != nil {
			a, ok, err := s.Src.Attendance(ctx, s.T, st.StudentID, t.ID)
			if err != nil {
				return nil, err
			}
			if ok {
				card.Attendance = &a
			}
		}
		out = append(out, card)
	}
	return out, nil
}

// ReportCard returns a student's card for a term (0: the current term), in whatever
// state it is; a teacher sees the cards of classes they teach or lead.
func (s Service) ReportCard(ctx context.Context, v Viewer, studentID, termID int64) (ReportCard, error) {
	var out ReportCard
	err := read(ctx, s.T, "report card", func(q *tenantdb.Queries, _ tenantdb.DBTX) error {
		t, err := termOrCurrent(ctx, q, termID)
		if err != nil {
			return err
		}
		c, err := studentClass(ctx, q, studentID, t)
		if err != nil {
			return err
		}
		if err := canSeeClass(ctx, q, v, c); err != nil {
			return err
		}
		cards, err := s.cards(ctx, q, t, c, map[int64]bool{studentID: true})
		if err != nil {
			return err
		}
		if len(cards) == 0 {
			return errs.E(errs.NotFound, "student %d is in no class in %s", studentID, t.SessionName)
		}
		out = cards[0]
		return nil
	})
	return out, err
}

// classCards reads the term and class of a class's cards for v.
func (s Service) classCards(ctx context.Context, v Viewer, termID, classID int64) (term, class, []ReportCard, error) {
	var t term
	var c class
	var cards []ReportCard
	err := read(ctx, s.T, "report cards", func(q *tenantdb.Queries, _ tenantdb.DBTX) error {
		var err error
		if t, c, err = termAndClass(ctx, q, termID, classID); err != nil {
			return err
		}
		if err := canSeeClass(ctx, q, v, c); err != nil {
			return err
		}
		cards, err = s.cards(ctx, q, t, c, nil)
		return err
	})
	return t, c, cards, err
}

func termAndClass(ctx context.Context, q *tenantdb.Queries, termID, classID int64) (term, class, error) {
	f := errs.Fields{}
	t, err := termOrCurrent(ctx, q, termID)
	if e := errs.As(err); err != nil && e.Code == errs.Invalid {
		f.Add("term", e.Fields["term"])
	} else if err != nil {
		return t, class{}, err
	}
	c, err := q.ExamsGetClass(ctx, classID)
	if err := ref(f, "class", "class", classID, err); err != nil {
		return t, c, err
	}
	if t.ID != 0 && c.ID != 0 && c.SessionID != t.SessionID {
		f.Add("class", fmt.Sprintf("%s is a class of another session than %s %s", c.Name, t.SessionName, t.Name))
	}
	return t, c, f.Err()
}

// ClassReportCards lists a class's cards for a term with its workflow status.
func (s Service) ClassReportCards(ctx context.Context, v Viewer, termID, classID int64) (ClassCards, error) {
	var out ClassCards
	err := read(ctx, s.T, "report cards", func(q *tenantdb.Queries, _ tenantdb.DBTX) error {
		t, c, err := termAndClass(ctx, q, termID, classID)
		if err != nil {
			return err
		}
		if err := canSeeClass(ctx, q, v, c); err != nil {
			return err
		}
		cards, err := s.cards(ctx, q, t, c, nil)
		if err != nil {
			return err
		}
		wf, err := q.ExamsGetWorkflow(ctx, tenantdb.ExamsGetWorkflowParams{TermID: t.ID, ClassID: c.ID})
		if errors.Is(err, sql.ErrNoRows) {
			wf, err = tenantdb.ReportWorkflow{Status: StatusDraft}, nil
		}
		if err != nil {
			return err
		}
		out = ClassCards{Term: TermRef{ID: t.ID, Name: t.Name, Session: t.SessionName, StartDate: t.StartDate,
			EndDate: t.EndDate, NextTermBegins: t.NextTermBegins.String},
			Class: Ref{ID: c.ID, Name: c.Name}, Form: Ref{ID: c.FormID, Name: c.FormName}, Status: wf.Status,
			PublishedAt: wf.PublishedAt.String, Cards: []CardLine{}}
		for _, cd := range cards {
			out.Cards = append(out.Cards, CardLine{StudentID: cd.Student.ID, AdmissionNo: cd.Student.AdmissionNo,
				Name: cd.Student.Name, SubjectsTaken: cd.SubjectsTaken, MeanPercent: cd.MeanPercent, MeanGrade: cd.MeanGrade,
				ClassPosition: cd.ClassPosition, ClassOf: cd.ClassOf, ClassTeacherComment: cd.ClassTeacherComment,
				HeadTeacherComment: cd.HeadTeacherComment})
		}
		return nil
	})
	return out, err
}

// CommentsInput sets a card's comments; a nil field stays as it is. The class
// teacher's comment is written by the class teacher or an admin, the head teacher's
// by an admin.
type CommentsInput struct {
	TermID              int64   `json:"term"`
	ClassTeacherComment *string `json:"class_teacher_comment"`
	HeadTeacherComment  *string `json:"head_teacher_comment"`
}

// Comments are a card's comments.
type Comments struct {
	StudentID           int64  `json:"student"`
	TermID              int64  `json:"term"`
	ClassTeacherComment string `json:"class_teacher_comment"`
	HeadTeacherComment  string `json:"head_teacher_comment"`
}

// SetComments writes a card's comments, until the class's cards are published.
func (s Service) SetComments(ctx context.Context, v Viewer, studentID int64, in CommentsInput, meta auth.Meta) (Comments, error) {
	var out Comments
	err := write(ctx, s.T, "set report card comments", func(q *tenantdb.Queries, tx *sql.Tx) error {
		t, err := termOrCurrent(ctx, q, in.TermID)
		if err != nil {
			return err
		}
		c, err := studentClass(ctx, q, studentID, t)
		if err != nil {
			return err
		}
		f := errs.Fields{}
		for _, p := range []struct {
			field string
			v     *string
		}{{"class_teacher_comment", in.ClassTeacherComment}, {"head_teacher_comment", in.HeadTeacherComment}} {
			if p.v == nil {
				continue
			}
			var msg string
			if *p.v, msg = apptext.Multiline(*p.v, maxComment); msg != "" {
				f.Add(p.field, msg)
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if v.Scoped() {
			if in.HeadTeacherComment != nil {
				return errs.E(errs.Forbidden, "only an admin writes the head teacher's comment")
			}
			if !c.ClassTeacherID.Valid || c.ClassTeacherID.Int64 != v.TeacherID {
				return errs.E(errs.Forbidden, "only the class teacher of %s or an admin writes its comments", c.Name)
			}
		}
		if err := commentsOpen(ctx, q, t, c); err != nil {
			return err
		}
		before, err := q.ExamsGetComments(ctx, tenantdb.ExamsGetCommentsParams{TermID: t.ID, StudentID: studentID})
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		after := before
		set(&after.ClassTeacherComment, in.ClassTeacherComment)
		set(&after.HeadTeacherComment, in.HeadTeacherComment)
		if err := q.ExamsPutComments(ctx, tenantdb.ExamsPutCommentsParams{TermID: t.ID, StudentID: studentID,
			ClassTeacherComment: after.ClassTeacherComment, HeadTeacherComment: after.HeadTeacherComment,
			UpdatedBy: actorID(meta)}); err != nil {
			return err
		}
		out = Comments{StudentID: studentID, TermID: t.ID, ClassTeacherComment: after.ClassTeacherComment,
			HeadTeacherComment: after.HeadTeacherComment}
		return audit(ctx, q, meta, "report_card.comments", fmt.Sprintf("%s %s student %d", c.Name, t.Name, studentID),
			map[string]any{"before": map[string]string{"class_teacher_comment": before.ClassTeacherComment,
				"head_teacher_comment": before.HeadTeacherComment}, "after": out})
	})
	return out, err
}

// commentsOpen refuses a change to the cards of a published class.
func commentsOpen(ctx context.Context, q *tenantdb.Queries, t term, c class) error {
	st, err := workflowStatus(ctx, q, t.ID, c.ID)
	if err != nil {
		return err
	}
	if st == StatusPublished {
		return errs.E(errs.Conflict, "the %s report cards of %s are published; an admin can unpublish them to change them", t.Name, c.Name)
	}
	return nil
}

// RemarkInput is a subject teacher's remark on a student's subject row; "" removes it
// (the card then shows the grade's remark).
type RemarkInput struct {
	TermID    int64  `json:"term"`
	SubjectID int64  `json:"subject"`
	Remark    string `json:"remark"`
}

// SetRemark writes a subject teacher's remark, until the class's cards are published.
func (s Service) SetRemark(ctx context.Context, v Viewer, studentID int64, in RemarkInput, meta auth.Meta) (RemarkInput, error) {
	err := write(ctx, s.T, "set subject remark", func(q *tenantdb.Queries, tx *sql.Tx) error {
		t, err := termOrCurrent(ctx, q, in.TermID)
		if err != nil {
			return err
		}
		in.TermID = t.ID
		c, err := studentClass(ctx, q, studentID, t)
		if err != nil {
			return err
		}
		f := errs.Fields{}
		var msg string
		if in.Remark, msg = apptext.Line(in.Remark, maxRemark); msg != "" {
			f.Add("remark", msg)
		}
		sub, err := q.ExamsGetSubject(ctx, in.SubjectID)
		if err := ref(f, "subject", "subject", in.SubjectID, err); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := canMark(ctx, q, v, c, sub.ID, sub.Name); err != nil {
			return err
		}
		if err := commentsOpen(ctx, q, t, c); err != nil {
			return err
		}
		if in.Remark == "" {
			err = q.ExamsDeleteRemark(ctx, tenantdb.ExamsDeleteRemarkParams{TermID: t.ID, StudentID: studentID, SubjectID: sub.ID})
		} else {
			err = q.ExamsPutRemark(ctx, tenantdb.ExamsPutRemarkParams{TermID: t.ID, StudentID: studentID, SubjectID: sub.ID,
				Remark: in.Remark, UpdatedBy: actorID(meta)})
		}
		if err != nil {
			return err
		}
		return audit(ctx, q, meta, "report_card.remark", fmt.Sprintf("%s %s %s student %d", c.Name, t.Name, sub.Code, studentID),
			map[string]any{"after": in})
	})
	return in, err
}

// WorkflowInput moves a class's report cards for a term: to comments (an admin or the
// class teacher), to published (an admin; refused while mark sheets are incomplete,
// unless Force), or back to draft or comments (an admin, for published cards).
type WorkflowInput struct {
	TermID  int64  `json:"term"`
	ClassID int64  `json:"class"`
	Status  string `json:"status"`
	Force   bool   `json:"force"`
}

// Workflow is where a class's cards are.
type Workflow struct {
	TermID      int64  `json:"term"`
	ClassID     int64  `json:"class"`
	Status      string `json:"status"`
	PublishedAt string `json:"published_at"`
	// Filled is how many default comments the move wrote from the comment bank.
	Filled int `json:"filled"`
}

// SetWorkflow moves a class's report cards for a term. Moving to comments or to
// published fills every empty comment from the comment bank by the student's mean grade.
func (s Service) SetWorkflow(ctx context.Context, v Viewer, in WorkflowInput, meta auth.Meta) (Workflow, error) {
	var out Workflow
	err := write(ctx, s.T, "move report cards", func(q *tenantdb.Queries, tx *sql.Tx) error {
		t, c, err := termAndClass(ctx, q, in.TermID, in.ClassID)
		if err != nil {
			return err
		}
		if !slices.Contains([]string{StatusDraft, StatusComments, StatusPublished}, in.Status) {
			return errs.Field("status", "must be draft, comments or published")
		}
		from, err := workflowStatus(ctx, q, t.ID, c.ID)
		if err != nil {
			return err
		}
		if v.Scoped() {
			lead := c.ClassTeacherID.Valid && c.ClassTeacherID.Int64 == v.TeacherID
			switch {
			case in.Status == StatusPublished || from == StatusPublished:
				return errs.E(errs.Forbidden, "only an admin publishes or unpublishes report cards")
			case !lead:
				return errs.E(errs.Forbidden, "only the class teacher of %s or an admin moves its report cards", c.Name)
			}
		}
		out = Workflow{TermID: t.ID, ClassID: c.ID, Status: in.Status}
		if from == in.Status {
			wf, err := q.ExamsGetWorkflow(ctx, tenantdb.ExamsGetWorkflowParams{TermID: t.ID, ClassID: c.ID})
			if err == nil {
				out.PublishedAt = wf.PublishedAt.String
			}
			return nil
		}
		if in.Status == StatusPublished && !in.Force {
			if err := readyToPublish(ctx, q, t, c); err != nil {
				return err
			}
		}
		if in.Status != StatusDraft {
			if out.Filled, err = s.fillComments(ctx, q, t, c, meta); err != nil {
				return err
			}
		}
		var publishedAt sql.NullString
		var publishedBy sql.NullInt64
		if in.Status == StatusPublished {
			now, err := school.NowIn(ctx, q)
			if err != nil {
				return err
			}
			publishedAt = sql.NullString{String: now.UTC().Format("2006-01-02T15:04:05Z"), Valid: true}
			publishedBy = actorID(meta)
			out.PublishedAt = publishedAt.String
		}
		if err := q.ExamsSetWorkflow(ctx, tenantdb.ExamsSetWorkflowParams{TermID: t.ID, ClassID: c.ID, Status: in.Status,
			PublishedAt: publishedAt, PublishedBy: publishedBy}); err != nil {
			return err
		}
		return audit(ctx, q, meta, "report_cards."+in.Status, c.Name+" "+t.Name, map[string]any{"term": t.ID, "class": c.ID,
			"before": from, "after": in.Status, "force": in.Force, "comments_filled": out.Filled})
	})
	return out, err
}

// readyToPublish refuses a class whose term has a subject without assessments or a
// mark sheet with students unmarked, naming each.
func readyToPublish(ctx context.Context, q *tenantdb.Queries, t term, c class) error {
	roster, err := q.ExamsClassRoster(ctx, c.ID)
	if err != nil {
		return err
	}
	sheets, err := q.ExamsClassSheetCounts(ctx, tenantdb.ExamsClassSheetCountsParams{TermID: t.ID, ClassID: c.ID})
	if err != nil {
		return err
	}
	curriculum, err := q.ExamsFormCurriculum(ctx, c.FormID)
	if err != nil {
		return err
	}
	missing := map[string]string{}
	assessed := map[int64]bool{}
	for _, sh := range sheets {
		assessed[sh.SubjectID] = true
		if n := int64(len(roster)) - sh.Marked; n > 0 {
			missing[fmt.Sprintf("assessments.%d", sh.ID)] = fmt.Sprintf("%s %s: %d of %d students have no mark",
				sh.SubjectName, sh.Name, n, len(roster))
		}
	}
	for _, sub := range curriculum {
		if !assessed[sub.ID] {
			missing["subjects."+sub.Code] = fmt.Sprintf("%s has no assessment in %s", sub.Name, t.Name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &errs.Error{Code: errs.Conflict, Fields: missing,
		Message: fmt.Sprintf("%s is not ready to publish: %d mark sheets or subjects are incomplete (publish with force to publish anyway)",
			c.Name, len(missing))}
}

// fillComments writes the comment bank's comment for each student's mean grade into
// every empty comment of the class's cards; it returns how many it wrote.
func (s Service) fillComments(ctx context.Context, q *tenantdb.Queries, t term, c class, meta auth.Meta) (int, error) {
	bank, err := q.ExamsCommentBank(ctx)
	if err != nil {
		return 0, err
	}
	text := map[[2]string]string{}
	for _, b := range bank {
		text[[2]string{b.Role, strings.ToUpper(b.Grade)}] = b.Comment
	}
	fr, err := computeForm(ctx, q, t, c.FormID, false)
	if err != nil {
		return 0, err
	}
	comments, err := q.ExamsClassComments(ctx, tenantdb.ExamsClassCommentsParams{TermID: t.ID, ClassID: c.ID})
	if err != nil {
		return 0, err
	}
	have := map[int64]tenantdb.ReportComment{}
	for _, cm := range comments {
		have[cm.StudentID] = cm
	}
	n := 0
	for _, st := range fr.students {
		if st.ClassID != c.ID || st.MeanGrade == "" {
			continue
		}
		cm := have[st.StudentID]
		g := strings.ToUpper(st.MeanGrade)
		changed := false
		if strings.TrimSpace(cm.ClassTeacherComment) == "" && text[[2]string{"class_teacher", g}] != "" {
			cm.ClassTeacherComment, changed = text[[2]string{"class_teacher", g}], true
			n++
		}
		if strings.TrimSpace(cm.HeadTeacherComment) == "" && text[[2]string{"head_teacher", g}] != "" {
			cm.HeadTeacherComment, changed = text[[2]string{"head_teacher", g}], true
			n++
		}
		if !changed {
			continue
		}
		if err := q.ExamsPutComments(ctx, tenantdb.ExamsPutCommentsParams{TermID: t.ID, StudentID: st.StudentID,
			ClassTeacherComment: cm.ClassTeacherComment, HeadTeacherComment: cm.HeadTeacherComment, UpdatedBy: actorID(meta)}); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// BankComment is a default comment of the comment bank: for a role ("class_teacher" or
// "head_teacher") and a mean grade.
type BankComment struct {
	Role    string `json:"role"`
	Grade   string `json:"grade"`
	Comment string `json:"comment"`
}

// CommentBank lists the default comments.
func (s Service) CommentBank(ctx context.Context) ([]BankComment, error) {
	rows, err := s.T.Read().ExamsCommentBank(ctx)
	if err != nil {
		return nil, errs.Wrap(err, "read comment bank")
	}
	out := make([]BankComment, len(rows))
	for i, r := range rows {
		out[i] = BankComment(r)
	}
	return out, nil
}

// SetCommentBank replaces the default comments.
func (s Service) SetCommentBank(ctx context.Context, in []BankComment, meta auth.Meta) ([]BankComment, error) {
	f := errs.Fields{}
	seen := map[[2]string]int{}
	for i := range in {
		field := fmt.Sprintf("comments[%d]", i)
		b := &in[i]
		var msg string
		b.Grade, msg = apptext.Line(b.Grade, 10)
		switch {
		case b.Role != "class_teacher" && b.Role != "head_teacher":
			f.Add(field, "role must be class_teacher or head_teacher")
		case msg != "" || b.Grade == "":
			f.Add(field, "grade is required (one line, at most 10 characters)")
		case seen[[2]string{b.Role, strings.ToUpper(b.Grade)}] > 0:
			f.Add(field, fmt.Sprintf("%s comment for %s is given twice", b.Role, b.Grade))
		default:
			seen[[2]string{b.Role, strings.ToUpper(b.Grade)}] = i + 1
			if b.Comment, msg = apptext.Multiline(b.Comment, maxComment); msg != "" || b.Comment == "" {
				f.Add(field, "comment is required (at most 1000 characters of text)")
			}
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	err := write(ctx, s.T, "set comment bank", func(q *tenantdb.Queries, tx *sql.Tx) error {
		if err := q.ExamsClearCommentBank(ctx); err != nil {
			return err
		}
		for _, b := range in {
			if err := q.ExamsInsertBankComment(ctx, tenantdb.ExamsInsertBankCommentParams(b)); err != nil {
				return err
			}
		}
		return audit(ctx, q, meta, "comment_bank.set", "comment bank", map[string]any{"comments": len(in)})
	})
	if err != nil {
		return nil, err
	}
	return s.CommentBank(ctx)
}

// EmptySheet is an assessment nobody has entered a mark on yet.
type EmptySheet struct {
	AssessmentID int64  `json:"assessment"`
	Name         string `json:"name"`
	Date         string `json:"date"`
	ClassName    string `json:"class_name"`
	SubjectName  string `json:"subject_name"`
}

// EmptyMarkSheets are the current term's assessments of a teacher's subjects that have
// no mark yet.
func (s Service) EmptyMarkSheets(ctx context.Context, teacherID int64) ([]EmptySheet, error) {
	var out []EmptySheet
	err := read(ctx, s.T, "empty mark sheets", func(q *tenantdb.Queries, _ tenantdb.DBTX) error {
		cur, err := q.ExamsGetCurrentTermID(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		rows, err := q.ExamsEmptySheets(ctx, tenantdb.ExamsEmptySheetsParams{TeacherID: teacherID, TermID: cur})
		for _, r := range rows {
			out = append(out, EmptySheet{AssessmentID: r.ID, Name: r.Name, Date: r.Date, ClassName: r.ClassName, SubjectName: r.SubjectName})
		}
		return err
	})
	return out, err
}
