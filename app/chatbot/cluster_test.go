package chatbot_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/chatbot"
	"github.com/schoolsms/sms/app/events"
)

// TestClusterWithReplicas: with --nats-url naming a three-node NATS cluster and
// --nats-replicas 3, the appliance creates its streams with three replicas and the bot
// works through them.
func TestClusterWithReplicas(t *testing.T) {
	t.Parallel()
	urls, _, js := startCluster(t)

	w := newWorld(t, func(a *app.App) {
		a.Config.NATSURL = strings.Join(urls, ",")
		a.Chatbot.Options.Replicas = 3
	})
	a := w.addSchool("alpha", "1001")
	w.guardian(a, "Amina", "+254711000001", "Ana")
	w.send(a, "254711000001", "wamid.c1", "hi")
	assert.Contains(t, body(w.nth("254711000001", 1)), "know about Ana?")
	for _, name := range []string{chatbot.WorkStream, events.Stream} {
		s, err := js.Stream(context.Background(), name)
		require.NoError(t, err)
		info, err := s.Info(context.Background())
		require.NoError(t, err)
		assert.Equal(t, 3, info.Config.Replicas, name)
	}
}

// startCluster runs a three-node NATS cluster with JetStream on loopback ports, waits
// for its JetStream leader, and returns the client URLs, the servers (by name n0, n1,
// n2) and a JetStream client of the test's own.
func startCluster(t *testing.T) ([]string, map[string]*server.Server, jetstream.JetStream) {
	t.Helper()
	ports := freePorts(t, 3)
	var routes []*url.URL
	for _, p := range ports {
		routes = append(routes, &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", p)})
	}
	var urls []string
	servers := map[string]*server.Server{}
	for i := range 3 {
		name := fmt.Sprintf("n%d", i)
		ns, err := server.NewServer(&server.Options{ServerName: name, Host: "127.0.0.1", Port: -1,
			JetStream: true, StoreDir: t.TempDir(), NoSigs: true,
			Cluster: server.ClusterOpts{Name: "sms", Host: "127.0.0.1", Port: ports[i]}, Routes: routes})
		require.NoError(t, err)
		go ns.Start()
		t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
		require.True(t, ns.ReadyForConnections(20*time.Second))
		urls = append(urls, ns.ClientURL())
		servers[name] = ns
	}
	// JetStream needs a meta leader before streams can be made.
	nc, err := nats.Connect(strings.Join(urls, ","), nats.MaxReconnects(-1))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := js.AccountInfo(context.Background()); err == nil {
			break
		}
		require.True(t, time.Now().Before(deadline), "the cluster never elected a JetStream leader")
		time.Sleep(100 * time.Millisecond)
	}
	return urls, servers, js
}

// freePorts finds n loopback ports nothing listens on now.
func freePorts(t *testing.T, n int) []int {
	var out []int
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		lns = append(lns, ln)
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}
