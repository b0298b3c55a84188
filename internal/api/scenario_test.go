package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/store"
)

// step is one request of a scenario and what its answer must be.
type step struct {
	name   string
	method string
	path   string
	role   string // default agent
	body   string
	ctype  string // Content-Type; default application/json with a body, "-" for none
	status int
	json   map[string]any    // dotted path → expected value (see checkJSON)
	header map[string]string // header → substring it must contain
	save   map[string]string // placeholder → dotted path of the answer
}

// runSteps runs the steps in order against e.
func runSteps(t *testing.T, e *testEnv, steps []step) {
	t.Helper()
	for _, s := range steps {
		role := s.role
		if role == "" {
			role = roleAgent
		}
		name := s.name
		if name == "" {
			name = s.method + " " + s.path
		}
		res := e.do(s.method, s.path, role, s.body, s.ctype)
		if res.Code != s.status {
			t.Errorf("%s: status %d, want %d; body %s", name, res.Code, s.status, res.Body)
			continue
		}
		if res.Code >= 400 {
			e.checkProblem(name, res)
		} else if res.Code == http.StatusNoContent {
			if len(res.Body) > 0 {
				t.Errorf("%s: 204 with a body: %s", name, res.Body)
			}
		} else if ct := res.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q, want application/json", name, ct)
		}
		for h, want := range s.header {
			if got := res.Header.Get(h); !strings.Contains(got, e.expand(want)) {
				t.Errorf("%s: header %s = %q, want it to contain %q", name, h, got, e.expand(want))
			}
		}
		e.checkJSON(name, res, s.json)
		e.save(res, s.save)
	}
}

func TestTicketScenarios(t *testing.T) {
	eachEngine(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		runSteps(t, e, ticketSteps)
	})
}

