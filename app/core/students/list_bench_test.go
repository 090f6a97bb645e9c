//go:build unix

package students_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

var (
	loadFor   = flag.Duration("load.duration", 5*time.Second, "how long each list benchmark drives the server")
	loadConns = flag.Int("load.conns", 32, "concurrent connections of the list benchmarks")
	loadProf  = flag.String("load.cpuprofile", "", "write a CPU profile of the load alone (not the seeding) to this file, one per benchmark: <file>.<name>")
)

// BenchmarkStudentList drives GET /api/core/students/ through the whole HTTP stack (a
// real appliance on a loopback port, bearer token, host routing) with load.conns
// connections for load.duration, on schools of 2,000 and 20,000 students, and reports
// req/s, the median and 99th percentile latency, and CPU time per request. The first
// page of the default order and a two-word search are measured.
//
//	go test -run '^$' -bench StudentList ./app/core/students/ [-args -load.duration=10s]
func BenchmarkStudentList(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		b.Run(fmt.Sprintf("students=%d", n), func(b *testing.B) {
			s := apptest.Start(b)
			schema := fmt.Sprintf("bench%d", n)
			s.CreateSchool(schema, "Bench")
			seedStudents(b, s, schema, n)
			token := s.As(schema, "admin@"+schema+".test").Token
			for _, q := range []struct{ name, path string }{
				{"list", "/api/core/students/"},
				{"search", "/api/core/students/?search=ann+wanj"},
			} {
				b.Run(q.name, func(b *testing.B) {
					for b.Loop() {
						stop := profileLoad(b)
						r := drive(b, s.URL, schema+".localhost", q.path, token, *loadConns, *loadFor)
						stop()
						b.ReportMetric(r.rps, "req/s")
						b.ReportMetric(float64(r.p99.Microseconds())/1000, "p99-ms")
						b.ReportMetric(float64(r.p50.Microseconds())/1000, "p50-ms")
						b.ReportMetric(r.cpuPerReq, "cpu-us/req")
					}
				})
			}
		})
	}
}

