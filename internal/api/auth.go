package api

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/httpx"
)

// Failed token lookups allowed per client IP: a sustained rate per second
// and a burst. Guessing a random token is hopeless anyway; this keeps a
// misconfigured client from hammering the database.
const (
	authFailRate  = 5
	authFailBurst = 100
)

type actorKey struct{}

// actorOf returns the authenticated actor of the request.
func actorOf(r *http.Request) desk.Actor {
	a, _ := r.Context().Value(actorKey{}).(desk.Actor)
	return a
}

// authenticate resolves the bearer token to an actor and applies the rate
// limits. On failure it has written the problem and returns false.
func (s *server) authenticate(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		problem(w, r, http.StatusUnauthorized, string(desk.EUnauthorized),
			"Send an API token as Authorization: Bearer TOKEN.")
		return r, false
	}
	ip := httpx.ClientIP(r)
	if ok, wait := s.fails.check(ip); !ok {
		tooMany(w, r, wait)
		return r, false
	}
	a, err := s.cfg.Auth.Authenticate(r.Context(), token)
	if err != nil {
		if desk.ErrorCode(err) == desk.EUnauthorized {
			s.fails.take(ip)
		}
		s.writeError(w, r, err)
		return r, false
	}
	if s.limit != nil {
		if ok, wait := s.limit.take("agent:" + strconv.FormatInt(a.AgentID, 10)); !ok {
			tooMany(w, r, wait)
			return r, false
		}
	}
	return r.WithContext(context.WithValue(r.Context(), actorKey{}, a)), true
}

// tooMany writes a 429 problem with Retry-After.
func tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	problem(w, r, http.StatusTooManyRequests, string(desk.ERateLimited), "Too many requests; retry later.")
}

// limiter is a set of token buckets keyed by string.
type limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	buckets map[string]*bucket
	swept   time.Time
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate, burst float64) *limiter {
	if burst < 1 {
		burst = 1
	}
	return &limiter{rate: rate, burst: burst, buckets: map[string]*bucket{}, now: time.Now}
}

// refill returns key's bucket brought up to now; l.mu must be held.
func (l *limiter) refill(key string, now time.Time) *bucket {
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	// Forget full buckets now and then so the map stays small.
	if now.Sub(l.swept) > time.Minute {
		l.swept = now
		for k, o := range l.buckets {
			if k != key && o.tokens+now.Sub(o.last).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
	}
	return b
}

// take spends one token of key's bucket; when none is left it reports how
// long until one is.
func (l *limiter) take(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, l.now())
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// check reports whether key's bucket has a token, without spending it.
func (l *limiter) check(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, l.now())
	if b.tokens >= 1 {
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}
