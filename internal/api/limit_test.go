package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := newLimiter(2, 3)
	l.now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := l.take("a"); !ok {
			t.Fatalf("take %d refused within the burst", i)
		}
	}
	ok, wait := l.take("a")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("4th take = %v, %v; want refused with a wait of at most 1s", ok, wait)
	}
	if ok, _ := l.take("b"); !ok {
		t.Fatalf("another key shares the bucket")
	}
	now = now.Add(500 * time.Millisecond) // one token back at 2/s
	if ok, _ := l.check("a"); !ok {
		t.Fatalf("check after refill refused")
	}
	if ok, _ := l.take("a"); !ok {
		t.Fatalf("take after refill refused")
	}
	if ok, _ := l.take("a"); ok {
		t.Fatalf("second take after one refill allowed")
	}
	now = now.Add(2 * time.Minute) // everything full: swept on the next call
	l.take("c")
	if len(l.buckets) != 1 {
		t.Errorf("%d buckets after the sweep, want 1", len(l.buckets))
	}
}

// TestRoutingWithoutServices covers what the router answers before any
// service is called.
func TestRoutingWithoutServices(t *testing.T) {
	h := New(Config{})
	cases := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/api/v1/", 404, ""},
		{"GET", "/api/v1/unknown", 404, ""},
		{"GET", "/api/v2/tickets", 404, ""},
		{"POST", "/api/v1/openapi.json", 405, "GET, HEAD"},
		{"DELETE", "/api/v1/tickets/7", 405, "GET, HEAD, PATCH"},
		{"PUT", "/api/v1/tickets/7/messages", 405, "GET, HEAD, POST"},
		{"HEAD", "/api/v1/openapi.json", 200, ""},
	}
	for _, c := range cases {
		rec := serve(h, httptest.NewRequest(c.method, c.path, nil))
		if rec.Code != c.status {
			t.Errorf("%s %s = %d, want %d", c.method, c.path, rec.Code, c.status)
		}
		if c.status >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: Content-Type %q", c.method, c.path, rec.Header().Get("Content-Type"))
		}
		if got := rec.Header().Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
	}
	// A panic in a handler becomes a 500 problem, not a dropped connection.
	s := h.(*server)
	s.mux.HandleFunc("GET /api/v1/panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	rec := serve(h, httptest.NewRequest("GET", "/api/v1/panic", nil))
	if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("panic: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}

// TestContextErrors checks a canceled client is not reported as a server
// error, and a timeout is a 503.
func TestContextErrors(t *testing.T) {
	s := New(Config{}).(*server)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("GET", "/api/v1/tickets", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	s.writeError(rec, req, fmt.Errorf("store: load tickets: %w", context.Canceled))
	if rec.Code != StatusClientClosedRequest {
		t.Errorf("canceled: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	s.writeError(rec, httptest.NewRequest("GET", "/api/v1/tickets", nil), fmt.Errorf("x: %w", context.DeadlineExceeded))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("deadline: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	s.writeError(rec, httptest.NewRequest("GET", "/api/v1/tickets", nil), errors.New("disk on fire"))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "fire") {
		t.Errorf("internal: %d %s", rec.Code, rec.Body)
	}
}
