// Package metrics is what an operator watches: requests by route and status, their
// latency, the school-file pool, write-lock waits, the JetStream queues and backups, in
// the Prometheus text format at /metrics.
package metrics

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/schoolsms/sms/db"
)

// Metrics holds the appliance's collectors in a registry of its own (nothing global, so
// tests and several servers in one process do not mix their counts).
type Metrics struct {
	Registry *prometheus.Registry

	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	backups  *prometheus.CounterVec
	outbound *prometheus.CounterVec
	dead     *prometheus.CounterVec
}

// New registers the collectors; pool may be nil (commands without a pool).
func New(pool *db.Pool) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sms_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sms_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		backups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sms_backups_total",
			Help: "Scheduled backups run, by result (ok, failed).",
		}, []string{"result"}),
		outbound: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sms_whatsapp_outbound_total",
			Help: "Messages sent to the WhatsApp Cloud API, by result: sent, or the API's error code.",
		}, []string{"result"}),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sms_jetstream_dead_letters_total",
			Help: "Messages a JetStream consumer gave up on after its maximum deliveries, by stream and consumer.",
		}, []string{"stream", "consumer"}),
	}
	m.Registry.MustRegister(m.requests, m.latency, m.backups, m.outbound, m.dead,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if pool != nil {
		m.Registry.MustRegister(poolCollector{pool})
	}
	return m
}

// Request counts one answered request. route is the route pattern ("" when none
// matched), so the number of series stays the number of routes.
func (m *Metrics) Request(route, method string, status int, took time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(took.Seconds())
}

// Backup counts one scheduled backup run.
func (m *Metrics) Backup(err error) {
	if err != nil {
		m.backups.WithLabelValues("failed").Inc()
		return
	}
	m.backups.WithLabelValues("ok").Inc()
}

// Outbound counts one message sent to WhatsApp: result is "sent" or the API's error code.
func (m *Metrics) Outbound(result string) {
	m.outbound.WithLabelValues(result).Inc()
}

var (
	poolOpen = prometheus.NewDesc("sms_pool_open_files",
		"School files open now.", nil, nil)
	poolInUse = prometheus.NewDesc("sms_pool_files_in_use",
		"School files with a request or worker using them now.", nil, nil)
	poolOpens = prometheus.NewDesc("sms_pool_opens_total",
		"School files opened since start.", nil, nil)
	poolEvictions = prometheus.NewDesc("sms_pool_evictions_total",
		"Idle school files closed to make room for another.", nil, nil)
	poolWaits = prometheus.NewDesc("sms_pool_waits_total",
		"Requests that waited because every open school file was in use.", nil, nil)
	writeWaits = prometheus.NewDesc("sms_write_lock_waits_total",
		"Write transactions that waited for their school's writer (another write of the same school was running).", nil, nil)
	writeWaitSeconds = prometheus.NewDesc("sms_write_lock_wait_seconds_total",
		"Time write transactions spent waiting for their school's writer.", nil, nil)
	walCheckpoints = prometheus.NewDesc("sms_wal_checkpoints_total",
		"Write-ahead log checkpoints of school files run in the background, off the writes' path.", nil, nil)
)

// poolCollector reads the pool's counters at each scrape.
type poolCollector struct{ pool *db.Pool }

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolOpen, poolInUse, poolOpens, poolEvictions, poolWaits, writeWaits, writeWaitSeconds, walCheckpoints} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stats()
	ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(s.Open))
	ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(s.InUse))
	ch <- prometheus.MustNewConstMetric(poolOpens, prometheus.CounterValue, float64(s.Opens))
	ch <- prometheus.MustNewConstMetric(poolEvictions, prometheus.CounterValue, float64(s.Evictions))
	ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(s.Waits))
	ch <- prometheus.MustNewConstMetric(writeWaits, prometheus.CounterValue, float64(s.WriteWaits))
	ch <- prometheus.MustNewConstMetric(writeWaitSeconds, prometheus.CounterValue, s.WriteWaitTime.Seconds())
	ch <- prometheus.MustNewConstMetric(walCheckpoints, prometheus.CounterValue, float64(s.Checkpoints))
}

// scrapeTimeout bounds what one scrape may spend asking JetStream about its streams.
const scrapeTimeout = 2 * time.Second

func scrapeContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), scrapeTimeout)
}
