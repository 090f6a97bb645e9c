package students_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMessagesInPlainWords: the student records' field messages say what to do in
// plain words, without ids to give or field names like from_session.
func TestMessagesInPlainWords(t *testing.T) {
	w := newWorld(t)
	admin := w.as("admin")
	snake, id := regexp.MustCompile(`\b[a-z]+_[a-z_]+\b`), regexp.MustCompile(`\bids?\b`)
	for _, c := range []struct {
		path string
		body map[string]any
		want map[string]string
	}{
		{"/api/core/enrollments/", map[string]any{}, map[string]string{"student": "Choose a student", "class": "Choose a class"}},
		{"/api/core/students/", map[string]any{"first_name": "Ann", "last_name": "Ode"}, map[string]string{"gender": "Choose male, female or other"}},
		{"/api/core/admissions/", map[string]any{"first_name": "Ann", "last_name": "Ode", "gender": "female"},
			map[string]string{"form": "Choose the form applied for"}},
		{"/api/core/promotions/preview/", map[string]any{}, map[string]string{"from_session": "Choose a session"}},
	} {
		status, body := admin.JSON("POST", c.path, c.body)
		require.Equal(t, 400, status, "%s: %v", c.path, body)
		e, _ := body["error"].(map[string]any)
		fields, _ := e["fields"].(map[string]any)
		for f, msg := range c.want {
			assert.Equal(t, msg, fields[f], "%s %s", c.path, f)
		}
		for f, m := range fields {
			msg, _ := m.(string)
			assert.NotRegexp(t, snake, msg, "%s %s", c.path, f)
			assert.NotRegexp(t, id, msg, "%s %s", c.path, f)
		}
	}
}
