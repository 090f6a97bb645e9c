package auth

import (
	"sync"
	"sync/atomic"
	"time"
)

// tokenCacheTTL is how long a verified bearer token is trusted without reading it again.
// Every change this process makes to tokens or accounts ends the trust at once (see
// credentialsChanged); the TTL bounds what it cannot see, such as a file restored under
// a running server, and keeps last_used_at within touchEvery of the truth.
const tokenCacheTTL = 2 * time.Second

// tokenCacheMax bounds the cache; past it, the cache starts again empty.
const tokenCacheMax = 4096

// credentialGen counts changes to tokens and accounts made by this process. A cached
// principal is good only while the count is what it was before the principal was read,
// so a revocation that commits while a request is reading the token still wins.
var credentialGen atomic.Uint64

// credentialsChanged ends the trust in every cached principal. It is called after any
// write that can revoke, deactivate or change an account or token, in any realm:
// such writes are rare, and forgetting all is simpler than knowing whose changed.
func credentialsChanged() { credentialGen.Add(1) }

// tokenKey names a token in the one place it is valid: a realm, and for a school its
// name and incarnation, so a school deleted and made again under the same name never
// accepts the old school's tokens.
type tokenKey struct {
	realm               Realm
	schema, incarnation string
	hash                string
}

type cachedToken struct {
	p       Principal
	expires time.Time // the token's own expiry, on the service's clock
	until   time.Time // when the cache stops trusting it, on the machine's clock
	gen     uint64
}

// tokenCache keeps the principals of bearer tokens verified in the last tokenCacheTTL:
// reading the token and its account was a tenth of an API request's cost, for the same
// answer every time.
type tokenCache struct {
	mu sync.RWMutex
	m  map[tokenKey]cachedToken
}

// get returns a copy of the cached principal of key, if it is still to be trusted at
// now (the service's clock).
func (c *tokenCache) get(key tokenKey, now time.Time) (*Principal, bool) {
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || e.gen != credentialGen.Load() || time.Now().After(e.until) || now.After(e.expires) {
		return nil, false
	}
	p := e.p
	return &p, true
}

// put remembers p for key; gen is credentialGen as it was before the token was read.
func (c *tokenCache) put(key tokenKey, p *Principal, expires time.Time, gen uint64) {
	if gen != credentialGen.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= tokenCacheMax {
		c.m = make(map[tokenKey]cachedToken)
	}
	c.m[key] = cachedToken{p: *p, expires: expires, until: time.Now().Add(tokenCacheTTL), gen: gen}
}

// tokenKeyOf is the key of a token hash in a store; ok is false for a store the cache
// does not know.
func tokenKeyOf(st Store, hash string) (key tokenKey, ok bool) {
	switch s := st.(type) {
	case schoolStore:
		return tokenKey{realm: RealmSchool, schema: s.t.Schema, incarnation: s.t.Incarnation, hash: hash}, true
	case platformStore:
		return tokenKey{realm: RealmPlatform, hash: hash}, true
	}
	return tokenKey{}, false
}
