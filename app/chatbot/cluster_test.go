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
	ports := freePorts(t, 3)
	var routes []*url.URL
	for _, p := range ports {
		routes = append(routes, &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", p)})
	}
	var urls []string
	for i := range 3 {
		ns, err := server.NewServer(&server.Options{ServerName: fmt.Sprintf("n%d", i), Host: "127.0.0.1", Port: -1,
			JetStream: true, StoreDir: t.TempDir(), NoSigs: true,
			Cluster: server.ClusterOpts{Name: "sms", Host: "127.0.0.1", Port: ports[i]}, Routes: routes})
		require.NoError(t, err)
		go ns.Start()
		t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
		require.True(t, ns.ReadyForConnections(20*time.Second))
		urls = append(urls, ns.ClientURL())
	}
	// JetStream needs a meta leader before streams can be made.
	nc, err := nats.Connect(strings.Join(urls, ","))
	require.NoError(t, err)
	defer nc.Close()
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
