package notices_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/notices"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// now is the pinned clock: Wednesday 4 March 2026, 09:00 UTC.
var now = time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)

const today = "2026-03-04"

type world struct {
	t *testing.T
	s *apptest.Server
}

func newWorld(t *testing.T, schemas ...string) *world {
	t.Helper()
	t.Parallel()
	w := &world{t: t, s: apptest.Start(t, apptest.At(now))}
	for _, s := range schemas {
		w.s.CreateSchool(s, "School "+s)
	}
	return w
}

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

// place is a school's forms, classes and a student of each class.
type place struct {
	form1, form2  int64
	c1A, c1B, c2A int64
	s1A, s1B, s2A int64
	unenrolled    int64
}

func (w *world) place(schema string) place {
	var p place
	session := w.exec(schema, "INSERT INTO academic_sessions (name, start_date, end_date, is_current) VALUES ('2026', '2026-01-05', '2026-12-04', 1)")
	p.form1 = w.exec(schema, "INSERT INTO forms (name, level) VALUES ('Form 1', 1)")
	p.form2 = w.exec(schema, "INSERT INTO forms (name, level) VALUES ('Form 2', 2)")
	class := func(form int64, name string) int64 {
		return w.exec(schema, "INSERT INTO classes (form_id, session_id, name) VALUES (?, ?, ?)", form, session, name)
	}
	p.c1A, p.c1B, p.c2A = class(p.form1, "Form 1A"), class(p.form1, "Form 1B"), class(p.form2, "Form 2A")
	student := func(class int64, adm string) int64 {
		id := w.exec(schema, "INSERT INTO students (admission_no, first_name, last_name, gender) VALUES (?, 'First', 'Last', 'male')", schema+adm)
		if class != 0 {
			w.exec(schema, "INSERT INTO enrollments (student_id, class_id, session_id, enrolled_on) VALUES (?, ?, ?, '2026-01-05')", id, class, session)
		}
		return id
	}
	p.s1A, p.s1B, p.s2A, p.unenrolled = student(p.c1A, "1A"), student(p.c1B, "1B"), student(p.c2A, "2A"), student(0, "none")
	return p
}

func (w *world) counts(schema string) map[string]int {
	out := map[string]int{}
	for _, t := range []string{"notices", "outbox", "audit_log"} {
		out[t] = w.s.Count(schema, t)
	}
	return out
}

// events is the school's outbox rows of a type, oldest first, as their data.
func (w *world) events(schema, typ string) []map[string]any {
	var out []map[string]any
	w.s.WithSchool(schema, func(t *db.Tenant) error {
		rows, err := t.ReadDB().QueryContext(context.Background(), "SELECT data FROM outbox WHERE type = ? ORDER BY created_at, id", typ)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var data string
			var m map[string]any
			if err := rows.Scan(&data); err != nil {
				return err
			}
			require.NoError(w.t, json.Unmarshal([]byte(data), &m))
			out = append(out, m)
		}
		return rows.Err()
	})
	return out
}

