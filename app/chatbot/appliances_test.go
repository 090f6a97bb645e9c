package chatbot_test

import (
	"context"
	"database/sql"
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
