package auth_test

import (
	"context"
	"strings"
	"switchboard/internal/desk/desktest"
	"testing"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
	"switchboard/internal/team"
)

var (
	must     = desktest.Must
	wantCode = desktest.WantCode
)

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("correct horse")
	must(t, err)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash = %s", h)
	}
	h2, _ := auth.HashPassword("correct horse")
	if h == h2 {
		t.Fatal("hashes are not salted")
	}
	for _, c := range []struct {
		enc, pw string
		want    bool
	}{
		{h, "correct horse", true},
		{h, "correct horsE", false},
		{h, "", false},
		{"", "correct horse", false},
		{"$argon2id$v=19$m=19456,t=2,p=1$xx$yy", "x", false},
		{"$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x", false},
	} {
		if got := auth.VerifyPassword(c.enc, c.pw); got != c.want {
			t.Errorf("VerifyPassword(%q, %q) = %v", c.enc, c.pw, got)
		}
	}
}

type fixture struct {
	auth  *auth.Service
	team  *team.Service
	clk   *desk.FixedClock
	admin desk.Agent
	agent desk.Agent
}

func newFixture(t *testing.T, st *store.Store) *fixture {
	ctx := context.Background()
	clk := desk.NewFixedClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	f := &fixture{auth: auth.New(st, clk, auth.Options{LoginAttempts: 3}), team: team.New(st, clk), clk: clk}
	var err error
	f.admin, err = f.team.CreateAgent(ctx, desk.System, team.NewAgent{Email: "admin@example.com", Name: "Admin", Role: desk.RoleAdmin, Password: "admin-password"})
	must(t, err)
	f.agent, err = f.team.CreateAgent(ctx, desk.System, team.NewAgent{Email: "agent@example.com", Name: "Agent", Role: desk.RoleAgent, Password: "agent-password"})
	must(t, err)
	return f
}

func TestLoginSessionLogout(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		s, err := f.auth.Login(ctx, " Agent@Example.com", "agent-password", "10.0.0.1")
		must(t, err)
		if s.Token == "" || s.CSRF == "" || s.AgentID != f.agent.ID || !s.ExpiresAt.Equal(f.clk.Now().Add(12*time.Hour)) {
			t.Fatalf("session = %+v", s)
		}
		a, got, err := f.auth.Session(ctx, s.Token)
		must(t, err)
		if a.Kind != desk.ActorAgent || a.AgentID != f.agent.ID || a.Role != desk.RoleAgent || got.CSRF != s.CSRF {
			t.Fatalf("actor = %+v session = %+v", a, got)
		}
		// Sliding expiry.
		f.clk.Advance(11 * time.Hour)
		_, got, err = f.auth.Session(ctx, s.Token)
		must(t, err)
		if !got.ExpiresAt.Equal(f.clk.Now().Add(12 * time.Hour)) {
			t.Fatalf("expiry not extended: %v", got.ExpiresAt)
		}
		f.clk.Advance(13 * time.Hour)
		_, _, err = f.auth.Session(ctx, s.Token)
		wantCode(t, err, desk.EUnauthorized)

		s, err = f.auth.Login(ctx, "agent@example.com", "agent-password", "10.0.0.1")
		must(t, err)
		must(t, f.auth.Logout(ctx, s.Token))
		_, _, err = f.auth.Session(ctx, s.Token)
		wantCode(t, err, desk.EUnauthorized)
		_, _, err = f.auth.Session(ctx, "")
		wantCode(t, err, desk.EUnauthorized)

		// Deactivation ends sessions and refuses new ones.
		s, err = f.auth.Login(ctx, "agent@example.com", "agent-password", "10.0.0.1")
		must(t, err)
		off := false
		_, err = f.team.UpdateAgent(ctx, desk.System, f.agent.ID, team.AgentUpdate{Active: &off})
		must(t, err)
		_, _, err = f.auth.Session(ctx, s.Token)
		wantCode(t, err, desk.EUnauthorized)
		_, err = f.auth.Login(ctx, "agent@example.com", "agent-password", "10.0.0.2")
		wantCode(t, err, desk.EUnauthorized)
	})
}

