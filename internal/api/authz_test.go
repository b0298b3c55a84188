package api

import (
	"net/http"
	"testing"

	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// authzCase is one route with a request that succeeds for an agent.
type authzCase struct {
	method, path, body string
	ok                 int // status for an admin, and for an agent unless adminOnly
	adminOnly          bool
}

// authzCases has one entry per route of the route table, keyed by
// operationId; TestAuthorization fails when a route is missing.
var authzCases = map[string]authzCase{
	"getOpenAPI":           {"GET", "/api/v1/openapi.json", "", 200, false},
	"createTicket":         {"POST", "/api/v1/tickets", `{"subject":"Hi","body":"b","requester":{"email":"authz@example.com"}}`, 201, false},
	"listTickets":          {"GET", "/api/v1/tickets?status=new,open&assignee=me", "", 200, false},
	"getTicket":            {"GET", "/api/v1/tickets/{{ticket}}", "", 200, false},
	"updateTicket":         {"PATCH", "/api/v1/tickets/{{ticket}}", `{"priority":"high"}`, 200, false},
	"listMessages":         {"GET", "/api/v1/tickets/{{ticket}}/messages", "", 200, false},
	"addMessage":           {"POST", "/api/v1/tickets/{{ticket}}/messages", `{"body":"Thanks","internal":true}`, 201, false},
	"listEvents":           {"GET", "/api/v1/tickets/{{ticket}}/events", "", 200, false},
	"listContacts":         {"GET", "/api/v1/contacts?email=authz@example.com", "", 200, false},
	"getContact":           {"GET", "/api/v1/contacts/{{contact}}", "", 200, false},
	"listAgents":           {"GET", "/api/v1/agents", "", 200, false},
	"listTeams":            {"GET", "/api/v1/teams", "", 200, false},
	"listMailboxes":        {"GET", "/api/v1/mailboxes", "", 200, true},
	"createMailbox":        {"POST", "/api/v1/mailboxes", `{"address":"authz-new@desk.test"}`, 201, true},
	"getMailbox":           {"GET", "/api/v1/mailboxes/{{mailbox}}", "", 200, true},
	"updateMailbox":        {"PATCH", "/api/v1/mailboxes/{{mailbox}}", `{"name":"Renamed"}`, 200, true},
	"deleteMailbox":        {"DELETE", "/api/v1/mailboxes/{{mailbox}}", "", 204, true},
	"listCannedResponses":  {"GET", "/api/v1/canned-responses?q=refund&ticket={{ticket}}", "", 200, false},
	"createCannedResponse": {"POST", "/api/v1/canned-responses", `{"title":"Thanks","body":"Thank you, {{customer.first_name}}!"}`, 201, true},
	"getCannedResponse":    {"GET", "/api/v1/canned-responses/{{canned}}?ticket={{ticket}}", "", 200, false},
	"updateCannedResponse": {"PATCH", "/api/v1/canned-responses/{{canned}}", `{"title":"Refund done"}`, 200, true},
	"deleteCannedResponse": {"DELETE", "/api/v1/canned-responses/{{canned_doomed}}", "", 204, true},

	"listChatChannels":         {"GET", "/api/v1/chat/channels", "", 200, false},
	"createChatChannel":        {"POST", "/api/v1/chat/channels", `{"name":"Authz site","origins":["https://authz.example"]}`, 201, true},
	"getChatChannel":           {"GET", "/api/v1/chat/channels/{{chatchannel}}", "", 200, true},
	"updateChatChannel":        {"PATCH", "/api/v1/chat/channels/{{chatchannel}}", `{"greeting":"Hello"}`, 200, true},
	"deleteChatChannel":        {"DELETE", "/api/v1/chat/channels/{{doomedchannel}}", "", 204, true},
	"rotateChatIdentitySecret": {"POST", "/api/v1/chat/channels/{{chatchannel}}/identity-secret", "", 200, true},
	"listChats":                {"GET", "/api/v1/chats?status=queued", "", 200, false},
	"getChat":                  {"GET", "/api/v1/chats/{{chat}}", "", 200, false},
	"listVisitors":             {"GET", "/api/v1/visitors", "", 200, false},
}

// TestAuthorization sends every route's request as every role and checks
// the exact status: agents and admins work tickets, chats and visitors
// alike and may list chat channels; mailboxes, changes to canned responses
// and changing or reading one chat channel (with its identity secret) are
// for admins only (403 for agents); anonymous
// callers, unknown and revoked tokens and deactivated agents' tokens get
// 401; the OpenAPI document is public.
func TestAuthorization(t *testing.T) {
	for _, rt := range routes {
		c, ok := authzCases[rt.OperationID]
		if !ok {
			t.Errorf("route %s %s (%s) has no authorization case", rt.Method, rt.Path, rt.OperationID)
			continue
		}
		if c.method != rt.Method {
			t.Errorf("%s: case method %s, route method %s", rt.OperationID, c.method, rt.Method)
		}
	}
	eachEngine(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		res := e.do("POST", "/api/v1/tickets", roleAdmin, `{"subject":"Seed","body":"b","requester":{"email":"seed@example.com"}}`, "")
		if res.Code != http.StatusCreated {
			t.Fatalf("seed ticket: %d %s", res.Code, res.Body)
		}
		e.save(res, map[string]string{"ticket": "id", "contact": "requester.id"})
		res = e.do("POST", "/api/v1/mailboxes", roleAdmin, `{"address":"authz@desk.test"}`, "")
		if res.Code != http.StatusCreated {
			t.Fatalf("seed mailbox: %d %s", res.Code, res.Body)
		}
		e.save(res, map[string]string{"mailbox": "id"})
		res = e.do("POST", "/api/v1/canned-responses", roleAdmin, `{"title":"Refund issued","body":"Refunded, {{customer.name}}."}`, "")
		if res.Code != http.StatusCreated {
			t.Fatalf("seed canned response: %d %s", res.Code, res.Body)
		}
		e.save(res, map[string]string{"canned": "id"})
		res = e.do("POST", "/api/v1/canned-responses", roleAdmin, `{"title":"Old","body":"Old text"}`, "")
		if res.Code != http.StatusCreated {
			t.Fatalf("seed canned response: %d %s", res.Code, res.Body)
		}
		e.save(res, map[string]string{"canned_doomed": "id"})
		e.seedChat()
		for _, rt := range routes {
			c := authzCases[rt.OperationID]
			for _, role := range []string{roleAnon, roleBadToken, roleRevoked, roleInactive, roleAgent, roleAdmin} {
				want := c.ok
				if c.adminOnly && role == roleAgent {
					want = http.StatusForbidden
				}
				if !rt.Public && role != roleAgent && role != roleAdmin {
					want = http.StatusUnauthorized
				}
				res := e.do(c.method, c.path, role, c.body, "")
				if res.Code != want {
					t.Errorf("%s %s as %s: status %d, want %d; body %s", c.method, c.path, role, res.Code, want, res.Body)
					continue
				}
				if res.Code >= 400 {
					e.checkProblem(rt.OperationID+" as "+role, res)
				}
			}
		}
	})
}

