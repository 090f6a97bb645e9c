package chatbot

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/events"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// absence is the data of an attendance.absent event.
type absence struct {
	StudentID int64  `json:"student_id"`
	ClassID   int64  `json:"class_id"`
	Date      string `json:"date"`
}

// onAbsence turns an attendance.absent event into one pending alert per guardian of the
// student with a phone (unique per event and guardian, so a redelivered event adds
// nothing). Whether each alert goes out is decided when it is due.
func (m *Bot) onAbsence(ctx context.Context, msg jetstream.Msg) {
	var ev events.Event
	var a absence
	schema := events.SchemaOf(msg.Subject())
	if schema != "" && m.notHere(ctx, msg, schema) {
		return
	}
	err := json.Unmarshal(msg.Data(), &ev)
	switch {
	case err != nil || ev.ID == "":
		err = fmt.Errorf("%w: unreadable event", errPermanent)
	case ev.Schema != schema:
		// An event of one school on another's subject is never acted on in either.
		err = fmt.Errorf("%w: event %s names school %q on a subject of %q", errPermanent, clip(ev.ID, 60), clip(ev.Schema, 64), schema)
	case json.Unmarshal(ev.Data, &a) != nil || a.StudentID < 1 || !validDate(a.Date):
		err = fmt.Errorf("%w: event %s has no student_id and date (YYYY-MM-DD)", errPermanent, clip(ev.ID, 60))
	default:
		err = m.Pool.WithTenant(ctx, schema, func(t *db.Tenant) error { return m.planAlerts(ctx, t, ev, a) })
	}
	m.settle(msg, err, func(n uint64, err error) {
		m.Pool.WithTenant(ctx, schema, func(t *db.Tenant) error {
			return deadLetter(ctx, t, "alert", "event:"+ev.ID, "", err.Error(), n)
		})
	})
	if err == nil {
		m.noteAlerts(schema)
	}
}

func validDate(s string) bool {
	d, err := time.Parse("2006-01-02", s)
	return err == nil && d.Format("2006-01-02") == s
}

func (m *Bot) planAlerts(ctx context.Context, t *db.Tenant, ev events.Event, a absence) error {
	st, err := loadSettings(ctx, t.Read())
	if err != nil {
		return err
	}
	profile, err := t.Read().GetSchoolProfile(ctx)
	if err != nil {
		return err
	}
	if _, err := t.Read().ChatbotStudent(ctx, a.StudentID); errors.Is(err, sql.ErrNoRows) {
		m.Log.Warn("chatbot: absence of an unknown student ignored", slog.String("tenant", t.Schema), slog.Int64("student_id", a.StudentID))
		return nil
	} else if err != nil {
		return err
	}
	gs, err := t.Read().ChatbotStudentGuardians(ctx, a.StudentID)
	if err != nil {
		return err
	}
	occurred := ev.OccurredAt
	if occurred.IsZero() {
		occurred = m.now()
	}
	due := stamp(alertDue(st, profile.Timezone, a.Date, occurred))
	return t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		for _, g := range gs {
			phone := digitsOf(profile.CountryCode, g.Phone)
			if phone == "" {
				m.Log.Warn("chatbot: guardian phone cannot be read as a number; no alert", slog.String("tenant", t.Schema),
					slog.Int64("guardian_id", g.ID))
				continue
			}
			if _, err := q.ChatbotAlertInsert(ctx, tenantdb.ChatbotAlertInsertParams{EventID: ev.ID, GuardianID: g.ID,
				StudentID: a.StudentID, Date: a.Date, Phone: phone, DueAt: due}); err != nil {
				return err
			}
		}
		return nil
	})
}

// alertDue is when an absence alert goes out: at the school's alert_not_before on the
// day of the absence (school-local time), or alert_delay_minutes after it was marked,
// whichever is later; the delay lets a teacher correct a mistake first.
func alertDue(st tenantdb.ChatbotSetting, tz, date string, marked time.Time) time.Time {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc = time.UTC
	}
	due := marked.Add(time.Duration(st.AlertDelayMinutes) * time.Minute)
	if day, err := time.ParseInLocation("2006-01-02 15:04", date+" "+st.AlertNotBefore, loc); err == nil && day.After(due) {
		due = day
	}
	return due.UTC()
}

// noteAlerts remembers that a school may have alerts waiting, and wakes the alert loop.
func (m *Bot) noteAlerts(schema string) {
	m.alertMu.Lock()
	m.alertAt[schema] = true
	m.alertMu.Unlock()
	select {
	case m.wakeAlerts <- struct{}{}:
	default:
	}
}

