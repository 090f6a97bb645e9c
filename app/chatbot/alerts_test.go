package chatbot_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/events"
	"github.com/schoolsms/sms/db"
)

// TestAbsenceAlerts: attendance.absent events, published to an external NATS (the
// --nats-url path), become one template message per absent student and day to each
// guardian who receives messages and has not sent stop, at the school's alert time, and
// none for a child marked present again before then.
func TestAbsenceAlerts(t *testing.T) {
	t.Parallel()
	url, js := startNATS(t)
	nairobi, _ := time.LoadLocation("Africa/Nairobi")
	today := time.Now().In(nairobi)
	date := today.Format("2006-01-02")
	clk := &clock{now: time.Date(today.Year(), today.Month(), today.Day(), 8, 0, 0, 0, nairobi)}
	w := newWorld(t, func(a *app.App) {
		a.Config.NATSURL = url
		a.Chatbot.Now = clk.Now
	})
	a := w.addSchool("alpha", "1001")
	b := w.addSchool("beta", "2002")
	_, ana := w.guardian(a, "Amina Otieno", "+254711000001", "Ana Otieno", "Bena Otieno")
	baba := w.exec("alpha", `INSERT INTO guardians (name, phone) VALUES ('Baba Otieno', '+254722000002')`)
	w.exec("alpha", `INSERT INTO student_guardians (student_id, guardian_id) VALUES (?, ?)`, ana[0], baba)
	quiet := w.exec("alpha", `INSERT INTO guardians (name, phone, receives_messages) VALUES ('Quiet Otieno', '+254733000003', 0)`)
	w.exec("alpha", `INSERT INTO student_guardians (student_id, guardian_id) VALUES (?, ?)`, ana[0], quiet)
	_, beta := w.guardian(b, "Beta Parent", "+254744000004", "Chege")

	w.send(a, "254722000002", "wamid.stop", "stop")
	w.waitRows("alpha", "chatbot_conversations", "phone = '254722000002' AND opted_out = 1", 1)

	publish := func(id, schema string, student int64) {
		t.Helper()
		data, _ := json.Marshal(map[string]any{"student_id": student, "class_id": 1, "date": date})
		require.NoError(t, events.Publish(context.Background(), js, events.Event{ID: id, Schema: schema,
			Type: "attendance.absent", OccurredAt: clk.Now(), Data: data}))
	}
	w.att.mark(ana[0], date, true)
	w.att.mark(ana[1], date, true)
	w.att.mark(beta[0], date, true)
	publish("ev-ana", "alpha", ana[0])
	publish("ev-ana", "alpha", ana[0])       // the relay published twice
	publish("ev-ana-again", "alpha", ana[0]) // the teacher saved the register twice
	publish("ev-bena", "alpha", ana[1])
	// An event claiming another school on alpha's subject is acted on in neither.
	raw, _ := json.Marshal(events.Event{ID: "ev-forged", Schema: "beta", Type: "attendance.absent", OccurredAt: clk.Now(),
		Data: json.RawMessage(`{"student_id":` + itoa(beta[0]) + `,"class_id":1,"date":"` + date + `"}`)})
	_, err := js.Publish(context.Background(), events.Subject("alpha", "attendance.absent"), raw)
	require.NoError(t, err)
	drained(t, js, events.Stream, "chatbot-alerts")

	// 08:00 marked, alerts due at 10:00 (later than 60 minutes after marking).
	due := time.Date(today.Year(), today.Month(), today.Day(), 10, 0, 0, 0, nairobi).UTC().Format("2006-01-02T15:04:05.000Z")
	assert.Equal(t, 7, w.count("alpha", "chatbot_alerts", "status = 'pending' AND due_at = ?", due),
		"one per event and guardian: Ana's two events for her three guardians, Bena's for Amina")
	assert.Zero(t, w.count("beta", "chatbot_alerts", ""), "the forged event reached neither school")
	assert.Zero(t, len(w.graph.SentTo("254711000001")), "nothing before the alert time")

	w.att.mark(ana[1], date, false) // Bena came late and was marked present
	clk.set(clk.Now().Add(2*time.Hour + time.Minute))
	w.waitRows("alpha", "chatbot_alerts", "status <> 'pending'", w.count("alpha", "chatbot_alerts", ""))

	sent := w.replies("254711000001", 1)
	var toAmina []string
	for _, m := range sent {
		if m.To == "254711000001" {
			require.NotNil(t, m.Message.Template)
			assert.Equal(t, "absence_alert", m.Message.Template.Name)
			var params []string
			for _, p := range m.Message.Template.Components[0].Parameters {
				params = append(params, p.Text)
			}
			toAmina = append(toAmina, params[1])
			assert.Equal(t, "Amina", params[0])
			assert.Equal(t, "Alpha School", params[3])
		}
	}
	assert.Equal(t, []string{"Ana Otieno"}, toAmina, "one alert for Ana however often it was published; none for Bena, present again")
	for _, m := range w.graph.SentTo("254722000002") {
		assert.Nil(t, m.Message.Template, "Baba sent stop: only the answer to it reaches him")
	}
	assert.Empty(t, w.graph.SentTo("254733000003"), "Quiet receives no messages")
	reasons := map[string]int{}
	w.s.WithSchool("alpha", func(tn *db.Tenant) error {
		rows, err := tn.ReadDB().QueryContext(context.Background(), `SELECT reason FROM chatbot_alerts WHERE status = 'skipped'`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r string
			rows.Scan(&r)
			reasons[r]++
		}
		return nil
	})
	assert.Equal(t, map[string]int{"the guardian sent stop": 2, "the guardian does not receive messages": 2,
		"this absence was already reported to the guardian": 1, "marked present before the alert was due": 1}, reasons)
}