// audits is the actions of the school's audit entries about notices, oldest first.
func (w *world) audits(schema string) []string {
	var out []string
	w.s.WithSchool(schema, func(t *db.Tenant) error {
		rows, err := t.ReadDB().QueryContext(context.Background(), "SELECT action FROM audit_log WHERE action LIKE 'notice.%' ORDER BY id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out
}

func fields(m map[string]any) map[string]any {
	e, _ := m["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

func titles(m map[string]any) []string {
	var out []string
	l, _ := m["results"].([]any)
	for _, r := range l {
		out = append(out, r.(map[string]any)["title"].(string))
	}
	return out
}

func num(v any) int64 { f, _ := v.(float64); return int64(f) }

// TestNoticesCRUD: a notice is created, read, changed, pinned and deleted; the body
// keeps its lines; every change is in the audit log with before and after; a notice
// visible today writes one notice.published event when it is first saved, not again on
// a change.
func TestNoticesCRUD(t *testing.T) {
	w := newWorld(t, "alpha")
	p := w.place("alpha")
	admin := w.s.As("alpha", "admin@alpha.test")

	status, n := admin.JSON("POST", "/api/core/notices/", map[string]any{"title": "  Sports day ",
		"body": "Friday 6 March.\r\nBring a water bottle.\n\nParents welcome.", "audience": "all"})
	require.Equal(t, 201, status, "%v", n)
	id := num(n["id"])
	assert.Equal(t, "Sports day", n["title"])
	assert.Equal(t, "Friday 6 March.\nBring a water bottle.\n\nParents welcome.", n["body"], "lines kept, CR LF made LF")
	assert.Equal(t, today, n["publish_from"], "from today unless said")
	assert.Nil(t, n["publish_until"])
	assert.Equal(t, true, n["current"])
	assert.NotNil(t, n["published_at"])
	assert.Equal(t, []map[string]any{{"notice_id": float64(id)}}, w.events("alpha", notices.EventPublished))

	status, got := admin.JSON("GET", fmt.Sprintf("/api/core/notices/%d/", id), nil)
	require.Equal(t, 200, status)
	assert.Equal(t, n["body"], got["body"])

	status, form := admin.JSON("POST", "/api/core/notices/", map[string]any{"title": "Form 1 trip", "body": "To the museum.",
		"audience": "form", "form": p.form1, "publish_from": "2026-03-10", "publish_until": "2026-03-20"})
	require.Equal(t, 201, status, "%v", form)
	assert.Equal(t, false, form["current"], "from a later day")
	assert.Nil(t, form["published_at"])
	assert.Equal(t, "Form 1", form["form_name"])
	assert.Len(t, w.events("alpha", notices.EventPublished), 1, "a notice for a later day is not announced yet")

	status, pinned := admin.JSON("PATCH", fmt.Sprintf("/api/core/notices/%d/", num(form["id"])), map[string]any{"pinned": true,
		"publish_from": today})
	require.Equal(t, 200, status, "%v", pinned)
	assert.Equal(t, true, pinned["pinned"])
	assert.Equal(t, true, pinned["current"])
	assert.Equal(t, "2026-03-20", pinned["publish_until"], "not sent, kept")
	assert.Len(t, w.events("alpha", notices.EventPublished), 2, "announced once it is visible")

	status, changed := admin.JSON("PATCH", fmt.Sprintf("/api/core/notices/%d/", num(form["id"])), map[string]any{
		"audience": "class", "class": p.c1A, "publish_until": nil})
	require.Equal(t, 200, status, "%v", changed)
	assert.Nil(t, changed["form"], "a class notice has no form")
	assert.EqualValues(t, p.c1A, changed["class"])
	assert.Nil(t, changed["publish_until"], "null clears it")
	assert.Len(t, w.events("alpha", notices.EventPublished), 2, "a change does not announce it again")

	status, l := admin.JSON("GET", "/api/core/notices/", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, []string{"Form 1 trip", "Sports day"}, titles(l), "pinned first")
	status, l = admin.JSON("GET", "/api/core/notices/?search=museum", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, []string{"Form 1 trip"}, titles(l))

	status, _ = admin.JSON("DELETE", fmt.Sprintf("/api/core/notices/%d/", id), nil)
	assert.Equal(t, 204, status)
	status, _ = admin.JSON("GET", fmt.Sprintf("/api/core/notices/%d/", id), nil)
	assert.Equal(t, 404, status)
	assert.Equal(t, []string{"notice.create", "notice.create", "notice.update", "notice.update", "notice.delete"}, w.audits("alpha"))

	var detail string
	w.s.WithSchool("alpha", func(t *db.Tenant) error {
		return t.ReadDB().QueryRowContext(context.Background(), "SELECT detail FROM audit_log WHERE action = 'notice.update' ORDER BY id LIMIT 1").Scan(&detail)
	})
	assert.Contains(t, detail, `"before":{`)
	assert.Contains(t, detail, `"pinned":true`)
}

// TestNoticesBadInput: every bad field is refused with its name, and nothing is
// written.
func TestNoticesBadInput(t *testing.T) {
	w := newWorld(t, "alpha", "beta")
	p := w.place("alpha")
	other := w.place("beta")
	admin := w.s.As("alpha", "admin@alpha.test")
	good := func(change map[string]any) map[string]any {
		b := map[string]any{"title": "Title", "body": "Body", "audience": "all"}
		for k, v := range change {
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
		}
		return b
	}
	cases := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"no title", good(map[string]any{"title": nil}), "title"},
		{"blank title", good(map[string]any{"title": "   "}), "title"},
		{"title with a control", good(map[string]any{"title": "Bell\x07"}), "title"},
		{"title with a line break", good(map[string]any{"title": "One\nTwo"}), "title"},
		{"title too long", good(map[string]any{"title": strings.Repeat("t", 201)}), "title"},
		{"empty body", good(map[string]any{"body": ""}), "body"},
		{"body of 100 KB", good(map[string]any{"body": strings.Repeat("b", 100_000)}), "body"},
		{"body with a bidi override", good(map[string]any{"body": "pay \u202etxt.exe"}), "body"},
		{"no audience", good(map[string]any{"audience": nil}), "audience"},
		{"unknown audience", good(map[string]any{"audience": "parents"}), "audience"},
		{"form audience without form", good(map[string]any{"audience": "form"}), "form"},
		{"unknown form", good(map[string]any{"audience": "form", "form": 9999}), "form"},
		{"class audience without class", good(map[string]any{"audience": "class"}), "class"},
		{"another school's class", good(map[string]any{"audience": "class", "class": other.c2A + 100}), "class"},
		{"class on a notice to all", good(map[string]any{"class": p.c1A}), "class"},
		{"form on a class notice", good(map[string]any{"audience": "class", "class": p.c1A, "form": p.form1}), "form"},
		{"impossible date", good(map[string]any{"publish_from": "2026-02-30"}), "publish_from"},
		{"a word for a date", good(map[string]any{"publish_from": "yesterday"}), "publish_from"},
		{"ends before it starts", good(map[string]any{"publish_from": "2026-03-10", "publish_until": "2026-03-09"}), "publish_until"},
		{"bad end date", good(map[string]any{"publish_until": "2026-13-01"}), "publish_until"},
	}
	before := w.counts("alpha")
	for _, c := range cases {
		status, out := admin.JSON("POST", "/api/core/notices/", c.body)
		assert.Equal(t, 400, status, c.name)
		assert.Contains(t, fields(out), c.field, "%s: %v", c.name, out)
	}
	status, out := admin.JSON("POST", "/api/core/notices/", nil)
	assert.Equal(t, 400, status, "no body")
	assert.Contains(t, fmt.Sprint(out), "empty")
	status, out = admin.JSON("POST", "/api/core/notices/", map[string]any{})
	assert.Equal(t, 400, status, "an empty object")
	for _, f := range []string{"title", "body", "audience"} {
		assert.Contains(t, fields(out), f)
	}
	assert.Equal(t, before, w.counts("alpha"), "nothing written")

	status, n := admin.JSON("POST", "/api/core/notices/", good(nil))
	require.Equal(t, 201, status, "%v", n)
	before = w.counts("alpha")
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"title": ""}, "title"},
		{map[string]any{"audience": "form"}, "form"},
		{map[string]any{"publish_until": "2026-03-01"}, "publish_until"},
		{map[string]any{"class": p.c1A}, "class"},
	} {
		status, out := admin.JSON("PATCH", fmt.Sprintf("/api/core/notices/%d/", num(n["id"])), c.body)
		assert.Equal(t, 400, status, "%v", c.body)
		assert.Contains(t, fields(out), c.field, "%v: %v", c.body, out)
	}
	assert.Equal(t, before, w.counts("alpha"), "nothing written")
	status, out = admin.JSON("GET", "/api/core/notices/?audience=parents", nil)
	assert.Equal(t, 400, status)
	assert.Contains(t, fields(out), "audience")
	status, out = admin.JSON("GET", "/api/core/notices/?audience_for_student=abc", nil)
	assert.Equal(t, 400, status)
	assert.Contains(t, fields(out), "audience_for_student")
}

