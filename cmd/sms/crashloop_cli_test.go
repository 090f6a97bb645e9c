package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/chatbot/whatsapp/whatsapptest"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// TestCrashLoop runs sms serve as a process of its own under load (writers creating
// students, saving attendance registers and notices in three schools, signed WhatsApp
// webhooks, a student import now and then), kills it with SIGKILL at a random moment,
// starts it again on the same data directory and port, SMS_CRASH_LOOPS times (5 unless
// set). Webhooks that got no 200 are sent again in a later life, as Meta does. After
// the last start the bot drains, and then: every write answered 2xx is there with its
// content, a write refused is not, a write cut off is there whole or not at all (an
// import too), nothing of one school is in another's file, every webhook answered 200
// got exactly one reply from its school's number (or none, marked unknown for staff,
// when the kill fell inside its send), no message was sent twice, a refused webhook was
// neither stored nor answered, and catalog.db and every school file pass SQLite's
// integrity and foreign key checks. SMS_CRASH_SEED replays a run's kill moments and
// choices (the server's timing still varies).
func TestCrashLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a server many times")
	}
	loops := 5
	if v := os.Getenv("SMS_CRASH_LOOPS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "SMS_CRASH_LOOPS")
		require.Positive(t, n, "SMS_CRASH_LOOPS")
		loops = n
	}
	seed := time.Now().UnixNano()
	if v := os.Getenv("SMS_CRASH_SEED"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		require.NoError(t, err, "SMS_CRASH_SEED")
		seed = n
	}
	t.Logf("crash loop: %d kills, seed %d (replay with SMS_CRASH_SEED=%d)", loops, seed, seed)
	rng := rand.New(rand.NewSource(seed))
	began := time.Now()

	data := newDataDir(t)
	graph := whatsapptest.New(t)
	l := &crashLoad{graph: graph, seed: seed}
	for i, name := range []string{"Alpha", "Beta", "Gamma"} {
		s := &crashSchool{schema: strings.ToLower(name), name: name, phoneID: fmt.Sprintf("1000%d", i+1),
			secret: "app-secret-" + strings.ToLower(name), accessToken: "token-" + strings.ToLower(name)}
		s.host = s.schema + ".localhost"
		mustRun(t, data, "tenant", "create", "--schema", s.schema, "--name", name+" School")
		mustRun(t, data, "whatsapp", "set", "--schema", s.schema, "--phone-number-id", s.phoneID, "--access-token", s.accessToken,
			"--app-secret", s.secret, "--verify-token", "vt-"+s.schema, "--graph-url", graph.URL)
		graph.SetToken(s.phoneID, s.accessToken)
		l.seedSchool(t, data, i, s)
		l.schools = append(l.schools, s)
	}

	startAt := time.Now()
	srv := startCrashProcess(t, data, "127.0.0.1:0")
	startedIn := time.Since(startAt)
	addr := srv.addr
	for _, s := range l.schools {
		s.token = issueCrashToken(t, addr, s)
	}

	for life := range loops {
		wait := 100*time.Millisecond + time.Duration(rng.Int63n(int64(1900*time.Millisecond)))
		importAfter := time.Duration(-1)
		if rng.Intn(3) > 0 {
			// Late in the life more often than not, so that imports are cut off.
			importAfter = wait/3 + time.Duration(rng.Int63n(int64(wait)))
		}
		lifeSeed := rng.Int63()
		before := l.answered.Load()
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{}}
		for w := range crashWriters {
			wr := rand.New(rand.NewSource(lifeSeed + int64(w)))
			wg.Add(1)
			go func() { defer wg.Done(); l.writer(ctx, w, wr, client, addr) }()
		}
		for h := range 2 {
			hr := rand.New(rand.NewSource(lifeSeed + 100 + int64(h)))
			wg.Add(1)
			go func() { defer wg.Done(); l.webhooks(ctx, hr, client, addr) }()
		}
		// The kill's moment counts from the first write this life answered: a server
		// built with the race detector takes a while to answer at all.
		lifeBegan := time.Now()
		l.waitAnswered(t, before)
		warm := time.Since(lifeBegan)
		if importAfter >= 0 {
			ir := rand.New(rand.NewSource(lifeSeed + 200))
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case <-time.After(importAfter):
					l.studentImport(ir, client, addr)
				case <-ctx.Done():
				}
			}()
		}
		time.Sleep(wait)
		srv.kill(t)
		stop()
		wg.Wait()
		client.CloseIdleConnections()
		l.checkLog(t, life, srv.errOut.String())
		t.Logf("life %d: listening after %s, first answer %s later, killed %s after that, %d answers", life+1,
			startedIn.Round(time.Millisecond), warm.Round(time.Millisecond), wait.Round(time.Millisecond), l.answered.Load()-before)
		startAt = time.Now()
		srv = startCrashProcess(t, data, addr)
		startedIn = time.Since(startAt)
	}

	// The last life: no new writes; webhooks still unanswered are sent until they are
	// taken, and the bot answers everything.
	client := &http.Client{Timeout: 2 * time.Minute}
	l.resendUntilTaken(t, client, addr)
	l.waitDrained(t, data, srv)
	srv.kill(t)
	l.checkLog(t, loops, srv.errOut.String())

	l.check(t, data)
	t.Logf("crash loop: %d kills in %s (seed %d)\n%s", loops, time.Since(began).Round(time.Second), seed, l.summary())
}