// TestAuthHeader checks malformed Authorization headers.
func TestAuthHeader(t *testing.T) {
	h := New(Config{})
	for _, v := range []string{"", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "token abc"} {
		req := newRequest("GET", "/api/v1/tickets", "")
		if v != "" {
			req.Header.Set("Authorization", v)
		}
		rec := serve(h, req)
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" ||
			rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("Authorization %q: %d %v", v, rec.Code, rec.Header())
		}
	}
}

// TestRateLimit checks the per-token limit and the per-IP limit on failed
// token lookups, both answered 429 with Retry-After.
func TestRateLimit(t *testing.T) {
	e := newTestEnv(t, storetest.NewSQLite(t))
	cfg := e.cfg
	cfg.RateLimit, cfg.RateBurst = 1, 3
	e.h = New(cfg)
	for i := range 3 {
		if res := e.do("GET", "/api/v1/teams", roleAgent, "", ""); res.Code != 200 {
			t.Fatalf("request %d within the burst: %d", i, res.Code)
		}
	}
	res := e.do("GET", "/api/v1/teams", roleAgent, "", "")
	if res.Code != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d, Retry-After %q", res.Code, res.Header.Get("Retry-After"))
	}
	e.checkProblem("rate limited", res)
	if res := e.do("GET", "/api/v1/teams", roleAdmin, "", ""); res.Code != 200 {
		t.Errorf("another token is limited too: %d", res.Code)
	}
	// Failed lookups: authFailBurst 401s, then 429 even for a good token
	// from the same address, until the bucket refills.
	for i := range authFailBurst {
		if res := e.do("GET", "/api/v1/teams", roleBadToken, "", ""); res.Code != http.StatusUnauthorized {
			t.Fatalf("failed lookup %d: %d", i, res.Code)
		}
	}
	if res := e.do("GET", "/api/v1/teams", roleBadToken, "", ""); res.Code != http.StatusTooManyRequests {
		t.Errorf("after %d failed lookups: %d, want 429", authFailBurst, res.Code)
	}
	// The OpenAPI document is never limited.
	if res := e.do("GET", "/api/v1/openapi.json", roleAnon, "", ""); res.Code != 200 {
		t.Errorf("openapi.json: %d", res.Code)
	}
}
