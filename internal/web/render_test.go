package web

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/canned"
	"switchboard/internal/contact"
	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

// fixtureApp builds the app without services, for rendering tests.
func fixtureApp(t *testing.T) *app {
	t.Helper()
	a, err := newApp(Config{Tickets: &ticket.Service{}, Contacts: &contact.Service{}, Team: &team.Service{},
		Canned: &canned.Service{}, Auth: &auth.Service{}, Broker: realtime.NewLocal(8),
		Clock: desk.NewFixedClock(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func fixtureTicket() *ticketData {
	now := time.Date(2026, 3, 10, 11, 0, 0, 0, time.UTC)
	merged := int64(9)
	return &ticketData{
		T: desk.Ticket{ID: 7, Number: 1007, Subject: "Refund <script>", Status: desk.StatusOpen, Priority: desk.PriorityHigh,
			Channel: desk.ChannelEmail, Requester: desk.ContactRef{ID: 3, Email: "c@example.com", Name: "Cleo"},
			Assignee: &desk.AgentRef{ID: 1, Name: "Ana Admin"}, Team: &desk.TeamRef{ID: 2, Name: "Billing"},
			Tags: []string{"vip", "refund"}, CreatedAt: now, UpdatedAt: now, LastActivityAt: now, MergedInto: &merged},
		Messages: []desk.Message{
			{ID: 1, Kind: desk.KindReply, Direction: desk.Inbound, Contact: &desk.ContactRef{ID: 3, Name: "Cleo"}, Text: "Hi\nthere", CreatedAt: now,
				Attachments: []desk.Attachment{{ID: 4, Filename: "invoice.pdf", Size: 2048}}},
			{ID: 2, Kind: desk.KindReply, Direction: desk.Outbound, Author: &desk.AgentRef{ID: 1, Name: "Ana"}, HTML: "<p>Hello <b>Cleo</b></p>", CreatedAt: now},
			{ID: 3, Kind: desk.KindNote, Internal: true, Author: &desk.AgentRef{ID: 1, Name: "Ana"}, Text: "check", CreatedAt: now},
			// Email: a folded quote (text and HTML), each delivery state.
			{ID: 10, Kind: desk.KindReply, Direction: desk.Inbound, Channel: desk.ChannelEmail, Text: "Yes", FullText: "Yes\n> old", CreatedAt: now},
			{ID: 11, Kind: desk.KindReply, Direction: desk.Inbound, Channel: desk.ChannelEmail, Text: "Ok", HTML: "<p>Ok</p><blockquote>old</blockquote>", FullText: "Ok\n> old", CreatedAt: now},
			{ID: 12, Kind: desk.KindReply, Direction: desk.Outbound, Text: "a", CreatedAt: now, Delivery: &desk.Delivery{ID: 1, Status: desk.DeliveryQueued}},
			{ID: 13, Kind: desk.KindReply, Direction: desk.Outbound, Text: "b", CreatedAt: now, Delivery: &desk.Delivery{ID: 2, Status: desk.DeliverySending, Attempts: 2, LastError: "421"}},
			{ID: 14, Kind: desk.KindReply, Direction: desk.Outbound, Text: "c", CreatedAt: now, Delivery: &desk.Delivery{ID: 3, Status: desk.DeliverySent, SentAt: &now, To: "c@example.com"}},
			{ID: 15, Kind: desk.KindReply, Direction: desk.Outbound, Text: "d", CreatedAt: now, Delivery: &desk.Delivery{ID: 4, Status: desk.DeliveryFailed, LastError: "550"}},
		},
		Bounce:   &contact.Bounce{Email: "c@example.com", Status: "5.1.1", At: now},
		CanRetry: true,
		Contact:  &desk.Contact{ID: 3, Name: "Cleo", Emails: []string{"c@example.com"}, Phones: []string{"+385 1"}, Company: &desk.Company{Name: "Acme"}},
		Others:   []desk.Ticket{{ID: 8, Number: 1008, Subject: "Other", Status: desk.StatusResolved}},
		Teams:    []desk.Team{{ID: 2, Name: "Billing", AgentIDs: []int64{1}}},
		Agents:   []desk.Agent{{ID: 1, Name: "Ana Admin", Active: true, Role: desk.RoleAdmin, TeamIDs: []int64{2}}},
		Present:  []realtime.Present{{AgentID: 5, Name: "Bo", State: realtime.Replying}},
		Timeline: []desk.Event{{Actor: "Ana", Action: "status", Old: "new", New: "open", At: now}},
	}
}

// TestTemplatesRender executes every template with fixture data in every
// locale, so a template mistake fails here rather than in a browser.
func TestTemplatesRender(t *testing.T) {
	a := fixtureApp(t)
	td := fixtureTicket()
	f := parseFilter(nil)
	in := &inboxData{Filter: f, Page: desk.TicketPage{Items: []desk.Ticket{td.T}, NextCursor: "abc"},
		Views: []viewEntry{{Key: "open", Label: "All open", URL: "/inbox?view=open", Count: 3, Current: true}},
		Teams: td.Teams, Agents: td.Agents, Open: td, OpenID: 7, Title: "All open"}
	me := desk.Actor{Kind: desk.ActorAgent, AgentID: 1, Name: "Ana Admin", Role: desk.RoleAdmin}
	pd := func(d any) pageData { return pageData{Title: "T", Me: me, CSRF: "tok", Lang: "en", D: d} }
	cases := map[string]any{
		"inbox":          pd(in),
		"list":           pd(in),
		"rows":           pd(in),
		"views":          pd(in),
		"ticket-pane":    pd(td),
		"ticket-head":    pd(td),
		"thread":         pd(td),
		"ticket-side":    pd(td),
		"timeline":       pd(td),
		"presence":       pd(td),
		"ticket-changed": pd(td),
		"login":          pageData{Lang: "en", D: loginData{Error: "x", CSRF: "c"}},
		"error":          pd(errorData{Status: 404, Code: desk.ENotFound, Title: "Not found", Message: "m"}),
		"toast-error":    errorData{Title: "t", Message: "m"},
		"contact":        pd(&contactData{C: *td.Contact, Page: desk.TicketPage{Items: []desk.Ticket{td.T}}, More: "/contacts/3?cursor=x"}),
		"admin":          pd(&adminData{Tab: "agents", Agents: td.Agents, Teams: td.Teams, Names: map[int64]string{1: "Ana"}}),
	}
	for _, loc := range a.cat.Locales() {
		for name, data := range cases {
			var buf bytes.Buffer
			if err := a.tpl[loc].t.ExecuteTemplate(&buf, name, data); err != nil {
				t.Errorf("%s/%s: %v", loc, name, err)
			}
			if strings.Contains(buf.String(), "<script>") && name != "login" {
				t.Errorf("%s/%s: unescaped subject", loc, name)
			}
		}
	}
	for _, tab := range []string{"teams", "tokens"} {
		var buf bytes.Buffer
		d := &adminData{Tab: tab, Agents: td.Agents, Teams: td.Teams, Secret: "sb_secret", Names: map[int64]string{1: "Ana"},
			Tokens: []desk.APIToken{{ID: 1, AgentID: 1, Name: "CRM", Prefix: "sb_ab"}}}
		if err := a.tpl["en"].t.ExecuteTemplate(&buf, "admin", pd(d)); err != nil {
			t.Errorf("admin %s: %v", tab, err)
		}
	}
}

// TestNoMissingKeys renders pages and looks for untranslated keys.
func TestNoMissingKeys(t *testing.T) {
	a := fixtureApp(t)
	td := fixtureTicket()
	var buf bytes.Buffer
	rq := &request{loc: a.cat.For("en")}
	me := desk.Actor{Kind: desk.ActorAgent, AgentID: 1, Name: "Ana", Role: desk.RoleAdmin}
	in := &inboxData{Filter: parseFilter(nil), Open: td, Teams: td.Teams, Agents: td.Agents}
	for _, data := range []struct {
		name string
		d    any
	}{{"inbox", in}, {"timeline", td}} {
		buf.Reset()
		w := httptest.NewRecorder()
		a.render(w, httptest.NewRequest("GET", "/", nil), rq, 200, data.name, pageData{Me: me, CSRF: "x", Lang: "en", D: data.d})
		buf.Write(w.Body.Bytes())
		for _, prefix := range []string{"status.", "priority.", "channel.", "view.", "list.empty.", "timeline.", "field.", "composer.", "message.", "delivery.", "bounce."} {
			if i := strings.Index(buf.String(), ">"+prefix); i >= 0 {
				t.Errorf("%s: untranslated key near %q", data.name, buf.String()[i:i+40])
			}
		}
	}
}
