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
	marks := got.Marks
	got.Marks = 0
	assert.Equal(t, demo.Seeded{Classes: 8, Subjects: 10, Teachers: 7, Students: 304, Notices: 3, Assessments: 160}, got)
	// Term 3 from Monday 31 August to Thursday 26 November: 64 weekdays less the half
	// term (5) and Mashujaa Day, 58 school days of 8 classes of 38, less the class not
	// marked today
	assert.Equal(t, 58*8*38-38, marks)
	assert.Equal(t, marks, s.Count("demo", "attendance"))
	assert.Equal(t, 5, s.Count("demo", "holidays"))
	assert.Equal(t, 3, s.Count("demo", "notices"))
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

	// about 94 % present, a few students away far more than the rest; one class has
	// not marked today
	var present, absentees, unmarked int
	s.WithSchool("demo", func(tn *db.Tenant) error {
		db := tn.ReadDB()
		if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM attendance WHERE status = 'present'").Scan(&present); err != nil {
			return err
		}
		if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM (SELECT student_id FROM attendance WHERE status = 'absent'
			GROUP BY student_id HAVING count(*) >= 8)`).Scan(&absentees); err != nil {
			return err
		}
		return db.QueryRowContext(context.Background(), `SELECT count(*) FROM classes c WHERE NOT EXISTS
			(SELECT 1 FROM attendance a WHERE a.class_id = c.id AND a.date = '2026-11-26')`).Scan(&unmarked)
	})
	rate := float64(present) / float64(marks)
	assert.InDelta(t, 0.93, rate, 0.02, "present rate %.3f", rate)
	assert.GreaterOrEqual(t, absentees, 8, "chronic absentees")
	assert.Less(t, absentees, 40)
	assert.Equal(t, 1, unmarked, "one class not marked today")
	status, sheet := admin.JSON("GET", "/api/core/attendance/overview?date=2026-11-26", nil)
	require.Equal(t, 200, status, "%v", sheet)
	assert.EqualValues(t, 1, sheet["classes_unmarked"])

	s.WithSchool("demo", func(tn *db.Tenant) (err error) {
		got, err = demo.Seed(context.Background(), tn, demo.Options{Today: today}, auth.Meta{})
		return err
	})
	assert.True(t, got.Skipped, "a second run changes nothing")
	assert.Equal(t, 304, s.Count("demo", "students"))
}

// TestSeedOpensOnASchoolDay: a demo made in the break after the last term still opens on
// a school day: the term runs a week past today, the session with it, and today's
// registers are kept but for one class.
func TestSeedOpensOnASchoolDay(t *testing.T) {
	s := apptest.Start(t)
	s.CreateSchool("demo", "Demo School")
	today := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) // a Tuesday, after Term 3 (27 November)
	var got demo.Seeded
	s.WithSchool("demo", func(tn *db.Tenant) (err error) {
		got, err = demo.Seed(context.Background(), tn, demo.Options{Today: today, StudentsPerForm: 4}, auth.Meta{})
		return err
	})
	assert.Equal(t, 16, got.Students)
	admin := s.As("demo", "admin@demo.test")
	status, terms := admin.JSON("GET", "/api/core/terms/?is_current=true", nil)
	require.Equal(t, 200, status)
	term := terms["results"].([]any)[0].(map[string]any)
	assert.Equal(t, "Term 3", term["name"])
	assert.Equal(t, "2026-12-08", term["end_date"])
	status, ov := admin.JSON("GET", "/api/core/attendance/overview?date=2026-12-01", nil)
	require.Equal(t, 200, status, "%v", ov)
	assert.Equal(t, true, ov["school_day"])
	assert.EqualValues(t, 1, ov["classes_unmarked"])
}
