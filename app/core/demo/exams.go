package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/exams"
	"github.com/schoolsms/sms/db"
)

// seedExams gives every subject of every class two assessments in the current term (a
// CAT out of 30 weighing 30 and an end-of-term exam out of 100 weighing 70), marks them
// with a believable spread (each student has an ability, each subject varies around
// it, a few are absent), and publishes the report cards of the top form. It returns
// how many assessments it made.
func seedExams(ctx context.Context, t *db.Tenant, classes []academics.Class, meta auth.Meta) (int, error) {
	term, err := academics.New(t).CurrentTerm(ctx)
	if err != nil {
		return 0, fmt.Errorf("current term: %w", err)
	}
	start, err := time.Parse("2006-01-02", term.StartDate)
	if err != nil {
		return 0, err
	}
	end, err := time.Parse("2006-01-02", term.EndDate)
	if err != nil {
		return 0, err
	}
	cat, exam := start.AddDate(0, 0, 21), end.AddDate(0, 0, -7)
	if exam.Before(cat) {
		cat, exam = start, end
	}
	r := rand.New(rand.NewPCG(2026, 9)) // the same marks every time
	ability := map[int64]float64{}
	sv := exams.New(t)
	all := exams.Viewer{}
	n := 0
	var top int64
	for _, cl := range classes {
		cur, err := academics.New(t).Curriculum(ctx, cl.FormID)
		if err != nil {
			return n, err
		}
		for _, sub := range cur.Subjects {
			bias := r.NormFloat64() * 6 // some subjects are harder
			for _, a := range []struct {
				name, kind string
				date       time.Time
				max, w     float64
			}{{"CAT 1", "test", cat, 30, 30}, {"End of term", "exam", exam, 100, 70}} {
				max, w := a.max, a.w
				as, err := sv.CreateAssessment(ctx, all, exams.AssessmentInput{TermID: term.ID, ClassID: cl.ID, SubjectID: sub.ID,
					Name: a.name, Kind: a.kind, Date: a.date.Format("2006-01-02"), MaxScore: &max, Weight: &w}, meta)
				if err != nil {
					return n, fmt.Errorf("assessment %s %s %s: %w", cl.Name, sub.Code, a.name, err)
				}
				n++
				sheet, err := sv.MarkSheet(ctx, all, as.ID)
				if err != nil {
					return n, err
				}
				entries := make([]exams.SheetEntry, 0, len(sheet.Rows))
				for _, row := range sheet.Rows {
					ab, ok := ability[row.StudentID]
					if !ok {
						ab = 55 + r.NormFloat64()*14
						ability[row.StudentID] = ab
					}
					mark := exams.Absent
					if r.IntN(100) >= 2 {
						pct := math.Min(98, math.Max(4, ab+bias+r.NormFloat64()*9))
						mark = exams.Score(math.Round(pct*max/100*2) / 2) // to the half mark
					}
					entries = append(entries, exams.SheetEntry{StudentID: row.StudentID, Score: mark})
				}
				if _, err := sv.SaveMarkSheet(ctx, all, as.ID, entries, meta); err != nil {
					return n, fmt.Errorf("marks of %s %s %s: %w", cl.Name, sub.Code, a.name, err)
				}
			}
		}
		top = max(top, cl.FormLevel)
	}
	for _, cl := range classes {
		if cl.FormLevel != top {
			continue
		}
		if _, err := sv.SetWorkflow(ctx, all, exams.WorkflowInput{TermID: term.ID, ClassID: cl.ID, Status: exams.StatusPublished}, meta); err != nil {
			return n, fmt.Errorf("publish %s: %w", cl.Name, err)
		}
	}
	return n, nil
}
