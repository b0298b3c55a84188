package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/canned"
	"switchboard/internal/chat"
	"switchboard/internal/contact"
	"switchboard/internal/desk"
	"switchboard/internal/mailbox"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

// env is a web app over a real store with seed data: an admin (Ana), an
// agent (Bo), a team, and tickets from two customers.
type env struct {
	t       testing.TB
	st      *store.Store
	app     *app
	h       http.Handler
	broker  *realtime.Local
	tickets *ticket.Service
	team    *team.Service
	auth    *auth.Service
	mailbox *mailbox.Service
	canned  *canned.Service
	admin   desk.Agent
	agent   desk.Agent
	teamID  int64
	t1, t2  desk.Ticket // two tickets of Cleo (mergeable)
	t3      desk.Ticket // Dan's ticket
	sess    map[string]auth.Session
	actors  map[string]desk.Actor
	mail    *fakeRetrier // installed as Config.Mail
	chat    *chat.Service
	chatCh  desk.ChatChannel // made by chatChannel
}

const testPassword = "correct horse battery"

func newEnv(t testing.TB, st *store.Store) *env {
	t.Helper()
	ctx := context.Background()
	br := realtime.NewLocal(256)
	e := &env{t: t, st: st, broker: br, sess: map[string]auth.Session{}, actors: map[string]desk.Actor{}, mail: &fakeRetrier{st: st}}
	e.tickets = ticket.New(st, br, desk.SystemClock{})
	e.mail.pub = e.tickets
	e.team = team.New(st, desk.SystemClock{})
	e.auth = auth.New(st, desk.SystemClock{}, auth.Options{LoginAttempts: 1000, LoginWindow: time.Minute})
	e.mailbox = mailbox.New(st, desk.SystemClock{})
	e.canned = canned.New(st, desk.SystemClock{})
	e.chat = chat.New(st, e.tickets, br, desk.SystemClock{}, chat.Options{})
	cfg := Config{Tickets: e.tickets, Contacts: contact.New(st, desk.SystemClock{}), Team: e.team, Auth: e.auth, Mailboxes: e.mailbox,
		Broker: br, Clock: desk.SystemClock{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseURL: "http://127.0.0.1", Mail: e.mail,
		Canned: e.canned, Chat: e.chat}
	var err error
	if e.app, err = newApp(cfg); err != nil {
		t.Fatal(err)
	}
	e.h = e.app.handler()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	e.admin, err = e.team.CreateAgent(ctx, desk.System, team.NewAgent{Email: "ana@example.com", Name: "Ana Admin", Role: desk.RoleAdmin, Password: testPassword})
	must(err)
	e.agent, err = e.team.CreateAgent(ctx, desk.System, team.NewAgent{Email: "bo@example.com", Name: "Bo Agent", Role: desk.RoleAgent, Password: testPassword})
	must(err)
	tm, err := e.team.CreateTeam(ctx, desk.System, "Billing", []int64{e.admin.ID, e.agent.ID})
	must(err)
	e.teamID = tm.ID
	cleo := desk.ContactInput{Email: "cleo@example.com", Name: "Cleo Customer"}
	e.t1, err = e.tickets.Create(ctx, desk.System, desk.NewTicket{Subject: "Refund for order 1042", Body: "I was charged twice.\nPlease refund one.",
		Requester: cleo, Channel: desk.ChannelEmail, Inbound: true, Tags: []string{"billing"}, TeamID: &tm.ID})
	must(err)
	e.t2, err = e.tickets.Create(ctx, desk.System, desk.NewTicket{Subject: "Also: invoice address", Body: "Can you change the address?",
		Requester: cleo, Channel: desk.ChannelChat, Inbound: true})
	must(err)
	e.t3, err = e.tickets.Create(ctx, desk.System, desk.NewTicket{Subject: "Cannot log in", Body: "The portal says my password is wrong.",
		Requester: desk.ContactInput{Email: "dan@example.com", Name: "Dan Doe"}, Channel: desk.ChannelPortal, Inbound: true, Priority: desk.PriorityUrgent})
	must(err)
	for role, ag := range map[string]desk.Agent{"admin": e.admin, "agent": e.agent} {
		s, err := e.auth.Login(ctx, ag.Email, testPassword, "10.0.0.1")
		must(err)
		e.sess[role] = s
		e.actors[role] = desk.Actor{Kind: desk.ActorAgent, AgentID: ag.ID, Name: ag.Name, Role: ag.Role}
	}
	return e
}

// req describes one request in a scenario.
type req struct {
	method, path string
	role         string // "", "agent" or "admin"
	form         url.Values
	htmx         bool
	noCSRF       bool
	target       string // HX-Target, for htmx requests
}

// do sends a request through the handler. A GET to /events ends after a
// short while (the stream would run forever).
func (e *env) do(r req) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	if r.form != nil {
		body = strings.NewReader(r.form.Encode())
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if r.form != nil {
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if s, ok := e.sess[r.role]; ok {
		hr.AddCookie(&http.Cookie{Name: sessionCookie, Value: s.Token})
		if r.method == http.MethodPost && !r.noCSRF {
			hr.Header.Set("X-CSRF-Token", s.CSRF)
		}
	}
	if r.htmx {
		hr.Header.Set("HX-Request", "true")
		if r.target != "" {
			hr.Header.Set("HX-Target", r.target)
		}
	}
	w := httptest.NewRecorder()
	if strings.HasPrefix(r.path, "/events") {
		// The stream runs until its request ends: end it at the first flush.
		ctx, cancel := context.WithTimeout(hr.Context(), 10*time.Second)
		defer cancel()
		e.h.ServeHTTP(flushCancel{w, cancel}, hr.WithContext(ctx))
		return w
	}
	e.h.ServeHTTP(w, hr)
	return w
}

// flushCancel ends a streaming request once it has flushed its headers.
type flushCancel struct {
	*httptest.ResponseRecorder
	cancel func()
}

func (f flushCancel) Flush() { f.ResponseRecorder.Flush(); f.cancel() }
