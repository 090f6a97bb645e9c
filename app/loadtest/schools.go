package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// schools measures the student list of many schools at each pool cap: all traffic to
// one school (the baseline), then spread uniformly over every school, then Zipf-skewed
// (a few schools take most of it, as real use is). The appliance restarts per cap.
func (b *bench) schools(ctx context.Context) error {
	n := b.o.Schools
	start := time.Now()
	if err := buildMany(ctx, b.w.a, n, b.o.SchoolStudents, func(done int) { b.logf("  %d of %d schools ready", done, n) }); err != nil {
		return err
	}
	b.logf("  %d schools ready (%s)", n, time.Since(start).Round(time.Second))
	hosts, tokens := make([]string, n), make([]string, n)
	for i := range n {
		t, err := b.w.a.Clients.Get(ctx, manySchema(i))
		if err != nil {
			return err
		}
		hosts[i] = t.PrimaryDomain()
		if tokens[i], err = b.w.token(ctx, manySchema(i), "admin@"+manySchema(i)+".test"); err != nil {
			return err
		}
	}
	// Each connection draws schools from its own source: no lock between them.
	pick := func(kind string) step {
		var draw []func() int
		for id := range b.o.Conns {
			r := rand.New(rand.NewPCG(uint64(id), 2026))
			switch kind {
			case "one":
				draw = append(draw, func() int { return 0 })
			case "uniform":
				draw = append(draw, func() int { return r.IntN(n) })
			default:
				if n == 1 {
					draw = append(draw, func() int { return 0 })
					continue
				}
				z := rand.NewZipf(r, 1.1, 1, uint64(n-1))
				draw = append(draw, func() int { return int(z.Uint64()) })
			}
		}
		return func(c *Conn, i int) (outcome, error) {
			k := draw[c.ID]()
			c.Req.SetRequestURI(listPath)
			c.Req.SetHost(hosts[k])
			c.Req.Header.Set("Authorization", "Bearer "+tokens[k])
			status, err := c.Do()
			return expect(c, err, status, 200)
		}
	}
	for _, poolCap := range b.o.Caps {
		if err := b.restart(ctx, poolCap); err != nil {
			return err
		}
		b.settle(ctx)
		opened := func(name string, run func() Row) Row {
			before := b.w.a.Pool.Stats().Opens
			row := run()
			if opens := b.w.a.Pool.Stats().Opens - before; row.Requests > 0 {
				b.note(name, "%d file opens (%.0f%% of requests)", opens, 100*float64(opens)/float64(row.Requests))
			}
			return row
		}
		oneName := fmt.Sprintf("one school, cap %d", poolCap)
		one := opened(oneName, func() Row { r, _ := b.measure(ScenarioSchools, oneName, b.w.addr, pick("one")); return r })
		for _, kind := range []string{"uniform", "zipf"} {
			name := fmt.Sprintf("%d schools %s, cap %d", n, kind, poolCap)
			row := opened(name, func() Row { r, _ := b.measure(ScenarioSchools, name, b.w.addr, pick(kind)); return r })
			if one.ReqPerSec > 0 && row.CPUPerReqUs > 0 {
				b.note(name, "%.2f× one school (by CPU per request %.2f×)", row.ReqPerSec/one.ReqPerSec, one.CPUPerReqUs/row.CPUPerReqUs)
			}
		}
	}
	return nil
}

// settle waits, without traffic, until the appliance has stopped opening school files
// (its outbox relay visits every school when it starts), so a run measures its own
// traffic; at most two minutes.
func (b *bench) settle(ctx context.Context) {
	start := time.Now()
	last, still := b.w.a.Pool.Stats().Opens, 0
	for still < 2 && time.Since(start) < 2*time.Minute && ctx.Err() == nil {
		time.Sleep(500 * time.Millisecond)
		n := b.w.a.Pool.Stats().Opens
		if n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
	b.logf("  started with cap %d; its startup opened %d school files in %s", b.w.a.Config.PoolCap, last, time.Since(start).Round(100*time.Millisecond))
}
