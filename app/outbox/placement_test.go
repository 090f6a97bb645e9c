package outbox

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

	"github.com/schoolsms/sms/app/events"
	"github.com/schoolsms/sms/db/catalogdb"
)

// TestRelayOnlyPlacedSchools: an appliance relays the outboxes of the schools placed
// on it (by name or on "") and leaves a school placed on another appliance alone, by
// sweep and by a direct flush, so an event leaves from the one file that is live.
func TestRelayOnlyPlacedSchools(t *testing.T) {
	w := newWorld(t, "here", "named", "away")
	w.embedded()
	for schema, appliance := range map[string]string{"named": "box-a", "away": "box-b"} {
		require.NoError(t, w.cat.Tx(w.ctx, func(q *catalogdb.Queries) error {
			_, err := q.SetTenantAppliance(w.ctx, catalogdb.SetTenantApplianceParams{Appliance: appliance, SchemaName: schema})
			return err
		}))
	}
	here, named, away := w.writeQuietly("here", 2), w.writeQuietly("named", 3), w.writeQuietly("away", 4)

	r := w.relay()
	r.Appliance = "box-a"
	r.Sweep(w.ctx)
	n, err := r.Flush(w.ctx, "away")
	require.NoError(t, err)
	assert.Zero(t, n, "a school placed elsewhere has nothing to relay here")

	got := w.consume()
	assert.Len(t, got.events, len(here)+len(named))
	for _, id := range append(here, named...) {
		assert.Contains(t, got.events, id)
	}
	assert.Empty(t, w.unsent("here"))
	assert.Empty(t, w.unsent("named"))
	assert.ElementsMatch(t, away, w.unsent("away"), "left for the appliance holding it")
}

// TestRelayKeepsTheStreamReplicas: on a three-node cluster whose events stream has
// three replicas (the bot made it so, with --nats-replicas 3), starting the relay must
// not scale the stream down to one replica, which a node's loss would then lose.
func TestRelayKeepsTheStreamReplicas(t *testing.T) {
	w := newWorld(t, "here")
	js := threeNodes(t)
	w.js = js
	_, err := events.EnsureStream(w.ctx, js, 3)
	require.NoError(t, err)

	r := w.relay()
	r.Replicas = 3 // what the server gives the relay (module.Runtime) from --nats-replicas
	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	// The relay has made sure of the stream once it relayed this event.
	ids := w.write("here", 1)
	deadline := time.Now().Add(60 * time.Second)
	for len(w.unsent("here")) > 0 {
		require.True(t, time.Now().Before(deadline), "event %s never relayed", ids[0])
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	require.NoError(t, <-done)

	s, err := js.Stream(w.ctx, events.Stream)
	require.NoError(t, err)
	info, err := s.Info(w.ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, info.Config.Replicas)
}

// threeNodes runs a three-node NATS cluster with JetStream on loopback and returns a
// client of it once it has a JetStream leader.
func threeNodes(t *testing.T) jetstream.JetStream {
	t.Helper()
	var ports []int
	var lns []net.Listener
	for range 3 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
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
	nc, err := nats.Connect(strings.Join(urls, ","), nats.MaxReconnects(-1))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := js.AccountInfo(context.Background()); err == nil {
			return js
		}
		require.True(t, time.Now().Before(deadline), "the cluster never elected a JetStream leader")
		time.Sleep(100 * time.Millisecond)
	}
}