func TestLoginFailuresAndRateLimit(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		_, errWrong := f.auth.Login(ctx, "admin@example.com", "nope", "1.1.1.1")
		_, errNoUser := f.auth.Login(ctx, "ghost@example.com", "nope", "1.1.1.2")
		wantCode(t, errWrong, desk.EUnauthorized)
		wantCode(t, errNoUser, desk.EUnauthorized)
		if desk.ErrorMessage(errWrong) != desk.ErrorMessage(errNoUser) {
			t.Fatal("login failures must not tell which part was wrong")
		}
		// Per email: 3 failures from different IPs, then even the right password is refused.
		_, _ = f.auth.Login(ctx, "admin@example.com", "nope", "1.1.1.3")
		_, _ = f.auth.Login(ctx, "admin@example.com", "nope", "1.1.1.4")
		_, err := f.auth.Login(ctx, "admin@example.com", "admin-password", "1.1.1.5")
		wantCode(t, err, desk.ERateLimited)
		// Per IP: 3 failures for different emails.
		for _, e := range []string{"a@x.example", "b@x.example", "c@x.example"} {
			_, _ = f.auth.Login(ctx, e, "nope", "9.9.9.9")
		}
		_, err = f.auth.Login(ctx, "agent@example.com", "agent-password", "9.9.9.9")
		wantCode(t, err, desk.ERateLimited)
		// The window slides.
		f.clk.Advance(16 * time.Minute)
		_, err = f.auth.Login(ctx, "admin@example.com", "admin-password", "9.9.9.9")
		must(t, err)
	})
}

func TestTokens(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		adminActor := desk.Actor{Kind: desk.ActorAgent, AgentID: f.admin.ID, Name: f.admin.Name, Role: desk.RoleAdmin}
		agentActor := desk.Actor{Kind: desk.ActorAgent, AgentID: f.agent.ID, Name: f.agent.Name, Role: desk.RoleAgent}
		_, _, err := f.auth.CreateToken(ctx, agentActor, f.agent.ID, "mine")
		wantCode(t, err, desk.EForbidden)
		_, err = f.auth.Tokens(ctx, agentActor)
		wantCode(t, err, desk.EForbidden)
		_, _, err = f.auth.CreateToken(ctx, adminActor, 9999, "nobody")
		wantCode(t, err, desk.EInvalid)

		secret, tok, err := f.auth.CreateToken(ctx, adminActor, f.agent.ID, "CI")
		must(t, err)
		if !strings.HasPrefix(secret, "sb_") || len(secret) != 46 || !strings.HasPrefix(secret, tok.Prefix) {
			t.Fatalf("secret %q prefix %q", secret, tok.Prefix)
		}
		a, err := f.auth.Authenticate(ctx, secret)
		must(t, err)
		if a.Kind != desk.ActorAPI || a.AgentID != f.agent.ID || a.Role != desk.RoleAgent {
			t.Fatalf("actor = %+v", a)
		}
		list, err := f.auth.Tokens(ctx, adminActor)
		must(t, err)
		if len(list) != 1 || list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(f.clk.Now()) {
			t.Fatalf("tokens = %+v", list)
		}
		// last_used_at moves at most once a minute.
		f.clk.Advance(30 * time.Second)
		_, err = f.auth.Authenticate(ctx, secret)
		must(t, err)
		list, _ = f.auth.Tokens(ctx, adminActor)
		if !list[0].LastUsedAt.Equal(f.clk.Now().Add(-30 * time.Second)) {
			t.Fatalf("last used moved too soon: %v", list[0].LastUsedAt)
		}
		for _, bad := range []string{"", "sb_", secret + "x", "Bearer " + secret, strings.TrimPrefix(secret, "sb_")} {
			_, err = f.auth.Authenticate(ctx, bad)
			wantCode(t, err, desk.EUnauthorized)
		}
		off := false
		_, err = f.team.UpdateAgent(ctx, adminActor, f.agent.ID, team.AgentUpdate{Active: &off})
		must(t, err)
		_, err = f.auth.Authenticate(ctx, secret)
		wantCode(t, err, desk.EUnauthorized)
		must(t, f.auth.RevokeToken(ctx, adminActor, tok.ID))
		wantCode(t, f.auth.RevokeToken(ctx, adminActor, tok.ID), desk.ENotFound)

		// Cached tokens follow role changes and revocations at once.
		on, admin := true, desk.RoleAdmin
		_, err = f.team.UpdateAgent(ctx, adminActor, f.agent.ID, team.AgentUpdate{Active: &on})
		must(t, err)
		secret2, tok2, err := f.auth.CreateToken(ctx, adminActor, f.agent.ID, "CI 2")
		must(t, err)
		a, err = f.auth.Authenticate(ctx, secret2)
		must(t, err)
		_, err = f.team.UpdateAgent(ctx, adminActor, f.agent.ID, team.AgentUpdate{Role: &admin})
		must(t, err)
		if a, err = f.auth.Authenticate(ctx, secret2); err != nil || a.Role != desk.RoleAdmin {
			t.Fatalf("after promotion: actor %+v, %v", a, err)
		}
		must(t, f.auth.RevokeToken(ctx, adminActor, tok2.ID))
		_, err = f.auth.Authenticate(ctx, secret2)
		wantCode(t, err, desk.EUnauthorized)
	})
}
