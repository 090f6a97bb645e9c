package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/chatbot/whatsapp/whatsapptest"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

func TestWhatsAppSetAndShow(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "alpha", "--name", "Alpha")
	mustRun(t, data, "tenant", "create", "--schema", "beta", "--name", "Beta")
	out := mustRun(t, data, "whatsapp", "set", "--schema", "alpha", "--phone-number-id", "106540352242922",
		"--access-token", "EAAG-secret", "--app-secret", "shh", "--verify-token", "vt", "--graph-url", "http://127.0.0.1:9/")
	assert.Equal(t, "WhatsApp number 106540352242922 set for alpha (channel: ok)\n", out)
	out = mustRun(t, data, "whatsapp", "show", "--schema", "alpha")
	assert.Contains(t, out, "phone number id: 106540352242922")
	assert.Contains(t, out, "access token:    set")
	assert.Contains(t, out, "graph api:       http://127.0.0.1:9/v22.0")
	assert.NotContains(t, out, "EAAG-secret")
	assert.NotContains(t, out, "shh")

	out = mustRun(t, data, "whatsapp", "set", "--schema", "alpha", "--absence-template", "absence_alert")
	assert.Contains(t, out, "106540352242922", "flags left out keep their value")

	code, stdout, stderr := run(t, data, "whatsapp", "set", "--schema", "beta", "--phone-number-id", "106540352242922")
	assertFailure(t, 1, code, stdout, stderr, "this WhatsApp number is already set up for another school")
	code, stdout, stderr = run(t, data, "whatsapp", "set", "--schema", "alpha", "--graph-url", "nope", "--alert-not-before", "7pm")
	assertFailure(t, 1, code, stdout, stderr, "--graph-url must be an http(s) address", "--alert-not-before must be a time of day")
	code, stdout, stderr = run(t, data, "whatsapp", "set", "--schema", "ghost", "--phone-number-id", "1")
	assertFailure(t, 1, code, stdout, stderr, "ghost")
	code, stdout, stderr = run(t, data, "whatsapp", "set", "--phone-number-id", "1")
	assertFailure(t, 2, code, stdout, stderr, "schema")
	out = mustRun(t, data, "whatsapp", "show", "--schema", "beta")
	assert.Contains(t, out, "channel:         not_configured")
}

