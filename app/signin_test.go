package app

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/db"
)

// from is an HTTP client whose connections leave from the loopback address ip, so a
// test can be a client address of its own (all of 127.0.0.0/8 is this machine).
func from(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	return &http.Client{Timeout: 6 * time.Minute, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 64},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signIn is one sign-in attempt; it is safe to call from many goroutines.
type signIn struct {
	host, path string
	form       bool // the sign-in page (a form post) rather than the JSON API
}

type answer struct {
	status     int
	retryAfter string
}

func (s signIn) try(c *http.Client, base, email, password string) (answer, error) {
	var body, ctype string
	if s.form {
		body = url.Values{"email": {email}, "password": {password}}.Encode()
		ctype = "application/x-www-form-urlencoded"
	} else {
		body = fmt.Sprintf(`{"email":%q,"password":%q,"name":"script"}`, email, password)
		ctype = "application/json"
	}
	req, err := http.NewRequest("POST", base+s.path, strings.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Host = s.host
	req.Header.Set("Content-Type", ctype)
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Retry-After")}, nil
}

// countVerifications makes the sign-in service count the passwords it checks. It also
// lets sign-ins wait as long as it takes for a hashing slot (hashing under the race
// detector on a shared machine is many times slower than in production), so that only
// the limiters decide which attempts are refused.
func countVerifications(w authWorld) *atomic.Int64 {
	var n atomic.Int64
	w.App.Auth.OnVerify = func() { n.Add(1) }
	w.App.Auth.HashWait = 5 * time.Minute
	return &n
}

// burst runs n attempts at once and returns their answers.
func burst(t *testing.T, n int, attempt func(i int) (answer, error)) []answer {
	t.Helper()
	out := make([]answer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			out[i], errs[i] = attempt(i)
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	return out
}

func statusCounts(as []answer) map[int]int {
	m := map[int]int{}
	for _, a := range as {
		m[a.status]++
	}
	return m
}

func TestConcurrentWrongPasswordsStopAtTheAccountLimit(t *testing.T) {
	w := newAuthWorld(t)
	verified := countVerifications(w)
	c := from("127.0.0.21")
	api := signIn{host: "alpha.localhost", path: "/api/auth/login"}

	answers := burst(t, 12, func(int) (answer, error) { return api.try(c, w.URL, "admin@alpha.school", "not the password") })
	assert.EqualValues(t, 5, verified.Load(), "only the account's 5 free attempts reach the hash")
	assert.Equal(t, map[int]int{401: 5, 429: 7}, statusCounts(answers))
	for _, a := range answers {
		if a.status == 429 {
			assert.NotEmpty(t, a.retryAfter, "a refused attempt says when to come back")
		}
	}
}

func TestConcurrentWrongPasswordsStopAtTheAddressLimit(t *testing.T) {
	w := newAuthWorld(t)
	verified := countVerifications(w)
	c := from("127.0.0.22")
	api := signIn{host: "alpha.localhost", path: "/api/auth/login"}

	// Forty different (unknown) accounts: only the address's limit of 30 applies.
	answers := burst(t, 40, func(i int) (answer, error) {
		return api.try(c, w.URL, fmt.Sprintf("guess%d@alpha.school", i), "not the password")
	})
	assert.EqualValues(t, 30, verified.Load(), "only the address's 30 free attempts reach the hash")
	assert.Equal(t, map[int]int{401: 30, 429: 10}, statusCounts(answers))

	// Another address is not slowed down by this one.
	a, err := api.try(from("127.0.0.23"), w.URL, "admin@alpha.school", testPassword)
	require.NoError(t, err)
	assert.Equal(t, 200, a.status)
}

func TestRightPasswordWaitsAfterFiveFailures(t *testing.T) {
	w := newAuthWorld(t)
	verified := countVerifications(w)
	ctx := context.Background()
	for i := range 4 {
		require.NoError(t, w.App.Pool.WithTenant(ctx, "alpha", func(tn *db.Tenant) error {
			_, err := auth.Users{T: tn}.Create(ctx, auth.NewUser{Email: fmt.Sprintf("staff%d@alpha.school", i), Role: auth.RoleClerk, Password: testPassword}, auth.Meta{})
			return err
		}))
	}
	_, err := auth.CreatePlatformAdmin(ctx, w.App.Catalog, "second@platform.org", "Second", testPassword, auth.Meta{})
	require.NoError(t, err)

	cases := []struct {
		name  string
		in    signIn
		email string
	}{
		{"school sign-in API", signIn{host: "alpha.localhost", path: "/api/auth/login"}, "staff0@alpha.school"},
		{"school token API", signIn{host: "alpha.localhost", path: "/api/auth/token"}, "staff1@alpha.school"},
		{"school sign-in page", signIn{host: "alpha.localhost", path: "/login", form: true}, "staff2@alpha.school"},
		{"school by subfolder", signIn{host: "localhost", path: "/t/alpha/api/auth/login"}, "staff3@alpha.school"},
		{"platform sign-in API", signIn{host: "localhost", path: "/api/auth/login"}, "root@platform.org"},
		{"platform sign-in page", signIn{host: "localhost", path: "/login", form: true}, "second@platform.org"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := from(fmt.Sprintf("127.0.0.%d", 31+i))
			for n := range 5 {
				a, err := tc.in.try(c, w.URL, tc.email, "not the password")
				require.NoError(t, err)
				require.Equal(t, 401, a.status, "wrong password %d", n+1)
			}
			before := verified.Load()
			a, err := tc.in.try(c, w.URL, tc.email, testPassword)
			require.NoError(t, err)
			assert.Equal(t, 429, a.status, "after 5 wrong passwords even the right one waits")
			assert.Equal(t, "30", a.retryAfter)
			assert.Equal(t, before, verified.Load(), "the waiting attempt is not checked")
		})
	}
}

// TestSignInHashingStaysBounded signs in 40 times at once and watches the heap: every
// password check holds 19 MiB, so unbounded concurrency is unbounded memory.
func TestSignInHashingStaysBounded(t *testing.T) {
	w := newAuthWorld(t)
	verified := countVerifications(w) // every sign-in waits its turn: all 40 are checked
	ctx := context.Background()
	const accounts, each = 8, 5
	for i := range accounts {
		require.NoError(t, w.App.Pool.WithTenant(ctx, "alpha", func(tn *db.Tenant) error {
			_, err := auth.Users{T: tn}.Create(ctx, auth.NewUser{Email: fmt.Sprintf("user%d@alpha.school", i), Role: auth.RoleViewer, Password: testPassword}, auth.Meta{})
			return err
		}))
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	// Each account signs in from an address of its own: attempts in flight count against
	// an address's limit of 30 until they turn out right.
	var cs []*http.Client
	for i := range accounts {
		cs = append(cs, from(fmt.Sprintf("127.0.0.%d", 40+i)))
	}
	api := signIn{host: "alpha.localhost", path: "/api/auth/login"}
	answers := burst(t, accounts*each, func(i int) (answer, error) {
		return api.try(cs[i%accounts], w.URL, fmt.Sprintf("user%d@alpha.school", i%accounts), testPassword)
	})
	close(stop)
	<-sampled

	grew := int64(peak.Load()) - int64(base)
	t.Logf("40 concurrent sign-ins: heap in use grew by at most %d MiB; at most %d passwords hashed at once (cap %d, GOMAXPROCS %d)",
		grew>>20, auth.HashingPeak(), auth.MaxHashing(), runtime.GOMAXPROCS(0))
	assert.Equal(t, map[int]int{200: accounts * each}, statusCounts(answers))
	assert.EqualValues(t, accounts*each, verified.Load())
	assert.LessOrEqual(t, auth.HashingPeak(), auth.MaxHashing())
	// 40 checks at once would hold 40 x 19 MiB; the cap keeps it to a few checks' worth.
	assert.Less(t, grew, int64(300<<20), "heap growth under 40 concurrent sign-ins")
}
