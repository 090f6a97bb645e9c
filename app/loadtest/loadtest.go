// Package loadtest is the appliance's load tool (sms bench): it builds schools with
// realistic data in a data directory, serves them from this process exactly as sms
// serve does, drives named scenarios over HTTP at a fixed connection count for a fixed
// time, and reports throughput, latency percentiles, errors, and the process's memory
// and open files. It can also drive a running server's student list over the network.
//
// The load generator runs in the same process as the appliance and shares its cores:
// the numbers are what one machine does serving and generating, not the server alone.
package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
)

// Scenario names, in the order a run without --scenario takes them.
const (
	ScenarioList       = "list"
	ScenarioAttendance = "attendance"
	ScenarioWebhooks   = "webhooks"
	ScenarioSignIn     = "signin"
	ScenarioSchools    = "schools"
)

// Scenarios describes every scenario.
var Scenarios = []struct{ Name, About string }{
	{ScenarioList, "students list page and a search through the full stack, beside a bare fasthttp handler running the same service method on the same file"},
	{ScenarioAttendance, "register saves and mark-sheet saves, each on a few connections, while the rest read registers, lists and mark sheets"},
	{ScenarioWebhooks, "signed WhatsApp webhooks acknowledged, then webhook to the bot's reply reaching a fake Graph API"},
	{ScenarioSignIn, "a burst of sign-ins, mostly right passwords and some wrong, against the hashing cap and the sign-in limiter"},
	{ScenarioSchools, "the student list of one school, then of --schools schools picked uniformly and Zipf-skewed, at each pool cap"},
}

// Options are a run's settings.
type Options struct {
	Scenarios      []string      // empty: all
	Schools        int           // schools of the schools scenario
	Students       int           // students of the main school
	SchoolStudents int           // students of each of the many schools
	Conns          int           // concurrent connections
	Duration       time.Duration // of each measured run
	Caps           []int         // pool caps of the schools scenario
	DataDir        string        // where the schools are built (kept); "" a temporary directory
	// URL, Host, Email and Password target a running server instead (list only).
	URL, Host, Email, Password string
	Progress                   io.Writer // progress lines and the appliance's warnings
}

// Defaults are the settings of a run given none.
func Defaults() Options {
	return Options{Schools: 1000, Students: 2000, SchoolStudents: 40, Conns: 32, Duration: 10 * time.Second,
		Caps: []int{16, 64, 256}}
}

// Row is one measured run.
type Row struct {
	Scenario  string  `json:"scenario"`
	Name      string  `json:"name"`
	Conns     int     `json:"conns"`
	Requests  int64   `json:"requests"`
	ReqPerSec float64 `json:"req_per_sec"`
	P50Ms     float64 `json:"p50_ms"`
	P95Ms     float64 `json:"p95_ms"`
	P99Ms     float64 `json:"p99_ms"`
	// CPUPerReq is the process's CPU time per request in µs: server, load generator and
	// background work together, for the whole run (all groups of a split run). It
	// depends far less on other work on the machine than req/s does.
	CPUPerReqUs float64 `json:"cpu_us_per_req"`
	Errors      int64   `json:"errors"`
	Limited     int64   `json:"limited"`  // 429 answers, which are the server pushing back, not failures
	RSSMB       float64 `json:"rss_mb"`   // largest VmRSS seen during the run
	FDs         int     `json:"fds"`      // most open file descriptors of the process seen during the run
	DataFDs     int     `json:"data_fds"` // of those, the most that were files in the data directory
	PoolCap     int     `json:"pool_cap,omitempty"`
	Notes       string  `json:"notes,omitempty"`
	FirstError  string  `json:"first_error,omitempty"`
}

// Goal is one of the targets the numbers are held to.
type Goal struct {
	Goal  string `json:"goal"`
	Value string `json:"value"`
	Met   bool   `json:"met"`
}

// Report is a run's result.
type Report struct {
	Started     time.Time `json:"started"`
	Target      string    `json:"target"` // "in-process" or the URL
	GOMAXPROCS  int       `json:"gomaxprocs"`
	NumCPU      int       `json:"num_cpu"`
	Conns       int       `json:"conns"`
	Duration    string    `json:"duration"`
	Schools     int       `json:"schools"`
	Students    int       `json:"students"`
	MaxRSSMB    float64   `json:"max_rss_mb"`     // the largest RSS of any measured run
	MaxRSSAllMB float64   `json:"max_rss_all_mb"` // the largest RSS of the whole run, building the data included
	Rows        []Row     `json:"rows"`
	Goals       []Goal    `json:"goals"`
}

