package hub

import (
	"sync"
	"time"
)

// TokenCacheTTL is how long a replica trusts what it read about an API
// token: a client polling the API costs one query per second, not one per
// request. A revocation, a role change or a removal made through this
// process applies at once (the cache is emptied); one made on another
// replica applies here within TokenCacheTTL.
const TokenCacheTTL = time.Second

// tokenCache keeps recent token lookups by the token's hash.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]tokenEntry
}

type tokenEntry struct {
	actor Actor
	at    time.Time
}

func (c *tokenCache) get(hash string, now time.Time) (Actor, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || now.Sub(e.at) >= TokenCacheTTL || now.Before(e.at) {
		return Actor{}, false
	}
	return e.actor, true
}

func (c *tokenCache) put(hash string, a Actor, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= 10000 {
		c.entries = map[string]tokenEntry{} // bounded: start afresh rather than grow
	}
	c.entries[hash] = tokenEntry{a, now}
}

// forget empties the cache: a token, a role or a user changed.
func (c *tokenCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}
