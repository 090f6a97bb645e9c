package chatbot_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/chatbot"
	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/chatbot/whatsapp/whatsapptest"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// world is a running appliance (HTTP, embedded NATS, the bot's worker) with a fake
// Graph API for the schools' numbers.
type world struct {
	t     testing.TB
	s     *apptest.Server
	graph *whatsapptest.Server
	bot   *chatbot.Bot
	att   *attendance
}

// school is a school set up with a WhatsApp number.
type school struct {
	schema  string
	number  string // phone_number_id
	secret  string // app secret
	token   string
	admin   *apptest.Client
	session int64
	class   int64
	form    int64
}

// testOptions keep the worker's waits short; nothing asserts them.
var testOptions = chatbot.Options{Workers: 4, SweepEvery: 500 * time.Millisecond, AlertsEvery: 50 * time.Millisecond,
	MaxDeliver: 3, RetryBase: 20 * time.Millisecond, Backoff: whatsapp.Backoff{Attempts: 3, Base: time.Millisecond, Max: 5 * time.Millisecond}}

func newWorld(t *testing.T, configure ...func(*app.App)) *world { return newWorldB(t, configure...) }

// newWorldB is newWorld for tests and benchmarks alike.
func newWorldB(t testing.TB, configure ...func(*app.App)) *world {
	t.Helper()
	w := &world{t: t, graph: whatsapptest.New(t), att: &attendance{absent: map[string]bool{}}}
	w.s = apptest.Serve(t, func(a *app.App) {
		a.Chatbot.Options = testOptions
		a.Chatbot.Attendance = w.att
		for _, c := range configure {
			c(a)
		}
		w.bot = a.Chatbot
	})
	return w
}

// addSchool creates a school in Kenya with a WhatsApp number set through the API.
func (w *world) addSchool(schema, number string) *school {
	w.t.Helper()
	w.s.CreateSchool(schema, strings.ToUpper(schema[:1])+schema[1:]+" School")
	sc := &school{schema: schema, number: number, secret: "secret-of-" + schema, token: "token-of-" + schema}
	w.exec(schema, `UPDATE school_profile SET country_code = 'KE', timezone = 'Africa/Nairobi'`)
	sc.admin = w.s.As(schema, "admin@"+schema+".test")
	w.graph.SetToken(number, sc.token)
	status, body := sc.admin.JSON("PUT", "/api/chatbot/settings/", map[string]any{
		"phone_number_id": number, "access_token": sc.token, "app_secret": sc.secret, "verify_token": "verify-" + schema,
		"graph_url": w.graph.URL, "absence_template": "absence_alert", "notice_template": "school_notice",
		"reply_template": "please_write_again"})
	require.Equal(w.t, 200, status, "%v", body)
	sc.session = w.exec(schema, `INSERT INTO academic_sessions (name, start_date, end_date, is_current) VALUES ('2025', '2025-01-06', '2025-11-28', 1)`)
	w.exec(schema, `INSERT INTO terms (session_id, name, start_date, end_date, next_term_begins, is_current) VALUES (?, 'Term 1', '2025-01-06', '2025-04-04', NULL, 0)`, sc.session)
	w.exec(schema, `INSERT INTO terms (session_id, name, start_date, end_date, next_term_begins, is_current) VALUES (?, 'Term 2', '2025-04-28', '2025-08-01', '2025-08-25', 1)`, sc.session)
	sc.form = w.exec(schema, `INSERT INTO forms (name, level) VALUES ('Form 1', 1)`)
	sc.class = w.exec(schema, `INSERT INTO classes (form_id, session_id, name) VALUES (?, ?, 'Form 1 East')`, sc.form, sc.session)
	return sc
}

// exec runs a statement on a school's file and returns the new row's id.
func (w *world) exec(schema, query string, args ...any) int64 {
	w.t.Helper()
	var id int64
	w.s.WithSchool(schema, func(t *db.Tenant) error {
		return t.Tx(context.Background(), func(_ *tenantdb.Queries, tx *sql.Tx) error {
			res, err := tx.Exec(query, args...)
			if err != nil {
				return err
			}
			id, err = res.LastInsertId()
			return err
		})
	})
	return id
}

