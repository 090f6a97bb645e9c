package academics_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

// snakeCase finds a field name (start_date) in a message meant for people.
var snakeCase = regexp.MustCompile(`\b[a-z]+_[a-z_]+\b`)

// TestMessagesInPlainWords: the academic structure's field messages say what to do
// in plain words ("Choose a form", "End must be after start"): no "(an id)", no
// YYYY-MM-DD, no field names like start_date.
func TestMessagesInPlainWords(t *testing.T) {
	w := newWorld(t)
	s := w.session("2025/2026", "2025-09-01", "2026-07-31")
	plain := func(t *testing.T, body map[string]any, want map[string]string) {
		t.Helper()
		for field, msg := range want {
			assert.Equal(t, msg, fieldMsg(body, field), field)
		}
		e, _ := body["error"].(map[string]any)
		f, _ := e["fields"].(map[string]any)
		for field, m := range f {
			msg, _ := m.(string)
			assert.NotRegexp(t, snakeCase, msg, field)
			assert.NotContains(t, msg, "(an id)", field)
			assert.NotContains(t, msg, "YYYY", field)
		}
	}
	w.run(t, []call{
		{name: "class without form", method: "POST", path: "/api/core/classes/", body: map[string]any{"name": "1A", "session": s.ID},
			status: 400, check: func(t *testing.T, b map[string]any) { plain(t, b, map[string]string{"form": "Choose a form"}) }},
		{name: "session ending before it starts", method: "POST", path: "/api/core/sessions/",
			body:   map[string]any{"name": "2026/2027", "start_date": "2026-09-01", "end_date": "2026-01-01"},
			status: 400, check: func(t *testing.T, b map[string]any) {
				plain(t, b, map[string]string{"end_date": "End must be after start"})
			}},
		{name: "session without dates", method: "POST", path: "/api/core/sessions/", body: map[string]any{"name": "2027/2028", "start_date": "2027-02-30"},
			status: 400, check: func(t *testing.T, b map[string]any) {
				plain(t, b, map[string]string{"start_date": "Enter a real date, such as 2025-09-01", "end_date": "Enter a date, such as 2025-09-01"})
			}},
		{name: "term without session, next term before the end", method: "POST", path: "/api/core/terms/",
			body:   map[string]any{"name": "Term 1", "start_date": "2025-09-01", "end_date": "2025-12-01", "next_term_begins": "2025-11-01"},
			status: 400, check: func(t *testing.T, b map[string]any) {
				plain(t, b, map[string]string{"session": "Choose a session", "next_term_begins": "Must be after this term ends"})
			}},
		{name: "assignment without anything", method: "POST", path: "/api/core/subject-assignments/", body: map[string]any{},
			status: 400, check: func(t *testing.T, b map[string]any) {
				plain(t, b, map[string]string{"teacher": "Choose a teacher", "class": "Choose a class", "subject": "Choose a subject"})
			}},
	})
}