// profileLoad starts a CPU profile of the load when -load.cpuprofile asks for one and
// returns what stops it.
func profileLoad(b *testing.B) func() {
	if *loadProf == "" {
		return func() {}
	}
	f, err := os.Create(*loadProf + "." + strings.NewReplacer("/", "_", "=", "").Replace(b.Name()))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

type loadResult struct {
	rps      float64
	p50, p99 time.Duration
	// cpuPerReq is the process's CPU time (server and load generator) per request: on
	// a machine shared with other work it moves less than req/s does.
	cpuPerReq float64
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// drive sends GET path from conns connections for d and measures every answer. Any
// answer but 200 with a non-empty list stops the benchmark: a fast error is no result.
func drive(b *testing.B, baseURL, host, path, token string, conns int, d time.Duration) loadResult {
	b.Helper()
	hc := &fasthttp.HostClient{Addr: baseURL[len("http://"):], MaxConns: conns}
	check := func(body []byte) error {
		var l struct {
			Count   int64             `json:"count"`
			Results []json.RawMessage `json:"results"`
		}
		if err := json.Unmarshal(body, &l); err != nil || l.Count == 0 || len(l.Results) == 0 {
			return fmt.Errorf("not a non-empty list: %.200s", body)
		}
		return nil
	}
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	deadline := time.Now().Add(d)
	start, cpu0 := time.Now(), cpuTime()
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI(baseURL + path)
			req.SetHost(host)
			req.Header.Set("Authorization", "Bearer "+token)
			lat := make([]time.Duration, 0, 1<<14)
			var err error
			for i := 0; time.Now().Before(deadline); i++ {
				t0 := time.Now()
				if err = hc.Do(req, resp); err != nil {
					break
				}
				lat = append(lat, time.Since(t0))
				if resp.StatusCode() != 200 {
					err = fmt.Errorf("status %d: %.200s", resp.StatusCode(), resp.Body())
					break
				}
				if i == 0 {
					if err = check(resp.Body()); err != nil {
						break
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			all = append(all, lat...)
			if err != nil && firstErr == nil {
				firstErr = err
			}
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	slices.Sort(all)
	return loadResult{rps: float64(len(all)) / elapsed.Seconds(),
		p50: all[len(all)/2], p99: all[len(all)*99/100], cpuPerReq: float64(cpu.Microseconds()) / float64(len(all))}
}

var (
	benchFirst = []string{"Ann", "Achieng", "Wanjiku", "Amina", "Faith", "Mercy", "Grace", "Njeri", "Zawadi", "Aisha",
		"Otieno", "Kamau", "Brian", "Kevin", "Juma", "Baraka", "Mwangi", "Omondi", "Hassan", "Daniel", "Joy", "Imani"}
	benchLast = []string{"Odhiambo", "Kariuki", "Mohamed", "Wambua", "Njoroge", "Cheruiyot", "Onyango", "Mutiso",
		"Achola", "Kimani", "Barasa", "Ndungu", "Owino", "Koech", "Wafula", "Macharia", "Abdi", "Okoth", "Nyaga",
		"Rotich", "Mbugua", "Kilonzo", "Auma", "Langat", "Wanjala", "Wanjohi"}
)

// seedStudents gives a school a current session, four forms with classes of 40 and n
// students enrolled in them, written by the same code the API and the importer use.
func seedStudents(b testing.TB, s *apptest.Server, schema string, n int) {
	b.Helper()
	ctx := context.Background()
	s.WithSchool(schema, func(t *db.Tenant) error {
		ac := academics.New(t)
		sess, err := ac.CreateSession(ctx, academics.SessionInput{Name: "2026", StartDate: "2026-01-05",
			EndDate: "2026-12-04", IsCurrent: true}, auth.Meta{})
		if err != nil {
			return err
		}
		var classes []int64
		perForm := (n + 4*40 - 1) / (4 * 40)
		for level := int64(1); level <= 4; level++ {
			form, err := ac.CreateForm(ctx, academics.FormInput{Name: fmt.Sprintf("Form %d", level), Level: level}, auth.Meta{})
			if err != nil {
				return err
			}
			for i := range perForm {
				c, err := ac.CreateClass(ctx, academics.ClassInput{FormID: form.ID, SessionID: sess.ID,
					Name: fmt.Sprintf("Form %d-%d", level, i+1)}, auth.Meta{})
				if err != nil {
					return err
				}
				classes = append(classes, c.ID)
			}
		}
		// One transaction, as an import writes a school's students; like an import it
		// leaves the search index compact.
		return t.Tx(ctx, func(q *tenantdb.Queries, tx *sql.Tx) error {
			for i := range n {
				in := students.StudentInput{AdmissionNo: fmt.Sprintf("ADM/%05d", i+1),
					FirstName: benchFirst[i%len(benchFirst)], LastName: benchLast[(i/len(benchFirst)+i)%len(benchLast)],
					Gender: "female", DateOfBirth: fmt.Sprintf("%d-%02d-%02d", 2008+i%6, 1+i%12, 1+i%28),
					Class: classes[i%len(classes)]}
				if i%3 == 0 {
					in.MiddleName = benchLast[(i*7)%len(benchLast)]
				}
				if _, err := students.CreateStudent(ctx, q, in, auth.Meta{}); err != nil {
					return fmt.Errorf("student %d: %w", i, err)
				}
			}
			return nil
		})
	})
}

// BenchmarkStudentListRequest sends GET /api/core/students/ through the whole HTTP stack
// one request per op, so -benchtime Nx, -benchmem and -cpuprofile give the cost of one
// request (server and client) on a machine shared with other work.
//
//	go test -run '^$' -bench StudentListRequest -benchtime 2000x -benchmem ./app/core/students/
func BenchmarkStudentListRequest(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		b.Run(fmt.Sprintf("students=%d", n), func(b *testing.B) {
			s := apptest.Start(b)
			schema := fmt.Sprintf("bench%d", n)
			s.CreateSchool(schema, "Bench")
			seedStudents(b, s, schema, n)
			token := s.As(schema, "admin@"+schema+".test").Token
			hc := &fasthttp.HostClient{Addr: s.URL[len("http://"):]}
			for _, q := range []struct{ name, path string }{
				{"list", "/api/core/students/"},
				{"search", "/api/core/students/?search=ann+wanj"},
			} {
				b.Run(q.name, func(b *testing.B) {
					req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
					defer fasthttp.ReleaseRequest(req)
					defer fasthttp.ReleaseResponse(resp)
					req.SetRequestURI(s.URL + q.path)
					req.SetHost(schema + ".localhost")
					req.Header.Set("Authorization", "Bearer "+token)
					b.ReportAllocs()
					cpu0 := cpuTime()
					for b.Loop() {
						if err := hc.Do(req, resp); err != nil {
							b.Fatal(err)
						}
						if resp.StatusCode() != 200 {
							b.Fatalf("status %d: %.200s", resp.StatusCode(), resp.Body())
						}
					}
					b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-us/op")
				})
			}
		})
	}
}
