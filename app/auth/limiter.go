package auth

import (
	"sync"
	"time"
)

// Limiter slows down password guessing. Each key (an account, or a client address)
// may fail a few times freely; after that it is locked for a delay that doubles with
// every further failure, up to a cap. A success clears the account's record; a quiet
// period clears any record.
type Limiter struct {
	Free   int           // failures allowed before the first lock
	Base   time.Duration // first lock
	Max    time.Duration // longest lock
	Forget time.Duration // a record with no failure for this long is dropped
	Now    func() time.Time

	mu   sync.Mutex
	keys map[string]*attempts
}

type attempts struct {
	failures int
	last     time.Time
	until    time.Time
}

// NewAccountLimiter is the per-account policy: 5 free failures, then 30 s doubling to 15 min.
func NewAccountLimiter() *Limiter {
	return &Limiter{Free: 5, Base: 30 * time.Second, Max: 15 * time.Minute, Forget: time.Hour, Now: time.Now}
}

// NewIPLimiter is the per-address policy, looser because a school's staff share one
// address behind the office router: 30 free failures, then 1 min doubling to 30 min.
func NewIPLimiter() *Limiter {
	return &Limiter{Free: 30, Base: time.Minute, Max: 30 * time.Minute, Forget: time.Hour, Now: time.Now}
}

// Wait returns how long key must wait before trying again (0: go ahead).
func (l *Limiter) Wait(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.get(key, false)
	if a == nil {
		return 0
	}
	if d := a.until.Sub(l.Now()); d > 0 {
		return d
	}
	return 0
}

// Fail records a failure and returns the lock it caused (0 if none yet).
func (l *Limiter) Fail(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.get(key, true)
	now := l.Now()
	a.failures++
	a.last = now
	if over := a.failures - l.Free; over > 0 {
		d := l.Base << min(over-1, 20)
		if d > l.Max || d <= 0 {
			d = l.Max
		}
		a.until = now.Add(d)
		return d
	}
	return 0
}

// Succeed clears key's record.
func (l *Limiter) Succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}

func (l *Limiter) get(key string, create bool) *attempts {
	if l.keys == nil {
		l.keys = map[string]*attempts{}
	}
	now := l.Now()
	a := l.keys[key]
	if a != nil && now.Sub(a.last) > l.Forget && now.After(a.until) {
		delete(l.keys, key)
		a = nil
	}
	if a == nil && create {
		if len(l.keys) > 100000 { // bound memory under a flood of made-up names
			l.prune(now)
		}
		a = &attempts{}
		l.keys[key] = a
	}
	return a
}

func (l *Limiter) prune(now time.Time) {
	for k, a := range l.keys {
		if now.After(a.until) {
			delete(l.keys, k)
		}
	}
}
