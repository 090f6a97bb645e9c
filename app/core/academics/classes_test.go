package academics_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/db"
)

func TestForms(t *testing.T) {
	w := newWorld(t)
	var f1 int64
	w.run(t, []call{
		{name: "missing everything", method: "POST", path: "/api/core/forms/", body: map[string]any{},
			status: 400, fields: []string{"name", "level"}},
		{name: "bad level", method: "POST", path: "/api/core/forms/", body: map[string]any{"name": "Form 1", "level": 0},
			status: 400, fields: []string{"level"}},
		{name: "level not a number", method: "POST", path: "/api/core/forms/", body: map[string]any{"name": "Form 1", "level": "one"},
			status: 400, fields: []string{"level"}},
		{name: "create", method: "POST", path: "/api/core/forms/", body: map[string]any{"name": "Form 1", "level": 1, "level_block": "O Level"},
			status: 201, check: func(t *testing.T, b map[string]any) {
				f1 = num(b["id"])
				assert.Equal(t, "O Level", b["level_block"])
			}},
		{name: "create another", method: "POST", path: "/api/core/forms", body: map[string]any{"name": "Form 2", "level": 2}, status: 201},
		{name: "same level", method: "POST", path: "/api/core/forms/", body: map[string]any{"name": "Form One", "level": 1},
			status: 409, fields: []string{"level"}},
		{name: "same name", method: "POST", path: "/api/core/forms/", body: map[string]any{"name": "form 1", "level": 3},
			status: 409, fields: []string{"name"}},
	})
	w.run(t, []call{
		{name: "list by level", method: "GET", path: "/api/core/forms/?ordering=-level", status: 200, check: func(t *testing.T, b map[string]any) {
			assert.Equal(t, []any{"Form 2", "Form 1"}, names(b, "name"))
		}},
		{name: "search the level block", method: "GET", path: "/api/core/forms/?search=o%20level", status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, []any{"Form 1"}, names(b, "name")) }},
		{name: "patch level clash", method: "PATCH", path: path("/api/core/forms/%d/", f1), body: map[string]any{"level": 2},
			status: 409, fields: []string{"level"}},
		{name: "patch", method: "PATCH", path: path("/api/core/forms/%d/", f1), body: map[string]any{"name": "Form I", "level_block": ""},
			status: 200, check: func(t *testing.T, b map[string]any) {
				assert.Equal(t, "Form I", b["name"])
				assert.Equal(t, float64(1), b["level"])
				assert.Equal(t, "", b["level_block"])
			}},
	})
	s := w.session("2025/2026", "2025-09-01", "2026-07-31")
	w.class(f1, s.ID, "1A", nil)
	w.run(t, []call{
		{name: "delete blocked by a class", method: "DELETE", path: path("/api/core/forms/%d/", f1), status: 409,
			check: func(t *testing.T, b map[string]any) { assert.Contains(t, errMsg(b), "1 class") }},
		{name: "missing", method: "DELETE", path: "/api/core/forms/999/", status: 404},
	})
}

