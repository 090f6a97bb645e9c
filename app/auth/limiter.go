package auth

import (
	"sync"
	"time"
)

// Limiter slows down password guessing. Each key (an account, or a client address) may
// fail Free times; the Free-th failure locks it for Base, and every further failure
// doubles the lock, up to Max. A success clears an account's record; a quiet period
// clears any record.
//
// An attempt is reserved before its password is checked and counts against the limit
// while it is checked, so attempts made at the same moment cannot all slip under it:
// at most Free attempts are ever in flight or failed before the first lock, and after a
// lock has run out only one attempt at a time.
type Limiter struct {
	Free   int           // failures before the first lock
	Base   time.Duration // first lock
	Max    time.Duration // longest lock
	Forget time.Duration // a record with no failure for this long is dropped
	Now    func() time.Time

	mu   sync.Mutex
	keys map[string]*attempts
}

type attempts struct {
	failures int
	pending  int // reserved attempts whose outcome is not known yet
	last     time.Time
	until    time.Time
}

// NewAccountLimiter is the per-account policy: after 5 failures, 30 s doubling to 15 min.
func NewAccountLimiter() *Limiter {
	return &Limiter{Free: 5, Base: 30 * time.Second, Max: 15 * time.Minute, Forget: time.Hour, Now: time.Now}
}

// NewIPLimiter is the per-address policy, looser because a school's staff share one
// address behind the office router: after 30 failures, 30 s doubling to 15 min.
func NewIPLimiter() *Limiter {
	return &Limiter{Free: 30, Base: 30 * time.Second, Max: 15 * time.Minute, Forget: time.Hour, Now: time.Now}
}

// Attempt is a reserved try for one key; exactly one of Fail, Succeed or Cancel ends it.
type Attempt struct {
	l    *Limiter
	key  string
	done bool
}

// Reserve books an attempt for key. When key must wait it returns nil and how long.
func (l *Limiter) Reserve(key string) (*Attempt, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	a := l.get(key, now, true)
	if d := a.until.Sub(now); d > 0 {
		return nil, d
	}
	// Attempts in flight count as failures until they turn out otherwise.
	if a.failures+a.pending >= l.Free && a.pending > 0 {
		return nil, l.lock(a.failures + a.pending)
	}
	a.pending++
	return &Attempt{l: l, key: key}, 0
}

// Wait returns how long key must wait before trying again (0: go ahead).
func (l *Limiter) Wait(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	if a := l.get(key, now, false); a != nil {
		return max(a.until.Sub(now), 0)
	}
	return 0
}

// lock is how long the n-th failure locks a key.
func (l *Limiter) lock(n int) time.Duration {
	over := n - l.Free
	if over < 0 {
		return 0
	}
	d := l.Base << min(over, 20)
	if d > l.Max || d <= 0 {
		d = l.Max
	}
	return d
}

// end closes an attempt; fn updates the record under the lock.
func (at *Attempt) end(fn func(a *attempts, now time.Time)) {
	if at == nil || at.done {
		return
	}
	at.done = true
	l := at.l
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	a := l.get(at.key, now, true)
	if a.pending > 0 {
		a.pending--
	}
	fn(a, now)
}

// Fail records the attempt as a failure and returns the lock it caused (0 if none).
func (at *Attempt) Fail() time.Duration {
	var d time.Duration
	at.end(func(a *attempts, now time.Time) {
		a.failures++
		a.last = now
		if d = at.l.lock(a.failures); d > 0 {
			a.until = now.Add(d)
		}
	})
	return d
}

// Succeed ends the attempt and clears the key's failures (for an account: the right
// password was given).
func (at *Attempt) Succeed() {
	at.end(func(a *attempts, _ time.Time) {
		a.failures, a.until = 0, time.Time{}
	})
}

// Cancel ends the attempt without counting it either way (it never reached a verdict,
// or a success that says nothing about the key, such as one sign-in from an address).
func (at *Attempt) Cancel() { at.end(func(*attempts, time.Time) {}) }

func (l *Limiter) get(key string, now time.Time, create bool) *attempts {
	if l.keys == nil {
		l.keys = map[string]*attempts{}
	}
	a := l.keys[key]
	if a != nil && a.pending == 0 && now.Sub(a.last) > l.Forget && now.After(a.until) {
		delete(l.keys, key)
		a = nil
	}
	if a == nil && create {
		if len(l.keys) > 100000 { // bound memory under a flood of made-up names
			l.prune(now)
		}
		a = &attempts{last: now}
		l.keys[key] = a
	}
	return a
}

func (l *Limiter) prune(now time.Time) {
	for k, a := range l.keys {
		if a.pending == 0 && now.After(a.until) {
			delete(l.keys, k)
		}
	}
}
