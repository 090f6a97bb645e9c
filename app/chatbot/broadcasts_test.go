package chatbot_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
)

// TestBroadcast: a notice to a class's guardians is sent by the worker, as text to those
// who wrote in the last 24 hours and as the notice template to the others, with each
// recipient's outcome and the progress visible; a form reaches its classes; bad input is
// refused naming the field and writes nothing.
func TestBroadcast(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Amina", "+254711000001", "Ana")
	w.guardian(a, "Bahati", "+254722000002", "Baraka")
	quiet, _ := w.guardian(a, "Quiet", "+254733000003", "Chausiku")
	w.exec("alpha", `UPDATE guardians SET receives_messages = 0 WHERE id = ?`, quiet)
	w.guardian(a, "Broken", "12", "Dalia")
	west := w.exec("alpha", `INSERT INTO classes (form_id, session_id, name) VALUES (?, ?, 'Form 1 West')`, a.form, a.session)
	other := w.exec("alpha", `INSERT INTO guardians (name, phone) VALUES ('Ezra', '+254744000004')`)
	s := w.exec("alpha", `INSERT INTO students (admission_no, first_name, last_name, gender) VALUES ('W1', 'Eli', 'West', 'male')`)
	w.exec("alpha", `INSERT INTO student_guardians (student_id, guardian_id) VALUES (?, ?)`, s, other)
	w.exec("alpha", `INSERT INTO enrollments (student_id, class_id, session_id) VALUES (?, ?, ?)`, s, west, a.session)

	w.send(a, "254711000001", "wamid.recent", "hi") // Amina's window is open
	w.replies("254711000001", 1)

	status, b := a.admin.JSON("POST", "/api/chatbot/broadcasts/", map[string]any{"audience": "class", "audience_id": a.class,
		"text": "Sports day is on Friday 🏃🏽\nBring water."})
	require.Equal(t, 202, status, "%v", b)
	id := int64(b["id"].(float64))
	assert.Equal(t, "class Form 1 East", b["audience_name"])
	done := w.broadcastDone(a, id)
	assert.Equal(t, map[string]any{"total": float64(4), "sent": float64(2), "failed": float64(0), "skipped": float64(2), "pending": float64(0)}, done["progress"])

	toAmina := w.graph.SentTo("254711000001")
	require.Len(t, toAmina, 2)
	require.NotNil(t, toAmina[1].Message.Text, "inside the window: text")
	assert.Contains(t, toAmina[1].Message.Text.Body, "Sports day is on Friday 🏃🏽\nBring water.")
	toBahati := w.graph.SentTo("254722000002")
	require.Len(t, toBahati, 1)
	require.NotNil(t, toBahati[0].Message.Template, "outside the window: the notice template")
	assert.Equal(t, "school_notice", toBahati[0].Message.Template.Name)
	assert.Empty(t, w.graph.SentTo("254733000003"))
	assert.Empty(t, w.graph.SentTo("254744000004"), "another class")

	status, rs := a.admin.JSON("GET", "/api/chatbot/broadcasts/"+itoa(id)+"/recipients/", nil)
	require.Equal(t, 200, status)
	byName := map[string]map[string]any{}
	for _, r := range rs["results"].([]any) {
		byName[r.(map[string]any)["name"].(string)] = r.(map[string]any)
	}
	assert.Equal(t, "sent", byName["Amina"]["status"])
	assert.Equal(t, "sent", byName["Amina"]["delivery"])
	assert.Equal(t, "skipped", byName["Quiet"]["status"])
	assert.Equal(t, "does not receive messages", byName["Quiet"]["error"])
	assert.Equal(t, "the phone number cannot be read", byName["Broken"]["error"])

	status, b = a.admin.JSON("POST", "/api/chatbot/broadcasts/", map[string]any{"audience": "form", "audience_id": a.form, "text": "Form 1 parents' meeting"})
	require.Equal(t, 202, status, "%v", b)
	done = w.broadcastDone(a, int64(b["id"].(float64)))
	assert.Equal(t, float64(5), done["progress"].(map[string]any)["total"], "both classes of the form")
	w.replies("254744000004", 1)

	t.Run("bad input writes nothing", func(t *testing.T) {
		before := w.count("alpha", "chatbot_broadcasts", "")
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"text": "x"}, "audience"},
			{map[string]any{"audience": "galaxy", "text": "x"}, "audience"},
			{map[string]any{"audience": "class", "text": "x"}, "audience_id"},
			{map[string]any{"audience": "class", "audience_id": 9999, "text": "x"}, "audience_id"},
			{map[string]any{"audience": "school"}, "text"},
			{map[string]any{"audience": "school", "text": "  "}, "text"},
			{map[string]any{"audience": "school", "text": "bell \x07"}, "text"},
			{map[string]any{"audience": "school", "text": "x", "notice_id": 3}, "text"},
			{map[string]any{"audience": "school", "notice_id": 3}, "notice_id"},
		} {
			status, body := a.admin.JSON("POST", "/api/chatbot/broadcasts/", tc.body)
			require.Equal(t, 400, status, "%v", tc.body)
			assert.Contains(t, body["error"].(map[string]any)["fields"], tc.field, "%v: %v", tc.body, body)
		}
		status, _, _ := a.admin.Do("POST", "/api/chatbot/broadcasts/", "application/json", stringsReader("not json"))
		assert.Equal(t, 400, status)
		assert.Equal(t, before, w.count("alpha", "chatbot_broadcasts", ""))
	})

	t.Run("rights", func(t *testing.T) {
		w.s.CreateUser("alpha", "clerk@alpha.test", auth.RoleClerk)
		w.s.CreateUser("alpha", "teacher@alpha.test", auth.RoleTeacher)
		clerk, teacher := w.s.As("alpha", "clerk@alpha.test"), w.s.As("alpha", "teacher@alpha.test")
		status, _ := clerk.JSON("GET", "/api/chatbot/broadcasts/", nil)
		assert.Equal(t, 200, status)
		status, _ = teacher.JSON("POST", "/api/chatbot/broadcasts/", map[string]any{"audience": "school", "text": "x"})
		assert.Equal(t, 403, status)
		status, _ = clerk.JSON("GET", "/api/chatbot/settings/", nil)
		assert.Equal(t, 403, status, "settings are for admins")
	})
}

// broadcastDone waits for a broadcast to finish and returns it.
func (w *world) broadcastDone(sc *school, id int64) map[string]any {
	w.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		status, b := sc.admin.JSON("GET", "/api/chatbot/broadcasts/"+itoa(id)+"/", nil)
		require.Equal(w.t, 200, status)
		if b["status"] == "done" {
			return b
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("broadcast %d not done: %v", id, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
