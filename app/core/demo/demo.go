// Package demo fills a school with a believable year of data, so someone trying the
// appliance sees real pages: a current session with three terms, four forms of two
// classes, about ten subjects with their teachers, and about 300 students with guardians.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
)

// Password is the password of the demo teachers.
const Password = "demo-password"

// Options shape the seeded school.
type Options struct {
	Today           time.Time
	StudentsPerForm int    // default 76: two classes of 38, about 300 in all
	NoStudents      bool   // only the academic structure and teachers
	TeacherEmail    string // an existing teacher to give classes to (optional)
	EmailDomain     string // teachers are <name>@<domain>; default demo.school
}

// Seeded says what Seed made.
type Seeded struct {
	Skipped  bool // the school already had a session; nothing was touched
	Classes  int
	Subjects int
	Teachers int
	Students int
}

var subjects = []struct {
	code, name string
	core       bool
}{
	{"ENG", "English", true}, {"KIS", "Kiswahili", true}, {"MAT", "Mathematics", true},
	{"BIO", "Biology", true}, {"CHE", "Chemistry", true}, {"PHY", "Physics", false},
	{"HIS", "History", false}, {"GEO", "Geography", false}, {"CRE", "Religious Education", false},
	{"BST", "Business Studies", false},
}

var teacherNames = []string{"Grace Wanjiru", "Peter Otieno", "Amina Hassan", "Joseph Kamau", "Mercy Achieng", "Daniel Kiprop"}

// Seed fills the school unless it already has an academic session.
func Seed(ctx context.Context, t *db.Tenant, o Options, meta auth.Meta) (Seeded, error) {
	ac := academics.New(t)
	if _, err := ac.CurrentSession(ctx); err == nil {
		return Seeded{Skipped: true}, nil
	} else if errs.CodeOf(err) != errs.NotFound {
		return Seeded{}, err
	}
	if o.Today.IsZero() {
		now, err := school.New(t).Now(ctx)
		if err != nil {
			return Seeded{}, err
		}
		o.Today = now
	}
	if o.StudentsPerForm == 0 {
		o.StudentsPerForm = 76
	}
	if o.EmailDomain == "" {
		o.EmailDomain = "demo.school"
	}
	r := rand.New(rand.NewPCG(2026, 7)) // the same school every time
	out := Seeded{}

	// The school year runs January to November in three terms.
	y := o.Today.Year()
	sess, err := ac.CreateSession(ctx, academics.SessionInput{Name: fmt.Sprintf("%d", y),
		StartDate: fmt.Sprintf("%d-01-06", y), EndDate: fmt.Sprintf("%d-12-04", y), IsCurrent: true}, meta)
	if err != nil {
		return out, fmt.Errorf("session: %w", err)
	}
	terms := []academics.TermInput{
		{Name: "Term 1", StartDate: fmt.Sprintf("%d-01-06", y), EndDate: fmt.Sprintf("%d-04-03", y), NextTermBegins: fmt.Sprintf("%d-04-27", y)},
		{Name: "Term 2", StartDate: fmt.Sprintf("%d-04-27", y), EndDate: fmt.Sprintf("%d-08-07", y), NextTermBegins: fmt.Sprintf("%d-08-31", y)},
		{Name: "Term 3", StartDate: fmt.Sprintf("%d-08-31", y), EndDate: fmt.Sprintf("%d-11-27", y), NextTermBegins: fmt.Sprintf("%d-01-05", y+1)},
	}
	today := o.Today.Format("2006-01-02")
	current := 0
	for i, tm := range terms {
		if today >= tm.StartDate {
			current = i
		}
	}
	for i, tm := range terms {
		tm.SessionID, tm.IsCurrent = sess.ID, i == current
		if _, err := ac.CreateTerm(ctx, tm, meta); err != nil {
			return out, fmt.Errorf("%s: %w", tm.Name, err)
		}
	}

	teachers, err := ensureTeachers(ctx, t, o, meta)
	if err != nil {
		return out, err
	}
	out.Teachers = len(teachers)

	var subjectIDs []int64
	for _, s := range subjects {
		core := s.core
		sub, err := ac.CreateSubject(ctx, academics.SubjectInput{Code: s.code, Name: s.name, IsCore: &core}, meta)
		if err != nil {
			return out, fmt.Errorf("subject %s: %w", s.code, err)
		}
		subjectIDs = append(subjectIDs, sub.ID)
	}
	out.Subjects = len(subjectIDs)

	capacity := int64(45)
	var classes []academics.Class
	for level := int64(1); level <= 4; level++ {
		form, err := ac.CreateForm(ctx, academics.FormInput{Name: fmt.Sprintf("Form %d", level), Level: level}, meta)
		if err != nil {
			return out, fmt.Errorf("form %d: %w", level, err)
		}
		if _, err := ac.SetCurriculum(ctx, form.ID, subjectIDs, meta); err != nil {
			return out, fmt.Errorf("curriculum: %w", err)
		}
		for _, stream := range []string{"A", "B"} {
			lead := teachers[len(classes)%len(teachers)]
			cl, err := ac.CreateClass(ctx, academics.ClassInput{FormID: form.ID, SessionID: sess.ID,
				Name: fmt.Sprintf("Form %d%s", level, stream), ClassTeacherID: &lead, Capacity: &capacity}, meta)
			if err != nil {
				return out, fmt.Errorf("class: %w", err)
			}
			classes = append(classes, cl)
		}
	}
	out.Classes = len(classes)
	// Each subject of each class gets a teacher; teachers keep a few subjects each.
	for ci, cl := range classes {
		for si, sub := range subjectIDs {
			teacher := teachers[(si+ci/4)%len(teachers)]
			if _, err := ac.AssignSubject(ctx, academics.AssignmentInput{TeacherID: teacher, ClassID: cl.ID, SubjectID: sub}, meta); err != nil {
				return out, fmt.Errorf("assignment: %w", err)
			}
		}
	}

	if o.NoStudents {
		return out, nil
	}
	n, err := seedStudents(ctx, t, r, classes, o, meta)
	out.Students = n
	return out, err
}

// ensureTeachers returns the ids of the demo teachers, creating the missing ones; the
// existing teacher named in o comes first so that account sees students.
func ensureTeachers(ctx context.Context, t *db.Tenant, o Options, meta auth.Meta) ([]int64, error) {
	var ids []int64
	if o.TeacherEmail != "" {
		u, err := t.Read().GetUserByEmail(ctx, o.TeacherEmail)
		if err == nil {
			ids = append(ids, u.ID)
		}
	}
	for _, name := range teacherNames {
		email := emailOf(name, o.EmailDomain)
		if u, err := t.Read().GetUserByEmail(ctx, email); err == nil {
			ids = append(ids, u.ID)
			continue
		}
		u, err := auth.Users{T: t}.Create(ctx, auth.NewUser{Email: email, Name: name, Role: auth.RoleTeacher, Password: Password}, meta)
		if err != nil {
			return nil, fmt.Errorf("teacher %s: %w", name, err)
		}
		ids = append(ids, u.ID)
	}
	if len(ids) == 0 {
		return nil, errors.New("no teachers")
	}
	return ids, nil
}

func emailOf(name, domain string) string {
	b := []byte{}
	for _, c := range []byte(name) {
		switch {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		case c == ' ':
			b = append(b, '.')
		default:
			b = append(b, c)
		}
	}
	return string(b) + "@" + domain
}