// Check validates the options, naming the flag at fault.
func (o *Options) Check() error {
	f := errs.Fields{}
	known := map[string]bool{}
	for _, s := range Scenarios {
		known[s.Name] = true
	}
	for _, s := range o.Scenarios {
		if !known[s] {
			f.Add("--scenario", fmt.Sprintf("%q is not a scenario (sms bench --list names them)", s))
		}
	}
	if o.Conns < 1 || o.Conns > 4096 {
		f.Add("--conns", "must be from 1 to 4096")
	}
	if o.Duration <= 0 || o.Duration > time.Hour {
		f.Add("--duration", "must be more than 0 and at most 1h")
	}
	if o.Students < 1 || o.Students > 200000 {
		f.Add("--students", "must be from 1 to 200000")
	}
	if o.SchoolStudents < 1 || o.SchoolStudents > 360 {
		f.Add("--school-students", "must be from 1 to 360")
	}
	if o.Schools < 1 || o.Schools > 9999 {
		f.Add("--schools", "must be from 1 to 9999")
	}
	if len(o.Caps) == 0 {
		f.Add("--caps", "needs at least one pool cap")
	}
	for _, c := range o.Caps {
		if c < 1 {
			f.Add("--caps", "must be whole numbers of 1 or more")
			break
		}
	}
	if o.URL != "" {
		if !strings.HasPrefix(o.URL, "http://") && !strings.HasPrefix(o.URL, "https://") {
			f.Add("--url", "must start with http:// or https://")
		}
		if strings.HasPrefix(o.URL, "https://") {
			f.Add("--url", "https is not supported: run the bench on the server's network against its plain HTTP port")
		}
		if o.Host == "" {
			f.Add("--host", "is required with --url: the school's host name")
		}
		if o.Email == "" {
			f.Add("--email", "is required with --url: an account of the school")
		}
		if o.Password == "" {
			f.Add("--password-stdin", "is required with --url: the account's password on standard input")
		}
		for _, s := range o.Scenarios {
			if s != ScenarioList {
				f.Add("--scenario", fmt.Sprintf("%q needs the appliance in this process; with --url only %q runs", s, ScenarioList))
			}
		}
	} else if o.Host != "" || o.Email != "" {
		f.Add("--url", "is required with --host and --email")
	}
	return f.Err()
}

// Run builds (or reuses) the data, runs the scenarios and returns the report. A
// scenario that cannot run (its setup fails) ends the run with an error; requests that
// fail are counted, not fatal.
func Run(ctx context.Context, o Options) (Report, error) {
	if err := o.Check(); err != nil {
		return Report{}, err
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if len(o.Scenarios) == 0 {
		for _, s := range Scenarios {
			o.Scenarios = append(o.Scenarios, s.Name)
		}
	}
	rep := Report{Started: time.Now().UTC(), Target: "in-process", GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(),
		Conns: o.Conns, Duration: o.Duration.String(), Schools: o.Schools, Students: o.Students}
	b := &bench{o: o, smp: startSampler()}
	defer b.smp.close()
	var err error
	if o.URL != "" {
		rep.Target = o.URL
		err = b.remote(ctx)
	} else {
		err = b.local(ctx)
	}
	rep.Rows = b.rows
	if b.students > 0 {
		rep.Students = b.students
	}
	rep.MaxRSSAllMB = float64(b.smp.most()) / (1 << 20)
	for _, r := range b.rows {
		rep.MaxRSSMB = max(rep.MaxRSSMB, r.RSSMB)
	}
	rep.Goals = goals(rep, o)
	return rep, err
}

// defaultCap is the pool cap of every scenario but schools: sms serve's default.
var defaultCap = app.DefaultConfig().PoolCap

// bench is one run in progress.
type bench struct {
	o        Options
	students int // of the main school
	smp      *sampler
	rows     []Row
	w        *world
	dir      string
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.o.Progress, "bench: "+format+"\n", args...)
}

func (b *bench) has(s string) bool { return slices.Contains(b.o.Scenarios, s) }

// local runs the scenarios against the appliance served from this process.
func (b *bench) local(ctx context.Context) (err error) {
	b.dir = b.o.DataDir
	if b.dir == "" {
		if b.dir, err = os.MkdirTemp("", "sms-bench-"); err != nil {
			return err
		}
		defer func() {
			if rmErr := os.RemoveAll(b.dir); rmErr != nil {
				err = errors.Join(err, rmErr)
			}
		}()
	}
	b.logf("data in %s", b.dir)
	b.smp.watch(b.dir)
	if err := b.start(ctx, defaultCap); err != nil {
		return err
	}
	defer func() {
		if b.w != nil {
			err = errors.Join(err, b.w.close())
		}
	}()
	start := time.Now()
	if err := buildMain(ctx, b.w.a, b.o.Students); err != nil {
		return err
	}
	// A school found in --data keeps the size of the run that made it.
	if err := b.w.a.Pool.WithTenant(ctx, mainSchema, func(t *db.Tenant) error {
		return t.ReadDB().QueryRowContext(ctx, `SELECT count(*) FROM students`).Scan(&b.students)
	}); err != nil {
		return err
	}
	b.logf("main school ready with %d students (%s)", b.students, time.Since(start).Round(time.Millisecond))
	for _, s := range b.o.Scenarios {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.logf("scenario %s", s)
		// The schools scenario leaves the appliance at its last cap.
		if s != ScenarioSchools && b.w.a.Config.PoolCap != defaultCap {
			if err := b.restart(ctx, defaultCap); err != nil {
				return err
			}
		}
		switch s {
		case ScenarioList:
			err = b.list(ctx)
		case ScenarioAttendance:
			err = b.attendance(ctx)
		case ScenarioWebhooks:
			err = b.webhooks(ctx)
		case ScenarioSignIn:
			err = b.signIn(ctx)
		case ScenarioSchools:
			err = b.schools(ctx)
		}
		if err != nil {
			return fmt.Errorf("scenario %s: %w", s, err)
		}
	}
	return nil
}