// TestNoticesRights: every staff role reads notices; only admins write them; a token of
// another school reaches nothing.
func TestNoticesRights(t *testing.T) {
	w := newWorld(t, "alpha", "beta")
	admin := w.s.As("alpha", "admin@alpha.test")
	status, n := admin.JSON("POST", "/api/core/notices/", map[string]any{"title": "Exams", "body": "Week 10.", "audience": "all"})
	require.Equal(t, 201, status)
	path := fmt.Sprintf("/api/core/notices/%d/", num(n["id"]))
	before := w.counts("alpha")
	for _, role := range []auth.Role{auth.RoleTeacher, auth.RoleClerk, auth.RoleViewer} {
		email := string(role) + "@alpha.test"
		w.s.CreateUser("alpha", email, role)
		c := w.s.As("alpha", email)
		status, l := c.JSON("GET", "/api/core/notices/", nil)
		assert.Equal(t, 200, status, role)
		assert.Equal(t, []string{"Exams"}, titles(l), role)
		status, _ = c.JSON("GET", path, nil)
		assert.Equal(t, 200, status, role)
		status, _ = c.JSON("POST", "/api/core/notices/", map[string]any{"title": "X", "body": "Y", "audience": "all"})
		assert.Equal(t, 403, status, role)
		status, _ = c.JSON("PATCH", path, map[string]any{"pinned": true})
		assert.Equal(t, 403, status, role)
		status, _ = c.JSON("DELETE", path, nil)
		assert.Equal(t, 403, status, role)
	}
	before["audit_log"] = w.s.Count("alpha", "audit_log") // accounts were made
	assert.Equal(t, before, w.counts("alpha"))

	anon := w.s.Client("alpha.localhost", "")
	status, _ = anon.JSON("GET", "/api/core/notices/", nil)
	assert.Equal(t, 401, status)

	// beta's admin on alpha's host, and alpha's notice on beta's host
	beta := w.s.As("beta", "admin@beta.test")
	beta.Host = "alpha.localhost"
	status, _ = beta.JSON("GET", "/api/core/notices/", nil)
	assert.Equal(t, 401, status, "a token of another school")
	beta.Host = "beta.localhost"
	status, _ = beta.JSON("GET", path, nil)
	assert.Equal(t, 404, status, "alpha's notice is not beta's")
	status, l := beta.JSON("GET", "/api/core/notices/", nil)
	require.Equal(t, 200, status)
	assert.Empty(t, titles(l))
}

