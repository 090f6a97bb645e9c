package loadtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// fakeGraph stands in for the WhatsApp Cloud API's send endpoint on a loopback port: it
// accepts every message, answers with a new message id, and tells whoever waits for a
// message's callback data (the bot tags a reply with the message it answers) when it
// arrived. It checks nothing: the bot's own tests hold it to the API's rules.
type fakeGraph struct {
	URL string
	srv *http.Server
	// run makes the message ids of this fake unlike any an earlier run of a kept data
	// dir stored: WhatsApp never gives two messages one id, and the bot relies on it.
	run  string
	seq  atomic.Int64
	sent atomic.Int64

	mu      sync.Mutex
	waiting map[string]chan time.Time
}

func startFakeGraph() (*fakeGraph, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	g := &fakeGraph{URL: "http://" + ln.Addr().String(), waiting: map[string]chan time.Time{},
		run: strings.ToUpper(strconv.FormatInt(time.Now().UnixNano(), 36))}
	g.srv = &http.Server{Handler: http.HandlerFunc(g.serve), ReadHeaderTimeout: 10 * time.Second}
	go g.srv.Serve(ln)
	return g, nil
}

func (g *fakeGraph) close() { g.srv.Close() }

func (g *fakeGraph) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	w.Header().Set("Content-Type", "application/json")
	if !strings.HasSuffix(r.URL.Path, "/messages") {
		fmt.Fprintf(w, `{"id":"%d"}`, 900000+g.seq.Add(1))
		return
	}
	var body struct {
		To     string `json:"to"`
		Status string `json:"status"`
		Tag    string `json:"biz_opaque_callback_data"`
	}
	json.Unmarshal(raw, &body)
	if body.Status == "read" {
		io.WriteString(w, `{"success":true}`)
		return
	}
	g.sent.Add(1)
	if body.Tag != "" {
		g.mu.Lock()
		ch := g.waiting[body.Tag]
		delete(g.waiting, body.Tag)
		g.mu.Unlock()
		if ch != nil {
			ch <- time.Now()
		}
	}
	fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":%q,"wa_id":%q}],"messages":[{"id":"wamid.BENCH%s.%08d"}]}`,
		body.To, body.To, g.run, g.seq.Add(1))
}

// await returns a channel that receives the time the message tagged tag reaches the fake.
func (g *fakeGraph) await(tag string) chan time.Time {
	ch := make(chan time.Time, 1)
	g.mu.Lock()
	g.waiting[tag] = ch
	g.mu.Unlock()
	return ch
}

func (g *fakeGraph) forget(tag string) {
	g.mu.Lock()
	delete(g.waiting, tag)
	g.mu.Unlock()
}

// quiet waits until no message has arrived for a second (the bot has answered its
// backlog), at most limit, and returns how long it waited.
func (g *fakeGraph) quiet(limit time.Duration) time.Duration {
	start := time.Now()
	last := g.sent.Load()
	for time.Since(start) < limit {
		time.Sleep(time.Second)
		n := g.sent.Load()
		if n == last {
			break
		}
		last = n
	}
	return time.Since(start)
}
