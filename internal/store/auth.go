package store

import (
	"context"
	"fmt"
	"time"

	"switchboard/internal/desk"
)

// SessionRecord is a stored browser session. TokenHash is the hex SHA-256
// of the cookie token; the token itself is never stored.
type SessionRecord struct {
	TokenHash string
	AgentID   int64
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// InsertSession stores a session.
func (tx *Tx) InsertSession(ctx context.Context, s SessionRecord) error {
	_, err := tx.exec(ctx, "INSERT INTO sessions (token_hash, agent_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		s.TokenHash, s.AgentID, s.CSRF, s.CreatedAt, s.ExpiresAt)
	if err != nil {
		return fmt.Errorf("store: insert session: %w", err)
	}
	return nil
}

// SessionAgent returns a session by token hash together with its agent.
func (tx *Tx) SessionAgent(ctx context.Context, tokenHash string) (SessionRecord, desk.Agent, error) {
	var s SessionRecord
	var a desk.Agent
	err := tx.queryRow(ctx, `SELECT s.token_hash, s.agent_id, s.csrf, s.created_at, s.expires_at, `+agentCols+`
		FROM sessions s JOIN agents a ON a.id = s.agent_id WHERE s.token_hash = ?`, tokenHash).Scan(
		&s.TokenHash, &s.AgentID, &s.CSRF, ts{&s.CreatedAt}, ts{&s.ExpiresAt},
		&a.ID, &a.Email, &a.Name, &a.Role, &a.Active, ts{&a.CreatedAt})
	if err != nil {
		return s, a, wrap(err, "Session", "get session")
	}
	return s, a, nil
}

// ExtendSession moves a session's expiry.
func (tx *Tx) ExtendSession(ctx context.Context, tokenHash string, expires time.Time) error {
	if _, err := tx.exec(ctx, "UPDATE sessions SET expires_at = ? WHERE token_hash = ?", expires, tokenHash); err != nil {
		return fmt.Errorf("store: extend session: %w", err)
	}
	return nil
}

// DeleteSession removes a session (no error if absent).
func (tx *Tx) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := tx.exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteAgentSessions removes every session of an agent (on deactivation
// or password change).
func (tx *Tx) DeleteAgentSessions(ctx context.Context, agentID int64) error {
	if _, err := tx.exec(ctx, "DELETE FROM sessions WHERE agent_id = ?", agentID); err != nil {
		return fmt.Errorf("store: delete sessions of agent %d: %w", agentID, err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions that expired before now.
func (tx *Tx) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := tx.exec(ctx, "DELETE FROM sessions WHERE expires_at < ?", now)
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// InsertToken stores an API token by the hex SHA-256 of its secret and
// returns its id.
func (tx *Tx) InsertToken(ctx context.Context, t desk.APIToken, tokenHash string) (int64, error) {
	id, err := tx.insertID(ctx, "INSERT INTO api_tokens (agent_id, name, prefix, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
		t.AgentID, t.Name, t.Prefix, tokenHash, t.CreatedAt)
	if err != nil {
		return 0, fmt.Errorf("store: insert token: %w", err)
	}
	return id, nil
}

const tokenCols = "k.id, k.agent_id, k.name, k.prefix, k.created_at, k.last_used_at"

// TokenAgent returns the token with that hash and its agent: one indexed lookup.
func (tx *Tx) TokenAgent(ctx context.Context, tokenHash string) (desk.APIToken, desk.Agent, error) {
	var t desk.APIToken
	var a desk.Agent
	err := tx.queryRow(ctx, `SELECT `+tokenCols+`, `+agentCols+`
		FROM api_tokens k JOIN agents a ON a.id = k.agent_id WHERE k.token_hash = ?`, tokenHash).Scan(
		&t.ID, &t.AgentID, &t.Name, &t.Prefix, ts{&t.CreatedAt}, nts{&t.LastUsedAt},
		&a.ID, &a.Email, &a.Name, &a.Role, &a.Active, ts{&a.CreatedAt})
	if err != nil {
		return t, a, wrap(err, "Token", "get token")
	}
	return t, a, nil
}

// TouchToken sets a token's last_used_at.
func (tx *Tx) TouchToken(ctx context.Context, id int64, at time.Time) error {
	if _, err := tx.exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", at, id); err != nil {
		return fmt.Errorf("store: touch token %d: %w", id, err)
	}
	return nil
}

// Tokens lists every API token, newest first.
func (tx *Tx) Tokens(ctx context.Context) ([]desk.APIToken, error) {
	rows, err := tx.query(ctx, "SELECT "+tokenCols+" FROM api_tokens k ORDER BY k.id DESC")
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	defer rows.Close()
	out := []desk.APIToken{}
	for rows.Next() {
		var t desk.APIToken
		if err := rows.Scan(&t.ID, &t.AgentID, &t.Name, &t.Prefix, ts{&t.CreatedAt}, nts{&t.LastUsedAt}); err != nil {
			return nil, fmt.Errorf("store: list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteToken removes a token.
func (tx *Tx) DeleteToken(ctx context.Context, id int64) error {
	tx.authChanged = true
	res, err := tx.exec(ctx, "DELETE FROM api_tokens WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("store: delete token %d: %w", id, err)
	}
	return mustAffect(res, "Token", "delete token %d", id)
}
