// Package api serves the REST API under /api/v1: JSON handlers over the
// services, bearer-token authentication, cursor pagination, problem+json
// errors, and the OpenAPI 3.1 document at /api/v1/openapi.json.
package api

import (
	"log/slog"
	"net/http"

	"switchboard/internal/auth"
	"switchboard/internal/contact"
	"switchboard/internal/realtime"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

// Config holds what the API needs.
type Config struct {
	Tickets  *ticket.Service
	Contacts *contact.Service
	Team     *team.Service
	Auth     *auth.Service
	Broker   realtime.Broker
	Logger   *slog.Logger
	BaseURL  string
}

// New returns the handler for every /api/v1/ route (mount it at "/api/v1/").
func New(cfg Config) http.Handler { panic("not implemented yet") }
