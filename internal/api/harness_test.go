package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

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

// Roles of the test tokens.
const (
	roleAnon     = "anonymous"
	roleAgent    = "agent"
	roleAdmin    = "admin"
	roleRevoked  = "revoked"
	roleInactive = "inactive"
	roleBadToken = "bad-token"
)

// testEnv is a real API over a real store, with one token per role and
// a scratch map of values (ids) that request templates refer to as {{name}}.
type testEnv struct {
	t      testing.TB
	h      http.Handler
	st     *store.Store
	cfg    Config
	tokens map[string]string
	vars   map[string]string
	// schemas, loaded on first use, checks every answer against openapi.json.
	schemas *docSchemas
}

// newTestEnv builds the services over st, an admin, an agent, a team, and a
// token for each role: revoked (its token deleted) and inactive (its agent
// deactivated after the token was made) included.
func newTestEnv(t testing.TB, st *store.Store) *testEnv {
	t.Helper()
	ctx := context.Background()
	clk := desk.SystemClock{}
	br := realtime.NewLocal(64)
	tickets := ticket.New(st, br, clk)
	cfg := Config{
		Tickets:   tickets,
		Chat:      chat.New(st, tickets, br, clk, chat.Options{}),
		Contacts:  contact.New(st, clk),
		Team:      team.New(st, clk),
		Mailboxes: mailbox.New(st, clk),
		Canned:    canned.New(st, clk),
		Auth:      auth.New(st, clk, auth.Options{}),
		Broker:    br,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		BaseURL:   "http://switchboard.test",
	}
	e := &testEnv{t: t, st: st, cfg: cfg, tokens: map[string]string{}, vars: map[string]string{}}
	mk := func(email, name string, role desk.Role) desk.Agent {
		a, err := cfg.Team.CreateAgent(ctx, desk.System, team.NewAgent{Email: email, Name: name, Role: role})
		if err != nil {
			t.Fatalf("create agent %s: %v", email, err)
		}
		return a
	}
	token := func(a desk.Agent) (string, desk.APIToken) {
		secret, tok, err := cfg.Auth.CreateToken(ctx, desk.System, a.ID, "test "+a.Name)
		if err != nil {
			t.Fatalf("create token for %s: %v", a.Email, err)
		}
		return secret, tok
	}
	admin := mk("ada@desk.test", "Ada Admin", desk.RoleAdmin)
	agent := mk("alan@desk.test", "Alan Agent", desk.RoleAgent)
	revoked := mk("rita@desk.test", "Rita Revoked", desk.RoleAgent)
	inactive := mk("ivan@desk.test", "Ivan Inactive", desk.RoleAgent)
	e.tokens[roleAdmin], _ = token(admin)
	e.tokens[roleAgent], _ = token(agent)
	var rtok desk.APIToken
	e.tokens[roleRevoked], rtok = token(revoked)
	if err := cfg.Auth.RevokeToken(ctx, desk.System, rtok.ID); err != nil {
		t.Fatalf("revoke token: %v", err)
	}
	e.tokens[roleInactive], _ = token(inactive)
	off := false
	if _, err := cfg.Team.UpdateAgent(ctx, desk.System, inactive.ID, team.AgentUpdate{Active: &off}); err != nil {
		t.Fatalf("deactivate agent: %v", err)
	}
	e.tokens[roleBadToken] = "sb_not-a-real-token"
	tm, err := cfg.Team.CreateTeam(ctx, desk.System, "Billing", []int64{agent.ID})
	if err != nil {
		t.Fatalf("create team: %v", err)
	}
	e.vars["admin"] = strconv.FormatInt(admin.ID, 10)
	e.vars["agent"] = strconv.FormatInt(agent.ID, 10)
	e.vars["team"] = strconv.FormatInt(tm.ID, 10)
	e.h = New(cfg)
	return e
}

var placeholder = regexp.MustCompile(`\{\{(\w+)\}\}`)

// expand replaces {{name}} with e.vars[name]; an unknown name fails the test.
func (e *testEnv) expand(s string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		v, ok := e.vars[m[2:len(m)-2]]
		if !ok {
			e.t.Fatalf("unknown placeholder %s", m)
		}
		return v
	})
}

// response is an answer with its body decoded as JSON (nil when not JSON).
type response struct {
	Code   int
	Header http.Header
	Body   []byte
	JSON   any
}

