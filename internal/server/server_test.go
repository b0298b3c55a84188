package server

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// testHandlers stands in for the api and web packages: plain handlers that
// exercise routing, panics, slow requests and streams.
func testHandlers() (api, web http.Handler) {
	am := http.NewServeMux()
	am.HandleFunc("GET /api/v1/tickets/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":`+r.PathValue("id")+`}`)
	})
	am.HandleFunc("GET /api/v1/boom", func(http.ResponseWriter, *http.Request) { panic("kaboom") })
	am.HandleFunc("GET /api/v1/slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(500 * time.Millisecond)
		io.WriteString(w, "done")
	})
	wm := http.NewServeMux()
	wm.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, ": hello\n\n")
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	})
	wm.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "inbox") })
	return am, wm
}

func newTestServer(t *testing.T, logs *bytes.Buffer) *Server {
	t.Helper()
	api, web := testHandlers()
	return New(Options{
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		API:    api, Web: web, ShutdownTimeout: 5 * time.Second,
	})
}

func get(t *testing.T, h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestRoutesMetricsAndLogs(t *testing.T) {
	var logs bytes.Buffer
	s := newTestServer(t, &logs)
	h := s.Handler()
	for path, want := range map[string]int{
		"/healthz": 200, "/readyz": 200, "/": 200, "/api/v1/tickets/7": 200, "/api/v1/boom": 500, "/nope": 404,
	} {
		rec := get(t, h, path, "Authorization", "Bearer sekrit-token", "Cookie", "session=sekrit-cookie")
		if rec.Code != want {
			t.Errorf("GET %s = %d, want %d", path, rec.Code, want)
		}
		if rec.Header().Get("X-Request-Id") == "" {
			t.Errorf("GET %s: no X-Request-Id", path)
		}
	}
	if rec := get(t, h, "/api/v1/boom"); !strings.Contains(rec.Header().Get("Content-Type"), "problem+json") {
		t.Errorf("panic response type %q", rec.Header().Get("Content-Type"))
	}
	if got := get(t, h, "/healthz", "X-Request-Id", "abc-123").Header().Get("X-Request-Id"); got != "abc-123" {
		t.Errorf("request id not propagated: %q", got)
	}
	m := get(t, h, "/metrics").Body.String()
	for _, want := range []string{
		`switchboard_http_requests_total{code="200",method="GET",route="/api/v1/tickets/{id}"} 1`,
		`switchboard_http_requests_total{code="500",method="GET",route="/api/v1/boom"}`,
		`switchboard_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`switchboard_http_request_duration_seconds_bucket`,
		`switchboard_http_requests_in_flight`,
		`go_goroutines`, `process_start_time_seconds`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	l := logs.String()
	for _, bad := range []string{"sekrit", "Bearer"} {
		if strings.Contains(l, bad) {
			t.Errorf("logs contain %q:\n%s", bad, l)
		}
	}
	if !strings.Contains(l, "route=/api/v1/tickets/{id}") || !strings.Contains(l, "kaboom") {
		t.Errorf("logs lack route or panic:\n%s", l)
	}
}

func TestGracefulShutdown(t *testing.T) {
	var logs bytes.Buffer
	s := newTestServer(t, &logs)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()

	// An open SSE stream must be ended by shutdown, not hold it up.
	sreq, _ := http.NewRequest("GET", base+"/events", nil)
	sreq.Header.Set("Accept", "text/event-stream")
	sresp, err := http.DefaultClient.Do(sreq)
	if err != nil {
		t.Fatal(err)
	}
	defer sresp.Body.Close()
	if line, _ := bufio.NewReader(sresp.Body).ReadString('\n'); line != ": hello\n" {
		t.Fatalf("stream said %q", line)
	}

	slow := make(chan string, 1)
	go func() {
		resp, err := http.Get(base + "/api/v1/slow")
		if err != nil {
			slow <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		slow <- string(b)
	}()
	time.Sleep(100 * time.Millisecond) // let the slow request start
	cancel()
	time.Sleep(20 * time.Millisecond)
	if rec := get(t, s.Handler(), "/readyz"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz during shutdown = %d", rec.Code)
	}
	if got := <-slow; got != "done" {
		t.Errorf("in-flight request got %q, want it to finish", got)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(4 * time.Second):
		t.Fatal("shutdown did not finish")
	}
}

func TestShutdownIsBounded(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/stuck", func(w http.ResponseWriter, r *http.Request) { <-block })
	s := New(Options{API: mux, ShutdownTimeout: 300 * time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String() + "/api/v1/stuck"); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "did not finish") {
			t.Fatalf("Serve = %v, want an error saying requests did not finish", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("shutdown was not bounded")
	}
}
