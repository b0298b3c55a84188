package server

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
)

// requestTimeout bounds reading and writing one ordinary (non-stream)
// request; long-lived streams have no deadline.
const requestTimeout = 60 * time.Second

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the id of the request carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// recorder wraps a ResponseWriter to remember the status and size. It
// passes Flush, Hijack and Unwrap through so SSE, WebSocket and
// http.ResponseController keep working.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher.
func (w *recorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack implements http.Hijacker.
func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// isStream reports whether r opens a long-lived stream (SSE, WebSocket or
// the chat widget's long poll), which gets no write deadline and is
// closed at shutdown.
func isStream(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/event-stream") ||
		strings.EqualFold(r.Header.Get("Upgrade"), "websocket") ||
		strings.HasSuffix(r.URL.Path, "/events") || strings.HasSuffix(r.URL.Path, "/poll")
}

// quiet routes are logged at debug level only (probes and scrapes).
func quiet(route string) bool {
	return route == "/healthz" || route == "/readyz" || route == "/metrics"
}

// newRequestID returns an incoming X-Request-Id if it is short and plain,
// or a fresh random one.
func newRequestID(in string) string {
	if n := len(in); n > 0 && n <= 64 && strings.Trim(in, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == "" {
		return in
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// routeLabel turns a matched ServeMux pattern into a bounded metrics and
// log label ("GET /api/v1/tickets/{id}" → "/api/v1/tickets/{id}").
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = strings.TrimSpace(pattern[i+1:])
	}
	return pattern
}

// instrument wraps next with the request id, deadlines, stream handling,
// panic recovery, metrics and one structured log line per request. It
// never logs headers, query strings or bodies, so no credentials leak.
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID(r.Header.Get("X-Request-Id"))
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		stream := isStream(r)
		rc := http.NewResponseController(w)
		if stream {
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(ctx)
			stop := context.AfterFunc(s.streams, cancel) // closed at shutdown
			defer stop()
			defer cancel()
			_ = rc.SetWriteDeadline(time.Time{})
		} else {
			_ = rc.SetWriteDeadline(start.Add(requestTimeout))
			_ = rc.SetReadDeadline(start.Add(requestTimeout))
		}
		rec := &recorder{ResponseWriter: w}
		r2 := r.WithContext(ctx)

		s.metrics.inFlight.Inc()
		defer func() {
			s.metrics.inFlight.Dec()
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic serving request", "request_id", id, "method", r.Method,
					"route", routeLabel(r2.Pattern), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeProblem(rec, http.StatusInternalServerError, "An internal error occurred.")
				} else {
					rec.status = http.StatusInternalServerError
				}
			}
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			d := time.Since(start)
			route := routeLabel(r2.Pattern)
			s.metrics.observe(route, r.Method, rec.status, d, stream)
			level := slog.LevelInfo
			switch {
			case rec.status >= 500:
				level = slog.LevelError
			case quiet(route):
				level = slog.LevelDebug
			}
			s.log.LogAttrs(ctx, level, "http request",
				slog.String("request_id", id),
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", rec.status),
				slog.Duration("duration", d),
				slog.Int64("bytes", rec.bytes),
			)
		}()
		next.ServeHTTP(rec, r2)
	})
}

// writeProblem writes a minimal application/problem+json error.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"type":"about:blank","title":%q,"status":%d,"detail":%q}`+"\n",
		http.StatusText(status), status, detail)
}

// isClosed reports whether err only means the server was shut down.
func isClosed(err error) bool { return err == nil || errors.Is(err, http.ErrServerClosed) }
