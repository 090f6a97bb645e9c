package academics_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTerms(t *testing.T) {
	w := newWorld(t)
	cur := w.session("2025/2026", "2025-09-01", "2026-07-31")
	next := w.session("2026/2027", "2026-09-01", "2027-07-31")
	var t1, t2, t3 int64
	w.run(t, []call{
		{name: "missing everything", method: "POST", path: "/api/core/terms/", body: map[string]any{},
			status: 400, fields: []string{"session", "name", "start_date", "end_date"}},
		{name: "session must exist", method: "POST", path: "/api/core/terms/",
			body:   map[string]any{"session": 999, "name": "Term 1", "start_date": "2025-09-01", "end_date": "2025-12-12"},
			status: 400, fields: []string{"session"}},
		{name: "dates outside the session", method: "POST", path: "/api/core/terms/",
			body:   map[string]any{"session": cur.ID, "name": "Term 1", "start_date": "2025-08-01", "end_date": "2026-08-12"},
			status: 400, fields: []string{"start_date", "end_date"},
			check: func(t *testing.T, b map[string]any) { assert.Contains(t, fieldMsg(b, "start_date"), "2025/2026") }},
		{name: "next term before the end", method: "POST", path: "/api/core/terms/",
			body: map[string]any{"session": cur.ID, "name": "Term 1", "start_date": "2025-09-01", "end_date": "2025-12-12",
				"next_term_begins": "2025-12-01"},
			status: 400, fields: []string{"next_term_begins"}},
		{name: "first term of the current session becomes current", method: "POST", path: "/api/core/terms/",
			body: map[string]any{"session": cur.ID, "name": "Term 1", "start_date": "2025-09-01", "end_date": "2025-12-12",
				"next_term_begins": "2026-01-05"},
			status: 201, check: func(t *testing.T, b map[string]any) {
				t1 = num(b["id"])
				assert.Equal(t, true, b["is_current"])
				assert.Equal(t, "2025/2026", b["session_name"])
				assert.Equal(t, "2026-01-05", b["next_term_begins"])
			}},
		{name: "overlap", method: "POST", path: "/api/core/terms/",
			body:   map[string]any{"session": cur.ID, "name": "Term 2", "start_date": "2025-12-12", "end_date": "2026-04-02"},
			status: 400, fields: []string{"start_date", "end_date"},
			check: func(t *testing.T, b map[string]any) { assert.Contains(t, fieldMsg(b, "start_date"), "Term 1") }},
		{name: "second term is not current", method: "POST", path: "/api/core/terms",
			body:   map[string]any{"session": cur.ID, "name": "Term 2", "start_date": "2026-01-05", "end_date": "2026-04-02"},
			status: 201, check: func(t *testing.T, b map[string]any) {
				t2 = num(b["id"])
				assert.Equal(t, false, b["is_current"])
				assert.Nil(t, b["next_term_begins"])
			}},
		{name: "same name in the session", method: "POST", path: "/api/core/terms/",
			body:   map[string]any{"session": cur.ID, "name": "Term 2", "start_date": "2026-04-20", "end_date": "2026-07-24"},
			status: 409, fields: []string{"name"}},
		{name: "same name in another session is fine", method: "POST", path: "/api/core/terms/",
			body:   map[string]any{"session": next.ID, "name": "Term 1", "start_date": "2026-09-01", "end_date": "2026-12-11"},
			status: 201, check: func(t *testing.T, b map[string]any) {
				t3 = num(b["id"])
				assert.Equal(t, false, b["is_current"], "a term of a session that is not current does not take over")
			}},
	})
	w.run(t, []call{
		{name: "list, latest session first", method: "GET", path: "/api/core/terms/", status: 200, check: func(t *testing.T, b map[string]any) {
			assert.Equal(t, float64(3), b["count"])
			assert.Equal(t, []any{float64(t3), float64(t1), float64(t2)}, names(b, "id"))
		}},
		{name: "filter by session", method: "GET", path: path("/api/core/terms/?session=%d&ordering=-start_date", cur.ID), status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, []any{"Term 2", "Term 1"}, names(b, "name")) }},
		{name: "bad filter", method: "GET", path: "/api/core/terms/?session=x", status: 400, fields: []string{"session"}},
		{name: "moving a term onto another", method: "PATCH", path: path("/api/core/terms/%d/", t2),
			body: map[string]any{"start_date": "2025-11-01"}, status: 400, fields: []string{"start_date", "end_date"}},
		{name: "unset the current term", method: "PATCH", path: path("/api/core/terms/%d/", t1),
			body: map[string]any{"is_current": false}, status: 400, fields: []string{"is_current"}},
		{name: "clear next_term_begins with null", method: "PATCH", path: path("/api/core/terms/%d/", t1),
			body: map[string]any{"next_term_begins": nil}, status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Nil(t, b["next_term_begins"]) }},
		{name: "make term 2 current", method: "PATCH", path: path("/api/core/terms/%d/", t2),
			body: map[string]any{"is_current": true}, status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, true, b["is_current"]) }},
		{name: "term 1 is no longer current", method: "GET", path: path("/api/core/terms/%d", t1), status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, false, b["is_current"]) }},
		{name: "one current term", method: "GET", path: "/api/core/terms/?is_current=true", status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, []any{float64(t2)}, names(b, "id")) }},
		{name: "the current term cannot be deleted while others exist", method: "DELETE", path: path("/api/core/terms/%d", t2), status: 409},
		{name: "a term of the next session made current", method: "PATCH", path: path("/api/core/terms/%d", t3),
			body: map[string]any{"is_current": true}, status: 200},
		{name: "its session became current too", method: "GET", path: "/api/core/sessions/?is_current=true", status: 200,
			check: func(t *testing.T, b map[string]any) { assert.Equal(t, []any{"2026/2027"}, names(b, "name")) }},
		{name: "delete a term", method: "DELETE", path: path("/api/core/terms/%d/", t1), status: 204},
		{name: "deleted", method: "GET", path: path("/api/core/terms/%d/", t1), status: 404},
	})
}
