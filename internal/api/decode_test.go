package api

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDecodeJSON(t *testing.T) {
	cases := []struct {
		name, ctype, body string
		status            int
		field             string // expected key in errors
	}{
		{"ok", "application/json", `{"subject":"s","team":3,"assignee":null}`, 200, ""},
		{"ok charset", "application/json; charset=utf-8", `{"subject":"s"}`, 200, ""},
		{"no content type", "", `{}`, 415, ""},
		{"form", "application/x-www-form-urlencoded", `a=b`, 415, ""},
		{"empty", "application/json", ``, 400, ""},
		{"syntax", "application/json", `{"subject":}`, 400, ""},
		{"truncated", "application/json", `{"subject":"s"`, 400, ""},
		{"array", "application/json", `[]`, 400, ""},
		{"trailing", "application/json", `{} x`, 400, ""},
		{"two objects", "application/json", `{}{}`, 400, ""},
		{"unknown", "application/json", `{"nope":1}`, 422, "nope"},
		{"wrong type", "application/json", `{"subject":true}`, 422, "subject"},
		{"nested wrong type", "application/json", `{"requester":{"email":1}}`, 422, "requester.email"},
		{"id as string", "application/json", `{"team":"7"}`, 422, "team"},
		{"id negative", "application/json", `{"assignee":-2}`, 422, "assignee"},
		{"id fraction", "application/json", `{"assignee":1.5}`, 422, "assignee"},
		{"too large", "application/json", `{"subject":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, 413, ""},
	}
	for _, c := range cases {
		req := httptest.NewRequest("POST", "/api/v1/tickets", strings.NewReader(c.body))
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		rec := httptest.NewRecorder()
		dst := createTicketRequest{Team: nullableID{name: "team"}, Assignee: nullableID{name: "assignee"}}
		if decodeJSON(rec, req, &dst) {
			rec.WriteHeader(200)
		}
		if rec.Code != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, rec.Code, c.status, rec.Body)
			continue
		}
		if c.status != 200 && rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: not a problem", c.name)
		}
		if c.field != "" && !strings.Contains(rec.Body.String(), `"errors":{"`+c.field+`":`) {
			t.Errorf("%s: errors does not name %s: %s", c.name, c.field, rec.Body)
		}
	}
	// null clears, absent leaves alone.
	req := httptest.NewRequest("PATCH", "/", strings.NewReader(`{"assignee":null,"tags":null}`))
	req.Header.Set("Content-Type", "application/json")
	var u updateTicketRequest
	if !decodeJSON(httptest.NewRecorder(), req, &u) {
		t.Fatal("decode failed")
	}
	if !u.Assignee.Set || !u.Assignee.Null || u.Team.Set || !u.Tags.Set || u.Tags.Tags == nil || len(u.Tags.Tags) != 0 {
		t.Errorf("null handling: %+v", u)
	}
}
