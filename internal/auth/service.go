// Package auth signs agents in and out: argon2id passwords, sessions
// stored in the database (so several instances share them), API tokens
// stored as SHA-256 hashes (one indexed lookup per request), and a login
// rate limiter.
package auth

import (
	"context"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// Service implements authentication. Construct with New.
type Service struct{}

// Session is a signed-in browser session. Token goes in the cookie; CSRF is
// the token forms and htmx requests must echo.
type Session struct {
	Token     string
	CSRF      string
	AgentID   int64
	ExpiresAt time.Time
}

// Login checks email and password, rate-limited per IP and per email
// (ERateLimited), and opens a session. Failures are EUnauthorized with one
// message whatever was wrong.
func (s *Service) Login(ctx context.Context, email, password, ip string) (Session, error) {
	panic("not implemented yet")
}

// Session resolves a session cookie token to its actor and session,
// extending a sliding expiry; EUnauthorized when absent or expired.
func (s *Service) Session(ctx context.Context, token string) (desk.Actor, Session, error) {
	panic("not implemented yet")
}

// Logout ends the session.
func (s *Service) Logout(ctx context.Context, token string) error { panic("not implemented yet") }

// Authenticate resolves an API bearer token to its agent's actor (Kind
// ActorAPI), updating last_used_at at most once a minute.
func (s *Service) Authenticate(ctx context.Context, bearer string) (desk.Actor, error) {
	panic("not implemented yet")
}

// CreateToken makes a new API token for the agent with that id (admin only)
// and returns the secret, shown only this once.
func (s *Service) CreateToken(ctx context.Context, a desk.Actor, agentID int64, name string) (string, desk.APIToken, error) {
	panic("not implemented yet")
}

// Tokens lists API tokens (admin only).
func (s *Service) Tokens(ctx context.Context, a desk.Actor) ([]desk.APIToken, error) {
	panic("not implemented yet")
}

// RevokeToken deletes a token (admin only).
func (s *Service) RevokeToken(ctx context.Context, a desk.Actor, id int64) error {
	panic("not implemented yet")
}

// HashPassword returns the argon2id encoding of password.
func HashPassword(password string) (string, error) { panic("not implemented yet") }

// VerifyPassword reports whether password matches the argon2id encoding.
func VerifyPassword(encoded, password string) bool { panic("not implemented yet") }

// Options tune authentication.
type Options struct {
	SessionTTL time.Duration // sliding session lifetime; default 12h
	// LoginAttempts per LoginWindow allowed per IP and per email; defaults 10 per 15 minutes.
	LoginAttempts int
	LoginWindow   time.Duration
}

// New returns the auth service.
func New(st *store.Store, clk desk.Clock, opts Options) *Service { panic("not implemented yet") }
