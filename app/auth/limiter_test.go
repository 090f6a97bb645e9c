package auth

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock is a settable time source for the limiters.
type clock struct{ t time.Time }

func (c *clock) now() time.Time               { return c.t }
func (c *clock) add(d time.Duration)          { c.t = c.t.Add(d) }
func newClock() *clock                        { return &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)} }
func limiterAt(l *Limiter, c *clock) *Limiter { l.Now = c.now; return l }

// fail books an attempt on key and records it as a failure.
func fail(t *testing.T, l *Limiter, key string) time.Duration {
	t.Helper()
	a, wait := l.Reserve(key)
	require.NotNil(t, a, "the attempt should be allowed, not wait %s", wait)
	return a.Fail()
}

func TestAccountLimiterMatchesTheREADME(t *testing.T) {
	// "After 5 wrong passwords an account waits 30 s (doubling per further failure, up to 15 min)".
	c := newClock()
	l := limiterAt(NewAccountLimiter(), c)
	for i := range 4 {
		assert.Zero(t, fail(t, l, "k"), "failure %d locks nothing", i+1)
	}
	assert.Equal(t, 30*time.Second, fail(t, l, "k"), "the 5th failure locks")
	a, wait := l.Reserve("k")
	assert.Nil(t, a, "the 6th attempt waits, whatever its password")
	assert.Equal(t, 30*time.Second, wait)

	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute}
	for _, d := range want {
		c.add(l.Wait("k"))
		assert.Equal(t, d, fail(t, l, "k"))
	}
}

func TestAddressLimiterMatchesTheREADME(t *testing.T) {
	// "... and a client address after 30": 30 s, doubling, up to 15 min.
	c := newClock()
	l := limiterAt(NewIPLimiter(), c)
	for range 29 {
		require.Zero(t, fail(t, l, "10.0.0.1"))
	}
	assert.Equal(t, 30*time.Second, fail(t, l, "10.0.0.1"))
	c.add(30 * time.Second)
	assert.Equal(t, time.Minute, fail(t, l, "10.0.0.1"))
	for range 10 {
		c.add(l.Wait("10.0.0.1"))
		fail(t, l, "10.0.0.1")
	}
	assert.Equal(t, 15*time.Minute, l.Wait("10.0.0.1"))
	_, wait := l.Reserve("10.0.0.2")
	assert.Zero(t, wait, "another address is not affected")
}

func TestLimiterReservesConcurrentAttempts(t *testing.T) {
	l := limiterAt(NewAccountLimiter(), newClock())
	var (
		mu      sync.Mutex
		granted []*Attempt
		waits   []time.Duration
		wg      sync.WaitGroup
	)
	for range 12 {
		wg.Go(func() {
			a, wait := l.Reserve("k")
			mu.Lock()
			defer mu.Unlock()
			if a != nil {
				granted = append(granted, a)
			} else {
				waits = append(waits, wait)
			}
		})
	}
	wg.Wait()
	assert.Len(t, granted, 5, "at most 5 attempts are in flight before any verdict")
	for _, w := range waits {
		assert.Equal(t, 30*time.Second, w, "what the lock would be if those in flight fail")
	}
	for _, a := range granted {
		a.Fail()
	}
	_, wait := l.Reserve("k")
	assert.Equal(t, 30*time.Second, wait)
}

func TestLimiterAfterALockOneAttemptAtATime(t *testing.T) {
	c := newClock()
	l := limiterAt(NewAccountLimiter(), c)
	for range 5 {
		fail(t, l, "k")
	}
	c.add(30 * time.Second)
	a, _ := l.Reserve("k")
	require.NotNil(t, a)
	b, wait := l.Reserve("k")
	assert.Nil(t, b, "a second attempt while the first is checked waits")
	assert.Equal(t, time.Minute, wait)
	a.Succeed()
	b, _ = l.Reserve("k")
	assert.NotNil(t, b, "the right password clears the account")
}

func TestLimiterCancelledAttemptsCountForNothing(t *testing.T) {
	l := limiterAt(NewAccountLimiter(), newClock())
	for range 20 {
		a, _ := l.Reserve("k")
		require.NotNil(t, a)
		a.Cancel()
		a.Fail() // ending twice changes nothing
	}
	assert.Zero(t, l.Wait("k"))
	for range 4 {
		fail(t, l, "k")
	}
	assert.Zero(t, l.Wait("k"))
}

func TestLimiterForgetsQuietKeys(t *testing.T) {
	c := newClock()
	l := limiterAt(NewAccountLimiter(), c)
	for range 4 {
		fail(t, l, "k")
	}
	c.add(2 * time.Hour)
	for range 4 {
		assert.Zero(t, fail(t, l, "k"), "the old failures were forgotten")
	}
}