func TestClasses(t *testing.T) {
	w := newWorld(t)
	old := w.session("2024/2025", "2024-09-01", "2025-07-31")
	cur := w.session("2025/2026", "2025-09-01", "2026-07-31")
	w.do(func(ctx context.Context, tn *db.Tenant) error {
		_, err := academics.New(tn).UpdateSession(ctx, cur.ID, academics.SessionPatch{IsCurrent: ptr(true)}, auth.Meta{})
		return err
	})
	f1, f2 := w.form("Form 1", 1), w.form("Form 2", 2)
	teacher := w.user("teacher1@alpha.test", auth.RoleTeacher)
	clerk := w.user("clerk1@alpha.test", auth.RoleClerk)
	gone := w.user("gone@alpha.test", auth.RoleTeacher)
	w.do(func(ctx context.Context, tn *db.Tenant) error {
		_, err := auth.Users{T: tn}.Update(ctx, gone, auth.UserPatch{IsActive: ptr(false)}, auth.Meta{})
		return err
	})
	var a1 int64
	w.run(t, []call{
		{name: "missing everything", method: "POST", path: "/api/core/classes/", body: map[string]any{},
			status: 400, fields: []string{"name", "form"}},
		{name: "every reference wrong", method: "POST", path: "/api/core/classes/",
			body:   map[string]any{"name": "1A", "form": 999, "session": 999, "class_teacher": clerk, "capacity": 0},
			status: 400, fields: []string{"form", "session", "class_teacher", "capacity"}},
		{name: "inactive teacher", method: "POST", path: "/api/core/classes/",
			body: map[string]any{"name": "1A", "form": f1.ID, "class_teacher": gone}, status: 400, fields: []string{"class_teacher"}},
		{name: "unknown teacher", method: "POST", path: "/api/core/classes/",
			body: map[string]any{"name": "1A", "form": f1.ID, "class_teacher": 9999}, status: 400, fields: []string{"class_teacher"}},
		{name: "create in the current session by default", method: "POST", path: "/api/core/classes/",
			body: map[string]any{"name": "1A", "form": f1.ID, "class_teacher": teacher, "capacity": 3}, status: 201,
			check: func(t *testing.T, b map[string]any) {
				a1 = num(b["id"])
				assert.Equal(t, float64(cur.ID), b["session"])
				assert.Equal(t, "2025/2026", b["session_name"])
				assert.Equal(t, "Form 1", b["form_name"])
				assert.Equal(t, "teacher1@alpha.test", b["class_teacher_name"])
				assert.Equal(t, float64(3), b["capacity"])
				assert.Equal(t, float64(0), b["student_count"])
			}},
		{name: "same name in the session", method: "POST", path: "/api/core/classes/",
			body: map[string]any{"name": "1a", "form": f1.ID}, status: 409, fields: []string{"name"}},
		{name: "same name in another session", method: "POST", path: "/api/core/classes/",
			body: map[string]any{"name": "1A", "form": f1.ID, "session": old.ID}, status: 201},
		{name: "another form", method: "POST", path: "/api/core/classes/",
			body: map[string]any{"name": "2A", "form": f2.ID}, status: 201,
			check: func(t *testing.T, b map[string]any) { assert.Nil(t, b["class_teacher"]) }},
		{name: "filter by session", method: "GET", path: path("/api/core/classes/?session=%d", cur.ID), status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, []any{"1A", "2A"}, names(b, "name")) }},
		{name: "filter by session and form", method: "GET", path: path("/api/core/classes/?session=%d&form=%d", cur.ID, f2.ID), status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, []any{"2A"}, names(b, "name")) }},
		{name: "default order: latest session first", method: "GET", path: "/api/core/classes/", status: 200,
			check: func(t *testing.T, b map[string]any) {
				assert.Equal(t, []any{"2025/2026", "2025/2026", "2024/2025"}, names(b, "session_name"))
			}},
		{name: "bad filters", method: "GET", path: "/api/core/classes/?session=0&form=-1&ordering=teacher", status: 400,
			fields: []string{"session", "form", "ordering"}},
	})

	one := getClass(t, w, a1)
	w.enroll(one, 2)
	w.run(t, []call{
		{name: "detail counts active students", method: "GET", path: path("/api/core/classes/%d/", a1), status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, float64(2), b["student_count"]) }},
		{name: "capacity below the student count", method: "PATCH", path: path("/api/core/classes/%d/", a1),
			body: map[string]any{"capacity": 1}, status: 400, fields: []string{"capacity"},
			check: func(t *testing.T, b map[string]any) { assert.Contains(t, fieldMsg(b, "capacity"), "2 active students") }},
		{name: "capacity at the student count", method: "PATCH", path: path("/api/core/classes/%d/", a1),
			body: map[string]any{"capacity": 2}, status: 200},
		{name: "capacity cleared", method: "PATCH", path: path("/api/core/classes/%d/", a1),
			body: map[string]any{"capacity": nil, "class_teacher": nil}, status: 200, check: func(t *testing.T, b map[string]any) {
				assert.Nil(t, b["capacity"])
				assert.Nil(t, b["class_teacher"])
				assert.Nil(t, b["class_teacher_name"])
			}},
		{name: "cannot move a class with enrollments to another session", method: "PATCH", path: path("/api/core/classes/%d/", a1),
			body: map[string]any{"session": old.ID}, status: 400, fields: []string{"session"}},
		{name: "cannot delete a class with enrollments", method: "DELETE", path: path("/api/core/classes/%d/", a1), status: 409},
		{name: "missing", method: "PATCH", path: "/api/core/classes/999/", body: map[string]any{"name": "x"}, status: 404},
	})
}

func getClass(t *testing.T, w *world, id int64) academics.Class {
	t.Helper()
	var c academics.Class
	w.do(func(ctx context.Context, tn *db.Tenant) (err error) {
		c, err = academics.New(tn).Class(ctx, id)
		return err
	})
	return c
}
