// Package auth signs agents in and out: argon2id passwords, sessions
// stored in the database (so several instances share them), API tokens
// stored as SHA-256 hashes (one indexed lookup, then cached for two
// seconds; see tokenCache), and a login rate limiter.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// TokenPrefix starts every API token, so leaked tokens are recognisable.
const TokenPrefix = "sb_"

// Service implements authentication. Construct with New.
type Service struct {
	st      *store.Store
	clk     desk.Clock
	opts    Options
	byIP    *limiter
	byEmail *limiter
	// dummyHash is hashed on first use (argon2id costs ~40 ms, which every
	// short command such as `mail ingest` would otherwise pay at start).
	dummyOnce sync.Once
	dummyHash string
	tokens    tokenCache
}

// Session is a signed-in browser session. Token goes in the cookie; CSRF is
// the token forms and htmx requests must echo.
type Session struct {
	Token     string
	CSRF      string
	AgentID   int64
	ExpiresAt time.Time
}

// Options tune authentication.
type Options struct {
	SessionTTL time.Duration // sliding session lifetime; default 12h
	// LoginAttempts per LoginWindow allowed per IP and per email; defaults 10 per 15 minutes.
	LoginAttempts int
	LoginWindow   time.Duration
}

// New returns the auth service. A nil clock is the system clock.
func New(st *store.Store, clk desk.Clock, opts Options) *Service {
	if clk == nil {
		clk = desk.SystemClock{}
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.LoginAttempts <= 0 {
		opts.LoginAttempts = 10
	}
	if opts.LoginWindow <= 0 {
		opts.LoginWindow = 15 * time.Minute
	}
	return &Service{st: st, clk: clk, opts: opts,
		byIP: newLimiter(opts.LoginAttempts, opts.LoginWindow), byEmail: newLimiter(opts.LoginAttempts, opts.LoginWindow)}
}

// errLogin is the one answer to every failed sign-in.
func errLogin() error { return desk.Errorf(desk.EUnauthorized, "Incorrect email or password.") }

func (s *Service) now() time.Time { return store.Now(s.clk.Now()) }

// hashToken is the hex SHA-256 stored for a session or API token.
func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Login checks email and password, rate-limited per IP and per email
// (ERateLimited), and opens a session. Failures are EUnauthorized with one
// message whatever was wrong.
func (s *Service) Login(ctx context.Context, email, password, ip string) (Session, error) {
	now := s.clk.Now()
	emailKey := strings.ToLower(strings.TrimSpace(email))
	if !s.byIP.allowed(ip, now) || !s.byEmail.allowed(emailKey, now) {
		return Session{}, desk.Errorf(desk.ERateLimited, "Too many sign-in attempts. Please wait a few minutes and try again.")
	}
	ag, hash, err := s.st.Read().AgentCredentials(ctx, emailKey)
	if err != nil && !desk.IsNotFound(err) {
		return Session{}, err
	}
	if err != nil || hash == "" {
		s.dummyOnce.Do(func() { s.dummyHash, _ = HashPassword("switchboard-dummy-password") })
		VerifyPassword(s.dummyHash, password) // same work whether or not the agent exists
		s.fail(ip, emailKey, now)
		return Session{}, errLogin()
	}
	if !VerifyPassword(hash, password) || !ag.Active {
		s.fail(ip, emailKey, now)
		return Session{}, errLogin()
	}
	s.byEmail.reset(emailKey)
	tok, err := randomToken()
	if err != nil {
		return Session{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return Session{}, err
	}
	at := s.now()
	sess := Session{Token: tok, CSRF: csrf, AgentID: ag.ID, ExpiresAt: at.Add(s.opts.SessionTTL)}
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.DeleteExpiredSessions(ctx, at); err != nil {
			return err
		}
		return tx.InsertSession(ctx, store.SessionRecord{TokenHash: hashToken(tok), AgentID: ag.ID, CSRF: csrf, CreatedAt: at, ExpiresAt: sess.ExpiresAt})
	})
	if err != nil {
		return Session{}, err
	}
	return sess, nil
}

func (s *Service) fail(ip, email string, now time.Time) {
	s.byIP.fail(ip, now)
	s.byEmail.fail(email, now)
}

