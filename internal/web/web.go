// Package web serves the agent app: server-rendered html/template pages
// with htmx, sign-in with sessions and CSRF protection, the inbox, ticket
// and contact pages, admin screens, live updates over SSE with presence
// (collision warnings), and the embedded static assets.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/canned"
	"switchboard/internal/chat"
	"switchboard/internal/contact"
	"switchboard/internal/desk"
	"switchboard/internal/i18n"
	"switchboard/internal/mailbox"
	"switchboard/internal/realtime"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

// Config holds what the web app needs.
type Config struct {
	Tickets  *ticket.Service
	Contacts *contact.Service
	Team     *team.Service
	// Mailboxes manages the support addresses on the admin screens.
	Mailboxes *mailbox.Service
	Auth      *auth.Service
	Broker    realtime.Broker
	Clock     desk.Clock
	Logger    *slog.Logger
	BaseURL   string // https:// base URLs make cookies Secure
	// Presence tracks who views or replies to which ticket; one is made
	// (with DefaultPresenceTTL) when nil.
	Presence *realtime.Tracker
	// Context, when done, stops the presence listener and ends every event
	// stream, so a graceful shutdown does not wait for browsers. Pass the
	// serve context.
	Context context.Context
	// Mail sends a failed email reply again; nil hides the Retry button.
	Mail MailRetrier
	// Chat is live chat (the agent side: chats, visitors, status); nil
	// hides it.
	Chat *chat.Service
	// Canned holds the canned responses: the composer's picker and the
	// admin screen.
	Canned *canned.Service
}

// app is the web application: configuration, templates and catalogue.
type app struct {
	cfg      Config
	log      *slog.Logger
	cat      *i18n.Catalogue
	tpl      map[string]*templateSet // by locale
	static   *staticFiles
	presence *realtime.Tracker
	secure   bool
}

// New returns the handler for the agent app (mount it at "/").
func New(cfg Config) (http.Handler, error) {
	a, err := newApp(cfg)
	if err != nil {
		return nil, err
	}
	go a.listenPresence()
	return a.handler(), nil
}

// handler builds the router from the route table.
func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range a.routes() {
		mux.Handle(rt.method+" "+rt.pattern, a.wrap(rt))
	}
	mux.Handle("GET /static/{name}", http.HandlerFunc(a.static.serve))
	mux.Handle("/", a.wrap(route{pattern: "/", access: public, kind: page, h: a.notFound}))
	return securityHeaders(mux)
}

func newApp(cfg Config) (*app, error) {
	if cfg.Tickets == nil || cfg.Contacts == nil || cfg.Team == nil || cfg.Canned == nil || cfg.Auth == nil || cfg.Broker == nil {
		return nil, fmt.Errorf("web: Config needs Tickets, Contacts, Team, Canned, Auth and Broker")
	}
	if cfg.Clock == nil {
		cfg.Clock = desk.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	if cfg.Presence == nil {
		cfg.Presence = realtime.NewTracker(cfg.Clock, 0)
	}
	cat, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: cfg.Logger, cat: cat, presence: cfg.Presence,
		secure: strings.HasPrefix(strings.ToLower(cfg.BaseURL), "https://")}
	if a.static, err = loadStatic(); err != nil {
		return nil, err
	}
	if a.tpl, err = a.parseTemplates(); err != nil {
		return nil, err
	}
	return a, nil
}

// listenPresence applies presence events from the broker (possibly from
// other instances) to the local tracker, and sweeps expired entries.
func (a *app) listenPresence() {
	ch, cancel := a.cfg.Broker.Subscribe()
	defer func() { cancel() }()
	sweep := time.NewTicker(15 * time.Second)
	defer sweep.Stop()
	for {
		select {
		case <-a.cfg.Context.Done():
			return
		case ev, ok := <-ch:
			if !ok { // fell behind: subscribe again
				ch, cancel = a.cfg.Broker.Subscribe()
				continue
			}
			a.presence.Apply(ev)
		case <-sweep.C:
			a.presence.Sweep()
		}
	}
}

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}