// TestNoticesForStudent: ?audience_for_student lists the notices a student's guardians
// see today: for everyone, the student's form and class, not other forms and classes,
// not past or future ones; the service method the bot calls answers the same. Another
// school's student is unknown.
func TestNoticesForStudent(t *testing.T) {
	w := newWorld(t, "alpha", "beta")
	p := w.place("alpha")
	q := w.place("beta")
	admin := w.s.As("alpha", "admin@alpha.test")
	post := func(title string, extra map[string]any) {
		b := map[string]any{"title": title, "body": "Text", "audience": "all"}
		for k, v := range extra {
			b[k] = v
		}
		status, out := admin.JSON("POST", "/api/core/notices/", b)
		require.Equal(t, 201, status, "%s: %v", title, out)
	}
	post("Everyone", nil)
	post("Form 1", map[string]any{"audience": "form", "form": p.form1})
	post("Form 2", map[string]any{"audience": "form", "form": p.form2})
	post("Class 1A", map[string]any{"audience": "class", "class": p.c1A, "pinned": true})
	post("Class 1B", map[string]any{"audience": "class", "class": p.c1B})
	post("Ended", map[string]any{"publish_from": "2026-02-01", "publish_until": "2026-03-03"})
	post("Coming", map[string]any{"publish_from": "2026-03-05"})
	post("Last day", map[string]any{"publish_from": "2026-02-01", "publish_until": today})
	betaAdmin := w.s.As("beta", "admin@beta.test")
	status, _ := betaAdmin.JSON("POST", "/api/core/notices/", map[string]any{"title": "Beta news", "body": "B", "audience": "all"})
	require.Equal(t, 201, status)

	for _, c := range []struct {
		student int64
		want    []string
	}{
		{p.s1A, []string{"Class 1A", "Last day", "Form 1", "Everyone"}},
		{p.s1B, []string{"Last day", "Class 1B", "Form 1", "Everyone"}},
		{p.s2A, []string{"Last day", "Form 2", "Everyone"}},
		{p.unenrolled, []string{"Last day", "Everyone"}},
	} {
		status, l := admin.JSON("GET", fmt.Sprintf("/api/core/notices/?audience_for_student=%d&ordering=-pinned,-id", c.student), nil)
		require.Equal(t, 200, status, "%v", l)
		assert.Equal(t, c.want, titles(l), "student %d", c.student)
	}

	var got []string
	w.s.WithSchool("alpha", func(t *db.Tenant) error {
		ctx := school.WithClock(context.Background(), func() time.Time { return now })
		ns, err := notices.New(t).ForStudent(ctx, p.s1A)
		for _, n := range ns {
			got = append(got, n.Title)
		}
		return err
	})
	assert.ElementsMatch(t, []string{"Class 1A", "Last day", "Form 1", "Everyone"}, got)
	assert.Equal(t, "Class 1A", got[0], "pinned first")

	status, _ = admin.JSON("GET", "/api/core/notices/?audience_for_student=999999", nil)
	assert.Equal(t, 404, status)
	// beta's student ids are beta's: asking alpha about one answers alpha's student of
	// that id, if any, never a beta notice
	status, l := admin.JSON("GET", fmt.Sprintf("/api/core/notices/?audience_for_student=%d", q.s1A), nil)
	require.Equal(t, 200, status)
	assert.NotContains(t, titles(l), "Beta news")
}