// count is SELECT count(*) FROM table [WHERE ...] in a school's file.
func (w *world) count(schema, table, where string, args ...any) int {
	w.t.Helper()
	var n int
	q := "SELECT count(*) FROM " + table
	if where != "" {
		q += " WHERE " + where
	}
	w.s.WithSchool(schema, func(t *db.Tenant) error {
		return t.ReadDB().QueryRowContext(context.Background(), q, args...).Scan(&n)
	})
	return n
}

// guardian adds a guardian with the phone as stored (E.164 or not) and a child per
// name, enrolled in the school's class; it returns the guardian's and children's ids.
func (w *world) guardian(sc *school, name, phone string, children ...string) (int64, []int64) {
	w.t.Helper()
	g := w.exec(sc.schema, `INSERT INTO guardians (name, relationship, phone) VALUES (?, 'mother', ?)`, name, phone)
	var kids []int64
	for _, c := range children {
		first, last, _ := strings.Cut(c, " ")
		if last == "" {
			last = "Doe"
		}
		id := w.exec(sc.schema, `INSERT INTO students (admission_no, first_name, last_name, gender) VALUES (?, ?, ?, 'female')`,
			fmt.Sprintf("ADM-%s-%d", sc.schema, time.Now().UnixNano()), first, last)
		w.exec(sc.schema, `INSERT INTO student_guardians (student_id, guardian_id, is_primary) VALUES (?, ?, 1)`, id, g)
		w.exec(sc.schema, `INSERT INTO enrollments (student_id, class_id, session_id) VALUES (?, ?, ?)`, id, sc.class, sc.session)
		kids = append(kids, id)
	}
	return g, kids
}

// inText is one inbound text message of a webhook.
type inText struct {
	from, wamid, body string
	ts                int64
}

// webhook is a Meta-style body: one entry per number, messages given per number.
func webhook(byNumber map[string][]map[string]any) []byte {
	var entries []any
	for number, msgs := range byNumber {
		contacts := []any{}
		for _, m := range msgs {
			contacts = append(contacts, map[string]any{"profile": map[string]any{"name": "Parent " + m["from"].(string)[len(m["from"].(string))-3:]}, "wa_id": m["from"]})
		}
		entries = append(entries, map[string]any{"id": "WABA", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp", "metadata": map[string]any{"display_phone_number": "15550000000", "phone_number_id": number},
			"contacts": contacts, "messages": msgs}}}})
	}
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": entries})
	return metaEscape(b)
}

func text(from, wamid, body string) map[string]any {
	return map[string]any{"from": from, "id": wamid, "timestamp": strconv.FormatInt(time.Now().Unix(), 10), "type": "text",
		"text": map[string]any{"body": body}}
}

func choice(from, wamid, id, title string) map[string]any {
	return map[string]any{"from": from, "id": wamid, "timestamp": strconv.FormatInt(time.Now().Unix(), 10), "type": "interactive",
		"interactive": map[string]any{"type": "list_reply", "list_reply": map[string]any{"id": id, "title": title}}}
}

// metaEscape writes non-ASCII as \uXXXX, as Meta does, so signatures are over the same
// bytes a real webhook has.
func metaEscape(b []byte) []byte {
	var out bytes.Buffer
	for _, r := range string(b) {
		if r < 0x80 {
			out.WriteRune(r)
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&out, `\u%04x`, u)
		}
	}
	return out.Bytes()
}