func (m *Bot) alertLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-m.wakeAlerts:
		}
		m.alertMu.Lock()
		schools := make([]string, 0, len(m.alertAt))
		for s := range m.alertAt {
			schools = append(schools, s)
		}
		m.alertMu.Unlock()
		for _, schema := range schools {
			var left int64
			err := m.Pool.WithTenant(ctx, schema, func(t *db.Tenant) error {
				var err error
				left, err = m.sendDueAlerts(ctx, t)
				return err
			})
			if err != nil {
				m.Log.Warn("chatbot: absence alerts", slog.String("tenant", schema), errAttr(err))
				continue
			}
			if left == 0 {
				m.alertMu.Lock()
				delete(m.alertAt, schema)
				m.alertMu.Unlock()
			}
		}
	}
}

// sendDueAlerts sends the alerts that are due and returns how many wait for later.
func (m *Bot) sendDueAlerts(ctx context.Context, t *db.Tenant) (int64, error) {
	q := t.Read()
	// Alert messages an earlier round could not get out.
	if err := m.deliverOpen(ctx, t, "alert"); err != nil {
		return 1, err
	}
	st, err := loadSettings(ctx, q)
	if err != nil {
		return 1, err
	}
	due, err := q.ChatbotAlertsDue(ctx, tenantdb.ChatbotAlertsDueParams{DueAt: stamp(m.now()), Limit: 200})
	if err != nil {
		return 1, err
	}
	for _, a := range due {
		if err := m.sendAlert(ctx, t, st, a); err != nil {
			return 1, err
		}
	}
	return q.ChatbotAlertsCountPending(ctx)
}

func (m *Bot) sendAlert(ctx context.Context, t *db.Tenant, st tenantdb.ChatbotSetting, a tenantdb.ChatbotAlert) error {
	q := t.Read()
	finish := func(status, reason string, outbound sql.NullInt64) error {
		return t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
			return q.ChatbotAlertFinish(ctx, tenantdb.ChatbotAlertFinishParams{Status: status, Reason: reason, OutboundID: outbound, ID: a.ID})
		})
	}
	g, err := q.GuardiansGet(ctx, a.GuardianID)
	if errors.Is(err, sql.ErrNoRows) {
		return finish("skipped", "the guardian was removed", sql.NullInt64{})
	}
	if err != nil {
		return err
	}
	if !g.ReceivesMessages {
		return finish("skipped", "the guardian does not receive messages", sql.NullInt64{})
	}
	if out, err := q.ChatbotPhoneOptedOut(ctx, a.Phone); err != nil {
		return err
	} else if out {
		return finish("skipped", "the guardian sent stop", sql.NullInt64{})
	}
	if already, err := q.ChatbotAlertAlreadySent(ctx, tenantdb.ChatbotAlertAlreadySentParams{StudentID: a.StudentID,
		Date: a.Date, GuardianID: a.GuardianID, ID: a.ID}); err != nil {
		return err
	} else if already {
		return finish("skipped", "this absence was already reported to the guardian", sql.NullInt64{})
	}
	absent, err := m.Attendance.AbsentOn(ctx, t, a.StudentID, a.Date)
	if err != nil {
		return fmt.Errorf("attendance of student %d on %s: %w", a.StudentID, a.Date, err)
	}
	if !absent {
		return finish("skipped", "marked present before the alert was due", sql.NullInt64{})
	}
	if !configured(st) || st.AbsenceTemplate == "" {
		return finish("skipped", "no absence alert template is set", sql.NullInt64{})
	}
	s, err := q.ChatbotStudent(ctx, a.StudentID)
	if errors.Is(err, sql.ErrNoRows) {
		return finish("skipped", "the student was removed", sql.NullInt64{})
	}
	if err != nil {
		return err
	}
	profile, err := q.GetSchoolProfile(ctx)
	if err != nil {
		return err
	}
	msg := whatsapp.TemplateMessage(st.AbsenceTemplate, st.TemplateLanguage,
		firstName(g.Name), s.FirstName+" "+s.LastName, humanDate(a.Date), profile.Name)
	var id int64
	err = t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		id, err = insertPlanned(ctx, q, planned{key: "alert:" + strconv.FormatInt(a.ID, 10), channel: ChannelWhatsApp,
			phone: a.Phone, origin: "alert", out: outMsg{msg: msg}})
		if err != nil {
			return err
		}
		return q.ChatbotAlertFinish(ctx, tenantdb.ChatbotAlertFinishParams{Status: "sent", Reason: "",
			OutboundID: sql.NullInt64{Int64: id, Valid: true}, ID: a.ID})
	})
	if err != nil {
		return err
	}
	return m.deliver(ctx, t, id)
}

// deliverOpen sends the pending messages of one origin (alert, broadcast) that an
// earlier attempt could not get out.
func (m *Bot) deliverOpen(ctx context.Context, t *db.Tenant, origin string) error {
	open, err := t.Read().ChatbotOutboundOpen(ctx, 500)
	if err != nil {
		return err
	}
	for _, id := range open {
		row, err := t.Read().ChatbotOutboundGet(ctx, id)
		if err != nil {
			return err
		}
		if row.Origin != origin || row.ConversationID.Valid {
			continue
		}
		if err := m.deliver(ctx, t, id); err != nil {
			return err
		}
	}
	return nil
}
