package auth

import (
	"sync"
	"time"

	"switchboard/internal/desk"
)

// Token cache bounds: how long a resolved API token is trusted without
// asking the database again, and how many tokens are remembered.
const (
	tokenCacheTTL  = 2 * time.Second
	tokenCacheSize = 4096
)

// tokenCache remembers, for tokenCacheTTL, which actor an API token hash
// resolved to, sparing the lookup on every request of a busy client.
//
// Revoking a token or changing, demoting or deactivating its agent through
// this process takes effect at once: the store's AuthGeneration grows on
// commit and entries cached under an older generation are ignored. With
// several instances sharing a database, such a change made on another
// instance takes effect here within tokenCacheTTL.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]tokenEntry
}

type tokenEntry struct {
	actor    desk.Actor
	tokenID  int64
	lastUsed time.Time // last_used_at as known here (zero: never)
	gen      uint64    // store AuthGeneration read before the lookup
	expires  time.Time // wall clock
}

// get returns the entry for hash if it is fresh and of generation gen.
func (c *tokenCache) get(hash string, gen uint64, now time.Time) (tokenEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || e.gen != gen || !now.Before(e.expires) {
		return tokenEntry{}, false
	}
	return e, true
}

// put stores e under hash, first emptying the cache when it is full.
func (c *tokenCache) put(hash string, e tokenEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= tokenCacheSize {
		c.entries = make(map[string]tokenEntry)
	}
	c.entries[hash] = e
}

// touched records that last_used_at of the token cached under hash is now at.
func (c *tokenCache) touched(hash string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[hash]; ok {
		e.lastUsed = at
		c.entries[hash] = e
	}
}
