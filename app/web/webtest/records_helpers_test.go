package webtest

import (
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db"
)

// withSchool runs fn with the school's open file.
func (s *server) withSchool(t *testing.T, schema string, fn func(ctx context.Context, tn *db.Tenant)) {
	t.Helper()
	ctx := context.Background()
	tn, release, err := s.App.Pool.Acquire(ctx, schema)
	require.NoError(t, err)
	defer release()
	fn(ctx, tn)
}

// academicYear is what seedYear creates: a current session with a term, two forms, a
// class of each (1A led by the teacher, 2A by nobody), a subject the teacher teaches in 2A.
type academicYear struct {
	Session           academics.Session
	Form1, Form2      academics.Form
	Class1A, Class2A  academics.Class
	Subject           academics.Subject
	TeacherID, Other  int64
	TeacherEmail      string
	OtherTeacherEmail string
}

func (s *server) seedYear(t *testing.T, schema string) academicYear {
	t.Helper()
	y := academicYear{TeacherEmail: "teacher@" + schema + ".localhost", OtherTeacherEmail: "other@" + schema + ".localhost"}
	y.TeacherID = s.user(t, schema, y.TeacherEmail, "Tess Teacher", auth.RoleTeacher, teacherPass).ID
	y.Other = s.user(t, schema, y.OtherTeacherEmail, "Otto Other", auth.RoleTeacher, teacherPass).ID
	s.withSchool(t, schema, func(ctx context.Context, tn *db.Tenant) {
		a := academics.New(tn)
		var err error
		y.Session, err = a.CreateSession(ctx, academics.SessionInput{Name: "2025/2026", StartDate: "2025-09-01", EndDate: "2026-07-31", IsCurrent: true}, auth.Meta{})
		require.NoError(t, err)
		_, err = a.CreateTerm(ctx, academics.TermInput{SessionID: y.Session.ID, Name: "Term 1", StartDate: "2025-09-01", EndDate: "2025-12-12"}, auth.Meta{})
		require.NoError(t, err)
		y.Form1, err = a.CreateForm(ctx, academics.FormInput{Name: "Form 1", Level: 1}, auth.Meta{})
		require.NoError(t, err)
		y.Form2, err = a.CreateForm(ctx, academics.FormInput{Name: "Form 2", Level: 2}, auth.Meta{})
		require.NoError(t, err)
		y.Class1A, err = a.CreateClass(ctx, academics.ClassInput{FormID: y.Form1.ID, Name: "1A", ClassTeacherID: &y.TeacherID}, auth.Meta{})
		require.NoError(t, err)
		y.Class2A, err = a.CreateClass(ctx, academics.ClassInput{FormID: y.Form2.ID, Name: "2A"}, auth.Meta{})
		require.NoError(t, err)
		y.Subject, err = a.CreateSubject(ctx, academics.SubjectInput{Code: "MATH", Name: "Mathematics"}, auth.Meta{})
		require.NoError(t, err)
	})
	return y
}

// student creates a student in a class (0 for none) with one guardian.
func (s *server) student(t *testing.T, schema, first, last string, class int64, guardian string) students.StudentDetail {
	t.Helper()
	var out students.StudentDetail
	s.withSchool(t, schema, func(ctx context.Context, tn *db.Tenant) {
		in := students.StudentInput{FirstName: first, LastName: last, Gender: "female", Class: class}
		if guardian != "" {
			in.Guardians = []students.GuardianRef{{GuardianInput: students.GuardianInput{Name: guardian, Relationship: "Mother"}}}
		}
		var err error
		out, err = students.New(tn).CreateStudent(ctx, in, auth.Meta{})
		require.NoError(t, err)
	})
	return out
}

// countStudents is the number of student records of the school.
func (s *server) countStudents(t *testing.T, schema string) int64 {
	t.Helper()
	var n int64
	s.withSchool(t, schema, func(ctx context.Context, tn *db.Tenant) {
		_, count, err := students.New(tn).ListStudents(ctx, students.Viewer{}, students.StudentFilter{}, query.Page{Number: 1, Size: 1})
		require.NoError(t, err)
		n = count
	})
	return n
}

var hrefRe = regexp.MustCompile(`href="([^"]*)"`)
