package exams

import (
	"context"
	"database/sql"
	"errors"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db/tenantdb"
)

// What parents may see: the results and report cards of classes whose cards are
// published. The chatbot asks through these methods only; nothing unpublished ever
// leaves through them.

// PublishedSubject is a subject of published results.
type PublishedSubject struct {
	Code          string  `json:"code"`
	Name          string  `json:"name"`
	Percent       float64 `json:"percent"`
	Grade         string  `json:"grade"`
	ClassPosition int     `json:"class_position"`
	ClassOf       int     `json:"class_of"`
}

// PublishedResults is a student's results of a term whose report card is published.
type PublishedResults struct {
	StudentID     int64              `json:"student"`
	StudentName   string             `json:"student_name"`
	AdmissionNo   string             `json:"admission_no"`
	ClassName     string             `json:"class_name"`
	Term          TermRef            `json:"term"`
	PublishedAt   string             `json:"published_at"`
	Subjects      []PublishedSubject `json:"subjects"`
	SubjectsTaken int                `json:"subjects_taken"`
	MeanPercent   *float64           `json:"mean_percent"`
	MeanPoints    *float64           `json:"mean_points"`
	MeanGrade     string             `json:"mean_grade"`
	ClassPosition *int               `json:"class_position"`
	ClassOf       int                `json:"class_of"`
	FormPosition  *int               `json:"form_position"`
	FormOf        int                `json:"form_of"`
}

// errNotPublished is what a parent is told when there is nothing published.
func errNotPublished(studentID int64) error {
	return errs.E(errs.NotFound, "student %d has no published report card", studentID)
}

// publishedCard reads a student's published card of a term (0: the latest term with
// one) in one snapshot, so a card unpublished meanwhile is never returned.
func (s Service) publishedCard(ctx context.Context, studentID, termID int64) (ReportCard, error) {
	var out ReportCard
	err := read(ctx, s.T, "published report card", func(q *tenantdb.Queries, _ tenantdb.DBTX) error {
		if termID == 0 {
			id, err := q.ExamsLatestPublishedTerm(ctx, studentID)
			if errors.Is(err, sql.ErrNoRows) {
				return errNotPublished(studentID)
			}
			if err != nil {
				return err
			}
			termID = id
		}
		t, err := q.ExamsGetTerm(ctx, termID)
		if errors.Is(err, sql.ErrNoRows) {
			return errNotPublished(studentID)
		}
		if err != nil {
			return err
		}
		c, err := studentClass(ctx, q, studentID, t)
		if errs.CodeOf(err) == errs.NotFound {
			return errNotPublished(studentID)
		}
		if err != nil {
			return err
		}
		status, err := workflowStatus(ctx, q, t.ID, c.ID)
		if err != nil {
			return err
		}
		if status != StatusPublished {
			return errNotPublished(studentID)
		}
		cards, err := s.cards(ctx, q, t, c, map[int64]bool{studentID: true})
		if err != nil {
			return err
		}
		if len(cards) == 0 || !cards[0].Published() {
			return errNotPublished(studentID)
		}
		out = cards[0]
		return nil
	})
	return out, err
}

// LatestPublishedResults is a student's results of the latest term whose report card
// is published; NotFound when none is.
func (s Service) LatestPublishedResults(ctx context.Context, studentID int64) (PublishedResults, error) {
	c, err := s.publishedCard(ctx, studentID, 0)
	if err != nil {
		return PublishedResults{}, err
	}
	out := PublishedResults{StudentID: c.Student.ID, StudentName: c.Student.Name, AdmissionNo: c.Student.AdmissionNo,
		ClassName: c.Student.ClassName, Term: c.Term, PublishedAt: c.PublishedAt, Subjects: []PublishedSubject{},
		SubjectsTaken: c.SubjectsTaken, MeanPercent: c.MeanPercent, MeanPoints: c.MeanPoints, MeanGrade: c.MeanGrade,
		ClassPosition: c.ClassPosition, ClassOf: c.ClassOf, FormPosition: c.FormPosition, FormOf: c.FormOf}
	for _, sub := range c.Subjects {
		out.Subjects = append(out.Subjects, PublishedSubject{Code: sub.Code, Name: sub.Name, Percent: sub.Percent,
			Grade: sub.Grade, ClassPosition: sub.ClassPosition, ClassOf: sub.ClassOf})
	}
	return out, nil
}

// PublishedReportCardPDF is the PDF of a student's published report card for a term
// (0: the latest term with one); NotFound when that card is not published.
func (s Service) PublishedReportCardPDF(ctx context.Context, studentID, termID int64) ([]byte, error) {
	c, err := s.publishedCard(ctx, studentID, termID)
	if err != nil {
		return nil, err
	}
	return writeCardsPDF([]ReportCard{c})
}