// Session resolves a session cookie token to its actor and session,
// extending a sliding expiry; EUnauthorized when absent or expired.
// The expiry is written at most once a minute per session.
func (s *Service) Session(ctx context.Context, token string) (desk.Actor, Session, error) {
	if token == "" {
		return desk.Actor{}, Session{}, desk.Errorf(desk.EUnauthorized, "Please sign in.")
	}
	h := hashToken(token)
	rec, ag, err := s.st.Read().SessionAgent(ctx, h)
	now := s.now()
	if desk.IsNotFound(err) || err == nil && (!rec.ExpiresAt.After(now) || !ag.Active) {
		return desk.Actor{}, Session{}, desk.Errorf(desk.EUnauthorized, "Your session has ended. Please sign in again.")
	}
	if err != nil {
		return desk.Actor{}, Session{}, err
	}
	exp := now.Add(s.opts.SessionTTL)
	if exp.Sub(rec.ExpiresAt) >= time.Minute {
		if err := s.st.Write(ctx, func(tx *store.Tx) error { return tx.ExtendSession(ctx, h, exp) }); err != nil {
			return desk.Actor{}, Session{}, err
		}
		rec.ExpiresAt = exp
	}
	a := desk.Actor{Kind: desk.ActorAgent, AgentID: ag.ID, Name: ag.Name, Role: ag.Role}
	return a, Session{Token: token, CSRF: rec.CSRF, AgentID: ag.ID, ExpiresAt: rec.ExpiresAt}, nil
}

// Logout ends the session.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.st.Write(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, hashToken(token)) })
}

// Authenticate resolves an API bearer token to its agent's actor (Kind
// ActorAPI), updating last_used_at at most once a minute. A resolved token
// is cached for a short time (see tokenCache): revocations and agent
// changes made through this process apply at once, those made by another
// instance sharing the database within tokenCacheTTL.
func (s *Service) Authenticate(ctx context.Context, bearer string) (desk.Actor, error) {
	bad := desk.Errorf(desk.EUnauthorized, "Invalid or missing API token.")
	if !strings.HasPrefix(bearer, TokenPrefix) {
		return desk.Actor{}, bad
	}
	h := hashToken(bearer)
	gen := s.st.AuthGeneration()
	wall := time.Now()
	e, ok := s.tokens.get(h, gen, wall)
	if !ok {
		tok, ag, err := s.st.Read().TokenAgent(ctx, h)
		if desk.IsNotFound(err) || err == nil && !ag.Active {
			return desk.Actor{}, bad
		}
		if err != nil {
			return desk.Actor{}, err
		}
		e = tokenEntry{actor: desk.Actor{Kind: desk.ActorAPI, AgentID: ag.ID, Name: ag.Name, Role: ag.Role},
			tokenID: tok.ID, gen: gen, expires: wall.Add(tokenCacheTTL)}
		if tok.LastUsedAt != nil {
			e.lastUsed = *tok.LastUsedAt
		}
		s.tokens.put(h, e)
	}
	now := s.now()
	if e.lastUsed.IsZero() || now.Sub(e.lastUsed) >= time.Minute {
		if err := s.st.Write(ctx, func(tx *store.Tx) error { return tx.TouchToken(ctx, e.tokenID, now) }); err != nil {
			return desk.Actor{}, err
		}
		s.tokens.touched(h, now)
	}
	return e.actor, nil
}

// CreateToken makes a new API token for the agent with that id (admin only)
// and returns the secret, shown only this once.
func (s *Service) CreateToken(ctx context.Context, a desk.Actor, agentID int64, name string) (string, desk.APIToken, error) {
	if err := a.RequireAdmin(); err != nil {
		return "", desk.APIToken{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "API token"
	}
	if len(name) > 100 {
		return "", desk.APIToken{}, &desk.Error{Code: desk.EInvalid, Message: "The name is too long.", Fields: map[string]string{"name": "at most 100 characters"}}
	}
	raw, err := randomToken()
	if err != nil {
		return "", desk.APIToken{}, err
	}
	secret := TokenPrefix + raw
	t := desk.APIToken{AgentID: agentID, Name: name, Prefix: secret[:len(TokenPrefix)+6], CreatedAt: s.now()}
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		ag, err := tx.Agent(ctx, agentID)
		if desk.IsNotFound(err) {
			return &desk.Error{Code: desk.EInvalid, Message: "No such agent.", Fields: map[string]string{"agent": "no such agent"}}
		}
		if err != nil {
			return err
		}
		if !ag.Active {
			return &desk.Error{Code: desk.EInvalid, Message: "The agent is inactive.", Fields: map[string]string{"agent": "inactive"}}
		}
		t.ID, err = tx.InsertToken(ctx, t, hashToken(secret))
		return err
	})
	if err != nil {
		return "", desk.APIToken{}, err
	}
	return secret, t, nil
}

// Tokens lists API tokens (admin only), newest first.
func (s *Service) Tokens(ctx context.Context, a desk.Actor) ([]desk.APIToken, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	return s.st.Read().Tokens(ctx)
}

// RevokeToken deletes a token (admin only).
func (s *Service) RevokeToken(ctx context.Context, a desk.Actor, id int64) error {
	if err := a.RequireAdmin(); err != nil {
		return err
	}
	return s.st.Write(ctx, func(tx *store.Tx) error { return tx.DeleteToken(ctx, id) })
}
