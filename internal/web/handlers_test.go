package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// scenario is one request and what its answer must hold.
type scenario struct {
	name     string
	req      req
	status   int // 0: 4xx accepted (the service decides between 409 and 422)
	contains []string
	absent   []string
	headers  map[string]string // header → substring
}

func (e *env) run(t *testing.T, scs []scenario) {
	t.Helper()
	for _, sc := range scs {
		w := e.do(sc.req)
		body := w.Body.String()
		switch {
		case sc.status == 0 && (w.Code < 400 || w.Code >= 500):
			t.Errorf("%s: status %d, want 4xx\n%.400s", sc.name, w.Code, body)
		case sc.status != 0 && w.Code != sc.status:
			t.Errorf("%s: status %d, want %d\n%.400s", sc.name, w.Code, sc.status, body)
		}
		for _, s := range sc.contains {
			if !strings.Contains(body, s) {
				t.Errorf("%s: body lacks %q\n%.600s", sc.name, s, body)
			}
		}
		for _, s := range sc.absent {
			if strings.Contains(body, s) {
				t.Errorf("%s: body has %q", sc.name, s)
			}
		}
		for h, s := range sc.headers {
			if got := w.Header().Get(h); !strings.Contains(got, s) {
				t.Errorf("%s: header %s = %q, want it to contain %q", sc.name, h, got, s)
			}
		}
	}
}