// TestNoticePublishedOnItsDay: a notice saved for a later day is announced (one
// notice.published event) by PublishDue on its first day, once, however often it runs;
// an ended notice is never announced.
func TestNoticePublishedOnItsDay(t *testing.T) {
	w := newWorld(t, "alpha")
	admin := w.s.As("alpha", "admin@alpha.test")
	status, n := admin.JSON("POST", "/api/core/notices/", map[string]any{"title": "Term ends", "body": "Early.",
		"audience": "all", "publish_from": "2026-03-06"})
	require.Equal(t, 201, status)
	status, _ = admin.JSON("POST", "/api/core/notices/", map[string]any{"title": "Old", "body": "Gone.",
		"audience": "all", "publish_from": "2026-03-01", "publish_until": "2026-03-05"})
	require.Equal(t, 201, status)
	assert.Len(t, w.events("alpha", notices.EventPublished), 1, "only the current one")

	publish := func(day time.Time) int {
		var k int
		w.s.WithSchool("alpha", func(t *db.Tenant) error {
			var err error
			k, err = notices.New(t).PublishDue(school.WithClock(context.Background(), func() time.Time { return day }))
			return err
		})
		return k
	}
	assert.Equal(t, 0, publish(now), "not yet")
	assert.Equal(t, 1, publish(now.AddDate(0, 0, 2)))
	assert.Equal(t, 0, publish(now.AddDate(0, 0, 2)), "once")
	assert.Equal(t, 0, publish(now.AddDate(0, 0, 3)))
	ev := w.events("alpha", notices.EventPublished)
	require.Len(t, ev, 2)
	assert.EqualValues(t, num(n["id"]), num(ev[1]["notice_id"]))
}