// TestChatbotSurvivesKill runs sms serve as a process of its own, lets guardians write
// while the Graph API holds every send, kills the server with SIGKILL when each worker
// is inside a send, and starts it again: every stored message then has exactly one
// reply at the Graph API (the sends cut off are not sent again: they had reached it).
func TestChatbotSurvivesKill(t *testing.T) {
	data := newDataDir(t)
	graph := whatsapptest.New(t)
	mustRun(t, data, "tenant", "create", "--schema", "alpha", "--name", "Alpha")
	mustRun(t, data, "whatsapp", "set", "--schema", "alpha", "--phone-number-id", "1001", "--access-token", "tok",
		"--app-secret", "sec", "--verify-token", "vt", "--graph-url", graph.URL)
	const parents, workers = 30, 4
	phones := seedGuardians(t, data, "alpha", parents)

	graph.Hold()
	srv := startProcess(t, data, map[string]string{"SMS_CHATBOT_WORKERS": fmt.Sprint(workers)})
	var wamids []string
	for i, phone := range phones {
		wamid := fmt.Sprintf("wamid.kill%03d", i)
		wamids = append(wamids, wamid)
		body := []byte(fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"1001"},"contacts":[{"profile":{"name":"P"},"wa_id":"%s"}],"messages":[{"from":"%s","id":"%s","timestamp":"%d","type":"text","text":{"body":"hi"}}]}}]}]}`,
			phone, phone, wamid, time.Now().Unix()))
		req, _ := http.NewRequest("POST", "http://"+srv.addr+"/webhooks/whatsapp", bytes.NewReader(body))
		req.Host = "localhost"
		req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign("sec", body))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode, "stored before the answer")
	}
	// Kill once every worker is inside a send, or once the sends in flight stop growing
	// (a worker can wait behind another's conversation when a message is triggered twice),
	// well before the bot's 30 s Graph timeout could end a held send.
	deadline := time.Now().Add(60 * time.Second)
	held, since := 0, time.Now()
	for {
		h := graph.Held()
		if h != held {
			held, since = h, time.Now()
		}
		if held >= workers || held > 0 && time.Since(since) > 2*time.Second {
			break
		}
		require.True(t, time.Now().Before(deadline), "the workers never reached the Graph API: %s", srv.errOut.String())
		time.Sleep(10 * time.Millisecond)
	}
	held = graph.Held()
	srv.kill(t)
	graph.Release()
	cutOff := len(graph.Sent())
	// Every send that reached the Graph API was still held there (none had finished), so
	// there are no more than the workers.
	require.GreaterOrEqual(t, cutOff, held)
	require.LessOrEqual(t, cutOff, workers, "at the kill each send was inside a worker, and nothing else was sent")

	srv = startProcess(t, data, map[string]string{"SMS_CHATBOT_WORKERS": fmt.Sprint(workers)})
	graph.WaitSent(t, "a reply to every message", func(s []whatsapptest.Sent) bool { return len(s) >= parents })
	a := openData(t, data)
	// Wait for the server to finish writing what it sent.
	deadline = time.Now().Add(60 * time.Second)
	for {
		var open int
		require.NoError(t, a.Pool.WithTenant(context.Background(), "alpha", func(tn *db.Tenant) error {
			return tn.ReadDB().QueryRowContext(context.Background(), `SELECT (SELECT count(*) FROM chatbot_inbound WHERE state <> 'handled') +
				(SELECT count(*) FROM chatbot_outbound WHERE status IN ('pending', 'sending'))`).Scan(&open)
		}))
		if open == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "work left after restart: %d", open)
		time.Sleep(20 * time.Millisecond)
	}
	srv.kill(t)

	perKey := map[string]int{}
	for _, m := range graph.Sent() {
		perKey[m.Message.BizOpaqueCallbackData]++
	}
	for _, w := range wamids {
		assert.Equal(t, 1, perKey["reply:"+w+":0"], "exactly one reply to %s", w)
	}
	assert.Len(t, graph.Sent(), parents)
	var unknown, deadLetters int
	require.NoError(t, a.Pool.WithTenant(context.Background(), "alpha", func(tn *db.Tenant) error {
		if err := tn.ReadDB().QueryRowContext(context.Background(), `SELECT count(*) FROM chatbot_outbound WHERE status = 'unknown'`).Scan(&unknown); err != nil {
			return err
		}
		return tn.ReadDB().QueryRowContext(context.Background(), `SELECT count(*) FROM chatbot_dead_letters WHERE kind = 'outbound'`).Scan(&deadLetters)
	}))
	assert.Equal(t, cutOff, unknown, "the sends the kill cut off are marked unknown, not sent again")
	assert.Equal(t, cutOff, deadLetters, "and shown to staff")
}

// seedGuardians adds n guardians, each with one child, and returns their WhatsApp
// numbers.
func seedGuardians(t *testing.T, data, schema string, n int) []string {
	t.Helper()
	a := openData(t, data)
	var phones []string
	require.NoError(t, a.Pool.WithTenant(context.Background(), schema, func(tn *db.Tenant) error {
		return tn.Tx(context.Background(), func(_ *tenantdb.Queries, tx *sql.Tx) error {
			for i := range n {
				phone := fmt.Sprintf("2547110%05d", i)
				g, err := tx.Exec(`INSERT INTO guardians (name, phone) VALUES (?, ?)`, fmt.Sprintf("Parent %d", i), "+"+phone)
				if err != nil {
					return err
				}
				gid, _ := g.LastInsertId()
				s, err := tx.Exec(`INSERT INTO students (admission_no, first_name, last_name, gender) VALUES (?, ?, 'Kid', 'male')`,
					fmt.Sprintf("K%d", i), fmt.Sprintf("Child%d", i))
				if err != nil {
					return err
				}
				sid, _ := s.LastInsertId()
				if _, err := tx.Exec(`INSERT INTO student_guardians (student_id, guardian_id) VALUES (?, ?)`, sid, gid); err != nil {
					return err
				}
				phones = append(phones, phone)
			}
			return nil
		})
	}))
	return phones
}

// openData opens the data dir in this process, beside a running server, as the other
// commands do.
func openData(t *testing.T, data string) *app.App {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.DataDir = data
	a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	return a
}

// process is sms serve running as a child process.
type process struct {
	cmd    *exec.Cmd
	addr   string
	errOut *lockedBuffer
	done   chan struct{}
}

// startProcess runs sms serve in a child process (the test binary running
// TestSMSProcess) and waits until it listens.
func startProcess(t *testing.T, data string, env map[string]string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSMSProcess$", "--", "serve", "--addr", "127.0.0.1:0")
	cmd.Env = []string{"SMS_TEST_PROCESS=1", "SMS_DATA=" + data, "SMS_LOG_LEVEL=warn", "PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
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
	deadline := time.Now().Add(60 * time.Second)
	for p.addr == "" {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			p.addr = m[1]
			break
		}
		select {
		case <-p.done:
			t.Fatalf("sms serve exited: %s", p.errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		require.True(t, time.Now().Before(deadline), "sms serve did not start: %s", p.errOut.String())
	}
	return p
}

// kill ends the process with SIGKILL: no shutdown code runs.
func (p *process) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	<-p.done
}

// TestWhatsAppNumberMovesWithSchool: a school exported from one appliance and imported
// on another, or restored from a backup, keeps its number's map in the catalog, so the
// base-domain webhook finds it; a number another school has there stays that school's.
func TestWhatsAppNumberMovesWithSchool(t *testing.T) {
	t.Parallel()
	src := newDataDir(t)
	mustRun(t, src, "tenant", "create", "--schema", "alpha", "--name", "Alpha")
	mustRun(t, src, "whatsapp", "set", "--schema", "alpha", "--phone-number-id", "1001", "--app-secret", "s", "--verify-token", "v")
	file := filepath.Join(t.TempDir(), "alpha.tar.gz")
	mustRun(t, src, "tenant", "export", "alpha", file)

	schoolOf := func(data, number string) string {
		t.Helper()
		a := openData(t, data)
		row, err := a.Catalog.Read().WhatsAppSchoolByNumber(context.Background(), number)
		if errors.Is(err, sql.ErrNoRows) {
			return ""
		}
		require.NoError(t, err)
		return row.SchemaName
	}
	dst := newDataDir(t)
	mustRun(t, dst, "tenant", "import", file)
	assert.Equal(t, "alpha", schoolOf(dst, "1001"))
	assert.Contains(t, mustRun(t, dst, "whatsapp", "show", "--schema", "alpha"), "app secret:      set")

	taken := newDataDir(t)
	mustRun(t, taken, "tenant", "create", "--schema", "beta", "--name", "Beta")
	mustRun(t, taken, "whatsapp", "set", "--schema", "beta", "--phone-number-id", "1001")
	mustRun(t, taken, "tenant", "import", file)
	assert.Equal(t, "beta", schoolOf(taken, "1001"), "the number stays with the school that has it here")

	backup := filepath.Join(t.TempDir(), "b")
	mustRun(t, src, "backup", "--out", backup)
	mustRun(t, src, "whatsapp", "set", "--schema", "alpha", "--phone-number-id", "2002")
	mustRun(t, src, "restore", "--from", backup, "--schema", "alpha", "--force")
	assert.Equal(t, "alpha", schoolOf(src, "1001"), "restored with the school")
	assert.Equal(t, "", schoolOf(src, "2002"))
}
