package academics_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db"
)

// TestRights: every school role reads, only admins write, nobody anonymous gets in.
func TestRights(t *testing.T) {
	w := newWorld(t)
	s := w.session("2025/2026", "2025-09-01", "2026-07-31")
	term := w.term(s.ID, "Term 1", "2025-09-01", "2025-12-12")
	f := w.form("Form 1", 1)
	c := w.class(f.ID, s.ID, "1A", nil)
	sub := w.subject("MATH", "Mathematics")
	teacher := w.user("jane@alpha.test", auth.RoleTeacher)
	a := w.assign(teacher, c.ID, sub.ID)

	resources := []struct {
		path   string
		id     int64
		create map[string]any
		patch  map[string]any
	}{
		{"/api/core/sessions/", s.ID, map[string]any{"name": "2026/2027", "start_date": "2026-09-01", "end_date": "2027-07-31"},
			map[string]any{"name": "2025-26"}},
		{"/api/core/terms/", term.ID, map[string]any{"session": s.ID, "name": "Term 2", "start_date": "2026-01-05", "end_date": "2026-04-02"},
			map[string]any{"name": "First term"}},
		{"/api/core/forms/", f.ID, map[string]any{"name": "Form 2", "level": 2}, map[string]any{"level_block": "Junior"}},
		{"/api/core/classes/", c.ID, map[string]any{"name": "1B", "form": f.ID}, map[string]any{"capacity": 40}},
		{"/api/core/subjects/", sub.ID, map[string]any{"code": "ENG", "name": "English"}, map[string]any{"name": "Maths"}},
		{"/api/core/subject-assignments/", a.ID, map[string]any{"teacher": teacher, "class": c.ID, "subject": 0},
			map[string]any{"teacher": teacher}},
	}
	for _, r := range resources {
		item := path("%s%d/", r.path, r.id)
		var calls []call
		for _, role := range []string{"admin", "teacher", "clerk", "viewer"} {
			calls = append(calls,
				call{name: role + " lists " + r.path, role: role, method: "GET", path: r.path, status: 200},
				call{name: role + " reads " + item, role: role, method: "GET", path: item, status: 200})
		}
		for _, role := range []string{"teacher", "clerk", "viewer"} {
			calls = append(calls,
				call{name: role + " creates " + r.path, role: role, method: "POST", path: r.path, body: r.create, status: 403},
				call{name: role + " patches " + item, role: role, method: "PATCH", path: item, body: r.patch, status: 403},
				call{name: role + " deletes " + item, role: role, method: "DELETE", path: item, status: 403})
		}
		calls = append(calls,
			call{name: "anonymous lists " + r.path, role: "anonymous", method: "GET", path: r.path, status: 401},
			call{name: "anonymous reads " + item, role: "anonymous", method: "GET", path: item, status: 401},
			call{name: "anonymous creates " + r.path, role: "anonymous", method: "POST", path: r.path, body: r.create, status: 401},
			call{name: "anonymous patches " + item, role: "anonymous", method: "PATCH", path: item, body: r.patch, status: 401},
			call{name: "anonymous deletes " + item, role: "anonymous", method: "DELETE", path: item, status: 401},
			call{name: "admin patches " + item, method: "PATCH", path: item, body: r.patch, status: 200})
		if r.create["subject"] == 0 {
			r.create["subject"] = w.subject("BIO", "Biology").ID
		}
		calls = append(calls, call{name: "admin creates " + r.path, method: "POST", path: r.path, body: r.create, status: 201})
		w.run(t, calls)
	}
	curriculum := path("/api/core/forms/%d/subjects/", f.ID)
	w.run(t, []call{
		{name: "viewer reads a curriculum", role: "viewer", method: "GET", path: curriculum, status: 200},
		{name: "clerk cannot set it", role: "clerk", method: "PUT", path: curriculum, body: map[string]any{"subjects": []int64{sub.ID}}, status: 403},
		{name: "anonymous cannot read it", role: "anonymous", method: "GET", path: curriculum, status: 401},
		{name: "admin sets it", method: "PUT", path: curriculum, body: map[string]any{"subjects": []int64{sub.ID}}, status: 200},
	})
}

