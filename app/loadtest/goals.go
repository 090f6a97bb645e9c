package loadtest

import (
	"fmt"
	"strings"
)

// goals holds a report's rows to the appliance's performance targets (on 2 cores at
// 32 connections); a target whose rows did not run is left out.
func goals(r Report, o Options) []Goal {
	var out []Goal
	find := func(name string) (Row, bool) {
		for _, x := range r.Rows {
			if x.Name == name {
				return x, true
			}
		}
		return Row{}, false
	}
	for _, q := range []string{"list", "search"} {
		routed, ok1 := find(q + " routed")
		bare, ok2 := find(q + " bare")
		if ok1 && ok2 && bare.ReqPerSec > 0 {
			ratio := routed.ReqPerSec / bare.ReqPerSec
			out = append(out, Goal{Goal: "routed " + q + " ≥ 0.85× bare handler, p99 < 5 ms",
				Value: fmt.Sprintf("%.2f×, p99 %.2f ms (%s)", ratio, routed.P99Ms, closedLoop(routed)),
				Met:   ratio >= 0.85 && routed.P99Ms < 5})
		}
	}
	for _, c := range o.Caps {
		one, ok1 := find(fmt.Sprintf("one school, cap %d", c))
		uni, ok2 := find(fmt.Sprintf("%d schools uniform, cap %d", o.Schools, c))
		if ok1 && ok2 && one.ReqPerSec > 0 {
			ratio := uni.ReqPerSec / one.ReqPerSec
			out = append(out, Goal{Goal: fmt.Sprintf("%d schools uniform ≥ 0.7× one school (cap %d)", o.Schools, c),
				Value: fmt.Sprintf("%.2f×", ratio), Met: ratio >= 0.7})
		}
		fds := 0
		for _, x := range r.Rows {
			if x.Scenario == ScenarioSchools && strings.HasSuffix(x.Name, fmt.Sprintf("cap %d", c)) {
				fds = max(fds, x.FDs)
			}
		}
		// The load generator's own sockets (one per connection) are in this process too;
		// they are not the server's.
		if ok1 {
			server := fds - o.Conns
			out = append(out, Goal{Goal: fmt.Sprintf("open FDs ≤ 4 × cap + 50 = %d (cap %d; the process's less the %d client sockets)", 4*c+50, c, o.Conns),
				Value: fmt.Sprintf("%d", server), Met: server <= 4*c+50})
		}
	}
	if x, ok := find("register save"); ok {
		var all []Row
		for _, y := range r.Rows {
			if y.Scenario == ScenarioAttendance {
				all = append(all, y)
			}
		}
		out = append(out, Goal{Goal: "register-save p99 < 20 ms under reads",
			Value: fmt.Sprintf("%.2f ms (%s)", x.P99Ms, closedLoop(all...)), Met: x.P99Ms < 20})
	}
	if x, ok := find("webhook ack"); ok {
		out = append(out, Goal{Goal: "≥ 3,000 webhooks/s acked with p99 < 20 ms",
			Value: fmt.Sprintf("%.0f/s, p99 %.2f ms", x.ReqPerSec, x.P99Ms), Met: x.ReqPerSec >= 3000 && x.P99Ms < 20})
	}
	if r.Target == "in-process" && len(r.Rows) > 0 {
		out = append(out, Goal{Goal: "RSS under 300 MB throughout", Value: fmt.Sprintf("%.0f MB at most", r.MaxRSSMB), Met: r.MaxRSSMB < 300})
	}
	return out
}

// closedLoop says what a run's rows allow of its latencies. Each connection sends its
// next request when the last is answered, so by Little's law the mean time a request
// takes is the connections over the rate they got, however the server spends it: a
// p99 far under that mean is out of reach at that rate.
func closedLoop(rows ...Row) string {
	conns, rate := 0, 0.0
	for _, x := range rows {
		conns, rate = conns+x.Conns, rate+x.ReqPerSec
	}
	if rate <= 0 {
		return "no requests answered"
	}
	return fmt.Sprintf("closed loop: %d connections at %.0f req/s, a mean of %.1f ms", conns, rate, 1000*float64(conns)/rate)
}