// start serves the data directory with a pool cap.
func (b *bench) start(ctx context.Context, poolCap int) error {
	w, err := serve(ctx, b.dir, poolCap, b.o.Progress, nil)
	if err != nil {
		return err
	}
	b.w = w
	return nil
}

// restart serves the data directory again with another pool cap (a cap is fixed
// while the appliance runs).
func (b *bench) restart(ctx context.Context, poolCap int) error {
	w := b.w
	b.w = nil
	if err := w.close(); err != nil {
		return err
	}
	return b.start(ctx, poolCap)
}

// measure runs one measured run and records it as a row.
func (b *bench) measure(scenario, name, addr string, fn step) (Row, result) {
	b.smp.reset()
	r := drive(addr, b.o.Conns, b.o.Duration, fn)
	return b.record(scenario, name, b.o.Conns, r), r
}

// record turns a result into a row, with the sampler's peaks of the run.
func (b *bench) record(scenario, name string, conns int, r result) Row {
	rss, fds, data := b.smp.peak()
	row := Row{Scenario: scenario, Name: name, Conns: conns, Requests: r.requests, Errors: r.errors, Limited: r.limited,
		RSSMB: float64(rss) / (1 << 20), FDs: fds, DataFDs: data}
	if b.w != nil {
		row.PoolCap = b.w.a.Config.PoolCap
	}
	if r.elapsed > 0 {
		row.ReqPerSec = float64(r.requests) / r.elapsed.Seconds()
	}
	if r.requests > 0 {
		row.CPUPerReqUs = float64(r.cpu.Microseconds()) / float64(r.requests)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	row.P50Ms, row.P95Ms, row.P99Ms = ms(pct(r.lat, 0.50)), ms(pct(r.lat, 0.95)), ms(pct(r.lat, 0.99))
	if r.firstErr != nil {
		row.FirstError = strings.Join(strings.Fields(r.firstErr.Error()), " ")
	}
	b.rows = append(b.rows, row)
	b.logf("  %-28s %8.0f req/s  p99 %6.2f ms  errors %d", name, row.ReqPerSec, row.P99Ms, row.Errors)
	return row
}

// note adds a note to the row of the run called name.
func (b *bench) note(name, format string, args ...any) {
	for i := len(b.rows) - 1; i >= 0; i-- {
		if b.rows[i].Name == name {
			if b.rows[i].Notes != "" {
				b.rows[i].Notes += "; "
			}
			b.rows[i].Notes += fmt.Sprintf(format, args...)
			return
		}
	}
}

// WriteJSON writes the report as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report as a Markdown table, then the goals.
func (r Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "target %s, %d cores (GOMAXPROCS %d), %d connections, %s per run", r.Target, r.NumCPU, r.GOMAXPROCS, r.Conns, r.Duration)
	if r.Target == "in-process" {
		fmt.Fprintf(w, ", main school of %d students, most RSS %.0f MB (building the data included)", r.Students, r.MaxRSSAllMB)
	}
	fmt.Fprint(w, "\n\n")
	fmt.Fprintln(w, "| scenario | run | conns | req/s | p50 ms | p95 ms | p99 ms | CPU µs/req | errors | 429 | RSS MB | FDs (data) | notes |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
	for _, x := range r.Rows {
		fmt.Fprintf(w, "| %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %.0f | %d | %d | %.0f | %d (%d) | %s |\n", x.Scenario, x.Name, x.Conns,
			x.ReqPerSec, x.P50Ms, x.P95Ms, x.P99Ms, x.CPUPerReqUs, x.Errors, x.Limited, x.RSSMB, x.FDs, x.DataFDs, x.Notes)
	}
	for _, x := range r.Rows {
		if x.FirstError != "" {
			fmt.Fprintf(w, "\nfirst error of %s: %s", x.Name, x.FirstError)
		}
	}
	if len(r.Goals) > 0 {
		fmt.Fprintln(w, "\n\n| goal | measured | met |\n|---|---|---|")
		for _, g := range r.Goals {
			met := "no"
			if g.Met {
				met = "yes"
			}
			fmt.Fprintf(w, "| %s | %s | %s |\n", g.Goal, g.Value, met)
		}
	}
}
