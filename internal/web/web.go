// Package web serves the agent app: server-rendered html/template pages
// with htmx, sign-in with sessions and CSRF protection, the inbox, ticket
// and contact pages, admin screens, live updates over SSE, and the embedded
// static assets.
package web

import (
	"log/slog"
	"net/http"

	"switchboard/internal/auth"
	"switchboard/internal/contact"
	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

// Config holds what the web app needs.
type Config struct {
	Tickets  *ticket.Service
	Contacts *contact.Service
	Team     *team.Service
	Auth     *auth.Service
	Broker   realtime.Broker
	Clock    desk.Clock
	Logger   *slog.Logger
	BaseURL  string // https:// base URLs make cookies Secure
}

// New returns the handler for the agent app (mount it at "/").
func New(cfg Config) (http.Handler, error) { panic("not implemented yet") }
