package webtest

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/db"
)

// TestDashboardAnswersTheOfficesQuestions: the dashboard shows the students of each
// class by gender, the pending applications, the current session and the quick
// actions; a teacher sees their classes and subjects instead, and nothing of classes
// or applicants they have no part in.
func TestDashboardAnswersTheOfficesQuestions(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	y := s.seedYear(t, "demo")
	s.student(t, "demo", "Amina", "Njeri", y.Class1A.ID, "")
	s.student(t, "demo", "Akinyi", "Otieno", y.Class1A.ID, "")
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		_, err := students.New(tn).CreateStudent(ctx, students.StudentInput{FirstName: "Baraka", LastName: "Kip", Gender: "male",
			Class: y.Class2A.ID}, auth.Meta{})
		require.NoError(t, err)
		_, err = students.New(tn).CreateAdmission(ctx, students.AdmissionInput{FirstName: "Ann", LastName: "Wafula", Gender: "female",
			Form: y.Form1.ID}, auth.Meta{})
		require.NoError(t, err)
		_, err = academics.New(tn).AssignSubject(ctx, academics.AssignmentInput{TeacherID: y.Other, ClassID: y.Class2A.ID,
			SubjectID: y.Subject.ID}, auth.Meta{})
		require.NoError(t, err)
	})
	base := s.url("demo.localhost", "")
	b, _ := s.signedIn(t, base, "admin@demo.localhost", adminPass)
	p := b.get(base + "/")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "Students by class")
	assert.Contains(t, p.Body, `<tr><td><a href="/students?class=`+id(y.Class1A.ID)+`">1A</a></td><td>2</td><td>0</td><td>0</td><td>2</td></tr>`)
	assert.Contains(t, p.Body, `<tr><td><a href="/students?class=`+id(y.Class2A.ID)+`">2A</a></td><td>0</td><td>1</td><td>0</td><td>1</td></tr>`)
	assert.Contains(t, p.Body, `<tr><td>All</td><td>2</td><td>1</td><td>0</td><td>3</td></tr>`)
	assert.Contains(t, p.Body, "Pending applications")
	assert.Contains(t, p.Body, "1 to decide, 0 accepted to enroll")
	assert.Contains(t, p.Body, "2025/2026")
	for _, a := range []string{"/students/new", "/admissions/new", "/students/import"} {
		assert.Contains(t, p.Body, `href="`+a+`"`)
	}

	tb, _ := s.signedIn(t, base, y.OtherTeacherEmail, teacherPass)
	p = tb.get(base + "/")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "My classes")
	assert.Contains(t, p.Body, "My subjects")
	assert.Contains(t, p.Body, `<tr><td><a href="/students?class=`+id(y.Class2A.ID)+`">Mathematics</a></td><td>2A</td></tr>`)
	assert.NotContains(t, p.Body, `href="/students?class=`+id(y.Class1A.ID)+`"`, "not a class the teacher has")
	assert.NotContains(t, p.Body, "Pending applications")
	assert.NotContains(t, p.Body, `href="/students/new"`)
}