// TestNoticesDashboardCard: staff see the current notices on the dashboard, the pinned
// one named.
func TestNoticesDashboardCard(t *testing.T) {
	w := newWorld(t, "alpha")
	admin := w.s.As("alpha", "admin@alpha.test")
	for _, b := range []map[string]any{
		{"title": "Uniform reminder", "body": "Ties.", "audience": "all"},
		{"title": "Fees due <Friday>", "body": "Pay.", "audience": "all", "pinned": true},
		{"title": "Later", "body": "x", "audience": "all", "publish_from": "2026-04-01"},
	} {
		status, out := admin.JSON("POST", "/api/core/notices/", b)
		require.Equal(t, 201, status, "%v", out)
	}
	w.s.CreateUser("alpha", "viewer@alpha.test", auth.RoleViewer)
	c := w.s.Client("alpha.localhost", "")
	c.Login("viewer@alpha.test")
	status, _, page := c.Do("GET", "/", "", nil)
	require.Equal(t, 200, status)
	html := string(page)
	assert.Contains(t, html, "Current notices")
	assert.Contains(t, html, "Pinned: Fees due &lt;Friday&gt;", "escaped")
	assert.NotContains(t, html, "<Friday>")
}

// TestDueNoticesOpenOnlyWhereANoticeMayBeDue: the worker that publishes notices on
// their first day opens a school's file again only when something may have come due:
// the file changed (a notice saved, say) or the first day of its next notice has begun
// somewhere. Rounds over schools with nothing new open nothing, so on a box of many
// schools they do not close the files users are working in.
func TestDueNoticesOpenOnlyWhereANoticeMayBeDue(t *testing.T) {
	w := newWorld(t, "alpha", "beta", "gamma")
	admin := w.s.As("alpha", "admin@alpha.test")
	status, _ := admin.JSON("POST", "/api/core/notices/", map[string]any{"title": "Sports day", "body": "Friday.",
		"audience": "all", "publish_from": "2026-03-06"})
	require.Equal(t, 201, status)
	schools := []string{"alpha", "beta", "gamma"}
	at := func(day time.Time) context.Context {
		return school.WithClock(context.Background(), func() time.Time { return day })
	}

	// A start: every school is visited once. The files were just written, so within
	// the margin of file times they count as changed once more; then they settle.
	pool, err := db.NewPool(w.s.App.Catalog, w.s.App.Pool.Dir(), 8)
	require.NoError(t, err)
	d := notices.NewDueNotices(pool)
	require.NoError(t, d.Round(at(now), schools...))
	assert.Equal(t, 3, pool.Stats().Opens)
	time.Sleep(db.ChangeMargin + 100*time.Millisecond)
	require.NoError(t, d.Round(at(now), schools...))
	require.NoError(t, pool.Close())

	// The files closed, nothing written since, no notice due: nothing is opened.
	pool, err = db.NewPool(w.s.App.Catalog, w.s.App.Pool.Dir(), 8)
	require.NoError(t, err)
	defer pool.Close()
	d.UsePool(pool) // as after a restart, but remembering
	require.NoError(t, d.Round(at(now), schools...))
	require.NoError(t, d.Round(at(now.AddDate(0, 0, 1)), schools...))
	assert.Equal(t, 0, pool.Stats().Opens, "nothing can have come due")

	// Alpha's notice's first day: alpha alone is opened, and its notice announced.
	require.NoError(t, d.Round(at(now.AddDate(0, 0, 2)), schools...))
	assert.Equal(t, 1, pool.Stats().Opens)
	assert.Len(t, w.events("alpha", notices.EventPublished), 1)

	// A notice saved in beta for a later day: beta is opened on the next round, not
	// gamma; on its first day beta is opened again and the notice announced.
	time.Sleep(db.ChangeMargin + 100*time.Millisecond)
	beta := w.s.As("beta", "admin@beta.test")
	status, _ = beta.JSON("POST", "/api/core/notices/", map[string]any{"title": "Fees", "body": "Due.",
		"audience": "all", "publish_from": "2026-03-10"})
	require.Equal(t, 201, status)
	require.NoError(t, d.Round(at(now.AddDate(0, 0, 2)), schools...))
	assert.Equal(t, 2, pool.Stats().Opens, "beta, changed")
	require.NoError(t, d.Round(at(time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)), schools...))
	assert.Equal(t, 2, pool.Stats().Opens, "10 March has begun nowhere")
	assert.Len(t, w.events("beta", notices.EventPublished), 0)
	require.NoError(t, d.Round(at(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)), schools...))
	assert.Len(t, w.events("beta", notices.EventPublished), 1)
}
