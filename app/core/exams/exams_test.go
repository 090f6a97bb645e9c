package exams_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
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

// today is inside the fixture's first term.
var today = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// school is a running appliance with one school set up for assessment: a session with
// a current term, Form 4 with two streams (4 East, 4 West), three subjects in its
// curriculum, a fourth subject outside it, and a teacher per subject.
type school struct {
	t      *testing.T
	s      *apptest.Server
	schema string

	session       academics.Session
	term, term2   academics.Term
	form, form3   academics.Form
	east, west    academics.Class
	eng, mat, kis academics.Subject
	art           academics.Subject // not in Form 4's curriculum
	// teachers by subject code; classTeacher leads 4 East.
	teachers     map[string]int64
	classTeacher int64

	clients map[string]*apptest.Client
}

func newSchool(t *testing.T) *school {
	t.Helper()
	t.Parallel()
	s := apptest.Start(t, apptest.At(today))
	return setUp(t, s, "alpha")
}

// setUp creates the school schema on s and its academic structure.
func setUp(t *testing.T, s *apptest.Server, schema string) *school {
	t.Helper()
	w := &school{t: t, s: s, schema: schema, teachers: map[string]int64{}, clients: map[string]*apptest.Client{}}
	s.CreateSchool(schema, "Alpha High School")
	for _, code := range []string{"ENG", "MAT", "KIS"} {
		w.teachers[code] = s.CreateUser(schema, "t"+code+"@"+schema+".test", auth.RoleTeacher)
	}
	w.classTeacher = s.CreateUser(schema, "classteacher@"+schema+".test", auth.RoleTeacher)
	w.do(func(ctx context.Context, t *db.Tenant) (err error) {
		a := academics.New(t)
		m := auth.Meta{}
		if w.session, err = a.CreateSession(ctx, academics.SessionInput{Name: "2026", StartDate: "2026-01-05", EndDate: "2026-11-27", IsCurrent: true}, m); err != nil {
			return err
		}
		if w.term, err = a.CreateTerm(ctx, academics.TermInput{SessionID: w.session.ID, Name: "Term 1", StartDate: "2026-01-05",
			EndDate: "2026-04-03", NextTermBegins: "2026-04-27", IsCurrent: true}, m); err != nil {
			return err
		}
		if w.term2, err = a.CreateTerm(ctx, academics.TermInput{SessionID: w.session.ID, Name: "Term 2", StartDate: "2026-04-27",
			EndDate: "2026-08-07"}, m); err != nil {
			return err
		}
		if w.form, err = a.CreateForm(ctx, academics.FormInput{Name: "Form 4", Level: 4}, m); err != nil {
			return err
		}
		if w.form3, err = a.CreateForm(ctx, academics.FormInput{Name: "Form 3", Level: 3}, m); err != nil {
			return err
		}
		ct := w.classTeacher
		if w.east, err = a.CreateClass(ctx, academics.ClassInput{FormID: w.form.ID, SessionID: w.session.ID, Name: "4 East", ClassTeacherID: &ct}, m); err != nil {
			return err
		}
		if w.west, err = a.CreateClass(ctx, academics.ClassInput{FormID: w.form.ID, SessionID: w.session.ID, Name: "4 West"}, m); err != nil {
			return err
		}
		subs := map[string]*academics.Subject{"ENG": &w.eng, "MAT": &w.mat, "KIS": &w.kis, "ART": &w.art}
		names := map[string]string{"ENG": "English", "MAT": "Mathematics", "KIS": "Kiswahili", "ART": "Art and Design"}
		for _, code := range []string{"ENG", "MAT", "KIS", "ART"} {
			if *subs[code], err = a.CreateSubject(ctx, academics.SubjectInput{Code: code, Name: names[code]}, m); err != nil {
				return err
			}
		}
		if _, err = a.SetCurriculum(ctx, w.form.ID, []int64{w.eng.ID, w.mat.ID, w.kis.ID}, m); err != nil {
			return err
		}
		for _, c := range []academics.Class{w.east, w.west} {
			for code, sub := range map[string]academics.Subject{"ENG": w.eng, "MAT": w.mat, "KIS": w.kis} {
				if _, err = a.AssignSubject(ctx, academics.AssignmentInput{TeacherID: w.teachers[code], ClassID: c.ID, SubjectID: sub.ID}, m); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return w
}

func (w *school) do(fn func(ctx context.Context, t *db.Tenant) error) {
	w.t.Helper()
	w.s.WithSchool(w.schema, func(t *db.Tenant) error { return fn(context.Background(), t) })
}

// svc runs fn with the module's service of the school.
func (w *school) svc(fn func(ctx context.Context, s exams.Service) error) {
	w.t.Helper()
	w.do(func(ctx context.Context, t *db.Tenant) error { return fn(ctx, exams.New(t)) })
}

// students enrols new students, named "First Last", in a class and returns their ids.
func (w *school) students(c academics.Class, names ...string) []int64 {
	w.t.Helper()
	var ids []int64
	w.do(func(ctx context.Context, t *db.Tenant) error {
		return t.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
			for _, n := range names {
				var first, last string
				fmt.Sscan(n, &first, &last)
				res, err := tx.ExecContext(ctx, `INSERT INTO students (admission_no, first_name, last_name, gender)
					VALUES (?, ?, ?, 'female')`, fmt.Sprintf("A%d-%s", c.ID, first), first, last)
				if err != nil {
					return err
				}
				sid, _ := res.LastInsertId()
				if _, err := tx.ExecContext(ctx, `INSERT INTO enrollments (student_id, class_id, session_id) VALUES (?, ?, ?)`,
					sid, c.ID, c.SessionID); err != nil {
					return err
				}
				ids = append(ids, sid)
			}
			return nil
		})
	})
	return ids
}

// assessment creates an assessment as an admin.
func (w *school) assessment(c academics.Class, sub academics.Subject, name string, max, weight float64) exams.Assessment {
	w.t.Helper()
	var out exams.Assessment
	w.svc(func(ctx context.Context, s exams.Service) (err error) {
		out, err = s.CreateAssessment(ctx, exams.Viewer{}, exams.AssessmentInput{TermID: w.term.ID, ClassID: c.ID, SubjectID: sub.ID,
			Name: name, Kind: "test", Date: "2026-02-10", MaxScore: &max, Weight: &weight}, auth.Meta{})
		return err
	})
	return out
}

// marks saves a sheet as an admin: student id -> mark.
func (w *school) marks(a exams.Assessment, m map[int64]exams.Mark) {
	w.t.Helper()
	var entries []exams.SheetEntry
	for _, id := range slices.Sorted(maps.Keys(m)) {
		entries = append(entries, exams.SheetEntry{StudentID: id, Score: m[id]})
	}
	w.svc(func(ctx context.Context, s exams.Service) error {
		_, err := s.SaveMarkSheet(ctx, exams.Viewer{}, a.ID, entries, auth.Meta{})
		return err
	})
}

// as is a client signed in as the admin, or as the teacher of a subject code, or as
// "classteacher", "clerk" or "viewer" (created on first use).
func (w *school) as(who string) *apptest.Client {
	w.t.Helper()
	if c, ok := w.clients[who]; ok {
		return c
	}
	var email string
	switch who {
	case "admin":
		email = "admin@" + w.schema + ".test"
	case "ENG", "MAT", "KIS":
		email = "t" + who + "@" + w.schema + ".test"
	case "classteacher":
		email = "classteacher@" + w.schema + ".test"
	case "other": // a teacher who neither teaches nor leads a class
		email = "other@" + w.schema + ".test"
		w.s.CreateUser(w.schema, email, auth.RoleTeacher)
	default:
		email = who + "@" + w.schema + ".test"
		w.s.CreateUser(w.schema, email, auth.Role(who))
	}
	c := w.s.As(w.schema, email)
	w.clients[who] = c
	return c
}

// tables are the rows a refused request must leave alone.
var tables = []string{"assessments", "scores", "grading_scales", "grading_bands", "grading_scale_forms", "report_workflow",
	"report_comments", "subject_remarks", "comment_bank", "audit_log"}

func (w *school) counts() map[string]int {
	out := map[string]int{}
	for _, tb := range tables {
		out[tb] = w.s.Count(w.schema, tb)
	}
	return out
}

// refused sends a request that must fail with status and write nothing; it returns
// error.fields.
func (w *school) refused(who, method, path string, body any, status int) map[string]any {
	w.t.Helper()
	c := w.as(who) // signing in writes to the audit log
	before := w.counts()
	got, resp := c.JSON(method, path, body)
	require.Equal(w.t, status, got, "%s %s: %v", method, path, resp)
	require.Equal(w.t, before, w.counts(), "a refused request must write nothing")
	e, _ := resp["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

// ok sends a request that must answer status and returns the body.
func (w *school) ok(who, method, path string, body any, status int) map[string]any {
	w.t.Helper()
	got, resp := w.as(who).JSON(method, path, body)
	require.Equal(w.t, status, got, "%s %s: %v", method, path, resp)
	return resp
}

func id(n int64) string { return fmt.Sprint(n) }

func ptr[T any](v T) *T { return &v }
