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
	"github.com/schoolsms/sms/db"
)

func TestSeedMakesABelievableSchoolOnce(t *testing.T) {
	s := apptest.Start(t)
	s.CreateSchool("demo", "Demo School")
	s.CreateUser("demo", "teacher@demo.test", auth.RoleTeacher)
	today := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	var got demo.Seeded
	s.WithSchool("demo", func(tn *db.Tenant) (err error) {
		got, err = demo.Seed(context.Background(), tn, demo.Options{Today: today, TeacherEmail: "teacher@demo.test"}, auth.Meta{})
		return err
	})
	assert.Equal(t, demo.Seeded{Classes: 8, Subjects: 10, Teachers: 7, Students: 304}, got)
	assert.Equal(t, 3, s.Count("demo", "terms"))
	assert.Equal(t, 4, s.Count("demo", "forms"))
	assert.Equal(t, 304, s.Count("demo", "enrollments"))
	assert.Greater(t, s.Count("demo", "guardians"), 250)
	assert.Less(t, s.Count("demo", "guardians"), 304, "some siblings share a guardian")

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