// post sends a webhook to host (the base domain "localhost" or a school's host).
func (w *world) post(host string, body []byte, signature string) (int, map[string]any) {
	w.t.Helper()
	req, err := http.NewRequest("POST", w.s.URL+"/webhooks/whatsapp", bytes.NewReader(body))
	require.NoError(w.t, err)
	req.Host = host
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(whatsapp.SignatureHeader, signature)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(w.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

// send posts one signed text message to the base domain and requires a 200.
func (w *world) send(sc *school, from, wamid, body string) {
	w.t.Helper()
	b := webhook(map[string][]map[string]any{sc.number: {text(from, wamid, body)}})
	status, resp := w.post("localhost", b, whatsapp.Sign(sc.secret, b))
	require.Equal(w.t, 200, status, "%v", resp)
}

// pick posts a list choice.
func (w *world) pick(sc *school, from, wamid, id, title string) {
	w.t.Helper()
	b := webhook(map[string][]map[string]any{sc.number: {choice(from, wamid, id, title)}})
	status, resp := w.post("localhost", b, whatsapp.Sign(sc.secret, b))
	require.Equal(w.t, 200, status, "%v", resp)
}

// replies waits for the n-th message the fake saw for phone to and returns them all.
func (w *world) replies(to string, n int) []whatsapptest.Sent {
	w.t.Helper()
	return w.graph.WaitSent(w.t, fmt.Sprintf("%d messages to %s", n, to), func(s []whatsapptest.Sent) bool {
		k := 0
		for _, m := range s {
			if m.To == to {
				k++
			}
		}
		return k >= n
	})
}

// last is the n-th message to phone (waiting for it).
func (w *world) nth(to string, n int) whatsapptest.Sent {
	w.t.Helper()
	w.replies(to, n)
	return w.graph.SentTo(to)[n-1]
}

// attendance is the stand-in attendance module of the tests: absences marked per
// student and date, and a summary.
type attendance struct {
	mu     sync.Mutex
	absent map[string]bool
}

func (a *attendance) mark(student int64, date string, absent bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.absent[fmt.Sprint(student, date)] = absent
}

func (a *attendance) TermAttendance(_ context.Context, _ *db.Tenant, student int64) (string, error) {
	return fmt.Sprintf("Present 41 of 43 days (student %d).", student), nil
}

func (a *attendance) AbsentOn(_ context.Context, _ *db.Tenant, student int64, date string) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.absent[fmt.Sprint(student, date)], nil
}

// body is the text a message shows: its text, its interactive body, its template name.
func body(s whatsapptest.Sent) string {
	m := s.Message
	switch {
	case m.Text != nil:
		return m.Text.Body
	case m.Interactive != nil:
		return m.Interactive.Body.Text
	case m.Template != nil:
		return "template:" + m.Template.Name
	case m.Document != nil:
		return "document:" + m.Document.Filename
	}
	return ""
}

// rowIDs lists the ids of a list message's rows.
func rowIDs(s whatsapptest.Sent) []string {
	var out []string
	if s.Message.Interactive == nil {
		return nil
	}
	for _, sec := range s.Message.Interactive.Action.Sections {
		for _, r := range sec.Rows {
			out = append(out, r.ID)
		}
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func nowStamp() string { return strconv.FormatInt(time.Now().Unix(), 10) }

// conversationID is the id of the WhatsApp conversation of a phone in a school.
func (w *world) conversationID(schema, phone string) int64 {
	w.t.Helper()
	var id int64
	w.s.WithSchool(schema, func(t *db.Tenant) error {
		return t.ReadDB().QueryRowContext(context.Background(),
			`SELECT id FROM chatbot_conversations WHERE channel = 'whatsapp' AND phone = ?`, phone).Scan(&id)
	})
	require.NotZero(w.t, id)
	return id
}

// waitRows waits until n rows of table match where (a bound on a hang, not a timing
// assertion).
func (w *world) waitRows(schema, table, where string, n int, args ...any) {
	w.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := w.count(schema, table, where, args...)
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%s: %d rows where %s, want %d; logs:\n%s", table, got, where, n, w.s.Logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func replaceOnce(s, old, new string) string { return strings.Replace(s, old, new, 1) }

// startNATS runs a NATS server with JetStream on a loopback port, as an external
// cluster would be, and returns its URL and a JetStream client of its own.
func startNATS(t *testing.T) (string, jetstream.JetStream) {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true})
	require.NoError(t, err)
	go ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second))
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	nc, err := nats.Connect(ns.ClientURL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return ns.ClientURL(), js
}

// clock is a settable time for the bot.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// drained waits until a consumer has nothing pending or unacknowledged: every message
// published before was handled.
func drained(t *testing.T, js jetstream.JetStream, stream, consumer string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := js.Consumer(context.Background(), stream, consumer)
		if err == nil {
			info, err := c.Info(context.Background())
			if err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.NumRedelivered == 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer %s never drained", consumer)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
