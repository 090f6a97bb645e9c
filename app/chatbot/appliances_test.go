package chatbot_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/chatbot"
	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/chatbot/whatsapp/whatsapptest"
	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/db"
)

// applianceWorld is one appliance of a cluster: its own data dir and catalog, named
// name, on the cluster at urls, sending to a Graph API fake shared with the others.
func applianceWorld(t *testing.T, graph *whatsapptest.Server, name string, urls []string, setup func(a *app.App)) *world {
	t.Helper()
	w := &world{t: t, graph: graph, att: &attendance{absent: map[string]bool{}}}
	w.s = apptest.Serve(t, func(a *app.App) {
		a.Chatbot.Options = testOptions
		a.Chatbot.Options.Replicas = 3
		a.Chatbot.Attendance = w.att
		a.Config.NATSURL = strings.Join(urls, ",")
		a.Config.NATSReplicas = 3
		a.Config.Appliance = name
		a.Chatbot.Appliance = name
		if setup != nil {
			setup(a)
		}
		w.bot = a.Chatbot
	})
	return w
}

// TestTwoAppliancesShareACluster: two appliances with their own data dirs share a
// three-node NATS cluster (JetStream replicas 3), each holding two schools; appliance A
// also keeps a copy of one of B's schools, placed on B (as a move leaves it). Webhooks
// of all four schools are posted to both appliances, as a proxy in front of them
// would, and the stream's leader node is stopped half-way. Every webhook answered 200
// is answered exactly once to the phone, in the order the phone wrote, by the
// appliance holding the school: nothing of it is in the other appliance's files.
func TestTwoAppliancesShareACluster(t *testing.T) {
	t.Parallel()
	urls, servers, js := startCluster(t)
	graph := whatsapptest.New(t)
	ctx := context.Background()

	a := applianceWorld(t, graph, "box-a", urls, func(a *app.App) {
		// gamma's old copy on A, placed on box-b before A starts, with the same number
		// and secret: storing a message here would succeed, so only placement stops it.
		_, err := a.Clients.Create(ctx, clients.CreateInput{Schema: "gamma", Name: "Gamma (old copy)"})
		require.NoError(t, err)
		require.NoError(t, a.Pool.WithTenant(ctx, "gamma", func(tn *db.Tenant) error {
			_, err := a.Chatbot.SaveSettings(ctx, tn, chatbot.SettingsInput{PhoneNumberID: ptr("3003"), AccessToken: ptr("token-of-gamma"),
				AppSecret: ptr("secret-of-gamma"), VerifyToken: ptr("verify-gamma"), GraphURL: ptr(graph.URL)}, auth.Meta{})
			return err
		}))
		_, err = a.Clients.Place(ctx, "gamma", "box-b")
		require.NoError(t, err)
	})
	b := applianceWorld(t, graph, "box-b", urls, nil)

	type phone struct {
		w      *world // the appliance holding its school
		sc     *school
		number string
		wamids []string
	}
	var phones []*phone
	for i, s := range []struct {
		w      *world
		schema string
	}{{a, "alpha"}, {a, "beta"}, {b, "gamma"}, {b, "delta"}} {
		sc := s.w.addSchool(s.schema, strconv.Itoa(3001+i))
		for k := range 2 {
			number := fmt.Sprintf("2547%02d%06d", i, k)
			s.w.guardian(sc, "Parent", "+"+number, "Child")
			phones = append(phones, &phone{w: s.w, sc: sc, number: number})
		}
	}
	status, _, raw := a.s.Client("gamma.localhost", "").Do("GET", "/api/tenant", "", nil)
	assert.Equal(t, http.StatusMisdirectedRequest, status, "A does not serve gamma's pages: %s", raw)

	// post sends one webhook to an appliance until it is answered 200, as Meta retries.
	post := func(to *world, p *phone, n int) {
		wamid := fmt.Sprintf("wamid.%s.%d", p.number, n)
		msg := text(p.number, wamid, "menu")
		msg["timestamp"] = strconv.FormatInt(time.Now().Unix()-100+int64(n), 10) // the phone's order
		body := webhook(map[string][]map[string]any{p.sc.number: {msg}})
		deadline := time.Now().Add(60 * time.Second)
		for {
			status, resp := to.post("localhost", body, whatsapp.Sign(p.sc.secret, body))
			if status == 200 {
				p.wamids = append(p.wamids, wamid)
				return
			}
			require.Contains(t, []int{502, 503, 504}, status, "only a passing failure may refuse a webhook: %v", resp)
			require.True(t, time.Now().Before(deadline), "webhook %s never accepted: %v", wamid, resp)
			time.Sleep(50 * time.Millisecond)
		}
	}
	const perPhone = 6
	round := func(from, to int) {
		var wg sync.WaitGroup
		for i, p := range phones {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := from; n < to; n++ {
					post([]*world{a, b}[(i+n)%2], p, n) // every school's webhooks reach both appliances
				}
			}()
		}
		wg.Wait()
	}
	round(0, perPhone/2)

	// Stop the node leading the work stream, mid-stream.
	st, err := js.Stream(ctx, chatbot.WorkStream)
	require.NoError(t, err)
	info, err := st.Info(ctx)
	require.NoError(t, err)
	require.NotNil(t, info.Cluster)
	leader := servers[info.Cluster.Leader]
	require.NotNil(t, leader, "leader %q", info.Cluster.Leader)
	leader.Shutdown()
	leader.WaitForShutdown()

	round(perPhone/2, perPhone)

	for _, p := range phones {
		p.w.waitRows(p.sc.schema, "chatbot_inbound", "phone = ? AND state = 'handled'", perPhone, p.number)
		p.w.waitRows(p.sc.schema, "chatbot_outbound", "phone = ? AND status = 'sent'", perPhone, p.number)
	}
	for _, p := range phones {
		replyTo := p.w.column(p.sc.schema, `SELECT reply_to FROM chatbot_outbound WHERE phone = ? ORDER BY id`, p.number)
		assert.Equal(t, p.wamids, replyTo, "%s: one reply per message, in the phone's order", p.number)
		sent := graph.SentTo(p.number)
		assert.Len(t, sent, perPhone, "%s: the phone got each reply once", p.number)
		for _, m := range sent {
			assert.Equal(t, p.sc.number, m.PhoneNumberID, "%s answered from its school's number", p.number)
		}
		other := a
		if p.w == a {
			other = b
		}
		if p.sc.schema == "gamma" {
			assert.Zero(t, other.count("gamma", "chatbot_inbound", ""), "A's old copy of gamma stored nothing")
			assert.Zero(t, other.count("gamma", "chatbot_outbound", ""), "A's old copy of gamma sent nothing")
			assert.Zero(t, other.count("gamma", "chatbot_conversations", ""))
		} else {
			_, err := other.s.App.Clients.Get(ctx, p.sc.schema)
			assert.Error(t, err, "%s is not in the other appliance's catalog", p.sc.schema)
			assert.NoFileExists(t, other.s.App.Pool.Path(p.sc.schema), "nor in its files")
		}
	}
	assert.Len(t, graph.Sent(), len(phones)*perPhone, "nothing else was sent")
}

