package api

import (
	"context"
	"strconv"
	"testing"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

func TestCannedScenarios(t *testing.T) {
	eachEngine(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		returns, err := e.cfg.Team.CreateTeam(context.Background(), desk.System, "Returns", nil)
		if err != nil {
			t.Fatal(err)
		}
		e.vars["returns"] = strconv.FormatInt(returns.ID, 10)
		runSteps(t, e, cannedSteps)
	})
}

// cannedSteps: admins manage canned responses; agents (Alan, in Billing)
// list what they see, search, and get texts filled for a ticket.
var cannedSteps = []step{
	{name: "ticket to fill for", method: "POST", path: "/api/v1/tickets",
		body:   `{"subject":"Where is my parcel?","body":"Late.","requester":{"email":"ivana@example.com","name":"Ivana Kovačević"}}`,
		status: 201, save: map[string]string{"t": "id", "n": "number"}},
	{name: "empty list", method: "GET", path: "/api/v1/canned-responses", status: 200,
		json: map[string]any{"items": []any{}, "next_cursor": nil}},
	{name: "create shared", role: roleAdmin, method: "POST", path: "/api/v1/canned-responses",
		body:   `{"title":"Parcel","body":"Hi {{customer.first_name|there}}, ticket #{{ticket.number}} is with {{agent.first_name}}.","shortcut":"/Parcel"}`,
		status: 201, header: map[string]string{"Location": "http://switchboard.test/api/v1/canned-responses/"},
		json: map[string]any{"title": "Parcel", "shortcut": "parcel", "team": nil, "uses": 0, "created_by.name": "Ada Admin",
			"created_at": notNull, "text": absent},
		save: map[string]string{"parcel": "id"}},
	{name: "create for Billing", role: roleAdmin, method: "POST", path: "/api/v1/canned-responses",
		body:   `{"title":"Refund issued","body":"Refunded, {{customer.name}}.","team":{{team}},"shortcut":null}`,
		status: 201, json: map[string]any{"team.id": "{{team}}", "team.name": "Billing", "shortcut": nil},
		save: map[string]string{"refund": "id"}},
	{name: "create for a team Alan is not in", role: roleAdmin, method: "POST", path: "/api/v1/canned-responses",
		body: `{"title":"Return label","body":"Here it is."}`, status: 201, save: map[string]string{"label": "id"}},
	{name: "move it to Returns", role: roleAdmin, method: "PATCH", path: "/api/v1/canned-responses/{{label}}",
		body: `{"team":{{returns}}}`, status: 200, json: map[string]any{"team.name": "Returns"}},
	{name: "Alan does not see it", method: "GET", path: "/api/v1/canned-responses/{{label}}", status: 404},
	{name: "admins do", role: roleAdmin, method: "GET", path: "/api/v1/canned-responses?q=label", status: 200,
		json: map[string]any{"items.#": 1, "items.0.team.name": "Returns"}},
	{name: "agents may not create", method: "POST", path: "/api/v1/canned-responses", body: `{"title":"x","body":"y"}`, status: 403},
	{name: "agents may not change", method: "PATCH", path: "/api/v1/canned-responses/{{parcel}}", body: `{"title":"x"}`, status: 403},
	{name: "agents may not delete", method: "DELETE", path: "/api/v1/canned-responses/{{parcel}}", status: 403},
	{name: "taken shortcut", role: roleAdmin, method: "POST", path: "/api/v1/canned-responses",
		body: `{"title":"Again","body":"x","shortcut":"PARCEL"}`, status: 409},
	{name: "invalid", role: roleAdmin, method: "POST", path: "/api/v1/canned-responses",
		body: `{"title":"","body":"","shortcut":"two words","team":999999}`, status: 422,
		json: map[string]any{"errors.title": present, "errors.body": present, "errors.shortcut": present}},
	{name: "unknown field", role: roleAdmin, method: "POST", path: "/api/v1/canned-responses",
		body: `{"title":"t","body":"b","public":true}`, status: 422, json: map[string]any{"errors.public": "unknown field"}},

	{name: "list by title", method: "GET", path: "/api/v1/canned-responses", status: 200,
		json: map[string]any{"items.#": 2, "items.0.title": "Parcel", "items.1.title": "Refund issued", "items.0.text": absent}},
	{name: "filled for the ticket", method: "GET", path: "/api/v1/canned-responses?ticket={{t}}&q=parcel", status: 200,
		json: map[string]any{"items.#": 1, "items.0.text": "Hi Ivana, ticket #{{n}} is with Alan.",
			"items.0.body": "Hi {{customer.first_name|there}}, ticket #{{ticket.number}} is with {{agent.first_name}}."}},
	{name: "one, filled", method: "GET", path: "/api/v1/canned-responses/{{refund}}?ticket={{t}}", status: 200,
		json: map[string]any{"text": "Refunded, Ivana Kovačević."}},
	{name: "unknown ticket", method: "GET", path: "/api/v1/canned-responses?ticket=999999", status: 404},
	{name: "bad ticket", method: "GET", path: "/api/v1/canned-responses?ticket=abc", status: 422},
	{name: "bad sort", method: "GET", path: "/api/v1/canned-responses?sort=newest", status: 422},
	{name: "limit", method: "GET", path: "/api/v1/canned-responses?limit=1", status: 200, json: map[string]any{"items.#": 1}},
	{name: "search ignores accents and case", method: "GET", path: "/api/v1/canned-responses?q=REFUNDED%20kovacevic", status: 200,
		json: map[string]any{"items.#": 0}}, // the body holds the placeholder, not the name
	{name: "search body", method: "GET", path: "/api/v1/canned-responses?q=REFUNDED", status: 200,
		json: map[string]any{"items.#": 1, "items.0.title": "Refund issued"}},

	// Moving the refund to no team, then back to another team: Alan loses it.
	{name: "move to everyone", role: roleAdmin, method: "PATCH", path: "/api/v1/canned-responses/{{refund}}",
		body: `{"team":null,"shortcut":"refund"}`, status: 200, json: map[string]any{"team": nil, "shortcut": "refund", "title": "Refund issued"}},
	{name: "remove the shortcut", role: roleAdmin, method: "PATCH", path: "/api/v1/canned-responses/{{refund}}",
		body: `{"shortcut":null}`, status: 200, json: map[string]any{"shortcut": nil}},
	{name: "popular first", method: "GET", path: "/api/v1/canned-responses?sort=popular", status: 200,
		json: map[string]any{"items.#": 2}},
	{name: "delete", role: roleAdmin, method: "DELETE", path: "/api/v1/canned-responses/{{refund}}", status: 204},
	{name: "gone", method: "GET", path: "/api/v1/canned-responses/{{refund}}", status: 404},
	{name: "bad id", method: "GET", path: "/api/v1/canned-responses/abc", status: 404},
}