// TestInboxAndTicketScenarios runs the agent's everyday requests against
// both databases.
func TestInboxAndTicketScenarios(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		id := func(tk desk.Ticket) string { return fmt.Sprint(tk.ID) }
		t1, t2, t3 := id(e.t1), id(e.t2), id(e.t3)
		get := func(path string) req { return req{method: "GET", path: path, role: "agent"} }
		post := func(path string, form url.Values) req {
			return req{method: "POST", path: path, role: "agent", form: form, htmx: true}
		}
		e.run(t, []scenario{
			{name: "inbox", req: get("/inbox"), status: 200,
				contains: []string{"All open", "Refund for order 1042", `href="/tickets/` + t1 + `?view=open"`, "Cannot log in", "Cleo Customer", `X-CSRF-Token`, "Billing"},
				headers:  map[string]string{"Content-Security-Policy": "script-src 'self'", "X-Frame-Options": "DENY", "Cache-Control": "no-store"}},
			{name: "mine is empty", req: get("/inbox?view=mine"), status: 200, contains: []string{"Nothing assigned to you"}},
			{name: "search", req: get("/inbox?q=refund"), status: 200, contains: []string{"Refund for order 1042"}, absent: []string{"Cannot log in"}},
			{name: "priority filter", req: get("/inbox?priority=urgent"), status: 200, contains: []string{"Cannot log in"}, absent: []string{"Refund for order 1042"}},
			{name: "tag filter", req: get("/inbox?tag=billing"), status: 200, contains: []string{"Refund for order 1042"}, absent: []string{"Cannot log in"}},
			{name: "team view", req: get(fmt.Sprintf("/inbox?view=open&team=%d", e.teamID)), status: 200, contains: []string{"Refund for order 1042", `aria-current="page"><span>Billing`}, absent: []string{"Cannot log in"}},
			{name: "unassigned filter fragment", req: req{method: "GET", path: "/inbox/list?assignee=none", role: "agent", htmx: true}, status: 200,
				contains: []string{`id="list"`, "Refund for order 1042"}, absent: []string{"<html"}},
			{name: "filter with no match", req: get("/inbox?q=zzzzzz"), status: 200, contains: []string{"No tickets match these filters."}},
			{name: "views fragment", req: req{method: "GET", path: "/inbox/views?view=pending", role: "agent", htmx: true}, status: 200, contains: []string{`id="views"`, "Pending"}},
			{name: "ticket page", req: get("/tickets/" + t1), status: 200,
				contains: []string{"Refund for order 1042", "I was charged twice.", `id="composer"`, "Cleo Customer", "Also: invoice address", "Send and resolve", "Merge this ticket into"}},
			{name: "ticket pane for htmx", req: req{method: "GET", path: "/tickets/" + t1, role: "agent", htmx: true}, status: 200, contains: []string{`id="ticket-pane"`}},
			{name: "missing ticket page", req: get("/tickets/999999"), status: 404, contains: []string{"Not found", "Back to the inbox"}},
			{name: "missing ticket toast", req: req{method: "GET", path: "/tickets/999999/thread", role: "agent", htmx: true}, status: 404,
				contains: []string{`class="toast error"`}, absent: []string{"<html"}, headers: map[string]string{"HX-Retarget": "#toasts"}},
			{name: "bad id", req: get("/tickets/abc"), status: 404},
			{name: "unknown page", req: get("/nope"), status: 404, contains: []string{"There is no page at this address."}},
			{name: "empty reply refused", req: post("/tickets/"+t1+"/messages", url.Values{"body": {"  "}}), status: 422, contains: []string{"Write a message"}},
			{name: "send and resolve", req: post("/tickets/"+t1+"/messages", url.Values{"body": {"Refunded, sorry!"}, "then": {"resolved"}}), status: 200,
				contains: []string{"Refunded, sorry!", `hx-swap-oob="true"`, "Reply sent.", "st-resolved"}},
			{name: "note", req: post("/tickets/"+t1+"/messages", url.Values{"body": {"Stripe ref re_9"}, "kind": {"note"}}), status: 200,
				contains: []string{`class="msg note"`, "Stripe ref re_9", "Note added."}},
			{name: "bad status with message", req: post("/tickets/"+t1+"/messages", url.Values{"body": {"x"}, "then": {"gone"}}), status: 422},
			{name: "assign to me", req: post("/tickets/"+t1+"/update", url.Values{"assignee": {"me"}}), status: 200, contains: []string{"Assigned to you.", "assigned to Bo Agent"}},
			{name: "now in mine", req: get("/inbox?view=mine&q=refund"), status: 200, absent: []string{"Refund for order 1042"}}, // resolved: not active
			{name: "set status", req: post("/tickets/"+t1+"/update", url.Values{"status": {"pending"}}), status: 200, contains: []string{"Status set to Pending."}},
			{name: "invalid status", req: post("/tickets/"+t1+"/update", url.Values{"status": {"bogus"}}), status: 422},
			{name: "fields form", req: post("/tickets/"+t1+"/update", url.Values{"status": {"open"}, "priority": {"high"}, "assignee": {""}, "team": {""}, "tags": {"VIP, billing  vip"}}), status: 200,
				contains: []string{"Saved.", "vip", "unassigned", `href="/inbox?view=open"`}},
			{name: "add custom field", req: post("/tickets/"+t1+"/update", url.Values{"cf_new_key": {"Order ID"}, "cf_new_value": {"A-1042"}}), status: 200,
				contains: []string{"Saved.", `name="cf.Order ID"`, `value="A-1042"`}},
			{name: "custom field on the page", req: get("/tickets/" + t1), status: 200, contains: []string{`for="cf-Order&#43;ID"`, `value="A-1042"`}},
			{name: "custom field too long", req: post("/tickets/"+t1+"/update", url.Values{"cf.Order ID": {strings.Repeat("x", 2001)}}), status: 422},
			{name: "clear custom field", req: post("/tickets/"+t1+"/update", url.Values{"cf.Order ID": {""}}), status: 200, absent: []string{`name="cf.Order ID"`}},
			{name: "timeline", req: req{method: "GET", path: "/tickets/" + t1 + "/timeline", role: "agent", htmx: true}, status: 200, contains: []string{"changed the status", "Bo Agent"}},
			{name: "merge other customer refused", req: req{method: "POST", path: "/tickets/" + t3 + "/merge", role: "agent", form: url.Values{"target": {t1}}}},
			{name: "merge", req: req{method: "POST", path: "/tickets/" + t2 + "/merge", role: "agent", form: url.Values{"target": {t1}}}, status: 303,
				headers: map[string]string{"Location": "/tickets/" + t1}},
			{name: "merged thread", req: get("/tickets/" + t1), status: 200, contains: []string{"Can you change the address?"}},
			{name: "merged source says so", req: get("/tickets/" + t2), status: 200, contains: []string{"This ticket was merged into another one."}},
			{name: "contact page", req: get(fmt.Sprintf("/contacts/%d", e.t1.Requester.ID)), status: 200,
				contains: []string{"Cleo Customer", "cleo@example.com", "Refund for order 1042", "Also: invoice address"}},
			{name: "missing contact", req: get("/contacts/999999"), status: 404},
			{name: "presence beat", req: req{method: "POST", path: "/tickets/" + t3 + "/presence", role: "admin", form: url.Values{"state": {"replying"}}}, status: 204},
			{name: "presence shows admin", req: req{method: "GET", path: "/tickets/" + t3 + "/presence", role: "agent", htmx: true}, status: 200, contains: []string{"Ana Admin is replying"}},
			{name: "presence hides self", req: req{method: "GET", path: "/tickets/" + t3 + "/presence", role: "admin", htmx: true}, status: 200, absent: []string{"Ana Admin is"}},
			{name: "presence bad state", req: req{method: "POST", path: "/tickets/" + t3 + "/presence", role: "admin", form: url.Values{"state": {"dancing"}}}, status: 422},
			{name: "anonymous fragment", req: req{method: "GET", path: "/inbox/list", htmx: true}, status: 401, headers: map[string]string{"HX-Redirect": "/login"}},
			{name: "anonymous page keeps next", req: req{method: "GET", path: "/tickets/" + t1 + "?view=mine"}, status: 303,
				headers: map[string]string{"Location": "/login?next=%2Ftickets%2F" + t1 + "%3Fview%3Dmine"}},
		})
	})
}

// TestEscaping checks customer input is escaped and message HTML comes
// only from the service's sanitizer.
func TestEscaping(t *testing.T) {
	e := newEnv(t, storetest.NewSQLite(t))
	tk, err := e.tickets.Create(context.Background(), desk.System, desk.NewTicket{
		Subject: `<img src=x onerror=alert(1)>`, Body: "<b>not bold</b>", HTML: `<p onclick="x()">Hi <script>alert(2)</script><b>bold</b></p>`,
		Requester: desk.ContactInput{Email: "eve@example.com", Name: `Eve "><script>alert(3)</script>`}, Inbound: true})
	if err != nil {
		t.Fatal(err)
	}
	e.run(t, []scenario{
		{name: "ticket", req: req{method: "GET", path: fmt.Sprintf("/tickets/%d", tk.ID), role: "agent"}, status: 200,
			contains: []string{"&lt;img src=x onerror=alert(1)&gt;", "<b>bold</b>"},
			absent:   []string{"<img src=x", "<script>alert", "onclick"}},
		{name: "list", req: req{method: "GET", path: "/inbox", role: "agent"}, status: 200, absent: []string{"<img src=x", "<script>alert"}},
	})
}
