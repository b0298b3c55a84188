package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/canned"
	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/mailbox"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// authzRow is one route in the authorization table: the expected status
// for an anonymous visitor, an agent and an admin.
type authzRow struct {
	method, pattern string
	path            func(role string) string
	form            url.Values
	anon, ag, adm   int
}

// TestAuthorization walks every web route for every role, anonymous
// included, and checks that each POST refuses a missing CSRF token.
func TestAuthorization(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		// Throwaway objects so destructive rows have something to act on.
		mk := func(subject string) desk.Ticket {
			tk, err := e.tickets.Create(ctx, desk.System, desk.NewTicket{Subject: subject, Body: "x", Inbound: true,
				Requester: desk.ContactInput{Email: "cleo@example.com"}})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		mergeSrc := map[string]desk.Ticket{"agent": mk("dup 1"), "admin": mk("dup 2"), "": mk("dup 3")}
		if _, err := e.tickets.AddMessage(ctx, desk.System, e.t3.ID, desk.NewMessage{Text: "see file", Inbound: true,
			Attachments: []desk.NewAttachment{{Filename: "log.txt", ContentType: "text/plain", Data: []byte("hello")}}}); err != nil {
			t.Fatal(err)
		}
		msgs, err := e.tickets.Messages(ctx, desk.System, e.t3.ID)
		if err != nil {
			t.Fatal(err)
		}
		attID := msgs[len(msgs)-1].Attachments[0].ID
		doomed, err := e.team.CreateTeam(ctx, desk.System, "Doomed", nil)
		if err != nil {
			t.Fatal(err)
		}
		_, tok, err := e.auth.CreateToken(ctx, desk.System, e.agent.ID, "old")
		if err != nil {
			t.Fatal(err)
		}
		mbDoomed, err := e.mailbox.Create(ctx, desk.System, mailbox.Input{Address: "doomed@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		mbKept, err := e.mailbox.Create(ctx, desk.System, mailbox.Input{Address: "kept@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		cannedKept, err := e.canned.Create(ctx, desk.System, canned.Input{Title: "Refund issued", Body: "Hi {{customer.first_name}}, refunded."})
		if err != nil {
			t.Fatal(err)
		}
		cannedDoomed, err := e.canned.Create(ctx, desk.System, canned.Input{Title: "Old", Body: "Old text", TeamID: e.teamID})
		if err != nil {
			t.Fatal(err)
		}
		chKept, err := e.chat.CreateChannel(ctx, desk.System, chat.ChannelInput{Name: "Kept site", Origins: []string{"https://kept.example"}, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		chDoomed, err := e.chat.CreateChannel(ctx, desk.System, chat.ChannelInput{Name: "Doomed site", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		invKept, err := e.chat.CreateInvitation(ctx, desk.System, chKept.ID, chat.InvitationInput{Name: "Pricing", Greeting: "Hi", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		invDoomed, err := e.chat.CreateInvitation(ctx, desk.System, chKept.ID, chat.InvitationInput{Name: "Doomed", Greeting: "Hi", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		chPath := func(suffix string) func(string) string {
			return func(string) string { return fmt.Sprintf("/admin/chat/%d%s", chKept.ID, suffix) }
		}
		chForm := url.Values{"name": {"Kept site 2"}, "origins": {"https://kept.example"}, "color": {"#112233"}, "position": {"left"},
			"prechat_name": {"off"}, "prechat_email": {"required"}, "max_upload": {"5"}, "active": {"1"}}
		invForm := url.Values{"name": {"Pricing page"}, "url_pattern": {"*/pricing*"}, "min_seconds": {"20"}, "min_visits": {"0"}, "greeting": {"Questions?"}, "active": {"1"}}
		failed := map[string]int64{} // a failed email reply per role, to retry
		for _, role := range []string{"", "agent", "admin"} {
			_, failed[role] = e.emailReply(t, e.t1.ID, "Refunded.", failDelivery)
		}
		// Chats: one to look at, and per role one to accept, transfer and end.
		seen := e.acceptedChat(t, e.actors["agent"], "Iva", "Is the Pro plan monthly?")
		perRole := func(mk func(role string) desk.Chat) map[string]desk.Chat {
			return map[string]desk.Chat{"": mk(""), "agent": mk("agent"), "admin": mk("admin")}
		}
		// The agent's own chats; the admin acts on the agent's (an admin may).
		owned := func(string) desk.Chat { return e.acceptedChat(t, e.actors["agent"], "Ola", "Hello") }
		toAccept := perRole(func(string) desk.Chat { return e.startChat(t, "Pia", "Hi there") })
		toTransfer, toEnd := perRole(owned), perRole(owned)
		chatPath := func(m map[string]desk.Chat, suffix string) func(string) string {
			return func(role string) string { return fmt.Sprintf("/chats/%d%s", m[role].ID, suffix) }
		}
		fixed := func(p string) func(string) string { return func(string) string { return p } }
		cid := fmt.Sprint(seen.ID)
		tid := fmt.Sprint(e.t1.ID)
		T := func(suffix string) func(string) string { return fixed("/tickets/" + tid + suffix) }
		const ok, see, cr, nc, unauth, forb = 200, 303, 201, 204, 401, 403
		rows := []authzRow{
			{"GET", "/{$}", fixed("/"), nil, see, see, see},
			{"GET", "/login", fixed("/login"), nil, ok, see, see},
			{"POST", "/login", fixed("/login"), url.Values{"email": {"x@example.com"}, "password": {"nope"}}, forb, unauth, unauth},
			{"GET", "/inbox", fixed("/inbox?view=mine"), nil, see, ok, ok},
			{"GET", "/inbox/list", fixed("/inbox/list?view=open&q=refund"), nil, unauth, ok, ok},
			{"GET", "/inbox/views", fixed("/inbox/views"), nil, unauth, ok, ok},
			{"GET", "/tickets/{id}", T(""), nil, see, ok, ok},
			{"GET", "/tickets/{id}/head", T("/head"), nil, unauth, ok, ok},
			{"GET", "/tickets/{id}/thread", T("/thread"), nil, unauth, ok, ok},
			{"GET", "/tickets/{id}/side", T("/side"), nil, unauth, ok, ok},
			{"GET", "/tickets/{id}/timeline", T("/timeline"), nil, unauth, ok, ok},
			{"GET", "/tickets/{id}/presence", T("/presence"), nil, unauth, ok, ok},
			{"POST", "/tickets/{id}/presence", T("/presence"), url.Values{"state": {"viewing"}}, see, nc, nc},
			{"POST", "/tickets/{id}/messages", T("/messages"), url.Values{"body": {"Hello"}, "kind": {"note"}}, see, see, see},
			{"POST", "/tickets/{id}/update", T("/update"), url.Values{"priority": {"high"}}, see, see, see},
			{"POST", "/tickets/{id}/merge", func(role string) string { return fmt.Sprintf("/tickets/%d/merge", mergeSrc[role].ID) },
				url.Values{"target": {tid}}, see, see, see},
			{"POST", "/tickets/{id}/deliveries/{oid}/retry", func(role string) string {
				return fmt.Sprintf("/tickets/%s/deliveries/%d/retry", tid, failed[role])
			}, url.Values{}, see, see, see},
			{"GET", "/tickets/{id}/canned", T("/canned?q=refund"), nil, unauth, ok, ok},
			{"POST", "/canned/{id}/use", fixed(fmt.Sprintf("/canned/%d/use", cannedKept.ID)), url.Values{}, see, nc, nc},
			{"GET", "/attachments/{id}", fixed(fmt.Sprintf("/attachments/%d", attID)), nil, see, ok, ok},
			{"GET", "/contacts/{id}", fixed(fmt.Sprintf("/contacts/%d", e.t1.Requester.ID)), nil, see, ok, ok},
			{"POST", "/contacts/{id}", fixed(fmt.Sprintf("/contacts/%d", e.t3.Requester.ID)), url.Values{"name": {"Dan Doe"}, "phones": {"+1 555 0100"}}, see, see, see},
			{"GET", "/events", fixed("/events"), nil, unauth, ok, ok},
			{"GET", "/shortcuts", fixed("/shortcuts"), nil, unauth, ok, ok},
			{"GET", "/chats", fixed("/chats"), nil, see, ok, ok},
			{"GET", "/chats/ring", fixed("/chats/ring"), nil, unauth, ok, ok},
			{"GET", "/chats/list", fixed("/chats/list?open=" + cid), nil, unauth, ok, ok},
			{"POST", "/chats/status", fixed("/chats/status"), url.Values{"status": {"online"}, "next": {"/chats"}}, see, see, see},
			{"GET", "/chats/{id}", fixed("/chats/" + cid), nil, see, ok, ok},
			{"GET", "/chats/{id}/log", fixed("/chats/" + cid + "/log"), nil, unauth, ok, ok},
			{"GET", "/chats/{id}/visitor", fixed("/chats/" + cid + "/visitor"), nil, unauth, ok, ok},
			{"POST", "/chats/{id}/accept", chatPath(toAccept, "/accept"), url.Values{}, see, see, see},
			{"POST", "/chats/{id}/messages", fixed("/chats/" + cid + "/messages"), url.Values{"body": {"Checked the plan"}, "kind": {"note"}}, see, see, see},
			{"POST", "/chats/{id}/typing", fixed("/chats/" + cid + "/typing"), url.Values{"on": {"1"}}, see, nc, nc},
			{"POST", "/chats/{id}/seen", fixed("/chats/" + cid + "/seen"), url.Values{"seq": {"1"}}, see, nc, nc},
			{"POST", "/chats/{id}/transfer", chatPath(toTransfer, "/transfer"), url.Values{"to": {fmt.Sprint("t", e.teamID)}}, see, see, see},
			{"POST", "/chats/{id}/end", chatPath(toEnd, "/end"), url.Values{"resolve": {"1"}}, see, see, see},
			{"GET", "/visitors", fixed("/visitors"), nil, see, ok, ok},
			{"GET", "/visitors/list", fixed("/visitors/list"), nil, unauth, ok, ok},
			{"GET", "/admin", fixed("/admin"), nil, see, forb, see},
			{"GET", "/admin/agents", fixed("/admin/agents"), nil, see, forb, ok},
			{"POST", "/admin/agents", fixed("/admin/agents"), url.Values{"name": {"Cy New"}, "email": {"cy@example.com"}, "role": {"agent"}, "password": {testPassword}}, see, forb, see},
			{"POST", "/admin/agents/{id}", fixed(fmt.Sprintf("/admin/agents/%d", e.agent.ID)), url.Values{"role": {"agent"}, "active": {"1"}}, see, forb, see},
			{"GET", "/admin/teams", fixed("/admin/teams"), nil, see, forb, ok},
			{"POST", "/admin/teams", fixed("/admin/teams"), url.Values{"name": {"Returns"}}, see, forb, see},
			{"POST", "/admin/teams/{id}", fixed(fmt.Sprintf("/admin/teams/%d", e.teamID)), url.Values{"name": {"Billing & Invoices"}}, see, forb, see},
			{"POST", "/admin/teams/{id}/delete", fixed(fmt.Sprintf("/admin/teams/%d/delete", doomed.ID)), url.Values{}, see, forb, see},
			{"GET", "/admin/tokens", fixed("/admin/tokens"), nil, see, forb, ok},
			{"POST", "/admin/tokens", fixed("/admin/tokens"), url.Values{"agent": {fmt.Sprint(e.agent.ID)}, "name": {"CRM"}}, see, forb, cr},
			{"POST", "/admin/tokens/{id}/revoke", fixed(fmt.Sprintf("/admin/tokens/%d/revoke", tok.ID)), url.Values{}, see, forb, see},
			{"GET", "/admin/mailboxes", fixed("/admin/mailboxes"), nil, see, forb, ok},
			{"POST", "/admin/mailboxes", fixed("/admin/mailboxes"), url.Values{"address": {"help@example.com"}, "inbound": {"smtp"}, "reopen_days": {"30"}, "active": {"1"}}, see, forb, see},
			{"GET", "/admin/mailboxes/{id}", fixed(fmt.Sprintf("/admin/mailboxes/%d", mbKept.ID)), nil, see, forb, ok},
			{"POST", "/admin/mailboxes/{id}", fixed(fmt.Sprintf("/admin/mailboxes/%d", mbKept.ID)), url.Values{"address": {"kept@example.com"}, "name": {"Kept"}, "inbound": {"smtp"}, "reopen_days": {"7"}, "active": {"1"}}, see, forb, see},
			{"POST", "/admin/mailboxes/{id}/delete", fixed(fmt.Sprintf("/admin/mailboxes/%d/delete", mbDoomed.ID)), url.Values{}, see, forb, see},
			{"GET", "/admin/canned", fixed("/admin/canned?q=refund"), nil, see, forb, ok},
			{"POST", "/admin/canned", fixed("/admin/canned"), url.Values{"title": {"Thanks"}, "body": {"Thank you!"}, "shortcut": {"thx"}}, see, forb, see},
			{"GET", "/admin/canned/{id}", fixed(fmt.Sprintf("/admin/canned/%d", cannedKept.ID)), nil, see, forb, ok},
			{"POST", "/admin/canned/{id}", fixed(fmt.Sprintf("/admin/canned/%d", cannedKept.ID)), url.Values{"title": {"Refund done"}, "body": {"Refunded."}, "team": {fmt.Sprint(e.teamID)}}, see, forb, see},
			{"POST", "/admin/canned/{id}/delete", fixed(fmt.Sprintf("/admin/canned/%d/delete", cannedDoomed.ID)), url.Values{}, see, forb, see},
			{"GET", "/admin/chat", fixed("/admin/chat"), nil, see, forb, ok},
			{"POST", "/admin/chat", fixed("/admin/chat"), url.Values{"name": {"Shop"}, "origins": {"https://shop.example"}, "max_upload": {"10"}, "active": {"1"}}, see, forb, see},
			{"GET", "/admin/chat/{id}", chPath(""), nil, see, forb, ok},
			{"POST", "/admin/chat/{id}", chPath(""), chForm, see, forb, see},
			{"POST", "/admin/chat/{id}/delete", fixed(fmt.Sprintf("/admin/chat/%d/delete", chDoomed.ID)), url.Values{}, see, forb, see},
			{"POST", "/admin/chat/{id}/rotate", chPath("/rotate"), url.Values{}, see, forb, see},
			{"POST", "/admin/chat/{id}/invitations", chPath("/invitations"), invForm, see, forb, see},
			{"POST", "/admin/chat/{id}/invitations/{iid}", chPath(fmt.Sprintf("/invitations/%d", invKept.ID)), invForm, see, forb, see},
			{"POST", "/admin/chat/{id}/invitations/{iid}/delete", chPath(fmt.Sprintf("/invitations/%d/delete", invDoomed.ID)), url.Values{}, see, forb, see},
			{"POST", "/logout", fixed("/logout"), url.Values{}, see, see, see}, // last: ends the sessions
		}
		// Every route of the app is in the table.
		covered := map[string]bool{}
		for _, r := range rows {
			covered[r.method+" "+r.pattern] = true
		}
		for _, rt := range e.app.routes() {
			if !covered[rt.method+" "+rt.pattern] {
				t.Errorf("route %s %s missing from the authorization table", rt.method, rt.pattern)
			}
		}
		// POST without the CSRF token is refused for everyone, changing nothing.
		for _, r := range rows {
			if r.method != http.MethodPost {
				continue
			}
			for _, role := range []string{"", "agent", "admin"} {
				if role == "" && r.pattern != "/login" {
					continue // anonymous POSTs go to the sign-in page first
				}
				w := e.do(req{method: "POST", path: r.path(role), role: role, form: r.form, noCSRF: true})
				if w.Code != forb {
					t.Errorf("%s %s as %q without CSRF: %d, want 403", r.method, r.path(role), role, w.Code)
				}
			}
		}
		for _, r := range rows {
			for _, c := range []struct {
				role string
				want int
			}{{"", r.anon}, {"agent", r.ag}, {"admin", r.adm}} {
				w := e.do(req{method: r.method, path: r.path(c.role), role: c.role, form: r.form})
				if w.Code != c.want {
					t.Errorf("%s %s as %q: %d, want %d\n%.300s", r.method, r.path(c.role), c.role, w.Code, c.want, w.Body.String())
					continue
				}
				if c.role == "" && r.method == "GET" && c.want == see {
					if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, "/login?next=") {
						t.Errorf("%s as anonymous: Location %q", r.path(c.role), loc)
					}
				}
				if c.role == "agent" && c.want == forb && !strings.Contains(w.Body.String(), "Only administrators") {
					t.Errorf("%s as agent: 403 page without explanation", r.path(c.role))
				}
			}
		}
		// Agent and admin accepted, transferred and ended their chats;
		// the anonymous attempts changed nothing.
		for role, want := range map[string]desk.ChatStatus{"": desk.ChatQueued, "agent": desk.ChatActive, "admin": desk.ChatActive} {
			if c, _, err := e.chat.Chat(ctx, desk.System, toAccept[role].ID); err != nil || c.Status != want {
				t.Errorf("accept as %q: %v %s", role, err, c.Status)
			}
		}
		for role, want := range map[string]desk.ChatStatus{"": desk.ChatActive, "agent": desk.ChatQueued, "admin": desk.ChatQueued} {
			if c, _, err := e.chat.Chat(ctx, desk.System, toTransfer[role].ID); err != nil || c.Status != want {
				t.Errorf("transfer as %q: %v %s", role, err, c.Status)
			}
		}
		for role, want := range map[string]desk.ChatStatus{"": desk.ChatActive, "agent": desk.ChatEnded, "admin": desk.ChatEnded} {
			if c, _, err := e.chat.Chat(ctx, desk.System, toEnd[role].ID); err != nil || c.Status != want {
				t.Errorf("end as %q: %v %s", role, err, c.Status)
			}
		}
		// Agent and admin retried their failed email; nobody else did.
		if calls := e.mail.called(); len(calls) != 2 || calls[0].id != failed["agent"] || calls[1].id != failed["admin"] {
			t.Errorf("retries: %+v", calls)
		}
		// The admin's changes happened; the agent's attempts did not.
		if _, err := e.team.AgentByEmail(ctx, desk.System, "cy@example.com"); err != nil {
			t.Errorf("admin create agent: %v", err)
		}
		if ts, _ := e.team.Teams(ctx, desk.System); len(ts) != 2 { // Billing & Invoices, Returns
			t.Errorf("teams after admin changes: %v", ts)
		}
		if ms, _ := e.mailbox.List(ctx, desk.System); len(ms) != 2 || ms[0].Address != "help@example.com" ||
			ms[1].Name != "Kept" || ms[1].ReopenDays != 7 { // help@ added, kept@ renamed, doomed@ deleted
			t.Errorf("mailboxes after admin changes: %+v", ms)
		}
		// Canned: Thanks added, the refund one edited and used twice (agent
		// and admin), the old one deleted.
		if cs, _ := e.canned.List(ctx, desk.System, canned.Query{}); len(cs) != 2 || cs[0].Title != "Refund done" || cs[0].Uses != 2 ||
			cs[0].Team == nil || cs[1].Shortcut != "thx" {
			t.Errorf("canned responses after admin changes: %+v", cs)
		}
		// Shop added, Kept renamed with a new secret, Doomed deleted; one
		// invitation added, one changed, one deleted.
		chs, _ := e.chat.Channels(ctx, desk.System)
		byName := map[string]desk.ChatChannel{}
		for _, c := range chs {
			byName[c.Name] = c
		}
		kept, shop := byName["Kept site 2"], byName["Shop"]
		if _, doomed := byName["Doomed site"]; doomed || kept.ID != chKept.ID || kept.Position != "left" || kept.MaxUpload != 5<<20 ||
			kept.Prechat.Email != desk.FieldRequired || kept.IdentitySecret == chKept.IdentitySecret || shop.ID == 0 {
			t.Errorf("chat channels after admin changes: %+v", chs)
		}
		invs, _ := e.chat.Invitations(ctx, desk.System, chKept.ID)
		if len(invs) != 2 || invs[0].ID != invKept.ID || invs[0].Name != "Pricing page" || invs[0].MinSeconds != 20 || invs[1].Name != "Pricing page" {
			t.Errorf("invitations after admin changes: %+v", invs)
		}
	})
}
