package webtest

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/db"
)

// TestGuardianCorrectedFromTheProfile: a guardian's wrong phone number is corrected
// from the student's profile (a bad number is refused at its field, nothing written),
// and a guardian is taken off the student. A guardian of another student cannot be
// reached through this student's address, and a teacher gets no edit page.
func TestGuardianCorrectedFromTheProfile(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	y := s.seedYear(t, "demo")
	base := s.url("demo.localhost", "")
	b, token := s.signedIn(t, base, "admin@demo.localhost", adminPass)

	var st, other students.StudentDetail
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		var err error
		st, err = students.New(tn).CreateStudent(ctx, students.StudentInput{FirstName: "Amina", LastName: "Njeri", Gender: "female",
			Class: y.Class1A.ID, Guardians: []students.GuardianRef{
				{GuardianInput: students.GuardianInput{Name: "Grace Njeri", Relationship: "Mother", Phone: "+254 712 345 678"}},
				{GuardianInput: students.GuardianInput{Name: "Paul Njeri", Relationship: "Father"}}}}, auth.Meta{})
		require.NoError(t, err)
		other, err = students.New(tn).CreateStudent(ctx, students.StudentInput{FirstName: "Baraka", LastName: "Otieno", Gender: "male",
			Guardians: []students.GuardianRef{{GuardianInput: students.GuardianInput{Name: "Otieno Senior"}}}}, auth.Meta{})
		require.NoError(t, err)
	})
	grace, paul := st.Guardians[0], st.Guardians[1]
	if grace.Name != "Grace Njeri" {
		grace, paul = paul, grace
	}
	studentURL := base + "/students/" + id(st.ID)
	edit := studentURL + "/guardians/" + id(grace.ID)

	p := b.get(studentURL)
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, `href="/students/`+id(st.ID)+`/guardians/`+id(grace.ID)+`"`)
	assert.Contains(t, postActions(p.Body), "/students/"+id(st.ID)+"/guardians/"+id(paul.ID)+"/remove")

	p = b.get(edit)
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, `value="&#43;254712345678"`)

	form := url.Values{"_csrf": {token}, "guardian_name": {"Grace Njeri"}, "guardian_relationship": {"Mother"},
		"guardian_phone": {"call me"}, "receives_messages": {"1"}, "is_primary": {"1"}}
	p = b.post(edit, form)
	assert.Equal(t, http.StatusBadRequest, p.Status)
	assert.Contains(t, p.Body, `id="f-guardian-phone-err"`)
	assert.Contains(t, p.Body, `value="call me"`)

	form.Set("guardian_phone", "+254 722 000 111")
	p = b.post(edit, form)
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	p = b.get(studentURL + "?done=guardian_saved")
	assert.Contains(t, p.Body, "The guardian was saved.")
	assert.Contains(t, p.Body, "&#43;254722000111")
	assert.NotContains(t, p.Body, "&#43;254712345678")

	// Paul becomes the primary contact; Grace no longer is.
	p = b.post(studentURL+"/guardians/"+id(paul.ID), url.Values{"_csrf": {token}, "guardian_name": {"Paul Njeri"},
		"guardian_relationship": {"Father"}, "is_primary": {"1"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		got, err := students.New(tn).GetStudent(ctx, students.Viewer{}, st.ID)
		require.NoError(t, err)
		for _, g := range got.Guardians {
			assert.Equal(t, g.ID == paul.ID, g.IsPrimary, g.Name)
		}
	})

	// Another student's guardian is not this student's.
	otherGuardian := other.Guardians[0].ID
	p = b.get(studentURL + "/guardians/" + id(otherGuardian))
	assert.Equal(t, http.StatusNotFound, p.Status)
	p = b.post(studentURL+"/guardians/"+id(otherGuardian), url.Values{"_csrf": {token}, "guardian_name": {"Changed"}})
	assert.Equal(t, http.StatusNotFound, p.Status)
	p = b.post(studentURL+"/guardians/"+id(otherGuardian)+"/remove", url.Values{"_csrf": {token}})
	assert.Equal(t, http.StatusNotFound, p.Status)

	// A teacher of the class reads the profile without edit buttons and gets no edit page.
	tb, ttoken := s.signedIn(t, base, y.TeacherEmail, teacherPass)
	p = tb.get(studentURL)
	require.Equal(t, http.StatusOK, p.Status)
	assert.NotContains(t, p.Body, "/guardians/"+id(grace.ID))
	assert.Equal(t, http.StatusForbidden, tb.get(edit).Status)
	assert.Equal(t, http.StatusForbidden, tb.post(edit+"/remove", url.Values{"_csrf": {ttoken}}).Status)

	p = b.post(studentURL+"/guardians/"+id(grace.ID)+"/remove", url.Values{"_csrf": {token}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	p = b.get(studentURL + "?done=guardian_removed")
	assert.Contains(t, p.Body, "The guardian was removed from the student.")
	assert.NotContains(t, p.Body, "Grace Njeri")
	assert.Contains(t, p.Body, "Paul Njeri")
}

// TestDeletesSayWhatDependsOnThem: the delete buttons of the office pages delete what
// nothing depends on, and otherwise show what does, writing nothing.
func TestDeletesSayWhatDependsOnThem(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	y := s.seedYear(t, "demo")
	base := s.url("demo.localhost", "")
	b, token := s.signedIn(t, base, "admin@demo.localhost", adminPass)
	csrf := url.Values{"_csrf": {token}}

	enrolled := s.student(t, "demo", "Amina", "Njeri", y.Class1A.ID, "")
	twice := s.student(t, "demo", "Amina", "Njeri", 0, "")

	// Form 1: edited, with Mathematics in its curriculum.
	p := b.get(base + "/academics/forms")
	assert.Contains(t, p.Body, `href="/academics/forms/`+id(y.Form1.ID)+`"`)
	p = b.get(base + "/academics/forms/" + id(y.Form1.ID))
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "Mathematics")
	p = b.post(base+"/academics/forms/"+id(y.Form1.ID), url.Values{"_csrf": {token}, "name": {"Form One"}, "level": {"x"}})
	assert.Equal(t, http.StatusBadRequest, p.Status)
	assert.Contains(t, p.Body, `id="f-level-err"`)
	p = b.post(base+"/academics/forms/"+id(y.Form1.ID), url.Values{"_csrf": {token}, "name": {"Form One"}, "level": {"1"},
		"subjects": {id(y.Subject.ID)}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	p = b.get(base + "/academics/forms/" + id(y.Form1.ID))
	assert.Contains(t, p.Body, `value="Form One"`)
	assert.Contains(t, p.Body, `value="`+id(y.Subject.ID)+`" checked`)

	// Subject: edited; its delete is refused while Form One takes it.
	p = b.post(base+"/academics/subjects/"+id(y.Subject.ID), url.Values{"_csrf": {token}, "code": {"MATHS"}, "name": {"Maths"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	p = b.post(base+"/academics/subjects/"+id(y.Subject.ID)+"/delete", csrf)
	assert.Equal(t, http.StatusConflict, p.Status)
	assert.Contains(t, p.Body, "Maths has 1 form that takes it; remove them first")

	p = b.post(base+"/academics/forms/"+id(y.Form1.ID)+"/delete", csrf)
	assert.Equal(t, http.StatusConflict, p.Status)
	assert.Contains(t, p.Body, "Form One has 1 class and 1 subject in its curriculum; delete or move them first")

	p = b.post(base+"/academics/classes/"+id(y.Class1A.ID)+"/delete", csrf)
	assert.Equal(t, http.StatusConflict, p.Status)
	assert.Contains(t, p.Body, "1A has 1 student enrolled")

	p = b.post(base+"/academics/sessions/"+id(y.Session.ID)+"/delete", csrf)
	assert.Equal(t, http.StatusConflict, p.Status)
	assert.Contains(t, p.Body, "2025/2026 has 1 term, 2 classes and 1 enrollment")

	// The student in a class is withdrawn, not deleted: the delete says why; the one
	// entered twice goes.
	p = b.get(base + "/students/" + id(enrolled.ID) + "/edit")
	assert.Contains(t, postActions(p.Body), "/students/"+id(enrolled.ID)+"/delete")
	p = b.post(base+"/students/"+id(enrolled.ID)+"/delete", csrf)
	assert.Equal(t, http.StatusConflict, p.Status)
	assert.Contains(t, p.Body, "Amina Njeri has 1 enrollment; a student with a record is withdrawn (set the status), not deleted")
	p = b.get(base + "/students/" + id(twice.ID) + "/edit")
	assert.Contains(t, postActions(p.Body), "/students/"+id(twice.ID)+"/delete")
	p = b.post(base+"/students/"+id(twice.ID)+"/delete", csrf)
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	assert.Equal(t, int64(1), s.countStudents(t, "demo"))

	// 2A never had students: it goes, and then Form 2 (no classes, no curriculum) too.
	p = b.post(base+"/academics/classes/"+id(y.Class2A.ID)+"/delete", csrf)
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	p = b.post(base+"/academics/forms/"+id(y.Form2.ID)+"/delete", csrf)
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	p = b.get(base + "/academics/forms?done=form_deleted")
	assert.Contains(t, p.Body, "The form was deleted.")
	assert.NotContains(t, p.Body, "Form 2")
}