var ticketSteps = []step{
	// Create.
	{name: "create minimal", method: "POST", path: "/api/v1/tickets",
		body:   `{"subject":"Where is my order?","body":"It has been two weeks.","requester":{"email":"Mia@Example.com","name":"Mia"}}`,
		status: 201,
		header: map[string]string{"Location": "http://switchboard.test/api/v1/tickets/"},
		json: map[string]any{"subject": "Where is my order?", "status": "new", "priority": "normal", "channel": "api",
			"requester.name": "Mia", "requester.id": notNull, "number": notNull, "assignee": nil, "team": nil,
			"tags": []any{}, "first_response_at": nil, "resolved_at": nil, "created_at": notNull, "updated_at": notNull},
		save: map[string]string{"t1": "id", "mia": "requester.id", "n1": "number"}},
	{name: "create full", method: "POST", path: "/api/v1/tickets",
		body: `{"subject":"Refund","body":"Please refund order 42.","requester":{"email":"leo@example.com","name":"Leo"},
			"priority":"high","tags":["billing","refund"],"team":{{team}},"assignee":{{agent}},"channel":"email",
			"custom_fields":{"order":"42"}}`,
		status: 201,
		json: map[string]any{"priority": "high", "channel": "email", "tags.#": 2, "team.id": "{{team}}",
			"team.name": "Billing", "assignee.id": "{{agent}}", "assignee.name": "Alan Agent", "custom_fields.order": "42"},
		save: map[string]string{"t2": "id", "leo": "requester.id"}},
	{name: "create urgent chat", method: "POST", path: "/api/v1/tickets",
		body:   `{"subject":"Site down","body":"Nothing loads","requester":{"email":"mia@example.com"},"priority":"urgent","channel":"chat","tags":["outage"]}`,
		status: 201, json: map[string]any{"requester.id": "{{mia}}"}, save: map[string]string{"t3": "id"}},
	{name: "create without subject", method: "POST", path: "/api/v1/tickets",
		body: `{"body":"x","requester":{"email":"a@example.com"}}`, status: 422, json: map[string]any{"errors": present}},
	{name: "create without requester", method: "POST", path: "/api/v1/tickets",
		body: `{"subject":"s","body":"x"}`, status: 422, json: map[string]any{"errors": present}},
	{name: "create bad email", method: "POST", path: "/api/v1/tickets",
		body: `{"subject":"s","body":"x","requester":{"email":"not-an-email"}}`, status: 422},
	{name: "create bad priority", method: "POST", path: "/api/v1/tickets",
		body: `{"subject":"s","body":"x","requester":{"email":"a@example.com"},"priority":"asap"}`, status: 422},
	{name: "create bad channel", method: "POST", path: "/api/v1/tickets",
		body: `{"subject":"s","body":"x","requester":{"email":"a@example.com"},"channel":"pigeon"}`, status: 422},
	{name: "create unknown team", method: "POST", path: "/api/v1/tickets",
		body: `{"subject":"s","body":"x","requester":{"email":"a@example.com"},"team":999999}`, status: 422},
	{name: "create unknown field", method: "POST", path: "/api/v1/tickets",
		body:   `{"subject":"s","body":"x","requester":{"email":"a@example.com"},"colour":"red"}`,
		status: 422, json: map[string]any{"errors.colour": "unknown field", "code": "invalid"}},
	{name: "create wrong type", method: "POST", path: "/api/v1/tickets",
		body: `{"subject":5,"body":"x","requester":{"email":"a@example.com"}}`, status: 422,
		json: map[string]any{"errors.subject": "must be a string"}},
	{name: "create team as string", method: "POST", path: "/api/v1/tickets",
		body: `{"subject":"s","body":"x","requester":{"email":"a@example.com"},"team":"Billing"}`, status: 422,
		json: map[string]any{"errors.team": present}},
	{name: "create malformed JSON", method: "POST", path: "/api/v1/tickets", body: `{"subject":`, status: 400,
		json: map[string]any{"code": "malformed_json"}},
	{name: "create array body", method: "POST", path: "/api/v1/tickets", body: `[1,2]`, status: 400},
	{name: "create trailing data", method: "POST", path: "/api/v1/tickets",
		body: `{"subject":"s","body":"x","requester":{"email":"a@example.com"}} {}`, status: 400},
	{name: "create empty body", method: "POST", path: "/api/v1/tickets", ctype: "application/json", status: 400},
	{name: "create text/plain", method: "POST", path: "/api/v1/tickets", body: `{}`, ctype: "text/plain", status: 415},
	{name: "create no content type", method: "POST", path: "/api/v1/tickets", body: `{}`, ctype: "-", status: 415},
	{name: "create charset ok", method: "POST", path: "/api/v1/tickets", ctype: "application/json; charset=utf-8",
		body: `{"subject":"Charset","body":"x","requester":{"email":"mia@example.com"}}`, status: 201},
	{name: "create too large", method: "POST", path: "/api/v1/tickets",
		body:   `{"subject":"s","body":"` + strings.Repeat("x", MaxBodyBytes) + `","requester":{"email":"a@example.com"}}`,
		status: 413, json: map[string]any{"code": "too_large"}},

	// Read.
	{name: "get", method: "GET", path: "/api/v1/tickets/{{t1}}", status: 200,
		json: map[string]any{"id": "{{t1}}", "number": "{{n1}}", "requester.email": "mia@example.com", "tags": []any{}}},
	{name: "get missing", method: "GET", path: "/api/v1/tickets/999999", status: 404, json: map[string]any{"code": "not_found"}},
	{name: "get non-numeric", method: "GET", path: "/api/v1/tickets/abc", status: 404},
	{name: "get negative", method: "GET", path: "/api/v1/tickets/-1", status: 404},

	// List and filter.
	{name: "list all", method: "GET", path: "/api/v1/tickets", status: 200, json: map[string]any{"items.#": 4, "next_cursor": nil}},
	{name: "list by status", method: "GET", path: "/api/v1/tickets?status=new", status: 200, json: map[string]any{"items.#": 4}},
	{name: "list by status list", method: "GET", path: "/api/v1/tickets?status=open,pending", status: 200, json: map[string]any{"items.#": 0}},
	{name: "list mine", method: "GET", path: "/api/v1/tickets?assignee=me", status: 200, json: map[string]any{"items.#": 1, "items.0.id": "{{t2}}"}},
	{name: "list mine as admin", method: "GET", path: "/api/v1/tickets?assignee=me", role: roleAdmin, status: 200, json: map[string]any{"items.#": 0}},
	{name: "list by assignee id", method: "GET", path: "/api/v1/tickets?assignee={{agent}}", status: 200, json: map[string]any{"items.#": 1}},
	{name: "list unassigned", method: "GET", path: "/api/v1/tickets?assignee=none", status: 200, json: map[string]any{"items.#": 3}},
	{name: "list by team", method: "GET", path: "/api/v1/tickets?team={{team}}", status: 200, json: map[string]any{"items.#": 1, "items.0.id": "{{t2}}"}},
	{name: "list by tag", method: "GET", path: "/api/v1/tickets?tag=outage", status: 200, json: map[string]any{"items.#": 1, "items.0.id": "{{t3}}"}},
	{name: "list by priority", method: "GET", path: "/api/v1/tickets?priority=urgent", status: 200, json: map[string]any{"items.#": 1, "items.0.id": "{{t3}}"}},
	{name: "list by channel", method: "GET", path: "/api/v1/tickets?channel=email", status: 200, json: map[string]any{"items.#": 1, "items.0.id": "{{t2}}"}},
	{name: "list by requester", method: "GET", path: "/api/v1/tickets?requester={{leo}}", status: 200, json: map[string]any{"items.#": 1}},
	{name: "list by text", method: "GET", path: "/api/v1/tickets?q=refund", status: 200, json: map[string]any{"items.#": 1, "items.0.id": "{{t2}}"}},
	{name: "list combined", method: "GET", path: "/api/v1/tickets?status=new&priority=urgent&tag=billing", status: 200, json: map[string]any{"items.#": 0}},
	{name: "list bad status", method: "GET", path: "/api/v1/tickets?status=new,bogus", status: 422, json: map[string]any{"errors.status": present}},
	{name: "list bad assignee", method: "GET", path: "/api/v1/tickets?assignee=alan", status: 422, json: map[string]any{"errors.assignee": present}},
	{name: "list bad team", method: "GET", path: "/api/v1/tickets?team=x", status: 422, json: map[string]any{"errors.team": present}},
	{name: "list bad priority", method: "GET", path: "/api/v1/tickets?priority=asap", status: 422},
	{name: "list bad limit", method: "GET", path: "/api/v1/tickets?limit=0", status: 422, json: map[string]any{"errors.limit": present}},
	{name: "list limit too big", method: "GET", path: "/api/v1/tickets?limit=1000", status: 422},
	{name: "list bad cursor", method: "GET", path: "/api/v1/tickets?cursor=%21%21garbage", status: 422},

	// Change.
	{name: "open", method: "PATCH", path: "/api/v1/tickets/{{t1}}", body: `{"status":"open"}`, status: 200,
		json: map[string]any{"status": "open", "resolved_at": nil}},
	{name: "assign and tag", method: "PATCH", path: "/api/v1/tickets/{{t1}}",
		body:   `{"assignee":{{admin}},"team":{{team}},"tags":["vip","shipping"],"priority":"high","subject":"Order late"}`,
		status: 200, json: map[string]any{"assignee.id": "{{admin}}", "team.id": "{{team}}", "tags.#": 2, "priority": "high", "subject": "Order late"}},
	{name: "unassign", method: "PATCH", path: "/api/v1/tickets/{{t1}}", body: `{"assignee":null,"team":null}`, status: 200,
		json: map[string]any{"assignee": nil, "team": nil, "tags.#": 2, "priority": "high"}},
	{name: "clear tags", method: "PATCH", path: "/api/v1/tickets/{{t1}}", body: `{"tags":[]}`, status: 200, json: map[string]any{"tags": []any{}}},
	{name: "custom field", method: "PATCH", path: "/api/v1/tickets/{{t1}}", body: `{"custom_fields":{"order":"7"}}`, status: 200,
		json: map[string]any{"custom_fields.order": "7"}},
	{name: "empty patch", method: "PATCH", path: "/api/v1/tickets/{{t1}}", body: `{}`, status: 200, json: map[string]any{"status": "open"}},
	{name: "resolve", method: "PATCH", path: "/api/v1/tickets/{{t1}}", body: `{"status":"resolved"}`, status: 200,
		json: map[string]any{"status": "resolved", "resolved_at": notNull}},
	{name: "reopen", method: "PATCH", path: "/api/v1/tickets/{{t1}}", body: `{"status":"open"}`, status: 200,
		json: map[string]any{"resolved_at": nil}},
	{name: "patch bad status", method: "PATCH", path: "/api/v1/tickets/{{t1}}", body: `{"status":"done"}`, status: 422},
	{name: "patch bad priority", method: "PATCH", path: "/api/v1/tickets/{{t1}}", body: `{"priority":"asap"}`, status: 422},
	{name: "patch unknown assignee", method: "PATCH", path: "/api/v1/tickets/{{t1}}", body: `{"assignee":999999}`, status: 422},
	{name: "patch assignee string", method: "PATCH", path: "/api/v1/tickets/{{t1}}", body: `{"assignee":"me"}`, status: 422,
		json: map[string]any{"errors.assignee": present}},
	{name: "patch tags wrong type", method: "PATCH", path: "/api/v1/tickets/{{t1}}", body: `{"tags":"vip"}`, status: 422,
		json: map[string]any{"errors.tags": present}},
	{name: "patch empty subject", method: "PATCH", path: "/api/v1/tickets/{{t1}}", body: `{"subject":""}`, status: 422},
	{name: "patch unknown field", method: "PATCH", path: "/api/v1/tickets/{{t1}}", body: `{"number":5}`, status: 422},
	{name: "patch missing", method: "PATCH", path: "/api/v1/tickets/999999", body: `{"status":"open"}`, status: 404},
	{name: "patch malformed", method: "PATCH", path: "/api/v1/tickets/{{t1}}", body: `{"status":"open"`, status: 400},
	{name: "patch merge-patch type", method: "PATCH", path: "/api/v1/tickets/{{t1}}", ctype: "application/merge-patch+json",
		body: `{"priority":"low"}`, status: 200, json: map[string]any{"priority": "low"}},
	{name: "patch form", method: "PATCH", path: "/api/v1/tickets/{{t1}}", ctype: "application/x-www-form-urlencoded",
		body: `status=open`, status: 415},

	// Messages.
	{name: "thread", method: "GET", path: "/api/v1/tickets/{{t3}}/messages", status: 200,
		json: map[string]any{"items.#": 1, "items.0.text": "Nothing loads", "items.0.direction": "inbound",
			"items.0.contact.id": "{{mia}}", "items.0.attachments": []any{}, "next_cursor": nil}},
	{name: "reply", method: "POST", path: "/api/v1/tickets/{{t3}}/messages", body: `{"body":"We are on it."}`, status: 201,
		json: map[string]any{"kind": "reply", "internal": false, "direction": "outbound", "author.id": "{{agent}}", "text": "We are on it."}},
	{name: "reply sets first response", method: "GET", path: "/api/v1/tickets/{{t3}}", status: 200,
		json: map[string]any{"first_response_at": notNull, "status": "open", "message_count": 2}},
	{name: "note", method: "POST", path: "/api/v1/tickets/{{t3}}/messages", body: `{"body":"Paging ops","internal":true}`, status: 201,
		json: map[string]any{"kind": "note", "internal": true}},
	{name: "reply and resolve", method: "POST", path: "/api/v1/tickets/{{t3}}/messages",
		body: `{"body":"Fixed.","html":"<p>Fixed.<script>x</script></p>","status":"resolved"}`, status: 201},
	{name: "resolved by reply", method: "GET", path: "/api/v1/tickets/{{t3}}", status: 200,
		json: map[string]any{"status": "resolved", "resolved_at": notNull}},
	{name: "thread grows", method: "GET", path: "/api/v1/tickets/{{t3}}/messages", status: 200, json: map[string]any{"items.#": 4, "items.3.text": "Fixed."}},
	{name: "empty message", method: "POST", path: "/api/v1/tickets/{{t3}}/messages", body: `{"body":""}`, status: 422},
	{name: "message bad status", method: "POST", path: "/api/v1/tickets/{{t3}}/messages", body: `{"body":"x","status":"done"}`, status: 422},
	{name: "message unknown field", method: "POST", path: "/api/v1/tickets/{{t3}}/messages", body: `{"text":"x"}`, status: 422},
	{name: "message to missing", method: "POST", path: "/api/v1/tickets/999999/messages", body: `{"body":"x"}`, status: 404},
	{name: "messages of missing", method: "GET", path: "/api/v1/tickets/999999/messages", status: 404},
	{name: "messages non-numeric", method: "GET", path: "/api/v1/tickets/x1/messages", status: 404},

	// Timeline.
	{name: "events", method: "GET", path: "/api/v1/tickets/{{t1}}/events", status: 200,
		json: map[string]any{"items.0.action": "created", "items.0.ticket_id": "{{t1}}"}},
	{name: "events of missing", method: "GET", path: "/api/v1/tickets/999999/events", status: 404},

	// Contacts, agents, teams.
	{name: "contact by email", method: "GET", path: "/api/v1/contacts?email=MIA@example.com", status: 200,
		json: map[string]any{"items.#": 1, "items.0.id": "{{mia}}", "items.0.email": "mia@example.com", "items.0.phones": []any{}}},
	{name: "contact by unknown email", method: "GET", path: "/api/v1/contacts?email=nobody@example.com", status: 200,
		json: map[string]any{"items": []any{}, "next_cursor": nil}},
	{name: "contacts", method: "GET", path: "/api/v1/contacts", status: 200, json: map[string]any{"items.#": 2}},
	{name: "contacts search", method: "GET", path: "/api/v1/contacts?q=leo", status: 200, json: map[string]any{"items.#": 1, "items.0.name": "Leo"}},
	{name: "contacts page", method: "GET", path: "/api/v1/contacts?limit=1", status: 200, json: map[string]any{"items.#": 1, "next_cursor": notNull}},
	{name: "contacts bad limit", method: "GET", path: "/api/v1/contacts?limit=x", status: 422},
	{name: "contact", method: "GET", path: "/api/v1/contacts/{{leo}}", status: 200,
		json: map[string]any{"id": "{{leo}}", "name": "Leo", "emails": []any{"leo@example.com"}, "company": nil}},
	{name: "contact missing", method: "GET", path: "/api/v1/contacts/999999", status: 404},
	{name: "contact non-numeric", method: "GET", path: "/api/v1/contacts/leo", status: 404},
	{name: "agents", method: "GET", path: "/api/v1/agents", status: 200, json: map[string]any{"items.#": 4, "items.0.team_ids": present}},
	{name: "teams", method: "GET", path: "/api/v1/teams", status: 200,
		json: map[string]any{"items.#": 1, "items.0.name": "Billing", "items.0.agent_ids": []any{"{{agent}}"}}},

	// Routing.
	{name: "unknown route", method: "GET", path: "/api/v1/nothing", status: 404},
	{name: "unknown nested route", method: "GET", path: "/api/v1/tickets/1/attachments", status: 404},
	{name: "wrong method on item", method: "DELETE", path: "/api/v1/tickets/{{t1}}", status: 405,
		header: map[string]string{"Allow": "GET, HEAD, PATCH"}},
	{name: "wrong method on collection", method: "PUT", path: "/api/v1/tickets", status: 405,
		header: map[string]string{"Allow": "GET, HEAD, POST"}},
	{name: "wrong method anonymous", method: "DELETE", path: "/api/v1/contacts/1", role: roleAnon, status: 405},
	{name: "openapi", method: "GET", path: "/api/v1/openapi.json", role: roleAnon, status: 200, json: map[string]any{"openapi": "3.1.0"}},
}

