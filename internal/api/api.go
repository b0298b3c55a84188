// Package api serves the REST API under /api/v1: JSON handlers over the
// services, bearer-token authentication, cursor pagination, problem+json
// errors, and the OpenAPI 3.1 document at /api/v1/openapi.json.
//
// Handlers decode the request, call one service method and encode the
// answer; authorization and business rules live in the services, and
// desk.Error codes become HTTP statuses in one place (statusOf).
package api

import (
	"log/slog"
	"net/http"
	"strings"

	"switchboard/internal/auth"
	"switchboard/internal/canned"
	"switchboard/internal/chat"
	"switchboard/internal/contact"
	"switchboard/internal/mailbox"
	"switchboard/internal/realtime"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

// Config holds what the API needs.
type Config struct {
	Tickets  *ticket.Service
	Contacts *contact.Service
	Team     *team.Service
	// Mailboxes manages the support addresses (admin only).
	Mailboxes *mailbox.Service
	// Chat is live chat: channels (admins), chats and visitors (agents);
	// nil answers its routes 404.
	Chat    *chat.Service
	Auth    *auth.Service
	Broker  realtime.Broker
	Logger  *slog.Logger
	BaseURL string
	// RateLimit is the sustained number of requests per second allowed per
	// API token's agent (default DefaultRateLimit; negative turns it off).
	RateLimit float64
	// RateBurst is how many requests above the sustained rate a token may
	// make at once (default twice the rate).
	RateBurst int
	// Canned holds the canned responses.
	Canned *canned.Service
}

// DefaultRateLimit is the per-agent request rate allowed when
// Config.RateLimit is zero: high enough for bulk imports and load tests,
// low enough to stop a runaway script from starving the desk.
const DefaultRateLimit = 2500

// Prefix is the path every API route starts with.
const Prefix = "/api/v1"

// server is the API handler.
type server struct {
	cfg   Config
	log   *slog.Logger
	mux   *http.ServeMux
	limit *limiter // per agent, after authentication (nil when off)
	fails *limiter // failed token lookups per client IP
}

// New returns the handler for every /api/v1/ route (mount it at "/api/v1/").
// It serves full paths such as /api/v1/tickets.
func New(cfg Config) http.Handler {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s := &server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.Default()
	}
	if cfg.RateLimit >= 0 {
		rate := cfg.RateLimit
		if rate == 0 {
			rate = DefaultRateLimit
		}
		burst := float64(cfg.RateBurst)
		if burst <= 0 {
			burst = 2 * rate
		}
		s.limit = newLimiter(rate, burst)
	}
	s.fails = newLimiter(authFailRate, authFailBurst)
	for _, rt := range routes {
		h := rt.handler
		var hf http.HandlerFunc
		if rt.Public {
			hf = func(w http.ResponseWriter, r *http.Request) { h(s, w, r) }
		} else {
			hf = func(w http.ResponseWriter, r *http.Request) {
				if r, ok := s.authenticate(w, r); ok {
					h(s, w, r)
				}
			}
		}
		s.mux.Handle(rt.Method+" "+rt.Path, hf)
	}
	return s
}

// ServeHTTP routes the request; unknown paths get 404 and known paths with
// another method 405 with Allow, both as problem+json.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "api: panic", slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.Any("panic", v))
			problem(w, r, http.StatusInternalServerError, "internal", "An internal error occurred.")
		}
	}()
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.notRouted(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// notRouted answers a request no route matched.
func (s *server) notRouted(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, p := s.mux.Handler(r2); p != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		problem(w, r, http.StatusNotFound, "not_found", "There is no API route "+r.URL.Path+".")
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	problem(w, r, http.StatusMethodNotAllowed, "method_not_allowed",
		r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+strings.Join(allow, ", ")+".")
}
