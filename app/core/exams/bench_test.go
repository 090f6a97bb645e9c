package exams_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/exams"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// benchForm is one form of a school, fully marked: classes × perClass students, each
// class taking subjects subjects with perSubject assessments.
type benchForm struct {
	s           *apptest.Server
	term, form  int64
	classes     []int64
	assessments []int64 // of the first class
}

func newBenchForm(b *testing.B, classes, perClass, subjects, perSubject int) benchForm {
	b.Helper()
	s := apptest.Start(b, apptest.At(today))
	s.CreateSchool("bench", "Bench School")
	out := benchForm{s: s}
	ctx, m := context.Background(), auth.Meta{}
	s.WithSchool("bench", func(t *db.Tenant) error {
		a := academics.New(t)
		sess, err := a.CreateSession(ctx, academics.SessionInput{Name: "2026", StartDate: "2026-01-05", EndDate: "2026-11-27", IsCurrent: true}, m)
		require.NoError(b, err)
		term, err := a.CreateTerm(ctx, academics.TermInput{SessionID: sess.ID, Name: "Term 1", StartDate: "2026-01-05", EndDate: "2026-04-03", IsCurrent: true}, m)
		require.NoError(b, err)
		form, err := a.CreateForm(ctx, academics.FormInput{Name: "Form 4", Level: 4}, m)
		require.NoError(b, err)
		out.term, out.form = term.ID, form.ID
		var subs []int64
		for i := range subjects {
			sub, err := a.CreateSubject(ctx, academics.SubjectInput{Code: fmt.Sprintf("S%02d", i), Name: fmt.Sprintf("Subject %d", i)}, m)
			require.NoError(b, err)
			subs = append(subs, sub.ID)
		}
		_, err = a.SetCurriculum(ctx, form.ID, subs, m)
		require.NoError(b, err)
		r := rand.New(rand.NewPCG(1, 2))
		for c := range classes {
			cl, err := a.CreateClass(ctx, academics.ClassInput{FormID: form.ID, SessionID: sess.ID, Name: fmt.Sprintf("4%c", 'A'+c)}, m)
			require.NoError(b, err)
			out.classes = append(out.classes, cl.ID)
			var as []exams.Assessment
			for _, sub := range subs {
				for k := range perSubject {
					max, w := 100.0, float64(10*(k+1))
					x, err := exams.New(t).CreateAssessment(ctx, exams.Viewer{}, exams.AssessmentInput{TermID: term.ID, ClassID: cl.ID,
						SubjectID: sub, Name: fmt.Sprintf("A%d", k), Kind: "test", Date: "2026-02-10", MaxScore: &max, Weight: &w}, m)
					require.NoError(b, err)
					as = append(as, x)
					if c == 0 {
						out.assessments = append(out.assessments, x.ID)
					}
				}
			}
			require.NoError(b, t.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
				for i := range perClass {
					res, err := tx.ExecContext(ctx, `INSERT INTO students (admission_no, first_name, last_name, gender) VALUES (?, ?, ?, 'male')`,
						fmt.Sprintf("B%d-%d", c, i), fmt.Sprintf("Student%d", i), fmt.Sprintf("Class%d", c))
					if err != nil {
						return err
					}
					sid, _ := res.LastInsertId()
					if _, err := tx.ExecContext(ctx, `INSERT INTO enrollments (student_id, class_id, session_id) VALUES (?, ?, ?)`, sid, cl.ID, sess.ID); err != nil {
						return err
					}
					for _, x := range as {
						if _, err := tx.ExecContext(ctx, `INSERT INTO scores (assessment_id, student_id, status, score_tenths) VALUES (?, ?, 'scored', ?)`,
							x.ID, sid, r.IntN(1001)); err != nil {
							return err
						}
					}
				}
				return nil
			}))
		}
		return nil
	})
	return out
}

// p99 reports the 99th percentile of the durations as a metric.
func p99(b *testing.B, ds []time.Duration) {
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
}

// BenchmarkSaveMarkSheet saves a 45-student sheet, every mark changed each time.
func BenchmarkSaveMarkSheet(b *testing.B) {
	f := newBenchForm(b, 1, 45, 1, 1)
	f.s.WithSchool("bench", func(t *db.Tenant) error {
		ctx := context.Background()
		sv := exams.New(t)
		sheet, err := sv.MarkSheet(ctx, exams.Viewer{}, f.assessments[0])
		require.NoError(b, err)
		var ds []time.Duration
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			entries := make([]exams.SheetEntry, len(sheet.Rows))
			for k, r := range sheet.Rows {
				entries[k] = exams.SheetEntry{StudentID: r.StudentID, Score: exams.Score(float64((i+k)%100) + 0.5)}
			}
			began := time.Now()
			_, err := sv.SaveMarkSheet(ctx, exams.Viewer{}, f.assessments[0], entries, auth.Meta{})
			ds = append(ds, time.Since(began))
			require.NoError(b, err)
		}
		p99(b, ds)
		return nil
	})
}

// BenchmarkFormResults computes the results of a form of 8 classes of 45 (360 students)
// × 11 subjects × 3 assessments.
func BenchmarkFormResults(b *testing.B) {
	f := newBenchForm(b, 8, 45, 11, 3)
	f.s.WithSchool("bench", func(t *db.Tenant) error {
		ctx := context.Background()
		var ds []time.Duration
		b.ResetTimer()
		for b.Loop() {
			began := time.Now()
			r, err := exams.New(t).Results(ctx, exams.Viewer{}, exams.ResultsQuery{TermID: f.term, FormID: f.form})
			ds = append(ds, time.Since(began))
			require.NoError(b, err)
			require.Len(b, r.Students, 360)
		}
		p99(b, ds)
		return nil
	})
}

// BenchmarkClassReportCardsPDF draws the report cards of a class of 45, 11 subjects of
// 3 assessments each, into one PDF.
func BenchmarkClassReportCardsPDF(b *testing.B) {
	f := newBenchForm(b, 1, 45, 11, 3)
	f.s.WithSchool("bench", func(t *db.Tenant) error {
		ctx := context.Background()
		var ds []time.Duration
		b.ResetTimer()
		for b.Loop() {
			began := time.Now()
			pdf, err := exams.New(t).ClassReportCardsPDF(ctx, exams.Viewer{}, f.term, f.classes[0])
			ds = append(ds, time.Since(began))
			require.NoError(b, err)
			b.ReportMetric(float64(len(pdf))/1024, "KB")
		}
		p99(b, ds)
		return nil
	})
}