func TestMailboxScenarios(t *testing.T) {
	eachEngine(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		runSteps(t, e, mailboxSteps)
	})
}

var mailboxSteps = []step{
	{name: "empty list", method: "GET", path: "/api/v1/mailboxes", role: roleAdmin, status: 200,
		json: map[string]any{"items": []any{}, "next_cursor": nil}},
	{name: "agent may not list", method: "GET", path: "/api/v1/mailboxes", status: 403},
	{name: "agent may not create", method: "POST", path: "/api/v1/mailboxes", body: `{"address":"x@acme.example"}`, status: 403},
	{name: "create imap", method: "POST", path: "/api/v1/mailboxes", role: roleAdmin,
		body: `{"address":"Support@Acme.Example","name":"Acme Support","team":{{team}},
			"imap_url":"imaps://support:hunter2@imap.acme.example/INBOX","smtp_url":"smtps://support:relaypw@smtp.acme.example:465",
			"ack_enabled":true,"ack_subject":"We got your message","ack_body":"Thanks!"}`,
		status: 201,
		header: map[string]string{"Location": "http://switchboard.test/api/v1/mailboxes/"},
		json: map[string]any{"address": "support@acme.example", "name": "Acme Support", "inbound": "imap",
			"team.id": "{{team}}", "team.name": "Billing", "imap_url": "imaps://support:****@imap.acme.example/INBOX",
			"smtp_url": "smtps://support:****@smtp.acme.example:465", "reopen_days": 30, "active": true,
			"status": "ok", "last_error": "", "last_error_at": nil, "last_fetch_at": nil, "ack_enabled": true},
		save: map[string]string{"mb": "id"}},
	{name: "create minimal", method: "POST", path: "/api/v1/mailboxes", role: roleAdmin,
		body: `{"address":"sales@acme.example","reopen_days":0}`, status: 201,
		json: map[string]any{"inbound": "smtp", "team": nil, "imap_url": "", "smtp_url": "", "reopen_days": 0},
		save: map[string]string{"mb2": "id"}},
	{name: "duplicate address", method: "POST", path: "/api/v1/mailboxes", role: roleAdmin,
		body: `{"address":"SUPPORT@acme.example"}`, status: 409, json: map[string]any{"errors.address": notNull}},
	{name: "bad fields", method: "POST", path: "/api/v1/mailboxes", role: roleAdmin,
		body:   `{"address":"nope","inbound":"imap","smtp_url":"smtp://relay.example","reopen_days":400}`,
		status: 422,
		json: map[string]any{"errors.address": notNull, "errors.imap_url": notNull, "errors.smtp_url": notNull,
			"errors.reopen_days": notNull}},
	{name: "bad inbound", method: "POST", path: "/api/v1/mailboxes", role: roleAdmin,
		body: `{"address":"x@acme.example","inbound":"pop3"}`, status: 422, json: map[string]any{"errors.inbound": notNull}},
	{name: "unknown team", method: "POST", path: "/api/v1/mailboxes", role: roleAdmin,
		body: `{"address":"x@acme.example","team":999999}`, status: 422, json: map[string]any{"errors.team": notNull}},
	{name: "unknown field", method: "POST", path: "/api/v1/mailboxes", role: roleAdmin,
		body: `{"address":"x@acme.example","password":"x"}`, status: 422},
	{name: "list", method: "GET", path: "/api/v1/mailboxes", role: roleAdmin, status: 200,
		json: map[string]any{"items.#": 2, "items.0.address": "sales@acme.example",
			"items.1.imap_url": "imaps://support:****@imap.acme.example/INBOX"}},
	{name: "get", method: "GET", path: "/api/v1/mailboxes/{{mb}}", role: roleAdmin, status: 200,
		json: map[string]any{"id": "{{mb}}", "smtp_url": "smtps://support:****@smtp.acme.example:465"}},
	{name: "agent may not get", method: "GET", path: "/api/v1/mailboxes/{{mb}}", status: 403},
	{name: "get missing", method: "GET", path: "/api/v1/mailboxes/999999", role: roleAdmin, status: 404},
	{name: "get non-numeric", method: "GET", path: "/api/v1/mailboxes/support", role: roleAdmin, status: 404},
	{name: "update round-trips the redacted URL", method: "PATCH", path: "/api/v1/mailboxes/{{mb}}", role: roleAdmin,
		body:   `{"imap_url":"imaps://support:****@imap.acme.example/Support","team":null,"reopen_days":7}`,
		status: 200,
		json:   map[string]any{"imap_url": "imaps://support:****@imap.acme.example/Support", "team": nil, "reopen_days": 7}},
	{name: "update to a taken address", method: "PATCH", path: "/api/v1/mailboxes/{{mb}}", role: roleAdmin,
		body: `{"address":"sales@acme.example"}`, status: 409},
	{name: "update bad", method: "PATCH", path: "/api/v1/mailboxes/{{mb}}", role: roleAdmin,
		body: `{"ack_subject":"` + strings.Repeat("x", 201) + `"}`, status: 422, json: map[string]any{"errors.ack_subject": notNull}},
	{name: "agent may not update", method: "PATCH", path: "/api/v1/mailboxes/{{mb}}", body: `{"name":"x"}`, status: 403},
	{name: "update missing", method: "PATCH", path: "/api/v1/mailboxes/999999", role: roleAdmin, body: `{"name":"x"}`, status: 404},
	{name: "agent may not delete", method: "DELETE", path: "/api/v1/mailboxes/{{mb2}}", status: 403},
	{name: "delete", method: "DELETE", path: "/api/v1/mailboxes/{{mb2}}", role: roleAdmin, status: 204},
	{name: "delete again", method: "DELETE", path: "/api/v1/mailboxes/{{mb2}}", role: roleAdmin, status: 404},
	{name: "list after delete", method: "GET", path: "/api/v1/mailboxes", role: roleAdmin, status: 200,
		json: map[string]any{"items.#": 1}},
}

