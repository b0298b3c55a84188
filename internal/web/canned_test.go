package web

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"switchboard/internal/canned"
	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
	"switchboard/internal/team"
)

// TestCannedScreens runs the canned response requests: the composer's
// picker (filled for the ticket, scoped to the agent's teams, searched),
// counting a use, and the admin's list, search, refused forms, edit and
// delete.
func TestCannedScreens(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		hello, err := e.canned.Create(ctx, desk.System, canned.Input{Title: "Greeting",
			Body: "Hi {{customer.first_name|there}},\n\nthanks for writing about “{{ticket.subject}}”. <b>Best</b>, {{agent.first_name}}", Shortcut: "hi"})
		if err != nil {
			t.Fatal(err)
		}
		// A team Bo is not in: he must not see its response.
		other, err := e.team.CreateTeam(ctx, desk.System, "Returns", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.canned.Create(ctx, desk.System, canned.Input{Title: "Return label", Body: "Here is your label.", TeamID: other.ID}); err != nil {
			t.Fatal(err)
		}
		billing, err := e.canned.Create(ctx, desk.System, canned.Input{Title: "Refund issued", Body: "Refunded, {{customer.name}}.", TeamID: e.teamID})
		if err != nil {
			t.Fatal(err)
		}
		t1 := fmt.Sprint(e.t1.ID)
		hid := fmt.Sprint(hello.ID)
		e.run(t, []scenario{
			{name: "composer offers the picker", req: req{method: "GET", path: "/tickets/" + t1, role: "agent"}, status: 200,
				contains: []string{`<details class="canned" hx-get="/tickets/` + t1 + `/canned" hx-trigger="toggle once"`, `accesskey="c"`}},
			{name: "picker, filled for the ticket", req: req{method: "GET", path: "/tickets/" + t1 + "/canned", role: "agent", htmx: true}, status: 200,
				contains: []string{`role="listbox"`, `role="combobox"`, `autofocus`, `/static/canned.js?v=`, `/static/canned.css?v=`,
					// Ticket #1000 of Cleo Customer, opened by Bo Agent; text stays text.
					"data-text=\"Hi Cleo,\n\nthanks for writing about “Refund for order 1042”. &lt;b&gt;Best&lt;/b&gt;, Bo\"",
					`data-text="Refunded, Cleo Customer."`, `data-use="/canned/` + hid + `/use"`, `<kbd>hi</kbd>`, `>Billing</span>`,
					`aria-selected="true"`, "2 canned responses"},
				absent: []string{"Return label", "<b>Best"}},
			{name: "admins see every team's", req: req{method: "GET", path: "/tickets/" + t1 + "/canned", role: "admin", htmx: true}, status: 200,
				contains: []string{"Return label", "Refund issued", "Greeting", "3 canned responses"}},
			{name: "search", req: req{method: "GET", path: "/tickets/" + t1 + "/canned?q=REFUND", role: "agent", htmx: true}, status: 200,
				contains: []string{"Refund issued", "1 canned response"}, absent: []string{"Greeting"}},
			{name: "search, nothing", req: req{method: "GET", path: "/tickets/" + t1 + "/canned?q=zebra", role: "agent", htmx: true}, status: 200,
				contains: []string{"No canned response matches “zebra”."}, absent: []string{`role="listbox"`}},
			{name: "picker of a missing ticket", req: req{method: "GET", path: "/tickets/999999/canned", role: "agent", htmx: true}, status: 404},
			{name: "use", req: req{method: "POST", path: "/canned/" + fmt.Sprint(billing.ID) + "/use", role: "agent", form: url.Values{}, htmx: true}, status: 204},
			{name: "use of another team's", req: req{method: "POST", path: "/canned/" + fmt.Sprint(billing.ID+1) + "/use", role: "agent", form: url.Values{}, htmx: true}, status: 404},
			{name: "used first now", req: req{method: "GET", path: "/tickets/" + t1 + "/canned", role: "agent", htmx: true}, status: 200,
				contains: []string{`aria-selected="true" data-text="Refunded, Cleo Customer."`}},

			{name: "admin list", req: req{method: "GET", path: "/admin/canned", role: "admin"}, status: 200,
				contains: []string{`aria-current="page">Canned responses</a>`, "Greeting", "<kbd>hi</kbd>", "Everyone", "Returns", "Billing",
					`href="/admin/canned/` + hid + `"`, `data-confirm="Delete the canned response “Greeting”?`, "Add a canned response",
					"<code>{{customer.first_name}}</code>", "{{customer.first_name|there}}", `/static/admin.css`}},
			{name: "admin search", req: req{method: "GET", path: "/admin/canned?q=label", role: "admin"}, status: 200,
				contains: []string{"Return label", `value="label"`, "Show all"}, absent: []string{"Greeting"}},
			{name: "admin search, nothing", req: req{method: "GET", path: "/admin/canned?q=zebra", role: "admin"}, status: 200,
				contains: []string{"No canned response matches “zebra”."}},
			{name: "agent may not look", req: req{method: "GET", path: "/admin/canned", role: "agent"}, status: 403, absent: []string{"Greeting"}},
			{name: "add refused", req: req{method: "POST", path: "/admin/canned", role: "admin",
				form: url.Values{"title": {"New one"}, "body": {""}, "shortcut": {"two words"}}}, status: 422,
				contains: []string{"Please correct the highlighted fields.", `id="err-body"`, `id="err-shortcut"`, `value="New one"`, `value="two words"`}},
			{name: "add taken shortcut", req: req{method: "POST", path: "/admin/canned", role: "admin",
				form: url.Values{"title": {"Hello again"}, "body": {"Hi"}, "shortcut": {"HI"}}}, status: 409,
				contains: []string{"Another canned response has that shortcut.", `id="err-shortcut"`}},
			{name: "add", req: req{method: "POST", path: "/admin/canned", role: "admin",
				form: url.Values{"title": {"Thanks"}, "body": {"Thank you, {{customer.first_name}}!"}, "shortcut": {"thx"}, "team": {fmt.Sprint(e.teamID)}}},
				status: 303, headers: map[string]string{"Location": "/admin/canned"}},
			{name: "edit form", req: req{method: "GET", path: "/admin/canned/" + hid, role: "admin"}, status: 200,
				contains: []string{"Edit “Greeting”", `action="/admin/canned/` + hid + `"`, `value="hi"`, "Hi {{customer.first_name|there}},", `href="/admin/canned">Cancel`}},
			{name: "edit missing", req: req{method: "GET", path: "/admin/canned/999999", role: "admin"}, status: 404},
			{name: "save refused", req: req{method: "POST", path: "/admin/canned/" + hid, role: "admin",
				form: url.Values{"title": {""}, "body": {"x"}}}, status: 422, contains: []string{`id="err-title"`, `action="/admin/canned/` + hid + `"`}},
			{name: "save", req: req{method: "POST", path: "/admin/canned/" + hid, role: "admin",
				form: url.Values{"title": {"Greeting"}, "body": {"Hello!"}, "shortcut": {""}, "team": {""}}}, status: 303},
			{name: "agent may not delete", req: req{method: "POST", path: "/admin/canned/" + hid + "/delete", role: "agent", form: url.Values{}}, status: 403},
			{name: "delete", req: req{method: "POST", path: "/admin/canned/" + hid + "/delete", role: "admin", form: url.Values{}}, status: 303},
		})
		all, err := e.canned.List(ctx, desk.System, canned.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if titles := fmt.Sprint(len(all), " ", all[0].Title, " ", all[1].Title, " ", all[2].Title); titles != "3 Refund issued Return label Thanks" ||
			all[2].Shortcut != "thx" || all[2].Team == nil || all[2].CreatedBy == nil || all[2].CreatedBy.ID != e.admin.ID {
			t.Errorf("after the admin's changes: %+v", all)
		}

		// An agent in no team sees only the shared ones; with none at all
		// the picker says so (and links admins to the screen).
		loner, err := e.team.CreateAgent(ctx, desk.System, team.NewAgent{Email: "lo@example.com", Name: "Lo Ner", Role: desk.RoleAgent, Password: testPassword})
		if err != nil {
			t.Fatal(err)
		}
		s, err := e.auth.Login(ctx, loner.Email, testPassword, "10.0.0.2")
		if err != nil {
			t.Fatal(err)
		}
		e.sess["loner"] = s
		e.run(t, []scenario{
			{name: "nothing shared", req: req{method: "GET", path: "/tickets/" + t1 + "/canned", role: "loner", htmx: true}, status: 200,
				contains: []string{"No canned responses yet."}, absent: []string{"Refund issued", "Thanks", "Return label", "/admin/canned"}},
		})
	})
}