const (
	crashWriters   = 4
	crashImportRow = 200
	crashPassword  = "crash-loop-password"
)

// crashSchool is one school of the loop with what was seeded in it.
type crashSchool struct {
	schema, name, host           string
	phoneID, secret, accessToken string
	token                        string
	admin                        string
	classes                      []int64
	pupils                       map[int64][]int64 // register class -> its students
	guardians                    []string          // WhatsApp numbers of its guardians
	seeded                       map[string]bool   // admission numbers seeded
	registers                    [crashWriters][]registerKey
	studentsPresent              int
}

type registerKey struct {
	class int64
	date  string
}

// outcome is what a write's answer says about it.
type outcome int

const (
	cutOff   outcome = iota // no answer: it may or may not have been written
	acked                   // 2xx: it must be there
	refusedW                // writes nothing: busy, another school's token, or never connected
)

type studentWrite struct {
	school           int
	adm, first, last string
	out              outcome
	id               int64
}

type noticeWrite struct {
	school      int
	title, body string
	out         outcome
	id          int64
}

type registerWrite struct {
	school int
	key    registerKey
	marks  map[int64]string
	out    outcome
}

type importRun struct {
	school int
	prefix string
	out    outcome
	status int
}

// hookSend is one webhook (one inbound message) and what became of its deliveries.
type hookSend struct {
	school     int
	wamid      string
	phone      string
	body       []byte
	signature  string
	host       string
	bad        bool // signed with the wrong secret, or posted at another school's address: must be refused
	cross      bool // posted at another school's address
	accepted   bool // answered 200 once
	refused    bool // answered 401 or 404
	inFlight   bool
	deliveries int
	fromParent bool
	cutReply   bool // its reply's send was cut off by a kill: "unknown", not sent again
}

// crashLoad is the loop's ledger: every write tried and its answer.
type crashLoad struct {
	graph   *whatsapptest.Server
	seed    int64
	schools []*crashSchool

	mu         sync.Mutex
	seq        int
	students   []*studentWrite
	notices    []*noticeWrite
	registers  []*registerWrite
	imports    []*importRun
	hooks      []*hookSend
	unexpected []string // answers no write should get (500s and the like)
	busy       int
	answered   atomic.Int64 // writes and webhooks answered 2xx
	cutKept    [4]int       // writes cut off that were committed: students, notices, registers, imports
}

func (l *crashLoad) next() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	return l.seq
}

func (l *crashLoad) oops(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.unexpected) < 50 {
		l.unexpected = append(l.unexpected, fmt.Sprintf(format, args...))
	}
}

// seedSchool writes the school's admin, a session with a term around today, a form with
// two classes of three students each, two guardians with WhatsApp numbers, and gives
// each writer its own registers (weekdays of the term before today) to save.
func (l *crashLoad) seedSchool(t *testing.T, data string, i int, s *crashSchool) {
	t.Helper()
	today := time.Now().UTC()
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
	s.admin = "admin@" + s.schema + ".test"
	s.pupils = map[int64][]int64{}
	s.seeded = map[string]bool{}
	withApp(t, data, func(ctx context.Context, a *app.App) {
		require.NoError(t, a.Pool.WithTenant(ctx, s.schema, func(tn *db.Tenant) error {
			if _, err := (auth.Users{T: tn}).Create(ctx, auth.NewUser{Email: s.admin, Name: "Admin", Role: auth.RoleAdmin,
				Password: crashPassword}, auth.Meta{}); err != nil {
				return err
			}
			return tn.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
				ins := func(q string, args ...any) int64 {
					res, err := tx.Exec(q, args...)
					require.NoError(t, err, q)
					id, err := res.LastInsertId()
					require.NoError(t, err)
					return id
				}
				session := ins(`INSERT INTO academic_sessions (name, start_date, end_date, is_current) VALUES ('This year', ?, ?, 1)`, day(-330), day(30))
				ins(`INSERT INTO terms (session_id, name, start_date, end_date, is_current) VALUES (?, 'Long term', ?, ?, 1)`, session, day(-320), day(30))
				form := ins(`INSERT INTO forms (name, level) VALUES ('Form 1', 1)`)
				for c, cname := range []string{"1A", "1B"} {
					class := ins(`INSERT INTO classes (form_id, session_id, name) VALUES (?, ?, ?)`, form, session, "Form "+cname)
					s.classes = append(s.classes, class)
					for k := range 3 {
						adm := fmt.Sprintf("S%d-%s-%d", i, cname, k)
						s.seeded[adm] = true
						st := ins(`INSERT INTO students (admission_no, first_name, last_name, gender) VALUES (?, ?, ?, 'female')`,
							adm, s.name, fmt.Sprintf("Seeded%d%d", c, k))
						ins(`INSERT INTO enrollments (student_id, class_id, session_id, enrolled_on) VALUES (?, ?, ?, ?)`, st, class, session, day(-330))
						s.pupils[class] = append(s.pupils[class], st)
					}
				}
				for g := range 2 {
					phone := fmt.Sprintf("2547%d%07d", i+1, g+1)
					gid := ins(`INSERT INTO guardians (name, relationship, phone) VALUES (?, 'mother', ?)`, fmt.Sprintf("Parent %d of %s", g, s.name), "+"+phone)
					for _, class := range s.classes {
						ins(`INSERT INTO student_guardians (student_id, guardian_id, is_primary) VALUES (?, ?, 1)`, s.pupils[class][g], gid)
					}
					s.guardians = append(s.guardians, phone)
				}
				return nil
			})
		}))
	})
	n := 0
	for d := -300; d < 0; d++ {
		date := today.AddDate(0, 0, d)
		if date.Weekday() == time.Saturday || date.Weekday() == time.Sunday {
			continue
		}
		for _, class := range s.classes {
			s.registers[n%crashWriters] = append(s.registers[n%crashWriters], registerKey{class: class, date: date.Format(time.DateOnly)})
			n++
		}
	}
}

