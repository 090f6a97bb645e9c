package webtest

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db"
)

func id(n int64) string { return strconv.FormatInt(n, 10) }

// signedIn is a browser signed in to the school at base, with the session's CSRF token.
func (s *server) signedIn(t *testing.T, base, email, pw string) (*browser, string) {
	t.Helper()
	b := s.browser(t)
	b.login(base, email, pw)
	return b, b.csrf(base + "/")
}

// postForms are the forms a page posts, by action.
var postFormRe = regexp.MustCompile(`<form method="post" action="([^"]+)"`)

func postActions(body string) []string {
	var out []string
	for _, m := range postFormRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestAcademicSetupPages: the admin builds the structure through the forms, with the
// service's complaints shown at their fields; the other roles read it without forms.
func TestAcademicSetupPages(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	teacher := s.user(t, "demo", "teacher@demo.localhost", "Tess Teacher", auth.RoleTeacher, teacherPass)
	base := s.url("demo.localhost", "")
	b, token := s.signedIn(t, base, "admin@demo.localhost", adminPass)

	p := b.get(base + "/academics")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "No sessions yet")
	assert.Contains(t, p.Body, `href="/academics/classes"`)
	assert.Contains(t, p.Body, `<a href="/academics" aria-current="page">Academics</a>`)
	for _, tab := range []string{"terms", "classes", "assignments"} {
		p = b.get(base + "/academics/" + tab)
		require.Equal(t, http.StatusOK, p.Status, tab)
		assert.Contains(t, p.Body, "No session yet", tab)
	}
	assert.Equal(t, http.StatusNotFound, b.get(base+"/academics/nope").Status)

	var sessionID int64
	t.Run("sessions", func(t *testing.T) {
		p := b.post(base+"/academics/sessions", url.Values{"_csrf": {token}, "name": {"2025/2026"}, "start_date": {"2026-07-31"}, "end_date": {"2025-09-01"}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-end-date-err"`)
		assert.Contains(t, p.Body, `value="2025/2026"`, "values are kept")
		assert.Contains(t, p.Body, "Please correct the highlighted fields.")

		p = b.post(base+"/academics/sessions", url.Values{"_csrf": {token}, "name": {"2025/2026"}, "start_date": {"2025-09-01"}, "end_date": {"2026-07-31"}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		loc, err := url.Parse(p.Location())
		require.NoError(t, err)
		assert.Equal(t, "/academics/sessions", loc.Path)
		assert.Equal(t, "session_created", loc.Query().Get("done"))
		sessionID, _ = strconv.ParseInt(loc.Query().Get("session"), 10, 64)
		require.NotZero(t, sessionID)
		p = b.get(base + p.Location())
		assert.Contains(t, p.Body, "The session was created.")
		assert.Contains(t, p.Body, "Current session: <strong>2025/2026</strong>")

		p = b.post(base+"/academics/sessions", url.Values{"_csrf": {token}, "name": {"2025/2026"}, "start_date": {"2025-09-01"}, "end_date": {"2026-07-31"}})
		assert.Equal(t, http.StatusConflict, p.Status)
		assert.Contains(t, p.Body, `id="f-name-err"`)

		p = b.post(base+"/academics/sessions", url.Values{"_csrf": {token}, "name": {"2026/2027"}, "start_date": {"2026-09-01"}, "end_date": {"2027-07-31"}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		p = b.get(base + "/academics/sessions")
		assert.Contains(t, p.Body, "/current", "the new session can be made current")
		next := regexp.MustCompile(`action="(/academics/sessions/\d+/current)"`).FindStringSubmatch(p.Body)
		require.NotNil(t, next)
		p = b.post(base+next[1], url.Values{"_csrf": {token}})
		assert.Equal(t, http.StatusSeeOther, p.Status)
		assert.Contains(t, b.get(base+"/academics").Body, "Current session: <strong>2026/2027</strong>")
		p = b.post(base+fmt.Sprintf("/academics/sessions/%d/current", sessionID), url.Values{"_csrf": {token}})
		assert.Equal(t, http.StatusSeeOther, p.Status)
		assert.Equal(t, http.StatusNotFound, b.post(base+"/academics/sessions/999/current", url.Values{"_csrf": {token}}).Status)
	})

	t.Run("terms", func(t *testing.T) {
		terms := base + "/academics/terms?session=" + id(sessionID)
		p := b.get(terms)
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, "Terms of 2025/2026")
		assert.Contains(t, p.Body, `<form method="get" action="/academics/terms"`, "a school with two sessions picks one")
		assert.Contains(t, p.Body, `<option value="`+id(sessionID)+`" selected>`)
		p = b.post(base+"/academics/terms", url.Values{"_csrf": {token}, "session": {id(sessionID)}, "name": {"Term 1"},
			"start_date": {"2025-08-01"}, "end_date": {"2025-12-12"}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-start-date-err"`)
		assert.Contains(t, p.Body, "Terms of 2025/2026", "the tab shows the session the form was for")
		p = b.post(base+"/academics/terms", url.Values{"_csrf": {token}, "session": {id(sessionID)}, "name": {"Term 1"},
			"start_date": {"2025-09-01"}, "end_date": {"2025-12-12"}, "next_term_begins": {"2026-01-05"}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		assert.Equal(t, "/academics/terms?done=term_created&session="+id(sessionID), p.Location())
		p = b.get(base + p.Location())
		assert.Contains(t, p.Body, "Term 1")
		assert.Contains(t, p.Body, "05/01/2026", "pages write dates in the school's format (DD/MM/YYYY by default)")
		edit := regexp.MustCompile(`href="(/academics/terms/\d+)"`).FindStringSubmatch(p.Body)
		require.NotNil(t, edit)
		p = b.get(base + edit[1])
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, `value="2025-12-12"`)
		p = b.post(base+edit[1], url.Values{"_csrf": {token}, "name": {"First term"}, "start_date": {"2025-09-01"}, "end_date": {"2025-12-19"}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		p = b.get(terms)
		assert.Contains(t, p.Body, "First term")
		assert.Contains(t, p.Body, "19/12/2025")
		assert.NotContains(t, p.Body, "05/01/2026", "an emptied next-term date is cleared")
		p = b.post(base+edit[1], url.Values{"_csrf": {token}, "name": {""}, "start_date": {"2025-09-01"}, "end_date": {"2025-12-19"}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-name-err"`)
	})

	var formID int64
	t.Run("forms", func(t *testing.T) {
		p := b.post(base+"/academics/forms", url.Values{"_csrf": {token}, "name": {"Form 1"}, "level": {"one"}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-level-err"`)
		assert.Contains(t, p.Body, "Must be a whole number")
		p = b.post(base+"/academics/forms", url.Values{"_csrf": {token}, "name": {"Form 1"}, "level": {"1"}, "level_block": {"Junior"}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		assert.Equal(t, "/academics/forms?done=form_created", p.Location())
		p = b.post(base+"/academics/forms", url.Values{"_csrf": {token}, "name": {"Form One"}, "level": {"1"}})
		assert.Equal(t, http.StatusConflict, p.Status)
		assert.Contains(t, p.Body, `id="f-level-err"`)
		assert.Contains(t, p.Body, "Another form already has this level")
		p = b.get(base + "/academics/forms")
		assert.Contains(t, p.Body, "Junior")
		s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
			f, err := academics.New(tn).FormByLevel(ctx, 1)
			require.NoError(t, err)
			formID = f.ID
		})
	})

	var classID int64
	t.Run("classes", func(t *testing.T) {
		p := b.get(base + "/academics/classes")
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, "Tess Teacher", "teachers are offered as class teachers")
		p = b.post(base+"/academics/classes", url.Values{"_csrf": {token}, "session": {id(sessionID)}, "form": {id(formID)}, "name": {"1A"}, "capacity": {"0"}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-capacity-err"`)
		assert.Regexp(t, `<option value="`+id(formID)+`" selected>Form 1</option>`, p.Body)
		p = b.post(base+"/academics/classes", url.Values{"_csrf": {token}, "session": {id(sessionID)}, "form": {id(formID)}, "name": {"1A"},
			"class_teacher": {id(teacher.ID)}, "capacity": {"40"}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		p = b.get(base + p.Location())
		assert.Contains(t, p.Body, "The class was created.")
		assert.Contains(t, p.Body, "Tess Teacher")
		assert.Contains(t, p.Body, "of 40")
		edit := regexp.MustCompile(`href="/academics/classes/(\d+)"`).FindStringSubmatch(p.Body)
		require.NotNil(t, edit)
		classID, _ = strconv.ParseInt(edit[1], 10, 64)
		p = b.get(base + "/academics/classes/" + edit[1])
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, `<option value="`+id(teacher.ID)+`" selected>`)
		p = b.post(base+"/academics/classes/"+edit[1], url.Values{"_csrf": {token}, "form": {id(formID)}, "name": {"1 Alpha"}, "class_teacher": {""}, "capacity": {""}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		p = b.get(base + "/academics/classes")
		assert.Contains(t, p.Body, "1 Alpha")
		assert.NotContains(t, p.Body, "of 40", "the capacity was cleared")
		p = b.post(base+"/academics/classes/"+edit[1], url.Values{"_csrf": {token}, "form": {"999"}, "name": {"1 Alpha"}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-form-err"`)
	})

	t.Run("subjects and teaching", func(t *testing.T) {
		p := b.post(base+"/academics/subjects", url.Values{"_csrf": {token}, "code": {"MATH"}, "name": {"Mathematics"}, "is_core": {"1"}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		p = b.post(base+"/academics/subjects", url.Values{"_csrf": {token}, "code": {"ART"}, "name": {"Art"}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		p = b.post(base+"/academics/subjects", url.Values{"_csrf": {token}, "code": {"bad code"}, "name": {"Bad"}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-code-err"`)
		assert.NotContains(t, p.Body, `name="is_core" value="1" checked`, "an unticked box stays unticked")
		p = b.get(base + "/academics/subjects")
		assert.Regexp(t, `(?s)Art</strong></td>\s*<td data-label="Kind">Elective`, p.Body)
		assert.Regexp(t, `(?s)Mathematics</strong></td>\s*<td data-label="Kind">Core`, p.Body)

		var subject int64
		s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
			sub, err := academics.New(tn).SubjectByCode(ctx, "MATH")
			require.NoError(t, err)
			subject = sub.ID
		})
		p = b.get(base + "/academics/assignments")
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, "Nobody is assigned")
		in := url.Values{"_csrf": {token}, "session": {id(sessionID)}, "teacher": {id(teacher.ID)}, "class": {id(classID)}, "subject": {id(subject)}}
		p = b.post(base+"/academics/assignments", in)
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		p = b.post(base+"/academics/assignments", in)
		assert.Equal(t, http.StatusConflict, p.Status)
		assert.Contains(t, p.Body, `id="f-subject-err"`)
		assert.Contains(t, p.Body, "already has a MATH teacher")
		p = b.get(base + "/academics/assignments")
		assert.Contains(t, p.Body, "Tess Teacher")
		del := regexp.MustCompile(`action="(/academics/assignments/\d+/delete)"`).FindStringSubmatch(p.Body)
		require.NotNil(t, del)
		p = b.post(base+del[1], url.Values{"_csrf": {token}})
		require.Equal(t, http.StatusSeeOther, p.Status)
		assert.Contains(t, b.get(base+p.Location()).Body, "The assignment was removed.")
	})

	t.Run("other roles read without forms", func(t *testing.T) {
		s.user(t, "demo", "clerk@demo.localhost", "Cleo Clerk", auth.RoleClerk, teacherPass)
		s.user(t, "demo", "viewer@demo.localhost", "Vic Viewer", auth.RoleViewer, teacherPass)
		for _, who := range []string{"teacher@demo.localhost", "clerk@demo.localhost", "viewer@demo.localhost"} {
			ob, otoken := s.signedIn(t, base, who, teacherPass)
			for _, tab := range []string{"/academics", "/academics/terms", "/academics/forms", "/academics/classes", "/academics/subjects", "/academics/assignments"} {
				p := ob.get(base + tab)
				require.Equal(t, http.StatusOK, p.Status, who+" "+tab)
				assert.Equal(t, []string{"/logout"}, postActions(p.Body), "%s sees no forms on %s", who, tab)
			}
			assert.Contains(t, ob.get(base+"/academics/classes").Body, "1 Alpha")
			for _, path := range []string{"/academics/classes/" + id(classID), "/academics/terms/1"} {
				assert.Equal(t, http.StatusForbidden, ob.get(base+path).Status, who+" "+path)
			}
			p := ob.post(base+"/academics/forms", url.Values{"_csrf": {otoken}, "name": {"Form 9"}, "level": {"9"}})
			assert.Equal(t, http.StatusForbidden, p.Status, who)
			assert.Contains(t, p.Body, "Not allowed")
		}
		assert.NotContains(t, b.get(base+"/academics/forms").Body, "Form 9", "nothing was written")
	})
}

// TestStudentPagesByRole: who sees which students and which buttons.
func TestStudentPagesByRole(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	y := s.seedYear(t, "demo")
	s.user(t, "demo", "clerk@demo.localhost", "Cleo Clerk", auth.RoleClerk, teacherPass)
	s.user(t, "demo", "viewer@demo.localhost", "Vic Viewer", auth.RoleViewer, teacherPass)
	mine := s.student(t, "demo", "Amara", "Okafor", y.Class1A.ID, "Grace Okafor")
	other := s.student(t, "demo", "Brian", "Mwangi", y.Class2A.ID, "Paul Mwangi")
	base := s.url("demo.localhost", "")

	t.Run("anonymous", func(t *testing.T) {
		b := s.browser(t)
		for path, next := range map[string]string{"/students": "%2Fstudents", "/academics": "%2Facademics", "/admissions": "%2Fadmissions",
			"/students/" + id(mine.ID): "%2Fstudents%2F" + id(mine.ID), "/students/import": "%2Fstudents%2Fimport"} {
			p := b.get(base + path)
			assert.Equal(t, http.StatusSeeOther, p.Status, path)
			assert.Equal(t, "/login?next="+next, p.Location(), path)
		}
	})

	t.Run("teacher sees only the students of own classes", func(t *testing.T) {
		b, token := s.signedIn(t, base, y.TeacherEmail, teacherPass)
		p := b.get(base + "/students")
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, "Okafor")
		assert.NotContains(t, p.Body, "Mwangi")
		assert.Contains(t, p.Body, "The students of the classes you teach or lead")
		assert.NotContains(t, p.Body, `href="/students/new"`)
		assert.NotContains(t, p.Body, `href="/admissions"`, "no admissions link for teachers")
		assert.Contains(t, p.Body, `href="/academics"`)
		assert.Contains(t, p.Body, `<option value="`+id(y.Class1A.ID)+`">1A</option>`, "own class in the filter")
		assert.NotContains(t, p.Body, `>2A</option>`, "other classes are not offered")

		p = b.get(base + "/students/" + id(mine.ID))
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, "Grace Okafor")
		assert.NotContains(t, p.Body, "Edit student")
		assert.Equal(t, []string{"/logout"}, postActions(p.Body))
		p = b.get(base + "/students/" + id(other.ID))
		assert.Equal(t, http.StatusNotFound, p.Status, "another class's student is not there for this teacher")
		assert.NotContains(t, p.Body, "Mwangi")

		// A subject assignment in 2A opens its students too.
		s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
			_, err := academics.New(tn).AssignSubject(ctx, academics.AssignmentInput{TeacherID: y.TeacherID, ClassID: y.Class2A.ID, SubjectID: y.Subject.ID}, auth.Meta{})
			require.NoError(t, err)
		})
		assert.Contains(t, b.get(base+"/students").Body, "Mwangi")

		other := s.browser(t)
		other.login(base, y.OtherTeacherEmail, teacherPass)
		p = other.get(base + "/students")
		assert.Contains(t, p.Body, "No students yet")
		assert.NotContains(t, p.Body, "Okafor")

		for _, path := range []string{"/students/new", "/students/import", "/students/" + id(mine.ID) + "/edit", "/admissions/new"} {
			assert.Equal(t, http.StatusForbidden, b.get(base+path).Status, path)
		}
		p = b.post(base+"/students/new", url.Values{"_csrf": {token}, "first_name": {"X"}, "last_name": {"Y"}, "gender": {"male"}})
		assert.Equal(t, http.StatusForbidden, p.Status)
		assert.Equal(t, int64(2), s.countStudents(t, "demo"))
		p = b.get(base + "/admissions")
		assert.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, "teachers do not see them")
	})

	t.Run("clerk manages students but not the academic setup", func(t *testing.T) {
		b, token := s.signedIn(t, base, "clerk@demo.localhost", teacherPass)
		p := b.get(base + "/students")
		assert.Contains(t, p.Body, "Okafor")
		assert.Contains(t, p.Body, "Mwangi")
		assert.Contains(t, p.Body, `href="/students/new"`)
		assert.Contains(t, p.Body, `href="/students/import"`)
		assert.Contains(t, p.Body, `href="/admissions"`)
		assert.NotContains(t, p.Body, `href="/users"`)
		p = b.get(base + "/students/new")
		require.Equal(t, http.StatusOK, p.Status)
		p = b.post(base+"/students/new", url.Values{"_csrf": {token}, "first_name": {"Cleo's"}, "last_name": {"Student"}, "gender": {"male"}, "class": {id(y.Class2A.ID)}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		assert.Regexp(t, `^/students/\d+\?done=student_created$`, p.Location())
		assert.Contains(t, b.get(base+"/students/"+id(mine.ID)).Body, "Edit student")
		assert.Equal(t, http.StatusOK, b.get(base+"/students/"+id(mine.ID)+"/edit").Status)
		p = b.post(base+"/academics/classes", url.Values{"_csrf": {token}, "form": {id(y.Form1.ID)}, "name": {"1B"}})
		assert.Equal(t, http.StatusForbidden, p.Status)
		assert.Equal(t, []string{"/logout"}, postActions(b.get(base+"/academics/classes").Body))
	})

	t.Run("viewer reads everything and changes nothing", func(t *testing.T) {
		b, token := s.signedIn(t, base, "viewer@demo.localhost", teacherPass)
		p := b.get(base + "/students")
		assert.Contains(t, p.Body, "Okafor")
		assert.Contains(t, p.Body, "Mwangi")
		assert.NotContains(t, p.Body, `href="/students/new"`)
		assert.Contains(t, p.Body, "Export CSV", "reading includes exporting")
		p = b.get(base + "/students/" + id(other.ID))
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, "Paul Mwangi")
		assert.NotContains(t, p.Body, "Edit student")
		assert.NotContains(t, p.Body, "Add a guardian")
		p = b.get(base + "/admissions")
		require.Equal(t, http.StatusOK, p.Status)
		assert.NotContains(t, p.Body, `href="/admissions/new"`)
		n := s.countStudents(t, "demo")
		for path, form := range map[string]url.Values{
			"/students/new":                           {"first_name": {"X"}, "last_name": {"Y"}, "gender": {"male"}},
			"/students/" + id(mine.ID) + "/edit":      {"first_name": {"X"}},
			"/students/" + id(mine.ID) + "/class":     {"class": {id(y.Class2A.ID)}},
			"/students/" + id(mine.ID) + "/guardians": {"guardian_name": {"X"}},
			"/admissions/new":                         {"first_name": {"X"}},
			"/academics/sessions":                     {"name": {"X"}},
		} {
			form.Set("_csrf", token)
			assert.Equal(t, http.StatusForbidden, b.post(base+path, form).Status, path)
		}
		assert.Equal(t, n, s.countStudents(t, "demo"))
	})
}

// TestStudentForms: create (with errors at their fields, nothing written), edit, move
// class, add a guardian; the list's search, filters, paging and export links.
func TestStudentForms(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	y := s.seedYear(t, "demo")
	base := s.url("demo.localhost", "")
	b, token := s.signedIn(t, base, "admin@demo.localhost", adminPass)

	p := b.get(base + "/students/new")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, `<optgroup label="Form 1"><option value="`+id(y.Class1A.ID)+`">1A</option></optgroup>`)
	assert.Contains(t, p.Body, `placeholder="ADM/`, "the next admission number is shown")

	form := url.Values{"_csrf": {token}, "first_name": {""}, "last_name": {"Okafor"}, "gender": {"female"}, "date_of_birth": {"2014-13-01"},
		"class": {id(y.Class1A.ID)}, "guardian_name": {"Grace Okafor"}, "guardian_relationship": {"Mother"},
		"guardian_phone": {"call me"}, "guardian_email": {"grace@example.org"}, "address": {"Box 1\nNairobi"}}
	p = b.post(base+"/students/new", form)
	assert.Equal(t, http.StatusBadRequest, p.Status)
	for _, f := range []string{"first-name", "date-of-birth", "guardian-phone"} {
		assert.Contains(t, p.Body, `id="f-`+f+`-err"`, f)
	}
	assert.Contains(t, p.Body, `value="Grace Okafor"`)
	assert.Contains(t, p.Body, `value="call me"`)
	assert.Contains(t, p.Body, "Box 1\nNairobi</textarea>")
	assert.Contains(t, p.Body, `<option value="`+id(y.Class1A.ID)+`" selected>1A</option>`)
	assert.Equal(t, int64(0), s.countStudents(t, "demo"), "nothing was written")

	// A full class refuses the enrollment: the student and guardian are not written either.
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		one := int64(1)
		_, err := academics.New(tn).UpdateClass(ctx, y.Class2A.ID, academics.ClassPatch{Capacity: academics.Value(one)}, auth.Meta{})
		require.NoError(t, err)
	})
	s.student(t, "demo", "First", "InTwoA", y.Class2A.ID, "")
	form.Set("first_name", "Amara")
	form.Set("date_of_birth", "2014-03-31")
	form.Set("guardian_phone", "+254 712 345 678")
	form.Set("class", id(y.Class2A.ID))
	p = b.post(base+"/students/new", form)
	assert.Equal(t, http.StatusBadRequest, p.Status, p.Body)
	assert.Contains(t, p.Body, `id="f-class-err"`)
	assert.Contains(t, p.Body, "is full")
	assert.Equal(t, int64(1), s.countStudents(t, "demo"))

	form.Set("class", id(y.Class1A.ID))
	p = b.post(base+"/students/new", form)
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	m := regexp.MustCompile(`^/students/(\d+)\?done=student_created$`).FindStringSubmatch(p.Location())
	require.NotNil(t, m, p.Location())
	profile := base + "/students/" + m[1]
	p = b.get(profile + "?done=student_created")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "The student was created.")
	assert.Contains(t, p.Body, "Amara Okafor")
	assert.Contains(t, p.Body, "Grace Okafor")
	assert.Contains(t, p.Body, `href="tel:&#43;254712345678"`, "the phone as the service normalised it")
	assert.Contains(t, p.Body, `href="mailto:grace@example.org"`)
	assert.Contains(t, p.Body, "1A")
	assert.Contains(t, p.Body, "Box 1\nNairobi")

	t.Run("edit", func(t *testing.T) {
		p := b.get(profile + "/edit")
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, `value="Amara"`)
		assert.Contains(t, p.Body, `<option value="active" selected>`)
		vals := url.Values{"_csrf": {token}, "first_name": {"Amara"}, "last_name": {"Okafor-Obi"}, "gender": {"female"},
			"admission_no": {""}, "admitted_on": {"2025-09-01"}, "status": {"active"}}
		p = b.post(profile+"/edit", vals)
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-admission-no-err"`)
		vals.Set("admission_no", "A-100")
		p = b.post(profile+"/edit", vals)
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		assert.Equal(t, "/students/"+m[1]+"?done=student_saved", p.Location())
		p = b.get(profile)
		assert.Contains(t, p.Body, "Okafor-Obi")
		assert.Contains(t, p.Body, "A-100")
		assert.NotContains(t, p.Body, "2014-03-31", "an emptied date of birth is cleared")
	})

	t.Run("class and guardian", func(t *testing.T) {
		p := b.post(profile+"/class", url.Values{"_csrf": {token}, "class": {id(y.Class2A.ID)}})
		assert.Equal(t, http.StatusBadRequest, p.Status, "2A is full")
		assert.Contains(t, p.Body, `id="f-class-err"`)
		s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
			_, err := academics.New(tn).UpdateClass(ctx, y.Class2A.ID, academics.ClassPatch{Capacity: academics.Null[int64]()}, auth.Meta{})
			require.NoError(t, err)
		})
		p = b.post(profile+"/class", url.Values{"_csrf": {token}, "class": {id(y.Class2A.ID)}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		p = b.get(profile)
		assert.Regexp(t, `<dt>Class</dt><dd>2A`, p.Body)

		p = b.post(profile+"/guardians", url.Values{"_csrf": {token}, "guardian_name": {""}, "guardian_phone": {"+254 700 000 001"}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-guardian-name-err"`)
		assert.Contains(t, p.Body, `<details class="disclosure" open>`)
		p = b.post(profile+"/guardians", url.Values{"_csrf": {token}, "guardian_name": {"Paul Okafor"}, "guardian_relationship": {"Father"}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		p = b.get(profile)
		assert.Contains(t, p.Body, "Paul Okafor")
		assert.Contains(t, p.Body, "Grace Okafor")
	})

	t.Run("list, search, filters, pages", func(t *testing.T) {
		for i := range 30 {
			s.student(t, "demo", fmt.Sprintf("Pupil%02d", i), "Zulu", y.Class1A.ID, "")
		}
		p := b.get(base + "/students")
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, `data-count="32"`)
		assert.Contains(t, p.Body, `href="/students?page=2"`)
		assert.Contains(t, p.Body, `aria-current="page">1</a>`)
		p = b.get(base + "/students?page=2")
		assert.Contains(t, p.Body, "Page 2 of 2")
		assert.Contains(t, p.Body, `href="/students"`, "page 1 is the plain address")

		p = b.get(base+"/students?search=okafor", "HX-Request", "true")
		require.Equal(t, http.StatusOK, p.Status)
		assert.True(t, strings.HasPrefix(strings.TrimSpace(p.Body), `<section id="student-results"`), p.Body)
		assert.NotContains(t, p.Body, "<html")
		assert.Contains(t, p.Body, `data-count="1"`)
		assert.Contains(t, p.Body, "Okafor-Obi")
		assert.Contains(t, p.Body, `href="/api/core/students/export/?format=csv&amp;search=okafor"`)
		assert.Contains(t, p.Body, `href="/api/core/students/export/?format=xlsx&amp;search=okafor"`)
		assert.Contains(t, p.Header.Get("Vary"), "HX-Request")

		p = b.get(base+"/students?search=okafor", "HX-Request", "true", "HX-History-Restore-Request", "true")
		assert.Contains(t, p.Body, "<html", "history restores get the whole page")

		p = b.get(base + "/students?search=A-100")
		assert.Contains(t, p.Body, `data-count="1"`, "admission numbers are searched")
		assert.Contains(t, p.Body, `value="A-100"`, "the search box keeps the term")
		p = b.get(base + "/students?class=" + id(y.Class2A.ID))
		assert.Contains(t, p.Body, `data-count="2"`)
		assert.Contains(t, p.Body, `<option value="`+id(y.Class2A.ID)+`" selected>2A</option>`)
		p = b.get(base + "/students?form=" + id(y.Form1.ID) + "&search=pupil0")
		assert.Contains(t, p.Body, `data-count="10"`)
		assert.Contains(t, p.Body, `href="/api/core/students/export/?form=`+id(y.Form1.ID)+`&amp;format=csv&amp;search=pupil0"`)
		p = b.get(base + "/students?status=graduated")
		assert.Contains(t, p.Body, "No students match")
		p = b.get(base + "/students?status=nonsense&class=abc")
		assert.Equal(t, http.StatusOK, p.Status, "bad filter values are ignored")
		assert.Contains(t, p.Body, `data-count="32"`)

		// The export link works with the browser's session.
		p = b.get(base + "/api/core/students/export/?format=csv&search=okafor")
		require.Equal(t, http.StatusOK, p.Status, p.Body)
		assert.Contains(t, p.Body, "Okafor-Obi")
		assert.NotContains(t, p.Body, "Zulu")
	})

	t.Run("unknown students", func(t *testing.T) {
		for _, path := range []string{"/students/9999", "/students/abc", "/students/9999/edit"} {
			p := b.get(base + path)
			assert.Equal(t, http.StatusNotFound, p.Status, path)
			assert.Contains(t, p.Body, "Not found")
		}
	})
}

// TestAdmissionPages: record an application, accept or reject it, enroll it into a class.
func TestAdmissionPages(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	y := s.seedYear(t, "demo")
	base := s.url("demo.localhost", "")
	s.user(t, "demo", "clerk@demo.localhost", "Cleo Clerk", auth.RoleClerk, teacherPass)
	b, token := s.signedIn(t, base, "clerk@demo.localhost", teacherPass)

	p := b.get(base + "/admissions")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "No applications yet")
	p = b.get(base + "/admissions/new")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, `<option value="`+id(y.Form1.ID)+`">Form 1</option>`)

	apply := func(first, last string) url.Values {
		return url.Values{"_csrf": {token}, "first_name": {first}, "last_name": {last}, "gender": {"male"}, "form": {id(y.Form1.ID)},
			"guardian_name": {"Mary " + last}, "guardian_phone": {"+254 700 000 00" + strconv.Itoa(len(first)%10)}, "notes": {"From Hill Primary"}}
	}
	bad := apply("Ben", "Otieno")
	bad.Set("form", "")
	bad.Set("guardian_email", "not-an-email")
	p = b.post(base+"/admissions/new", bad)
	assert.Equal(t, http.StatusBadRequest, p.Status)
	assert.Contains(t, p.Body, `id="f-form-err"`)
	assert.Contains(t, p.Body, `id="f-guardian-email-err"`)
	assert.Contains(t, p.Body, `value="Otieno"`)

	for _, who := range [][2]string{{"Ben", "Otieno"}, {"Cara", "Njeri"}} {
		p = b.post(base+"/admissions/new", apply(who[0], who[1]))
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		assert.Equal(t, "/admissions?status=applied&done=application_created", p.Location())
	}
	p = b.get(base + "/admissions?status=applied&done=application_created")
	assert.Contains(t, p.Body, "The application was recorded.")
	assert.Contains(t, p.Body, "Otieno, Ben")
	assert.Contains(t, p.Body, `<a href="/admissions?status=applied" aria-current="page">Applied</a>`)
	var ben, cara int64
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		rows, _, err := students.New(tn).ListAdmissions(ctx, students.Viewer{}, students.AdmissionFilter{}, query.Page{Number: 1, Size: 10})
		require.NoError(t, err)
		for _, a := range rows {
			if a.FirstName == "Ben" {
				ben = a.ID
			} else {
				cara = a.ID
			}
		}
	})

	t.Run("enrolling needs an accepted application", func(t *testing.T) {
		p := b.get(base + "/admissions/" + id(ben) + "/enroll")
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, "Only an accepted application can be enrolled")
		p = b.post(base+"/admissions/"+id(ben)+"/enroll", url.Values{"_csrf": {token}, "class": {id(y.Class1A.ID)}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, "only an accepted application can be enrolled")
	})

	t.Run("accept, reject", func(t *testing.T) {
		p := b.post(base+"/admissions/"+id(ben)+"/status", url.Values{"_csrf": {token}, "status": {"accepted"}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		assert.Equal(t, "/admissions?status=accepted&done=application_accepted", p.Location())
		p = b.get(base + p.Location())
		assert.Contains(t, p.Body, "Otieno, Ben")
		assert.NotContains(t, p.Body, "Njeri")
		assert.Contains(t, p.Body, `href="/admissions/`+id(ben)+`/enroll"`)
		p = b.post(base+"/admissions/"+id(cara)+"/status", url.Values{"_csrf": {token}, "status": {"rejected"}})
		require.Equal(t, http.StatusSeeOther, p.Status)
		p = b.post(base+"/admissions/"+id(cara)+"/status", url.Values{"_csrf": {token}, "status": {"accepted"}})
		assert.Equal(t, http.StatusBadRequest, p.Status, "a rejected application stays rejected")
		assert.Contains(t, p.Body, "alert-error")
		p = b.post(base+"/admissions/"+id(cara)+"/status", url.Values{"_csrf": {token}, "status": {"enrolled"}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
	})

	t.Run("correct an application", func(t *testing.T) {
		p := b.get(base + "/admissions/" + id(ben))
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, `value="Otieno"`)
		vals := apply("Benjamin", "Otieno")
		vals.Set("guardian_phone", "+254 700 000 003")
		vals.Set("applied_on", "2026-01-02")
		p = b.post(base+"/admissions/"+id(ben), vals)
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		assert.Contains(t, b.get(base+"/admissions").Body, "Otieno, Benjamin")
	})

	t.Run("enroll", func(t *testing.T) {
		p := b.get(base + "/admissions/" + id(ben) + "/enroll")
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, `<option value="`+id(y.Class1A.ID)+`" selected>1A</option>`, "the only class of the form applied for is proposed")
		p = b.post(base+"/admissions/"+id(ben)+"/enroll", url.Values{"_csrf": {token}, "class": {""}})
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Body, `id="f-class-err"`)
		p = b.post(base+"/admissions/"+id(ben)+"/enroll", url.Values{"_csrf": {token}, "class": {id(y.Class1A.ID)}, "admission_no": {"NEW-1"}})
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		m := regexp.MustCompile(`^/students/(\d+)\?done=student_enrolled$`).FindStringSubmatch(p.Location())
		require.NotNil(t, m, p.Location())
		p = b.get(base + p.Location())
		assert.Contains(t, p.Body, "The applicant is enrolled")
		assert.Contains(t, p.Body, "Benjamin Otieno")
		assert.Contains(t, p.Body, "NEW-1")
		assert.Contains(t, p.Body, "Mary Otieno")
		p = b.get(base + "/admissions?status=enrolled")
		assert.Contains(t, p.Body, `href="/students/`+m[1]+`"`)
		p = b.get(base + "/admissions/" + id(ben))
		assert.Contains(t, p.Body, "only the notes can change")
	})
}

// postFile sends a multipart form with one file, as a browser's upload does.
func (b *browser) postFile(u string, fields url.Values, name string, content []byte) page {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			require.NoError(b.t, w.WriteField(k, v))
		}
	}
	if name != "" {
		fw, err := w.CreateFormFile("file", name)
		require.NoError(b.t, err)
		_, err = fw.Write(content)
		require.NoError(b.t, err)
	}
	require.NoError(b.t, w.Close())
	req, err := http.NewRequest(http.MethodPost, u, &buf)
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

var uploadRe = regexp.MustCompile(`/students/import\?upload=([0-9a-f]{32})`)

// checkFile uploads a file to the import page's check, which keeps it and answers
// with a redirect to its check; it returns the kept file's id and the check's page.
func (b *browser) checkFile(base, token, name, content string) (string, page) {
	b.t.Helper()
	p := b.postFile(base+"/students/import", url.Values{"_csrf": {token}, "action": {"check"}}, name, []byte(content))
	require.Equal(b.t, http.StatusSeeOther, p.Status, p.Body)
	m := uploadRe.FindStringSubmatch(p.Location())
	require.NotNil(b.t, m, p.Location())
	return m[1], b.get(base + p.Location())
}

// TestImportPage: a check lists the problems by row and column and writes nothing; a
// clean check offers the import of the kept file, which writes and reports its counts.
func TestImportPage(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	y := s.seedYear(t, "demo")
	base := s.url("demo.localhost", "")
	b, token := s.signedIn(t, base, "admin@demo.localhost", adminPass)

	p := b.get(base + "/students/import")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, `enctype="multipart/form-data"`)
	assert.Contains(t, p.Body, "<code>guardian_phone</code>")

	p = b.postFile(base+"/students/import", url.Values{"_csrf": {token}, "action": {"check"}}, "", nil)
	assert.Equal(t, http.StatusBadRequest, p.Status)
	assert.Contains(t, p.Body, `id="f-file-err"`)

	bad := "first_name,last_name,gender,class\nAmara,Okafor,female,1A\nBrian,,male,9Z\n"
	_, p = b.checkFile(base, token, "list.csv", bad)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "2 problems in list.csv", "the empty name and the unknown class, in one check")
	assert.Contains(t, p.Body, `<td data-label="Row" class="nowrap">3</td>`)
	assert.Contains(t, p.Body, "<code>last_name</code>")
	assert.Contains(t, p.Body, "9Z")
	assert.NotContains(t, p.Body, `name="action" value="import"`, "a file with problems cannot be imported")
	assert.Equal(t, int64(0), s.countStudents(t, "demo"))

	good := "first_name,last_name,gender,class,guardian_name,guardian_phone\nAmara,Okafor,female,1A,Grace Okafor,+254712345678\nBrian,Mwangi,male,2A,,\n"
	upload, p := b.checkFile(base, token, "list.csv", good)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "list.csv is ready to import")
	assert.Contains(t, p.Body, "Import 2 students")
	assert.Contains(t, p.Body, `name="upload" value="`+upload+`"`)
	assert.Equal(t, int64(0), s.countStudents(t, "demo"), "a check writes nothing")

	p = b.postFile(base+"/students/import", url.Values{"action": {"import"}, "upload": {upload}}, "", nil)
	assert.Equal(t, http.StatusForbidden, p.Status, "the import needs the CSRF token too")
	assert.Equal(t, int64(0), s.countStudents(t, "demo"))

	p = b.postFile(base+"/students/import", url.Values{"_csrf": {token}, "action": {"import"}, "upload": {upload}}, "", nil)
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	assert.Equal(t, "/students/import?done=imported&created=2&updated=0", p.Location())
	p = b.get(base + p.Location())
	assert.Contains(t, p.Body, "Import finished: 2 students created, 0 students updated.")
	assert.Equal(t, int64(2), s.countStudents(t, "demo"))
	p = b.get(base + "/students?class=" + id(y.Class1A.ID))
	assert.Contains(t, p.Body, "Okafor")

	p = b.postFile(base+"/students/import", url.Values{"_csrf": {token}, "action": {"import"}, "upload": {upload}}, "", nil)
	assert.Equal(t, http.StatusBadRequest, p.Status, "an imported file is no longer kept")
	assert.Contains(t, p.Body, "no longer kept")
	assert.Equal(t, int64(2), s.countStudents(t, "demo"))

	p = b.postFile(base+"/students/import", url.Values{"_csrf": {token}, "action": {"check"}}, "photo.png", []byte("\x89PNG"))
	assert.Equal(t, http.StatusBadRequest, p.Status)
	assert.Contains(t, p.Body, `id="f-file-err"`)
	p = b.get(base + "/students/import?done=imported&created=<b>x</b>")
	assert.NotContains(t, p.Body, "<b>x</b>", "only numbers come from the address")
}

// TestRecordFormsNeedCSRF: every new form refuses a post without the session's token and
// writes nothing.
func TestRecordFormsNeedCSRF(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	y := s.seedYear(t, "demo")
	st := s.student(t, "demo", "Amara", "Okafor", y.Class1A.ID, "")
	base := s.url("demo.localhost", "")
	b, _ := s.signedIn(t, base, "admin@demo.localhost", adminPass)
	for path, form := range map[string]url.Values{
		"/academics/sessions":    {"name": {"2030"}, "start_date": {"2030-01-01"}, "end_date": {"2030-12-01"}},
		"/academics/forms":       {"name": {"Form 9"}, "level": {"9"}},
		"/academics/classes":     {"form": {id(y.Form1.ID)}, "name": {"1Z"}},
		"/academics/subjects":    {"code": {"ZZ"}, "name": {"Zz"}},
		"/academics/assignments": {"teacher": {id(y.TeacherID)}, "class": {id(y.Class1A.ID)}, "subject": {id(y.Subject.ID)}},
		"/academics/sessions/" + id(y.Session.ID) + "/current": {},
		"/students/new":                         {"first_name": {"X"}, "last_name": {"Y"}, "gender": {"male"}},
		"/students/" + id(st.ID) + "/edit":      {"first_name": {"X"}},
		"/students/" + id(st.ID) + "/class":     {"class": {id(y.Class2A.ID)}},
		"/students/" + id(st.ID) + "/guardians": {"guardian_name": {"X"}},
		"/admissions/new":                       {"first_name": {"X"}},
		"/students/import":                      {"action": {"check"}},
	} {
		for _, token := range []string{"", "forged"} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			if token != "" {
				f.Set("_csrf", token)
			}
			p := b.post(base+path, f)
			assert.Equal(t, http.StatusForbidden, p.Status, path)
			assert.Contains(t, p.Body, "CSRF", path)
		}
	}
	assert.Equal(t, int64(1), s.countStudents(t, "demo"))
	p := b.get(base + "/academics/subjects")
	// Whole cells: the page's random CSRF token may hold "ZZ".
	assert.NotContains(t, p.Body, "<code>ZZ</code>")
	assert.NotContains(t, p.Body, "<strong>Zz</strong>")
	p = b.get(base + "/students/" + id(st.ID))
	assert.Contains(t, p.Body, "Amara Okafor")
	assert.Contains(t, p.Body, "1A")
}

// TestRecordPagesInSubfolder: under /t/<schema>/ every link, form and redirect of the new
// pages keeps the prefix.
func TestRecordPagesInSubfolder(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	y := s.seedYear(t, "demo")
	st := s.student(t, "demo", "Amara", "Okafor", y.Class1A.ID, "Grace Okafor")
	var admission int64
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		a, err := students.New(tn).CreateAdmission(ctx, students.AdmissionInput{FirstName: "Ben", LastName: "Otieno", Gender: "male", Form: y.Form1.ID}, auth.Meta{})
		require.NoError(t, err)
		accepted := students.AdmissionAccepted
		_, err = students.New(tn).UpdateAdmission(ctx, a.ID, students.AdmissionPatch{Status: &accepted}, auth.Meta{})
		require.NoError(t, err)
		admission = a.ID
	})
	base := s.url("localhost", "/t/demo")
	b := s.browser(t)
	p := b.post(base+"/login", url.Values{"email": {"admin@demo.localhost"}, "password": {adminPass}})
	require.Equal(t, http.StatusSeeOther, p.Status)
	token := b.csrf(base + "/")

	attrRe := regexp.MustCompile(`(?:href|action|hx-get|hx-post|src)="([^"]*)"`)
	pages := []string{"/", "/students", "/students?search=oka&class=" + id(y.Class1A.ID), "/students/new", "/students/import",
		"/students/" + id(st.ID), "/students/" + id(st.ID) + "/edit", "/admissions", "/admissions/new",
		"/admissions/" + id(admission), "/admissions/" + id(admission) + "/enroll",
		"/academics", "/academics/terms", "/academics/forms", "/academics/classes", "/academics/subjects", "/academics/assignments",
		"/academics/classes/" + id(y.Class1A.ID)}
	for _, path := range pages {
		p := b.get(base + path)
		require.Equal(t, http.StatusOK, p.Status, path)
		links := attrRe.FindAllStringSubmatch(p.Body, -1)
		require.NotEmpty(t, links, path)
		for _, m := range links {
			l := m[1]
			if strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "tel:") || strings.HasPrefix(l, "mailto:") || l == "#main" {
				continue
			}
			assert.True(t, strings.HasPrefix(l, "/t/demo/"), "%s: link %q does not keep the /t/demo prefix", path, l)
		}
	}
	assert.Contains(t, b.get(base+"/students").Body, `href="/t/demo/api/core/students/export/?format=csv"`)

	redirects := map[string]url.Values{
		"/academics/subjects":                      {"code": {"ART"}, "name": {"Art"}},
		"/students/new":                            {"first_name": {"Cara"}, "last_name": {"Njeri"}, "gender": {"female"}},
		"/admissions/new":                          {"first_name": {"Dan"}, "last_name": {"Kip"}, "gender": {"male"}, "form": {id(y.Form1.ID)}},
		"/admissions/" + id(admission) + "/enroll": {"class": {id(y.Class1A.ID)}},
	}
	for path, form := range redirects {
		form.Set("_csrf", token)
		p := b.post(base+path, form)
		require.Equal(t, http.StatusSeeOther, p.Status, path+": "+p.Body)
		assert.True(t, strings.HasPrefix(p.Location(), "/t/demo/"), "%s redirects to %s", path, p.Location())
	}
	p = b.get(base+"/students?search=oka", "HX-Request", "true")
	for _, m := range hrefRe.FindAllStringSubmatch(p.Body, -1) {
		assert.True(t, strings.HasPrefix(m[1], "/t/demo/"), m[1])
	}
	p = b.get(base + "/academics/classes/" + id(y.Class1A.ID))
	assert.Contains(t, p.Body, `action="/t/demo/academics/classes/`+id(y.Class1A.ID)+`"`)
}