// do sends a request as role. body is sent as application/json unless
// contentType says otherwise ("-" sends no Content-Type).
func (e *testEnv) do(method, path, role, body, contentType string) response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(e.expand(body))
	}
	req := httptest.NewRequest(method, e.expand(path), rd)
	switch {
	case contentType == "-":
	case contentType != "":
		req.Header.Set("Content-Type", contentType)
	case body != "":
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := e.tokens[role]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	res := response{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if len(res.Body) > 0 && strings.Contains(res.Header.Get("Content-Type"), "json") {
		dec := json.NewDecoder(bytes.NewReader(res.Body))
		dec.UseNumber()
		if err := dec.Decode(&res.JSON); err != nil {
			e.t.Errorf("%s %s: response is not JSON: %v\n%s", method, path, err, res.Body)
		}
		e.checkAgainstDoc(method+" "+path+" as "+role, req, res)
	}
	return res
}

// lookup finds a dotted path in decoded JSON: "requester.email",
// "items.0.id", and "items.#" for an array's length.
func lookup(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	for _, seg := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[seg]; !ok {
				return nil, false
			}
		case []any:
			if seg == "#" {
				v = json.Number(strconv.Itoa(len(x)))
				continue
			}
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// Special expectations for checkJSON.
const (
	present = "<present>" // the key exists, whatever its value
	notNull = "<not null>"
	absent  = "<absent>"
)

// checkJSON compares each dotted path of want with the response. Values are
// compared by their JSON text after expanding {{placeholders}}, so 42, "x",
// null, [] and ["a","b"] are all written naturally.
func (e *testEnv) checkJSON(name string, res response, want map[string]any) {
	e.t.Helper()
	for path, w := range want {
		got, ok := lookup(res.JSON, path)
		switch w {
		case absent:
			if ok {
				e.t.Errorf("%s: %s = %v, want it absent", name, path, got)
			}
			continue
		case present:
			if !ok {
				e.t.Errorf("%s: %s is missing in %s", name, path, res.Body)
			}
			continue
		case notNull:
			if !ok || got == nil {
				e.t.Errorf("%s: %s = %v, want a value; body %s", name, path, got, res.Body)
			}
			continue
		}
		if !ok {
			e.t.Errorf("%s: %s is missing in %s", name, path, res.Body)
			continue
		}
		gj, _ := json.Marshal(got)
		wj := e.expandJSON(w)
		if string(gj) != wj {
			e.t.Errorf("%s: %s = %s, want %s", name, path, gj, wj)
		}
	}
}

var quotedPlaceholder = regexp.MustCompile(`"\{\{(\w+)\}\}"`)

// expandJSON marshals w and expands its placeholders: a whole string
// "{{name}}" becomes the bare number when the value is numeric, so ids
// compare as numbers.
func (e *testEnv) expandJSON(w any) string {
	b, _ := json.Marshal(w)
	s := quotedPlaceholder.ReplaceAllStringFunc(string(b), func(m string) string {
		v := e.expand(m[1 : len(m)-1])
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			return v
		}
		q, _ := json.Marshal(v)
		return string(q)
	})
	return e.expand(s)
}

// checkProblem verifies res is an RFC 9457 problem with the status.
func (e *testEnv) checkProblem(name string, res response) {
	e.t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		e.t.Errorf("%s: Content-Type %q, want application/problem+json; body %s", name, ct, res.Body)
		return
	}
	for _, k := range []string{"type", "title", "status", "detail", "instance"} {
		if _, ok := lookup(res.JSON, k); !ok {
			e.t.Errorf("%s: problem without %q: %s", name, k, res.Body)
		}
	}
	if st, _ := lookup(res.JSON, "status"); fmt.Sprint(st) != strconv.Itoa(res.Code) {
		e.t.Errorf("%s: problem status %v, HTTP status %d", name, st, res.Code)
	}
	if res.Code == http.StatusUnauthorized && res.Header.Get("WWW-Authenticate") == "" {
		e.t.Errorf("%s: 401 without WWW-Authenticate", name)
	}
	if res.Code == http.StatusInternalServerError {
		e.t.Errorf("%s: internal error: %s", name, res.Body)
	}
}

// save stores JSON values of the response as placeholders: save["t1"] =
// "id" sets {{t1}} to the response's id.
func (e *testEnv) save(res response, save map[string]string) {
	e.t.Helper()
	for name, path := range save {
		v, ok := lookup(res.JSON, path)
		if !ok {
			e.t.Fatalf("save %s: %s missing in %s", name, path, res.Body)
		}
		e.vars[name] = fmt.Sprint(v)
	}
}