// issueCrashToken signs in as the school's admin and returns an API token.
func issueCrashToken(t *testing.T, addr string, s *crashSchool) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": s.admin, "password": crashPassword, "name": "crash loop"})
	status, raw, err := crashCall(http.DefaultClient, addr, s.host, "POST", "/api/auth/token", "", "application/json", body)
	require.NoError(t, err)
	require.Equal(t, 201, status, string(raw))
	var out struct{ Token string }
	require.NoError(t, json.Unmarshal(raw, &out))
	require.NotEmpty(t, out.Token)
	return out.Token
}

// crashCall makes one request; err is set when no whole answer came.
func crashCall(c *http.Client, addr, host, method, path, token, contentType string, body []byte, headers ...string) (int, []byte, error) {
	req, err := http.NewRequest(method, "http://"+addr+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Host = host
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, buf.Bytes(), nil
}

// judge turns an answer into an outcome; what.no write should get is kept for the end.
func (l *crashLoad) judge(what string, status int, raw []byte, err error) outcome {
	switch {
	case err != nil && errors.Is(err, syscall.ECONNREFUSED):
		return refusedW // the server was down: nothing was sent
	case err != nil:
		return cutOff
	case status >= 200 && status < 300:
		l.answered.Add(1)
		return acked
	case status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests:
		l.mu.Lock()
		l.busy++
		l.mu.Unlock()
		return refusedW
	default:
		l.oops("%s: %d %s", what, status, whatsapp.Clip(string(raw), 300))
		return refusedW
	}
}

// writer creates students, saves registers and writes notices until ctx ends.
// A request without an answer means the server was killed: the writer stops until the
// next life.
func (l *crashLoad) writer(ctx context.Context, w int, rng *rand.Rand, c *http.Client, addr string) {
	var err error
	for ctx.Err() == nil && err == nil {
		si := rng.Intn(len(l.schools))
		s := l.schools[si]
		switch r := rng.Intn(10); {
		case r < 2 && len(s.registers[w]) > 0:
			key := s.registers[w][0]
			s.registers[w] = s.registers[w][1:]
			wr := &registerWrite{school: si, key: key, marks: map[int64]string{}}
			type entry struct {
				Student int64  `json:"student"`
				Status  string `json:"status"`
			}
			var entries []entry
			for _, p := range s.pupils[key.class] {
				st := []string{"present", "absent", "late", "excused"}[rng.Intn(4)]
				wr.marks[p] = st
				entries = append(entries, entry{p, st})
			}
			body, _ := json.Marshal(map[string]any{"entries": entries})
			l.mu.Lock()
			l.registers = append(l.registers, wr)
			l.mu.Unlock()
			var status int
			var raw []byte
			status, raw, err = crashCall(c, addr, s.host, "PUT", fmt.Sprintf("/api/core/classes/%d/attendance/%s", key.class, key.date),
				s.token, "application/json", body)
			out := l.judge("register", status, raw, err)
			l.mu.Lock()
			wr.out = out
			l.mu.Unlock()
		case r < 4:
			n := l.next()
			nw := &noticeWrite{school: si, title: fmt.Sprintf("Notice %d of %s", n, s.name),
				body: fmt.Sprintf("Crash loop notice %d.\nSecond line for %s.", n, s.name)}
			body, _ := json.Marshal(map[string]any{"title": nw.title, "body": nw.body, "audience": "all"})
			l.mu.Lock()
			l.notices = append(l.notices, nw)
			l.mu.Unlock()
			var status int
			var raw []byte
			status, raw, err = crashCall(c, addr, s.host, "POST", "/api/core/notices", s.token, "application/json", body)
			out := l.judge("notice", status, raw, err)
			var created struct{ ID int64 }
			if out == acked {
				json.Unmarshal(raw, &created)
			}
			l.mu.Lock()
			nw.out, nw.id = out, created.ID
			l.mu.Unlock()
		default:
			n := l.next()
			sw := &studentWrite{school: si, adm: fmt.Sprintf("W%d-%06d", si, n), first: s.name, last: fmt.Sprintf("Written%06d", n)}
			body, _ := json.Marshal(map[string]any{"admission_no": sw.adm, "first_name": sw.first, "last_name": sw.last,
				"gender": []string{"male", "female"}[rng.Intn(2)]})
			l.mu.Lock()
			l.students = append(l.students, sw)
			l.mu.Unlock()
			var status int
			var raw []byte
			token, cross := s.token, rng.Intn(20) == 0
			if cross {
				// A token works only at the school that issued it.
				token = l.schools[(si+1)%len(l.schools)].token
			}
			status, raw, err = crashCall(c, addr, s.host, "POST", "/api/core/students", token, "application/json", body)
			var out outcome
			switch {
			case !cross:
				out = l.judge("student", status, raw, err)
			case err == nil && status != http.StatusUnauthorized:
				l.oops("student %s sent with another school's token: %d %s", sw.adm, status, whatsapp.Clip(string(raw), 300))
				fallthrough
			default:
				out = refusedW // answered or not, it must not be written
			}
			var created struct{ ID int64 }
			if out == acked {
				json.Unmarshal(raw, &created)
			}
			l.mu.Lock()
			sw.out, sw.id = out, created.ID
			l.mu.Unlock()
		}
	}
}

// studentImport posts one CSV import of crashImportRow students to a school.
func (l *crashLoad) studentImport(rng *rand.Rand, c *http.Client, addr string) {
	si := rng.Intn(len(l.schools))
	s := l.schools[si]
	run := &importRun{school: si, prefix: fmt.Sprintf("I%d-%d-", si, l.next())}
	var csv strings.Builder
	csv.WriteString("admission_no,first_name,last_name,gender\n")
	for i := range crashImportRow {
		fmt.Fprintf(&csv, "%s%04d,%s,Imported%04d,%s\n", run.prefix, i, s.name, i, []string{"F", "M"}[i%2])
	}
	l.mu.Lock()
	l.imports = append(l.imports, run)
	l.mu.Unlock()
	status, raw, err := crashCall(c, addr, s.host, "POST", "/api/core/students/import?dry_run=false", s.token, "text/csv", []byte(csv.String()))
	out := l.judge("import", status, raw, err)
	if out == acked {
		var res struct{ Created int }
		if json.Unmarshal(raw, &res) != nil || res.Created != crashImportRow {
			l.oops("import %s answered %d but created %s", run.prefix, status, raw)
		}
	}
	l.mu.Lock()
	run.out, run.status = out, status
	l.mu.Unlock()
}

// webhooks posts signed webhooks until ctx ends: new ones, one in ten signed with the
// wrong secret, and again the ones no earlier delivery got a 200 for.
func (l *crashLoad) webhooks(ctx context.Context, rng *rand.Rand, c *http.Client, addr string) {
	for ctx.Err() == nil {
		if l.deliverHook(c, addr, l.nextHook(rng)) != nil {
			return // killed: the rest waits for the next life
		}
	}
}

func (l *crashLoad) nextHook(rng *rand.Rand) *hookSend {
	l.mu.Lock()
	defer l.mu.Unlock()
	if rng.Intn(2) == 0 {
		for _, h := range l.hooks {
			if !h.accepted && !h.refused && !h.inFlight {
				h.inFlight = true
				return h
			}
		}
	}
	l.seq++
	n := l.seq
	si := rng.Intn(len(l.schools))
	s := l.schools[si]
	h := &hookSend{school: si, wamid: fmt.Sprintf("wamid.crash.%d.%d", l.seed%1000, n), phone: fmt.Sprintf("2557%08d", n),
		bad: rng.Intn(10) == 0, inFlight: true}
	cross := !h.bad && rng.Intn(10) == 0 // rightly signed, posted at another school's address
	text := fmt.Sprintf("hello %d", n)
	if !h.bad && rng.Intn(5) == 0 {
		h.phone, text, h.fromParent = s.guardians[rng.Intn(len(s.guardians))], "menu", true
	}
	h.body = []byte(fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"%s"},"contacts":[{"profile":{"name":"P"},"wa_id":"%s"}],"messages":[{"from":"%s","id":"%s","timestamp":"%d","type":"text","text":{"body":"%s"}}]}}]}]}`,
		s.phoneID, h.phone, h.phone, h.wamid, time.Now().Unix(), text))
	secret := s.secret
	if h.bad {
		secret = "not-the-secret"
	}
	h.signature = whatsapp.Sign(secret, h.body)
	h.host = "localhost" // the base domain: the number picks the school
	if rng.Intn(2) == 0 {
		h.host = s.host
	}
	if cross {
		h.host, h.bad, h.cross = l.schools[(si+1)%len(l.schools)].host, true, true
	}
	l.hooks = append(l.hooks, h)
	return h
}

func (l *crashLoad) deliverHook(c *http.Client, addr string, h *hookSend) error {
	status, raw, err := crashCall(c, addr, h.host, "POST", "/webhooks/whatsapp", "", "application/json", h.body,
		whatsapp.SignatureHeader, h.signature)
	l.mu.Lock()
	defer l.mu.Unlock()
	h.inFlight = false
	h.deliveries++
	switch {
	case err != nil:
	case status == 200 && !h.bad:
		h.accepted = true
		l.answered.Add(1)
	case (status == 401 || status == 404) && h.bad:
		h.refused = true
	case status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests:
		l.busy++
	default:
		if len(l.unexpected) < 50 {
			l.unexpected = append(l.unexpected, fmt.Sprintf("webhook %s (bad signature %v): %d %s", h.wamid, h.bad, status, whatsapp.Clip(string(raw), 300)))
		}
		h.refused = true
	}
	return err
}

// resendUntilTaken delivers every webhook no delivery got an answer for until it gets one.
func (l *crashLoad) resendUntilTaken(t *testing.T, c *http.Client, addr string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var open []*hookSend
		l.mu.Lock()
		for _, h := range l.hooks {
			if !h.accepted && !h.refused {
				h.inFlight = true
				open = append(open, h)
			}
		}
		l.mu.Unlock()
		if len(open) == 0 {
			return
		}
		require.True(t, time.Now().Before(deadline), "%d webhooks are still not taken", len(open))
		for _, h := range open {
			l.deliverHook(c, addr, h)
		}
	}
}

// replyKey is how a reply to an inbound message is known at the Graph API.
func replyKey(wamid string) string { return "reply:" + wamid + ":0" }

// waitDrained waits until every webhook taken has its reply at the fake Graph API, or
// a row that says why not (a send the kill cut off is "unknown", never sent again).
func (l *crashLoad) waitDrained(t *testing.T, data string, srv *process) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		sent := map[string]bool{}
		for _, m := range l.graph.Sent() {
			sent[m.Message.BizOpaqueCallbackData] = true
		}
		var waiting []string
		for si, s := range l.schools {
			ended := map[string]bool{}
			withFile(t, tenantFile(data, s.schema), func(conn *sql.DB) {
				rows, err := conn.Query(`SELECT key FROM chatbot_outbound WHERE key LIKE 'reply:%' AND status IN ('unknown', 'failed', 'skipped')`)
				require.NoError(t, err)
				defer rows.Close()
				for rows.Next() {
					var k string
					require.NoError(t, rows.Scan(&k))
					ended[k] = true
				}
				require.NoError(t, rows.Err())
			})
			for _, h := range l.hooks {
				if h.school == si && h.accepted && !sent[replyKey(h.wamid)] && !ended[replyKey(h.wamid)] {
					waiting = append(waiting, h.wamid)
				}
			}
		}
		if len(waiting) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d webhooks taken are never answered, e.g. %v; server log: %s", len(waiting), waiting[:min(5, len(waiting))],
				whatsapp.Clip(srv.errOut.String(), 4000))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitAnswered waits until the server answered a write since the count was before.
func (l *crashLoad) waitAnswered(t *testing.T, before int64) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for l.answered.Load() == before {
		l.mu.Lock()
		unexpected := slices.Clone(l.unexpected)
		l.mu.Unlock()
		require.Truef(t, time.Now().Before(deadline), "the server answered no write: %v", unexpected)
		time.Sleep(10 * time.Millisecond)
	}
}

// checkLog fails on what the server must never print, whenever it is killed.
func (l *crashLoad) checkLog(t *testing.T, life int, log string) {
	t.Helper()
	for _, bad := range []string{"DATA RACE", "panic:", "recovered panic", "database disk image is malformed"} {
		assert.NotContainsf(t, log, bad, "life %d of the server logged %q:\n%s", life, bad, whatsapp.Clip(log, 8000))
	}
}

// withFile opens one SQLite file directly (not through the app: this checks the files
// as the kills left them).
func withFile(t *testing.T, path string, fn func(conn *sql.DB)) {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(20000)")
	require.NoError(t, err)
	defer conn.Close()
	fn(conn)
}

// check compares every school's file and the fake Graph API with the ledger.
func (l *crashLoad) check(t *testing.T, data string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	assert.Empty(t, l.unexpected, "answers no write should get")

	files := []string{filepath.Join(data, "catalog.db")}
	for _, s := range l.schools {
		files = append(files, tenantFile(data, s.schema))
	}
	for _, f := range files {
		withFile(t, f, func(conn *sql.DB) {
			var ok string
			require.NoError(t, conn.QueryRow(`PRAGMA integrity_check`).Scan(&ok))
			assert.Equal(t, "ok", ok, "integrity_check of %s", f)
			rows, err := conn.Query(`PRAGMA foreign_key_check`)
			require.NoError(t, err)
			n := 0
			for rows.Next() {
				n++
			}
			require.NoError(t, rows.Err())
			rows.Close()
			assert.Zero(t, n, "foreign_key_check of %s finds rows", f)
		})
	}

	for si, s := range l.schools {
		withFile(t, tenantFile(data, s.schema), func(conn *sql.DB) { l.checkSchool(t, si, s, conn) })
	}
	l.checkReplies(t)
}

func (l *crashLoad) checkSchool(t *testing.T, si int, s *crashSchool, conn *sql.DB) {
	t.Helper()
	type row struct {
		id          int64
		first, last string
	}
	students := map[string]row{}
	rows, err := conn.Query(`SELECT id, admission_no, first_name, last_name FROM students`)
	require.NoError(t, err)
	for rows.Next() {
		var r row
		var adm string
		require.NoError(t, rows.Scan(&r.id, &adm, &r.first, &r.last))
		students[adm] = r
	}
	require.NoError(t, rows.Err())
	rows.Close()

	mine := map[string]bool{}
	for adm := range s.seeded {
		mine[adm] = true
	}
	for _, w := range l.students {
		if w.school != si {
			continue
		}
		mine[w.adm] = true
		got, ok := students[w.adm]
		switch w.out {
		case acked:
			if assert.Truef(t, ok, "%s: student %s was acknowledged (id %d) and is missing", s.schema, w.adm, w.id) {
				assert.Equal(t, row{w.id, w.first, w.last}, got, "%s: student %s as acknowledged", s.schema, w.adm)
				s.studentsPresent++
			}
		case refusedW:
			assert.Falsef(t, ok, "%s: student %s was refused and is there", s.schema, w.adm)
		default:
			if ok {
				l.cutKept[0]++
				assert.Equal(t, []string{w.first, w.last}, []string{got.first, got.last}, "%s: student %s cut off", s.schema, w.adm)
			}
		}
	}
	for _, run := range l.imports {
		if run.school != si {
			continue
		}
		n := 0
		for adm, r := range students {
			if strings.HasPrefix(adm, run.prefix) {
				n++
				mine[adm] = true
				assert.Equal(t, s.name, r.first, "%s: imported student %s", s.schema, adm)
			}
		}
		switch run.out {
		case acked:
			assert.Equalf(t, crashImportRow, n, "%s: import %s was acknowledged", s.schema, run.prefix)
		case refusedW:
			assert.Zerof(t, n, "%s: import %s was refused (%d)", s.schema, run.prefix, run.status)
		default:
			if n > 0 {
				l.cutKept[3]++
			}
			assert.Truef(t, n == 0 || n == crashImportRow, "%s: import %s cut off has %d of its %d students: not all or nothing",
				s.schema, run.prefix, n, crashImportRow)
		}
	}
	for adm := range students {
		assert.Truef(t, mine[adm], "%s holds student %s, which was never written to it", s.schema, adm)
	}

	notices := map[string][2]any{}
	rows, err = conn.Query(`SELECT id, title, body FROM notices`)
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		var title, body string
		require.NoError(t, rows.Scan(&id, &title, &body))
		notices[title] = [2]any{id, body}
	}
	require.NoError(t, rows.Err())
	rows.Close()
	titles := map[string]bool{}
	for _, n := range l.notices {
		if n.school != si {
			continue
		}
		titles[n.title] = true
		got, ok := notices[n.title]
		switch n.out {
		case acked:
			if assert.Truef(t, ok, "%s: notice %q was acknowledged and is missing", s.schema, n.title) {
				assert.Equal(t, [2]any{n.id, n.body}, got, "%s: notice %q as acknowledged", s.schema, n.title)
			}
		case refusedW:
			assert.Falsef(t, ok, "%s: notice %q was refused and is there", s.schema, n.title)
		default:
			if ok {
				l.cutKept[1]++
				assert.Equal(t, n.body, got[1], "%s: notice %q cut off", s.schema, n.title)
			}
		}
	}
	for title := range notices {
		assert.Truef(t, titles[title], "%s holds notice %q, which was never written to it", s.schema, title)
	}

	marks := map[registerKey]map[int64]string{}
	rows, err = conn.Query(`SELECT class_id, date, student_id, status FROM attendance`)
	require.NoError(t, err)
	for rows.Next() {
		var k registerKey
		var student int64
		var status string
		require.NoError(t, rows.Scan(&k.class, &k.date, &student, &status))
		if marks[k] == nil {
			marks[k] = map[int64]string{}
		}
		marks[k][student] = status
	}
	require.NoError(t, rows.Err())
	rows.Close()
	written := map[registerKey]bool{}
	for _, r := range l.registers {
		if r.school != si {
			continue
		}
		written[r.key] = true
		got, ok := marks[r.key]
		switch r.out {
		case acked:
			assert.Equalf(t, r.marks, got, "%s: register %v as acknowledged", s.schema, r.key)
		case refusedW:
			assert.Falsef(t, ok, "%s: register %v was refused and is there", s.schema, r.key)
		default:
			if ok {
				l.cutKept[2]++
				assert.Equalf(t, r.marks, got, "%s: register %v cut off must be whole or absent", s.schema, r.key)
			}
		}
	}
	for k := range marks {
		assert.Truef(t, written[k], "%s holds a register %v never written to it", s.schema, k)
	}

	inbound := map[string]bool{}
	rows, err = conn.Query(`SELECT wamid FROM chatbot_inbound`)
	require.NoError(t, err)
	for rows.Next() {
		var w string
		require.NoError(t, rows.Scan(&w))
		inbound[w] = true
	}
	require.NoError(t, rows.Err())
	rows.Close()
	hooks := map[string]*hookSend{}
	for _, h := range l.hooks {
		hooks[h.wamid] = h
		if h.school == si && h.accepted {
			assert.Truef(t, inbound[h.wamid], "%s: webhook %s was answered 200 and is not stored", s.schema, h.wamid)
		}
	}
	for w := range inbound {
		h := hooks[w]
		if assert.NotNilf(t, h, "%s stores a message nobody sent: %s", s.schema, w) {
			assert.Equalf(t, si, h.school, "%s stores %s, sent to another school's number", s.schema, w)
			assert.Falsef(t, h.bad, "%s stores %s, whose signature was wrong", s.schema, w)
		}
	}
	// A send the kill cut off is "unknown" and shown to staff as a dead letter: it may
	// have reached WhatsApp, so it is never sent again.
	unknown := map[string]bool{}
	rows, err = conn.Query(`SELECT o.key, d.id IS NOT NULL FROM chatbot_outbound o
		LEFT JOIN chatbot_dead_letters d ON d.kind = 'outbound' AND d.ref = o.key WHERE o.status = 'unknown'`)
	require.NoError(t, err)
	for rows.Next() {
		var k string
		var told bool
		require.NoError(t, rows.Scan(&k, &told))
		unknown[k] = true
		assert.Truef(t, told, "%s: the send of %s was cut off and staff are not told", s.schema, k)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	for _, h := range l.hooks {
		if h.school == si && h.accepted && unknown[replyKey(h.wamid)] {
			h.cutReply = true
		}
	}
}

// checkReplies: one reply per webhook taken, from its school's number to its sender;
// nothing sent twice; nothing to a refused webhook's sender.
func (l *crashLoad) checkReplies(t *testing.T) {
	t.Helper()
	perKey := map[string][]whatsapptest.Sent{}
	perPhone := map[string]int{}
	for _, m := range l.graph.Sent() {
		perKey[m.Message.BizOpaqueCallbackData] = append(perKey[m.Message.BizOpaqueCallbackData], m)
		perPhone[m.To]++
	}
	for k, ms := range perKey {
		assert.Lenf(t, ms, 1, "message %q was sent %d times", k, len(ms))
	}
	assert.Empty(t, l.graph.Rejected(), "requests the fake Graph API refused as malformed")
	for _, h := range l.hooks {
		got := perKey[replyKey(h.wamid)]
		switch {
		case h.accepted && h.cutReply && len(got) == 0:
			// The kill fell between claiming the send and the Graph API: "unknown", for staff.
		case h.accepted:
			if assert.Lenf(t, got, 1, "replies to webhook %s", h.wamid) {
				assert.Equal(t, l.schools[h.school].phoneID, got[0].PhoneNumberID, "reply to %s comes from its school's number", h.wamid)
				assert.Equal(t, h.phone, got[0].To, "reply to %s goes to its sender", h.wamid)
			}
		default:
			assert.Emptyf(t, got, "webhook %s was refused and got a reply", h.wamid)
			if !h.fromParent {
				assert.Zerof(t, perPhone[h.phone], "webhook %s was refused and its sender got messages", h.wamid)
			}
		}
	}
}

func (l *crashLoad) summary() string {
	var b strings.Builder
	count := func(out outcome, n *[3]int) { n[out]++ }
	var st, no, re, im [3]int
	for _, w := range l.students {
		count(w.out, &st)
	}
	for _, w := range l.notices {
		count(w.out, &no)
	}
	for _, w := range l.registers {
		count(w.out, &re)
	}
	for _, w := range l.imports {
		count(w.out, &im)
	}
	var present int
	for _, s := range l.schools {
		present += s.studentsPresent
	}
	var taken, once, unknown, bad, cross, deliveries, redelivered int
	perKey := map[string]int{}
	for _, m := range l.graph.Sent() {
		perKey[m.Message.BizOpaqueCallbackData]++
	}
	for _, h := range l.hooks {
		deliveries += h.deliveries
		if h.deliveries > 1 {
			redelivered++
		}
		switch {
		case h.cross:
			cross++
		case h.bad:
			bad++
		case h.accepted:
			taken++
			if perKey[replyKey(h.wamid)] == 1 {
				once++
			} else if h.cutReply {
				unknown++
			}
		}
	}
	k := l.cutKept
	fmt.Fprintf(&b, "students: %d acknowledged (%d present as written), %d cut off (%d of them committed), %d refused\n",
		st[acked], present, st[cutOff], k[0], st[refusedW])
	fmt.Fprintf(&b, "notices: %d acknowledged, %d cut off (%d committed), %d refused; registers: %d acknowledged, %d cut off (%d committed, whole), %d refused\n",
		no[acked], no[cutOff], k[1], no[refusedW], re[acked], re[cutOff], k[2], re[refusedW])
	fmt.Fprintf(&b, "imports of %d rows: %d acknowledged, %d cut off (%d committed whole, the rest not at all), %d refused\n",
		crashImportRow, im[acked], im[cutOff], k[3], im[refusedW])
	fmt.Fprintf(&b, "webhooks: %d taken (%d answered exactly once, %d replies cut off by a kill and marked unknown), %d refused for a bad signature, %d refused at another school's address; %d deliveries, %d webhooks delivered more than once\n",
		taken, once, unknown, bad, cross, deliveries, redelivered)
	fmt.Fprintf(&b, "messages at the Graph API: %d; busy answers: %d", len(l.graph.Sent()), l.busy)
	return b.String()
}

// startCrashProcess runs sms serve in a child process on addr (":0" picks a port) and
// waits until it listens. A restart asks for the port of the first life again.
func startCrashProcess(t *testing.T, data, addr string) *process {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		p, err := tryCrashProcess(t, data, addr, deadline)
		if err == nil {
			return p
		}
		// The port may still be held for a moment by the process just killed.
		require.Truef(t, time.Now().Before(deadline), "sms serve did not start again: %v", err)
		time.Sleep(100 * time.Millisecond)
	}
}

func tryCrashProcess(t *testing.T, data, addr string, deadline time.Time) (*process, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSMSProcess$", "--", "serve", "--addr", addr)
	cmd.Env = []string{"SMS_TEST_PROCESS=1", "SMS_DATA=" + data, "SMS_LOG_LEVEL=warn", "PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}
	out := &lockedBuffer{}
	p := &process{cmd: cmd, errOut: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = out, p.errOut
	require.NoError(t, cmd.Start())
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.done
		}
	})
	re := regexp.MustCompile(`sms is serving on (\S+)`)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			p.addr = m[1]
			return p, nil
		}
		select {
		case <-p.done:
			log := p.errOut.String()
			if strings.Contains(log, "address already in use") {
				return nil, errors.New(log)
			}
			t.Fatalf("sms serve exited: %s", log)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("sms serve did not start: %s", p.errOut.String())
		}
	}
}

// TestCutOffSendStaysListedForStaffAfterAKill: at start, a send the last run left
// "sending" is marked unknown (never sent again) and listed for staff as a dead letter.
// A kill between those two writes used to leave the row unknown with no dead letter,
// and no later start looked at it again: a reply nobody sent and nobody was told about
// (the crash loop found it). Here the dead letter's insert fails where the kill fell,
// the server is killed, and the next start must still list the send for staff.
func TestCutOffSendStaysListedForStaffAfterAKill(t *testing.T) {
	data := newDataDir(t)
	graph := whatsapptest.New(t)
	mustRun(t, data, "tenant", "create", "--schema", "alpha", "--name", "Alpha")
	mustRun(t, data, "whatsapp", "set", "--schema", "alpha", "--phone-number-id", "1001", "--access-token", "tok",
		"--app-secret", "sec", "--verify-token", "vt", "--graph-url", graph.URL)
	inFile := func(stmts ...string) {
		withApp(t, data, func(ctx context.Context, a *app.App) {
			require.NoError(t, a.Pool.WithTenant(ctx, "alpha", func(tn *db.Tenant) error {
				return tn.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
					for _, s := range stmts {
						if _, err := tx.Exec(s); err != nil {
							return fmt.Errorf("%s: %w", s, err)
						}
					}
					return nil
				})
			}))
		})
	}
	const cut = "reply:wamid.cut:0"
	inFile(`INSERT INTO chatbot_outbound (key, channel, phone, origin, kind, payload, status)
		VALUES ('`+cut+`', 'whatsapp', '254711000001', 'bot', 'text', '{"type":"text","text":{"body":"Hello"}}', 'sending')`,
		`CREATE TRIGGER killed_here BEFORE INSERT ON chatbot_dead_letters BEGIN SELECT RAISE(ABORT, 'the process died here'); END`)

	srv := startProcess(t, data, nil)
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(srv.errOut.String(), "recover school") {
		require.True(t, time.Now().Before(deadline), "the start never tried to recover the send: %s", srv.errOut.String())
		time.Sleep(10 * time.Millisecond)
	}
	srv.kill(t)
	inFile(`DROP TRIGGER killed_here`)

	srv = startProcess(t, data, nil)
	// The bot answers only after its start's recovery: a reply means it is done.
	body := []byte(fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"1001"},"contacts":[{"profile":{"name":"P"},"wa_id":"254799000001"}],"messages":[{"from":"254799000001","id":"wamid.after","timestamp":"%d","type":"text","text":{"body":"hi"}}]}}]}]}`,
		time.Now().Unix()))
	status, raw, err := crashCall(http.DefaultClient, srv.addr, "localhost", "POST", "/webhooks/whatsapp", "", "application/json", body,
		whatsapp.SignatureHeader, whatsapp.Sign("sec", body))
	require.NoError(t, err)
	require.Equal(t, 200, status, string(raw))
	graph.WaitSent(t, "the reply to a message sent after the restart", func(s []whatsapptest.Sent) bool { return len(s) > 0 })
	srv.kill(t)

	var rowStatus string
	var listed int
	withFile(t, tenantFile(data, "alpha"), func(conn *sql.DB) {
		require.NoError(t, conn.QueryRow(`SELECT status FROM chatbot_outbound WHERE key = ?`, cut).Scan(&rowStatus))
		require.NoError(t, conn.QueryRow(`SELECT count(*) FROM chatbot_dead_letters WHERE kind = 'outbound' AND ref = ?`, cut).Scan(&listed))
	})
	assert.Equal(t, "unknown", rowStatus, "a send cut off is never sent again")
	assert.Equal(t, 1, listed, "and staff are told about it")
	for _, m := range graph.Sent() {
		assert.NotEqual(t, cut, m.Message.BizOpaqueCallbackData, "the send cut off went out again")
	}
}
