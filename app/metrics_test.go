package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// metricLine finds the sample line of a metric with all the given label pairs.
func metricLine(body, name string, labels ...string) string {
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		all := true
		for _, l := range labels {
			all = all && strings.Contains(line, l)
		}
		if all {
			return line
		}
	}
	return ""
}

func scrape(t *testing.T, s *testServer, headers ...string) (int, string) {
	t.Helper()
	return getRaw(t, s, "localhost", "/metrics", headers...)
}

func TestMetrics(t *testing.T) {
	cfg := testConfig(t, t.TempDir(), 2)
	cfg.BackupEvery = time.Hour // the first run is due at once
	a := openTestApp(t, cfg)
	createSchool(t, a, "alpha", "Alpha School")
	srv, s := runServer(t, a)

	for range 3 {
		status, _ := get(t, s, "alpha.localhost", "/api/tenant")
		require.Equal(t, 200, status)
	}
	status, _ := get(t, s, "alpha.localhost", "/no/such/page")
	require.Equal(t, 404, status)

	// A work queue whose consumer gives up on a message after two deliveries.
	js, err := srv.nats.Load().JetStream()
	require.NoError(t, err)
	ctx := context.Background()
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "PROBE", Subjects: []string{"probe.>"}, Retention: jetstream.WorkQueuePolicy})
	require.NoError(t, err)
	cons, err := js.CreateConsumer(ctx, "PROBE", jetstream.ConsumerConfig{Durable: "worker", AckPolicy: jetstream.AckExplicitPolicy, MaxDeliver: 2})
	require.NoError(t, err)
	_, err = js.Publish(ctx, "probe.a", []byte("x"))
	require.NoError(t, err)
	for range 3 { // refused twice, then the server gives up on it: a dead letter
		msgs, err := cons.Fetch(1, jetstream.FetchMaxWait(500*time.Millisecond))
		require.NoError(t, err)
		for m := range msgs.Messages() {
			require.NoError(t, m.Nak())
		}
	}
	for _, subj := range []string{"probe.b", "probe.c"} {
		_, err = js.Publish(ctx, subj, []byte("x"))
		require.NoError(t, err)
	}

	var body string
	eventually(t, func() bool {
		status, body = scrape(t, s)
		return status == 200 && metricLine(body, "sms_backups_total", `result="ok"`) != "" &&
			metricLine(body, "sms_jetstream_dead_letters_total", `stream="PROBE"`) != ""
	})
	assert.Equal(t, `sms_http_requests_total{method="GET",route="/api/tenant",status="200"} 3`,
		metricLine(body, "sms_http_requests_total", `route="/api/tenant"`), "requests by route, not by school or path")
	assert.NotEmpty(t, metricLine(body, "sms_http_requests_total", `route="unmatched"`, `status="404"`))
	assert.NotContains(t, body, "/no/such/page", "paths never become labels")
	assert.NotEmpty(t, metricLine(body, "sms_http_request_duration_seconds_bucket", `route="/api/tenant"`))
	assert.Equal(t, "sms_pool_open_files 1", metricLine(body, "sms_pool_open_files"))
	for _, name := range []string{"sms_pool_evictions_total", "sms_pool_waits_total", "sms_write_lock_waits_total",
		"sms_write_lock_wait_seconds_total", "sms_wal_checkpoints_total", "process_resident_memory_bytes", "process_open_fds", "go_goroutines"} {
		assert.NotEmpty(t, metricLine(body, name), name)
	}
	assert.Equal(t, `sms_jetstream_stream_messages{stream="PROBE"} 3`, metricLine(body, "sms_jetstream_stream_messages", `stream="PROBE"`))
	assert.Equal(t, `sms_jetstream_consumer_pending{consumer="worker",stream="PROBE"} 2`, metricLine(body, "sms_jetstream_consumer_pending", `stream="PROBE"`))
	assert.Equal(t, `sms_jetstream_dead_letters_total{consumer="worker",stream="PROBE"} 1`, metricLine(body, "sms_jetstream_dead_letters_total"))
	assert.Equal(t, `sms_backups_total{result="ok"} 1`, metricLine(body, "sms_backups_total"))
}

func TestMetricsAreOnlyForThisMachineOrTheToken(t *testing.T) {
	t.Run("no token", func(t *testing.T) {
		a := openTestApp(t, testConfig(t, t.TempDir(), 2))
		s := startServer(t, a)
		status, _ := scrape(t, s)
		assert.Equal(t, 200, status, "a local scraper")
		for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-IP", "Via"} {
			status, body := scrape(t, s, h, "203.0.113.9")
			assert.Equal(t, 403, status, "%s: a proxy on this machine relays other machines' requests", h)
			assert.NotContains(t, body, "sms_http_requests_total")
		}
		status, _ = scrape(t, s, "X-Forwarded-For", "203.0.113.9", "Authorization", "Bearer ")
		assert.Equal(t, 403, status, "an empty token is no token")
	})
	t.Run("token", func(t *testing.T) {
		cfg := testConfig(t, t.TempDir(), 2)
		cfg.MetricsToken = "s3cret-scraper"
		a := openTestApp(t, cfg)
		s := startServer(t, a)
		status, body := scrape(t, s, "X-Forwarded-For", "203.0.113.9", "Authorization", "Bearer s3cret-scraper")
		assert.Equal(t, 200, status)
		assert.Contains(t, body, "sms_pool_open_files")
		status, _ = scrape(t, s, "X-Forwarded-For", "203.0.113.9", "Authorization", "Bearer wrong")
		assert.Equal(t, 403, status)
	})
}
