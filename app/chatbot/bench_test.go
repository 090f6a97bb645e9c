package chatbot_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/chatbot/whatsapp/whatsapptest"
)

// The benchmarks run the whole appliance (HTTP, embedded NATS, the worker answering
// every message) on a loopback port and report throughput and latency percentiles:
//
//	go test -run '^$' -bench 'Webhook' -benchtime 20000x ./app/chatbot/
//
// They are not run by go test ./... and assert nothing about the numbers.

const benchConns = 32

// benchWorld is a school with 500 known guardians (so every message is answered with
// the menu, as in real use).
func benchWorld(b *testing.B) (*world, *school, []string) {
	w := newWorldB(b)
	sc := w.addSchool("alpha", "1001")
	var phones []string
	for i := range 500 {
		phone := fmt.Sprintf("2547%08d", i)
		w.guardian(sc, fmt.Sprintf("Parent %d", i), "+"+phone, fmt.Sprintf("Kid%d", i))
		phones = append(phones, phone)
	}
	return w, sc, phones
}

func signed(sc *school, phone, wamid string) []byte {
	return webhook(map[string][]map[string]any{sc.number: {text(phone, wamid, "hi")}})
}

func client() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchConns, MaxConnsPerHost: benchConns}, Timeout: 30 * time.Second}
}

func post(c *http.Client, w *world, sc *school, body []byte) (time.Duration, error) {
	req, _ := http.NewRequest("POST", w.s.URL+"/webhooks/whatsapp", bytes.NewReader(body))
	req.Host = "localhost"
	req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign(sc.secret, body))
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body) // read to the end, or the connection is not reused
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	return time.Since(start), nil
}

// warm opens the client's connections, one request on each at once, before the clock
// starts: a connection's setup and a school's first requests (statements prepared,
// pages read) are a start's cost, not the steady state measured. Each warm-up message
// comes from a guardian of its own, so with the worker running it is answered too.
func warm(b *testing.B, c *http.Client, w *world, sc *school, phones []string) {
	b.Helper()
	var wg sync.WaitGroup
	for g := range benchConns {
		wg.Go(func() {
			if _, err := post(c, w, sc, signed(sc, phones[g%len(phones)], fmt.Sprintf("wamid.warm%03d", g))); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
}

func report(b *testing.B, name string, lat []time.Duration, elapsed time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)]) / float64(time.Millisecond) }
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), name+"/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkWebhookAck: signed webhooks (one new message each) acknowledged per second,
// and their latency, at 32 connections, while the worker answers them.
func BenchmarkWebhookAck(b *testing.B) {
	w, sc, phones := benchWorld(b)
	benchAcks(b, w, sc, phones)
}

// BenchmarkWebhookAckStoreOnly is BenchmarkWebhookAck with no worker running (the
// appliance without NATS): what storing a webhook alone costs.
func BenchmarkWebhookAckStoreOnly(b *testing.B) {
	w := &world{t: b, graph: whatsapptest.New(b), att: &attendance{absent: map[string]bool{}}}
	w.s = apptest.Start(b)
	w.bot = w.s.App.Chatbot
	sc := w.addSchool("alpha", "1001")
	var phones []string
	for i := range 500 {
		phones = append(phones, fmt.Sprintf("2547%08d", i))
	}
	benchAcks(b, w, sc, phones)
}

func benchAcks(b *testing.B, w *world, sc *school, phones []string) {
	c := client()
	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i] = signed(sc, phones[i%len(phones)], fmt.Sprintf("wamid.bench%08d", i))
	}
	warm(b, c, w, sc, phones)
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range benchConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				d, err := post(c, w, sc, bodies[i])
				if err != nil {
					failed.Add(1)
				}
				lat[i] = d
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d requests failed", failed.Load())
	}
	report(b, "acks", lat, elapsed)
}

// BenchmarkWebhookToReply: from posting a message to the reply reaching the (fake)
// Graph API, with 32 guardians writing at once, each waiting for its answer before
// writing again. No language model.
func BenchmarkWebhookToReply(b *testing.B) {
	w, sc, phones := benchWorld(b)
	c := client()
	var dups atomic.Int64
	var mu sync.Mutex
	waiting := map[string]chan time.Time{}
	w.graph.OnSend(func(s whatsapptest.Sent) {
		mu.Lock()
		ch := waiting[s.Message.BizOpaqueCallbackData]
		mu.Unlock()
		if ch != nil {
			select {
			case ch <- s.At:
			default:
				dups.Add(1) // a second send of one reply: it must never happen
			}
		}
	})
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for g := range benchConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				wamid := fmt.Sprintf("wamid.rt%08d", i)
				ch := make(chan time.Time, 1)
				mu.Lock()
				waiting["reply:"+wamid+":0"] = ch
				mu.Unlock()
				sent := time.Now()
				if _, err := post(c, w, sc, signed(sc, phones[g+benchConns*(i%(len(phones)/benchConns))], wamid)); err != nil {
					b.Error(err)
					return
				}
				select {
				case at := <-ch:
					lat[i] = at.Sub(sent)
				case <-time.After(30 * time.Second):
					b.Errorf("no reply to %s; logs:\n%s", wamid, w.s.Logs())
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if dups.Load() > 0 {
		b.Errorf("%d replies sent twice", dups.Load())
	}
	report(b, "replies", lat, elapsed)
}
