package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/demo"
	"github.com/schoolsms/sms/app/core/exams"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
)

func TestSeedMakesABelievableSchoolOnce(t *testing.T) {
	s := apptest.Start(t)
	s.CreateSchool("demo", "Demo School")
	s.CreateUser("demo", "teacher@demo.test", auth.RoleTeacher)
	today := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	var got demo.Seeded
	began := time.Now()
	s.WithSchool("demo", func(tn *db.Tenant) (err error) {
		got, err = demo.Seed(context.Background(), tn, demo.Options{Today: today, TeacherEmail: "teacher@demo.test"}, auth.Meta{})
		return err
	})
	t.Logf("seeded in %v", time.Since(began))
	assert.Equal(t, demo.Seeded{Classes: 8, Subjects: 10, Teachers: 7, Students: 304, Assessments: 160}, got)
	assert.Equal(t, 3, s.Count("demo", "terms"))
	assert.Equal(t, 4, s.Count("demo", "forms"))
	assert.Equal(t, 304, s.Count("demo", "enrollments"))
	assert.Greater(t, s.Count("demo", "guardians"), 250)
	assert.Less(t, s.Count("demo", "guardians"), 304, "some siblings share a guardian")

	// Two marked assessments per subject of every class; Form 4's cards are published.
	assert.Equal(t, 160, s.Count("demo", "assessments"))
	assert.Greater(t, s.Count("demo", "scores"), 6000)
	assert.Equal(t, 2, s.Count("demo", "report_workflow"))
	s.WithSchool("demo", func(tn *db.Tenant) error {
		ctx := context.Background()
		var f4, f1 int64
		require.NoError(t, tn.ReadDB().QueryRowContext(ctx, `SELECT e.student_id FROM enrollments e JOIN classes c ON c.id = e.class_id
			JOIN forms f ON f.id = c.form_id WHERE f.level = 4 LIMIT 1`).Scan(&f4))
		require.NoError(t, tn.ReadDB().QueryRowContext(ctx, `SELECT e.student_id FROM enrollments e JOIN classes c ON c.id = e.class_id
			JOIN forms f ON f.id = c.form_id WHERE f.level = 1 LIMIT 1`).Scan(&f1))
		res, err := exams.New(tn).LatestPublishedResults(ctx, f4)
		require.NoError(t, err)
		assert.Len(t, res.Subjects, 10)
		assert.NotEmpty(t, res.MeanGrade)
		_, err = exams.New(tn).LatestPublishedResults(ctx, f1)
		assert.Equal(t, errs.NotFound, errs.CodeOf(err), "only Form 4 is published")
		var form4 int64
		require.NoError(t, tn.ReadDB().QueryRowContext(ctx, `SELECT id FROM forms WHERE level = 4`).Scan(&form4))
		r, err := exams.New(tn).Results(ctx, exams.Viewer{}, exams.ResultsQuery{FormID: form4})
		require.NoError(t, err)
		grades := map[string]bool{}
		for _, st := range r.Students {
			grades[st.MeanGrade] = true
		}
		assert.GreaterOrEqual(t, len(grades), 5, "a believable spread of mean grades: %v", grades)
		return nil
	})

	admin := s.As("demo", "admin@demo.test")
	status, terms := admin.JSON("GET", "/api/core/terms/?is_current=true", nil)
	require.Equal(t, 200, status)
	require.EqualValues(t, 1, terms["count"])
	assert.Equal(t, "Term 3", terms["results"].([]any)[0].(map[string]any)["name"])

	// The named teacher teaches, so their student list is not empty but not everyone.
	teacher := s.As("demo", "teacher@demo.test")
	status, mine := teacher.JSON("GET", "/api/core/students/?page_size=1", nil)
	require.Equal(t, 200, status)
	assert.Greater(t, mine["count"].(float64), 0.0)

	s.WithSchool("demo", func(tn *db.Tenant) (err error) {
		got, err = demo.Seed(context.Background(), tn, demo.Options{Today: today}, auth.Meta{})
		return err
	})
	assert.True(t, got.Skipped, "a second run changes nothing")
	assert.Equal(t, 304, s.Count("demo", "students"))
}
