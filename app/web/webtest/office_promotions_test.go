package webtest

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/db"
)

// TestPromotionsPage: the office previews the move into the next session class by
// class (who is promoted to which class, who graduates), makes one student repeat,
// previews again and applies it; the students are then where the preview said. A
// teacher cannot open the page.
func TestPromotionsPage(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	y := s.seedYear(t, "demo")
	var next academics.Session
	var new1A, new2A academics.Class
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		a := academics.New(tn)
		var err error
		next, err = a.CreateSession(ctx, academics.SessionInput{Name: "2026/2027", StartDate: "2026-09-01", EndDate: "2027-07-31"}, auth.Meta{})
		require.NoError(t, err)
		new1A, err = a.CreateClass(ctx, academics.ClassInput{SessionID: next.ID, FormID: y.Form1.ID, Name: "1A"}, auth.Meta{})
		require.NoError(t, err)
		new2A, err = a.CreateClass(ctx, academics.ClassInput{SessionID: next.ID, FormID: y.Form2.ID, Name: "2A"}, auth.Meta{})
		require.NoError(t, err)
	})
	amina := s.student(t, "demo", "Amina", "Njeri", y.Class1A.ID, "")
	baraka := s.student(t, "demo", "Baraka", "Otieno", y.Class1A.ID, "")
	chep := s.student(t, "demo", "Chep", "Kirui", y.Class2A.ID, "")
	base := s.url("demo.localhost", "")
	b, token := s.signedIn(t, base, "admin@demo.localhost", adminPass)

	p := b.get(base + "/academics/sessions")
	assert.Contains(t, p.Body, `href="/promotions"`)
	p = b.get(base + "/promotions")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "2025/2026 → 2026/2027", "from the current session to the next by default")
	assert.Contains(t, p.Body, "<h2>1A</h2>")
	assert.Contains(t, p.Body, `<option value="`+id(new2A.ID)+`" selected>2A</option>`, "Form 1 goes to Form 2")
	assert.Contains(t, p.Body, `<option value="graduate" selected>Graduate</option>`, "the last form graduates")

	form := url.Values{"_csrf": {token}, "from": {id(y.Session.ID)}, "to": {id(next.ID)}, "action": {"preview"},
		"action_" + id(amina.ID): {"promote"}, "class_" + id(amina.ID): {id(new2A.ID)},
		"action_" + id(baraka.ID): {"repeat"}, "class_" + id(baraka.ID): {id(new1A.ID)},
		"action_" + id(chep.ID): {"graduate"}}
	p = b.post(base+"/promotions", form)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, `<span class="badge">changed</span>`)
	assert.Contains(t, p.Body, "<strong>1</strong> repeat")
	assert.Zero(t, s.countEnrollmentsIn(t, "demo", next.ID), "a preview writes nothing")

	form.Set("action", "commit")
	p = b.post(base+"/promotions", form)
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	p = b.get(base + p.Location())
	assert.Contains(t, p.Body, "The promotion was applied.")
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		classOf := func(st int64) int64 {
			d, err := students.New(tn).GetStudent(ctx, students.Viewer{}, st)
			require.NoError(t, err)
			for _, e := range d.Enrollments {
				if e.Session.ID == next.ID {
					return e.Class.ID
				}
			}
			return 0
		}
		assert.Equal(t, new2A.ID, classOf(amina.ID))
		assert.Equal(t, new1A.ID, classOf(baraka.ID))
		assert.Zero(t, classOf(chep.ID))
		d, err := students.New(tn).GetStudent(ctx, students.Viewer{}, chep.ID)
		require.NoError(t, err)
		assert.Equal(t, students.StatusGraduated, d.Status)
	})

	tb, ttoken := s.signedIn(t, base, y.TeacherEmail, teacherPass)
	assert.Equal(t, http.StatusForbidden, tb.get(base+"/promotions").Status)
	form.Set("_csrf", ttoken)
	assert.Equal(t, http.StatusForbidden, tb.post(base+"/promotions", form).Status)
}

// countEnrollmentsIn is the number of enrollments of a session.
func (s *server) countEnrollmentsIn(t *testing.T, schema string, session int64) int64 {
	t.Helper()
	var n int64
	s.withSchool(t, schema, func(ctx context.Context, tn *db.Tenant) {
		require.NoError(t, tn.ReadDB().QueryRowContext(ctx, "SELECT count(*) FROM enrollments WHERE session_id = ?", session).Scan(&n))
	})
	return n
}