func ptr(s string) *string { return &s }

// column reads one text column of a query's rows in a school's file.
func (w *world) column(schema, query string, args ...any) []string {
	w.t.Helper()
	var out []string
	w.s.WithSchool(schema, func(t *db.Tenant) error {
		rows, err := t.ReadDB().QueryContext(context.Background(), query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s sql.NullString
			if err := rows.Scan(&s); err != nil {
				return err
			}
			out = append(out, s.String)
		}
		return rows.Err()
	})
	return out
}

// TestWebhookForAnotherAppliance: a webhook that reaches an appliance not holding its
// school is answered with what the holder said: 200 once stored there, 401 for a
// wrong signature (nothing stored). No holder (a number nobody has, a school placed on
// an appliance that is not running) is 503 with Retry-After, so Meta retries, and
// nothing is stored anywhere.
func TestWebhookForAnotherAppliance(t *testing.T) {
	t.Parallel()
	url, _ := startNATS(t)
	graph := whatsapptest.New(t)
	holder := applianceWorld(t, graph, "box-a", []string{url}, func(a *app.App) { a.Chatbot.Options.Replicas = 1; a.Config.NATSReplicas = 1 })
	front := applianceWorld(t, graph, "box-b", []string{url}, func(a *app.App) { a.Chatbot.Options.Replicas = 1; a.Config.NATSReplicas = 1 })
	sc := holder.addSchool("alpha", "4001")
	holder.guardian(sc, "Amina", "+254711000009", "Ana")

	postTo := func(w *world, number, secret, wamid string) (int, http.Header, map[string]any) {
		body := webhook(map[string][]map[string]any{number: {text("254711000009", wamid, "menu")}})
		req, err := http.NewRequest("POST", w.s.URL+"/webhooks/whatsapp", strings.NewReader(string(body)))
		require.NoError(t, err)
		req.Host = "localhost"
		req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign(secret, body))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, resp.Header, m
	}
	// The holder subscribes to its new number within a second of saving it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, _, m := postTo(front, "4001", sc.secret, "wamid.f1")
		if status == 200 {
			assert.EqualValues(t, 1, m["messages"], "%v", m)
			break
		}
		require.Equal(t, 503, status, "%v", m)
		require.True(t, time.Now().Before(deadline), "never forwarded: %v", m)
		time.Sleep(50 * time.Millisecond)
	}
	holder.waitRows("alpha", "chatbot_outbound", "status = 'sent'", 1)
	assert.Equal(t, 1, holder.count("alpha", "chatbot_inbound", ""))

	status, _, m := postTo(front, "4001", "not-the-secret", "wamid.f2")
	assert.Equal(t, 401, status, "%v", m)
	assert.Equal(t, "unauthorized", errorCodeOf(m))

	status, hdr, m := postTo(front, "4999", "whatever", "wamid.f3")
	assert.Equal(t, 503, status, "a number no appliance holds: %v", m)
	assert.NotEmpty(t, hdr.Get("Retry-After"))

	_, err := holder.s.App.Clients.Place(context.Background(), "alpha", "box-c") // an appliance not running
	require.NoError(t, err)
	for _, w := range []*world{front, holder} {
		deadline := time.Now().Add(30 * time.Second)
		for {
			status, hdr, m = postTo(w, "4001", sc.secret, "wamid.f4")
			if status == 503 {
				assert.NotEmpty(t, hdr.Get("Retry-After"))
				break
			}
			require.True(t, time.Now().Before(deadline), "still taken after the school was placed away: %d %v", status, m)
			time.Sleep(50 * time.Millisecond)
		}
	}
	assert.Equal(t, 1, holder.count("alpha", "chatbot_inbound", ""), "nothing stored but the first message")
	_, err = front.s.App.Clients.Get(context.Background(), "alpha")
	assert.Error(t, err, "the front never learnt of alpha")
}

func errorCodeOf(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}