// TestIsolation: what one school creates, another school's admin cannot see or change.
func TestIsolation(t *testing.T) {
	w := newWorld(t)
	w.s.CreateSchool("beta", "Beta School")
	s := w.session("2025/2026", "2025-09-01", "2026-07-31")
	term := w.term(s.ID, "Term 1", "2025-09-01", "2025-12-12")
	f := w.form("Form 1", 1)
	c := w.class(f.ID, s.ID, "1A", nil)
	sub := w.subject("MATH", "Mathematics")
	a := w.assign(w.user("jane@alpha.test", auth.RoleTeacher), c.ID, sub.ID)
	alpha := w.as("admin")
	beta := w.s.As("beta", "admin@beta.test")

	for _, item := range []string{
		path("/api/core/sessions/%d/", s.ID), path("/api/core/terms/%d/", term.ID), path("/api/core/forms/%d/", f.ID),
		path("/api/core/classes/%d/", c.ID), path("/api/core/subjects/%d/", sub.ID), path("/api/core/subject-assignments/%d/", a.ID),
		path("/api/core/forms/%d/subjects/", f.ID),
	} {
		status, _ := beta.JSON("GET", item, nil)
		assert.Equal(t, 404, status, "beta reads alpha's %s", item)
		status, _ = beta.JSON("PATCH", item, map[string]any{})
		assert.Equal(t, 404, status, "beta patches alpha's %s", item)
		status, _ = beta.JSON("DELETE", item, nil)
		assert.Equal(t, 404, status, "beta deletes alpha's %s", item)
		status, _ = alpha.JSON("GET", item, nil)
		assert.Equal(t, 200, status, "alpha still has %s", item)
	}
	for _, list := range []string{"/api/core/sessions/", "/api/core/terms/", "/api/core/forms/", "/api/core/classes/",
		"/api/core/subjects/", "/api/core/subject-assignments/"} {
		status, body := beta.JSON("GET", list, nil)
		require.Equal(t, 200, status)
		assert.Equal(t, float64(0), body["count"], "beta's %s is empty", list)
	}
	status, _ := beta.JSON("POST", "/api/core/classes/", map[string]any{"name": "1A", "form": f.ID, "session": s.ID})
	assert.Equal(t, 400, status, "alpha's form and session do not exist in beta")
	assert.Equal(t, 0, w.s.Count("beta", "classes"))

	// alpha's token does not work on beta's host.
	stolen := w.s.Client("beta.localhost", "")
	stolen.Token = alpha.Token
	status, _ = stolen.JSON("GET", "/api/core/sessions/", nil)
	assert.Equal(t, 401, status)

	// Subfolder routing reaches the same school, and only with that school's token.
	byPath := w.s.Client("localhost", "/t/"+schema)
	byPath.Token = alpha.Token
	status, body := byPath.JSON("GET", path("/api/core/classes/%d", c.ID), nil)
	assert.Equal(t, 200, status)
	assert.Equal(t, "1A", body["name"])
	byPath.Token = beta.Token
	status, _ = byPath.JSON("GET", path("/api/core/classes/%d", c.ID), nil)
	assert.Equal(t, 401, status)
}

// TestServiceAPI: what another module or the demo seeder calls, outside HTTP.
func TestServiceAPI(t *testing.T) {
	w := newWorld(t)
	meta := auth.Meta{ActorEmail: "seeder"}
	teacher := w.user("jane@alpha.test", auth.RoleTeacher)
	w.do(func(ctx context.Context, tn *db.Tenant) error {
		_, err := academics.New(tn).CurrentSession(ctx)
		assert.Equal(t, "not_found", codeOf(err))

		s, err := academics.New(tn).CreateSession(ctx, academics.SessionInput{Name: "2025/2026", StartDate: "2025-09-01", EndDate: "2026-07-31"}, meta)
		require.NoError(t, err)
		cur, err := academics.New(tn).CurrentSession(ctx)
		require.NoError(t, err)
		assert.Equal(t, s.ID, cur.ID)

		term, err := academics.New(tn).CreateTerm(ctx, academics.TermInput{SessionID: s.ID, Name: "Term 1", StartDate: "2025-09-01",
			EndDate: "2025-12-12", NextTermBegins: "2026-01-05"}, meta)
		require.NoError(t, err)
		ct, err := academics.New(tn).CurrentTerm(ctx)
		require.NoError(t, err)
		assert.Equal(t, term.ID, ct.ID)

		f, err := academics.New(tn).CreateForm(ctx, academics.FormInput{Name: "JSS 1", Level: 1, LevelBlock: "Junior"}, meta)
		require.NoError(t, err)
		c, err := academics.New(tn).CreateClass(ctx, academics.ClassInput{FormID: f.ID, Name: "JSS 1A", ClassTeacherID: &teacher, Capacity: ptr(int64(35))}, meta)
		require.NoError(t, err)
		assert.Equal(t, s.ID, c.SessionID, "the current session by default")
		byName, err := academics.New(tn).ClassByName(ctx, s.ID, "jss 1a")
		require.NoError(t, err)
		assert.Equal(t, c.ID, byName.ID)
		_, err = academics.New(tn).ClassByName(ctx, s.ID, "JSS 1Z")
		assert.Equal(t, "not_found", codeOf(err))

		math, err := academics.New(tn).CreateSubject(ctx, academics.SubjectInput{Code: "MATH", Name: "Mathematics"}, meta)
		require.NoError(t, err)
		fr, err := academics.New(tn).CreateSubject(ctx, academics.SubjectInput{Code: "FRE", Name: "French", IsCore: ptr(false)}, meta)
		require.NoError(t, err)
		assert.False(t, fr.IsCore)
		cur2, err := academics.New(tn).SetCurriculum(ctx, f.ID, []int64{fr.ID, math.ID}, meta)
		require.NoError(t, err)
		assert.Equal(t, "MATH", cur2.Subjects[0].Code, "core subjects first")

		as, err := academics.New(tn).AssignSubject(ctx, academics.AssignmentInput{TeacherID: teacher, ClassID: c.ID, SubjectID: math.ID}, meta)
		require.NoError(t, err)
		rows, n, err := academics.New(tn).ListAssignments(ctx, academics.AssignmentFilter{TeacherID: teacher}, query.Page{})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		assert.Equal(t, as.ID, rows[0].ID)

		_, err = academics.New(tn).UpdateClass(ctx, c.ID, academics.ClassPatch{ClassTeacherID: academics.Null[int64](), Capacity: academics.Value[int64](20)}, meta)
		require.NoError(t, err)
		c, err = academics.New(tn).Class(ctx, c.ID)
		require.NoError(t, err)
		assert.Nil(t, c.ClassTeacherID)
		assert.Equal(t, int64(20), *c.Capacity)

		_, err = academics.New(tn).CreateForm(ctx, academics.FormInput{Name: "JSS 2", Level: 1}, meta)
		assert.Equal(t, "conflict", codeOf(err))
		return nil
	})
	var seeded int
	w.s.WithSchool(schema, func(tn *db.Tenant) error {
		return tn.ReadDB().QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log WHERE actor_email = 'seeder'`).Scan(&seeded)
	})
	assert.Equal(t, 9, seeded, "every write through the service is audited")
}
