package metrics

import (
	"encoding/json"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// maxDeliveriesAdvisories is where the server says a consumer gave up on a message
// ($JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>).
const maxDeliveriesAdvisories = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>"

// WatchJetStream adds the queues to the metrics while NATS is up: each stream's stored
// messages and each consumer's pending, unacknowledged and redelivered messages, read at
// each scrape, and the dead letters counted from the server's advisories. stop removes
// them again before NATS closes.
func (m *Metrics) WatchJetStream(nc *nats.Conn, js jetstream.JetStream) (stop func(), err error) {
	sub, err := nc.Subscribe(maxDeliveriesAdvisories, func(msg *nats.Msg) {
		var a struct {
			Stream   string `json:"stream"`
			Consumer string `json:"consumer"`
		}
		if json.Unmarshal(msg.Data, &a) == nil && a.Stream != "" {
			m.dead.WithLabelValues(a.Stream, a.Consumer).Inc()
		}
	})
	if err != nil {
		return nil, err
	}
	c := jetStreamCollector{js}
	if err := m.Registry.Register(c); err != nil {
		sub.Unsubscribe()
		return nil, err
	}
	return func() {
		m.Registry.Unregister(c)
		sub.Unsubscribe()
	}, nil
}

var (
	streamMessages = prometheus.NewDesc("sms_jetstream_stream_messages",
		"Messages stored in a JetStream stream (for a work queue: waiting to be handled).", []string{"stream"}, nil)
	consumerPending = prometheus.NewDesc("sms_jetstream_consumer_pending",
		"Messages a consumer has not been given yet.", []string{"stream", "consumer"}, nil)
	consumerAckPending = prometheus.NewDesc("sms_jetstream_consumer_ack_pending",
		"Messages given to a consumer and not acknowledged yet.", []string{"stream", "consumer"}, nil)
	consumerRedelivered = prometheus.NewDesc("sms_jetstream_consumer_redelivered",
		"Messages given to a consumer more than once and not acknowledged yet.", []string{"stream", "consumer"}, nil)
)

type jetStreamCollector struct{ js jetstream.JetStream }

func (c jetStreamCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{streamMessages, consumerPending, consumerAckPending, consumerRedelivered} {
		ch <- d
	}
}

func (c jetStreamCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := scrapeContext()
	defer cancel()
	streams := c.js.ListStreams(ctx)
	var names []string
	for si := range streams.Info() {
		names = append(names, si.Config.Name)
		ch <- prometheus.MustNewConstMetric(streamMessages, prometheus.GaugeValue, float64(si.State.Msgs), si.Config.Name)
	}
	for _, name := range names {
		s, err := c.js.Stream(ctx, name)
		if err != nil {
			continue
		}
		consumers := s.ListConsumers(ctx)
		for ci := range consumers.Info() {
			ch <- prometheus.MustNewConstMetric(consumerPending, prometheus.GaugeValue, float64(ci.NumPending), name, ci.Name)
			ch <- prometheus.MustNewConstMetric(consumerAckPending, prometheus.GaugeValue, float64(ci.NumAckPending), name, ci.Name)
			ch <- prometheus.MustNewConstMetric(consumerRedelivered, prometheus.GaugeValue, float64(ci.NumRedelivered), name, ci.Name)
		}
	}
}
