package loadtest

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// outcome is how one request ended.
type outcome int

const (
	ok      outcome = iota
	limited         // 429: the server asked the client to slow down, as designed
	failed
)

// Conn is one client connection's request and response, reused for every request it
// sends (fasthttp's way of not allocating per request).
type Conn struct {
	hc   *fasthttp.HostClient
	Req  *fasthttp.Request
	Resp *fasthttp.Response
	ID   int // 0..conns-1
}

// Do sends the prepared request and returns its status.
func (c *Conn) Do() (int, error) {
	if err := c.hc.Do(c.Req, c.Resp); err != nil {
		return 0, err
	}
	return c.Resp.StatusCode(), nil
}

// step is one request of a scenario: prepare c.Req, send it, judge the answer. i counts
// the connection's requests from 0.
type step func(c *Conn, i int) (outcome, error)

// result is what a run measured.
type result struct {
	requests, errors, limited int64
	elapsed                   time.Duration
	cpu                       time.Duration   // the process's CPU time (user + system) during the run
	lat                       []time.Duration // sorted
	firstErr                  error
}

// drive runs step on conns connections to addr (host:port) until d has passed and
// records the latency of every request. A connection keeps going after an error, so a
// server that fails some requests shows an error count rather than a short run.
func drive(addr string, conns int, d time.Duration, fn step) result {
	return driveGroups(addr, conns, d, 1, func(int) int { return 0 }, fn)[0]
}

// driveGroups is drive with the connections split into groups (groupOf maps a
// connection to its group) measured apart, e.g. writers and readers of one run.
func driveGroups(addr string, conns int, d time.Duration, groups int, groupOf func(id int) int, fn step) []result {
	hc := &fasthttp.HostClient{Addr: addr, MaxConns: conns, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		MaxIdemponentCallAttempts: 1}
	var mu sync.Mutex
	rs := make([]result, groups)
	deadline := time.Now().Add(d)
	start, cpu0 := time.Now(), cpuTime()
	var wg sync.WaitGroup
	for id := range conns {
		wg.Go(func() {
			c := &Conn{hc: hc, Req: fasthttp.AcquireRequest(), Resp: fasthttp.AcquireResponse(), ID: id}
			defer fasthttp.ReleaseRequest(c.Req)
			defer fasthttp.ReleaseResponse(c.Resp)
			lat := make([]time.Duration, 0, 4096)
			var errs, lim int64
			var first error
			for i := 0; time.Now().Before(deadline); i++ {
				c.Req.Reset()
				c.Resp.Reset()
				t0 := time.Now()
				o, err := fn(c, i)
				lat = append(lat, time.Since(t0))
				switch o {
				case limited:
					lim++
				case failed:
					errs++
					if first == nil {
						first = err
					}
					// A refused connection fails at once: do not spin on it.
					if c.Resp.StatusCode() == 0 {
						time.Sleep(time.Millisecond)
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			r := &rs[groupOf(id)]
			r.lat = append(r.lat, lat...)
			r.errors += errs
			r.limited += lim
			if r.firstErr == nil {
				r.firstErr = first
			}
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	// Connections left open would count against the next run's open files.
	hc.CloseIdleConnections()
	for i := range rs {
		rs[i].elapsed, rs[i].cpu = elapsed, cpu
		rs[i].requests = int64(len(rs[i].lat))
		slices.Sort(rs[i].lat)
	}
	return rs
}

// pct is the p-th percentile (0 < p < 1) of sorted latencies: the smallest value at
// or above which no more than 1-p of them lie (nearest rank).
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// expect judges an answer: want is success, 429 is limited, anything else an error
// carrying the start of the body.
func expect(c *Conn, err error, status int, want int) (outcome, error) {
	switch {
	case err != nil:
		return failed, err
	case status == want:
		return ok, nil
	case status == fasthttp.StatusTooManyRequests:
		return limited, nil
	}
	return failed, fmt.Errorf("%s %s: status %d: %.200s", c.Req.Header.Method(), c.Req.URI().RequestURI(), status, c.Resp.Body())
}
