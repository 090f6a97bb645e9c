package academics_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSessions(t *testing.T) {
	w := newWorld(t)
	var first, second int64
	w.run(t, []call{
		{name: "empty list", method: "GET", path: "/api/core/sessions/", status: 200, check: func(t *testing.T, b map[string]any) {
			assert.Equal(t, float64(0), b["count"])
			assert.Equal(t, []any{}, b["results"])
			assert.Nil(t, b["next"])
		}},
		{name: "missing everything", method: "POST", path: "/api/core/sessions/", body: map[string]any{},
			status: 400, fields: []string{"name", "start_date", "end_date"}},
		{name: "bad dates", method: "POST", path: "/api/core/sessions/",
			body:   map[string]any{"name": "2025/2026", "start_date": "2025-13-01", "end_date": "1/9/2026"},
			status: 400, fields: []string{"start_date", "end_date"}},
		{name: "end before start", method: "POST", path: "/api/core/sessions/",
			body:   map[string]any{"name": "2025/2026", "start_date": "2025-09-01", "end_date": "2025-08-01"},
			status: 400, fields: []string{"end_date"}},
		{name: "unknown field", method: "POST", path: "/api/core/sessions/",
			body:   map[string]any{"name": "2025/2026", "start_date": "2025-09-01", "end_date": "2026-07-31", "year": 1},
			status: 400, fields: []string{"year"}},
		{name: "wrong type", method: "POST", path: "/api/core/sessions/",
			body:   map[string]any{"name": 2025, "start_date": "2025-09-01", "end_date": "2026-07-31"},
			status: 400, fields: []string{"name"}},
		{name: "first session becomes current", method: "POST", path: "/api/core/sessions",
			body: map[string]any{"name": "2025/2026", "start_date": "2025-09-01", "end_date": "2026-07-31"}, status: 201,
			check: func(t *testing.T, b map[string]any) {
				first = num(b["id"])
				assert.Equal(t, true, b["is_current"])
				assert.Equal(t, "2025/2026", b["name"])
			}},
		{name: "second is not current", method: "POST", path: "/api/core/sessions/",
			body: map[string]any{"name": "2026/2027", "start_date": "2026-09-01", "end_date": "2027-07-31"}, status: 201,
			check: func(t *testing.T, b map[string]any) {
				second = num(b["id"])
				assert.Equal(t, false, b["is_current"])
			}},
		{name: "duplicate name", method: "POST", path: "/api/core/sessions/",
			body:   map[string]any{"name": "2025/2026 ", "start_date": "2025-09-01", "end_date": "2026-07-31"},
			status: 409, fields: []string{"name"}},
	})
	w.run(t, []call{
		{name: "list newest first", method: "GET", path: "/api/core/sessions/", status: 200, check: func(t *testing.T, b map[string]any) {
			assert.Equal(t, float64(2), b["count"])
			assert.Equal(t, []any{"2026/2027", "2025/2026"}, names(b, "name"))
		}},
		{name: "ordering", method: "GET", path: "/api/core/sessions/?ordering=name", status: 200, check: func(t *testing.T, b map[string]any) {
			assert.Equal(t, []any{"2025/2026", "2026/2027"}, names(b, "name"))
		}},
		{name: "bad ordering and page", method: "GET", path: "/api/core/sessions/?ordering=password&page=0&is_current=maybe",
			status: 400, fields: []string{"ordering", "page", "is_current"}},
		{name: "search", method: "GET", path: "/api/core/sessions/?search=2027", status: 200, check: func(t *testing.T, b map[string]any) {
			assert.Equal(t, []any{"2026/2027"}, names(b, "name"))
		}},
		{name: "filter current", method: "GET", path: "/api/core/sessions/?is_current=true", status: 200, check: func(t *testing.T, b map[string]any) {
			assert.Equal(t, []any{"2025/2026"}, names(b, "name"))
		}},
		{name: "paging", method: "GET", path: "/api/core/sessions/?page_size=1", status: 200, check: func(t *testing.T, b map[string]any) {
			assert.Len(t, b["results"], 1)
			assert.Contains(t, b["next"], "page=2")
		}},
		{name: "retrieve", method: "GET", path: path("/api/core/sessions/%d", first), status: 200, check: func(t *testing.T, b map[string]any) {
			assert.Equal(t, "2025-09-01", b["start_date"])
		}},
		{name: "retrieve missing", method: "GET", path: "/api/core/sessions/999/", status: 404},
		{name: "retrieve not an id", method: "GET", path: "/api/core/sessions/abc/", status: 404},
		{name: "patch missing", method: "PATCH", path: "/api/core/sessions/999/", body: map[string]any{"name": "x"}, status: 404},
		{name: "cannot unset the current session", method: "PATCH", path: path("/api/core/sessions/%d/", first),
			body: map[string]any{"is_current": false}, status: 400, fields: []string{"is_current"}},
		{name: "patch bad dates", method: "PATCH", path: path("/api/core/sessions/%d/", first),
			body: map[string]any{"end_date": "2025-01-01"}, status: 400, fields: []string{"end_date"}},
		{name: "rename clash", method: "PATCH", path: path("/api/core/sessions/%d/", second),
			body: map[string]any{"name": "2025/2026"}, status: 409, fields: []string{"name"}},
		{name: "make the second current", method: "PATCH", path: path("/api/core/sessions/%d/", second),
			body: map[string]any{"is_current": true}, status: 200, check: func(t *testing.T, b map[string]any) {
				assert.Equal(t, true, b["is_current"])
			}},
		{name: "the first is no longer current", method: "GET", path: path("/api/core/sessions/%d/", first), status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, false, b["is_current"]) }},
		{name: "exactly one current", method: "GET", path: "/api/core/sessions/?is_current=true", status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, []any{"2026/2027"}, names(b, "name")) }},
		{name: "the current session cannot be deleted while others exist", method: "DELETE", path: path("/api/core/sessions/%d/", second),
			status: 409},
	})

	// A session with terms and classes cannot be deleted; its dates cannot shrink past a term.
	w.term(first, "Term 1", "2025-09-01", "2025-12-12")
	f := w.form("Form 1", 1)
	w.class(f.ID, first, "Form 1A", nil)
	w.run(t, []call{
		{name: "delete blocked by terms and classes", method: "DELETE", path: path("/api/core/sessions/%d", first), status: 409,
			check: func(t *testing.T, b map[string]any) {
				assert.Contains(t, errMsg(b), "1 term")
				assert.Contains(t, errMsg(b), "1 class")
			}},
		{name: "shrinking past a term", method: "PATCH", path: path("/api/core/sessions/%d", first),
			body: map[string]any{"start_date": "2025-10-01"}, status: 400, fields: []string{"start_date"},
			check: func(t *testing.T, b map[string]any) { assert.Contains(t, fieldMsg(b, "start_date"), "Term 1") }},
		{name: "rename", method: "PATCH", path: path("/api/core/sessions/%d", first), body: map[string]any{"name": "2025-26"}, status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, "2025-26", b["name"]) }},
	})
}

