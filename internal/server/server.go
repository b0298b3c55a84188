// Package server assembles Switchboard's HTTP side: it builds the services
// over one store, mounts the REST API at /api/v1/ and the agent app at /,
// adds /healthz, /readyz and /metrics, wraps everything in request ids,
// structured logs, metrics and panic recovery, and runs the http.Server
// with graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// DefaultShutdownTimeout bounds how long in-flight requests may take to
// finish after a shutdown signal.
const DefaultShutdownTimeout = 20 * time.Second

// Pinger checks the database answers; *store.Store implements it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Options configures a Server.
type Options struct {
	Logger *slog.Logger
	// DB is pinged by /readyz.
	DB Pinger
	// Subscribers, when set, is exported as a gauge.
	Subscribers SubscriberCounter
	// API serves /api/v1/ and Web serves everything else under /.
	API http.Handler
	Web http.Handler
	// Widget serves the live-chat widget under /chat/.
	Widget http.Handler
	// ShutdownTimeout bounds draining; DefaultShutdownTimeout when zero.
	ShutdownTimeout time.Duration
}

// Server is Switchboard's HTTP server. Construct with New.
type Server struct {
	log         *slog.Logger
	db          Pinger
	metrics     *metrics
	handler     http.Handler
	shutdownTO  time.Duration
	ready       atomic.Bool
	streams     context.Context // canceled at shutdown: long-lived streams end
	stopStreams context.CancelFunc
}

// New assembles the routes and middleware.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = DefaultShutdownTimeout
	}
	s := &Server{
		log:        o.Logger,
		db:         o.DB,
		metrics:    newMetrics(o.Subscribers),
		shutdownTO: o.ShutdownTimeout,
	}
	s.streams, s.stopStreams = context.WithCancel(context.Background())
	s.ready.Store(true)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metrics.handler())
	if o.API != nil {
		mux.Handle("/api/v1/", o.API)
	}
	if o.Widget != nil {
		mux.Handle("/chat/", o.Widget)
	}
	if o.Web != nil {
		mux.Handle("/", o.Web)
	}
	s.handler = s.instrument(mux)
	return s
}

// Handler returns the whole HTTP handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n")
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if !s.ready.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "shutting down\n")
		return
	}
	if s.db != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.db.Ping(ctx); err != nil {
			s.log.Warn("readiness check failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "database unavailable\n")
			return
		}
	}
	io.WriteString(w, "ok\n")
}

// Serve answers HTTP on ln until ctx is canceled, then shuts down
// gracefully: /readyz turns 503, the listener closes, long-lived streams
// are told to end, and in-flight requests get up to the shutdown timeout to
// finish. It returns nil after a clean shutdown. The caller closes the
// database afterwards.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		// No ReadTimeout/WriteTimeout: they would cut SSE streams. Ordinary
		// requests get per-request deadlines in instrument.
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !isClosed(err) {
			return fmt.Errorf("server: serve http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		s.ready.Store(false)
		s.log.Info("shutting down", "timeout", s.shutdownTO)
		s.stopStreams()
		sctx, cancel := context.WithTimeout(context.Background(), s.shutdownTO)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			_ = srv.Close()
			if errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("server: in-flight requests did not finish within %s", s.shutdownTO)
			}
			return fmt.Errorf("server: shutdown: %w", err)
		}
		return nil
	})
	return g.Wait()
}
