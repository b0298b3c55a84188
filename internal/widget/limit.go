package widget

import (
	"sync"
	"time"
)

// bucket is a token-bucket rate limiter per key (visitor or IP), in
// memory: burst requests at once, then rate per second. Idle keys are
// swept so memory stays bounded.
type bucket struct {
	mu    sync.Mutex
	rate  float64
	burst float64
	keys  map[string]*tokens
	sweep time.Time
}

type tokens struct {
	n    float64
	last time.Time
}

func newBucket(perMinute, burst int) *bucket {
	return &bucket{rate: float64(perMinute) / 60, burst: float64(burst), keys: map[string]*tokens{}}
}

// allow takes one token for key, reporting false when there is none.
func (b *bucket) allow(key string, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Sub(b.sweep) > time.Minute {
		full := time.Duration(b.burst/b.rate*float64(time.Second)) + time.Second
		for k, t := range b.keys {
			if now.Sub(t.last) > full {
				delete(b.keys, k)
			}
		}
		b.sweep = now
	}
	t := b.keys[key]
	if t == nil {
		t = &tokens{n: b.burst, last: now}
		b.keys[key] = t
	}
	t.n = min(b.burst, t.n+now.Sub(t.last).Seconds()*b.rate)
	t.last = now
	if t.n < 1 {
		return false
	}
	t.n--
	return true
}