// TestPagination walks a filtered list page by page and checks every
// ticket is seen exactly once, in order of most recent activity.
func TestPagination(t *testing.T) {
	eachEngine(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		const n = 7
		for range n {
			res := e.do("POST", "/api/v1/tickets", roleAgent,
				`{"subject":"Paged","body":"b","requester":{"email":"p@example.com"},"tags":["paged"]}`, "")
			if res.Code != http.StatusCreated {
				t.Fatalf("create: %d %s", res.Code, res.Body)
			}
		}
		e.do("POST", "/api/v1/tickets", roleAgent, `{"subject":"Other","body":"b","requester":{"email":"p@example.com"}}`, "")
		seen := map[string]bool{}
		path := "/api/v1/tickets?tag=paged&limit=3"
		pages := 0
		for {
			res := e.do("GET", path, roleAgent, "", "")
			if res.Code != 200 {
				t.Fatalf("page %d: %d %s", pages, res.Code, res.Body)
			}
			pages++
			items, _ := lookup(res.JSON, "items")
			for _, it := range items.([]any) {
				id, _ := lookup(it, "id")
				if seen[string(id.(json.Number))] {
					t.Errorf("ticket %v on two pages", id)
				}
				seen[string(id.(json.Number))] = true
			}
			next, _ := lookup(res.JSON, "next_cursor")
			if next == nil {
				break
			}
			if pages > n {
				t.Fatalf("pagination does not end")
			}
			path = "/api/v1/tickets?tag=paged&limit=3&cursor=" + url.QueryEscape(next.(string))
		}
		if len(seen) != n || pages != 3 {
			t.Errorf("saw %d tickets on %d pages, want %d on 3", len(seen), pages, n)
		}
	})
}