func TestSessionDeleteAndAudit(t *testing.T) {
	w := newWorld(t)
	a := w.session("2024/2025", "2024-09-01", "2025-07-31")
	b := w.session("2025/2026", "2025-09-01", "2026-07-31")
	w.as("admin")
	audits := w.s.Count(schema, "audit_log")
	w.run(t, []call{
		{name: "delete a session nothing uses", method: "DELETE", path: path("/api/core/sessions/%d/", b.ID), status: 204},
		{name: "gone", method: "GET", path: path("/api/core/sessions/%d/", b.ID), status: 404},
		{name: "the last session, current, can go", method: "DELETE", path: path("/api/core/sessions/%d/", a.ID), status: 204},
		{name: "delete again", method: "DELETE", path: path("/api/core/sessions/%d/", a.ID), status: 404},
	})
	assert.Equal(t, audits+2, w.s.Count(schema, "audit_log"), "each delete is audited")
	w.run(t, []call{
		{name: "a new first session is current again", method: "POST", path: "/api/core/sessions/",
			body: map[string]any{"name": "2026/2027", "start_date": "2026-09-01", "end_date": "2027-07-31"}, status: 201,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, true, b["is_current"]) }},
		{name: "audit shows before and after", method: "GET", path: "/api/audit?page_size=1", status: 200,
			check: func(t *testing.T, b map[string]any) {
				e := b["results"].([]any)[0].(map[string]any)
				assert.Equal(t, "academic_session.create", e["action"])
				assert.Equal(t, "admin@alpha.test", e["actor_email"])
				assert.Contains(t, e["detail"], "after")
			}},
	})
}
