package web

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/canned"
	"switchboard/internal/chat"
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
	// Live chat: a visitor named with markup, every kind of log line.
	cv := fixtureChat()
	bar := &chatBar{Status: desk.AgentOnline, Ringing: []desk.Chat{cv.C}, Unread: []desk.Chat{cv.C}, Count: 2, More: 1, CSRF: "tok"}
	withBar := func(d any) pageData { p := pd(d); p.Chat = bar; return p }
	cd := &chatsData{Mine: []desk.Chat{cv.C}, Queue: []desk.Chat{cv.C}, Open: cv, OpenID: cv.C.ID}
	cases["inbox"] = withBar(in)
	cases["chats"] = withBar(cd)
	cases["chat-list"] = pd(cd)
	cases["chat-main"] = pd(cv)
	cases["chat-log-fragment"] = pd(cv)
	cases["chat-changed"] = pd(cv)
	cases["visitor-panel"] = pd(cv)
	cases["ring-fragment"] = pd(bar)
	cases["visitors"] = withBar(&visitorsData{Visitors: []desk.ChatVisitor{cv.V.Visitor, {ID: 9, ChatID: 4}}})
	ended := *cv
	ended.C.Status, ended.C.EndedAt, ended.Manage = desk.ChatEnded, &cv.C.StartedAt, false
	cases["chat-ended"] = pd(&ended)
	for _, loc := range a.cat.Locales() {
		for name, data := range cases {
			if name == "chat-ended" {
				name = "chat-main"
			}
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

func fixtureChat() *chatView {
	now := time.Date(2026, 3, 10, 11, 0, 0, 0, time.UTC)
	rating := 5
	c := desk.Chat{ID: 4, VisitorID: 6, TicketID: 7, TicketNumber: 1007, Status: desk.ChatActive, LastSeq: 6, VisitorSeen: 3, AgentSeen: 2,
		Agent: &desk.AgentRef{ID: 1, Name: "Ana Admin"}, Team: &desk.TeamRef{ID: 2, Name: "Billing"}, Rating: &rating,
		StartedAt: now, VisitorName: "Iva <script>", Preview: "Hello <b>"}
	es := []desk.ChatEntry{
		{Seq: 1, Kind: desk.EntryMessage, Author: desk.AuthorVisitor, Name: "Iva", Body: "Hello <script>", CreatedAt: now},
		{Seq: 2, Kind: desk.EntryEvent, Author: desk.AuthorSystem, Event: desk.ChatEventAccepted, Name: "Ana Admin", CreatedAt: now},
		{Seq: 3, Kind: desk.EntryMessage, Author: desk.AuthorAgent, Name: "Ana", Body: "Hi", CreatedAt: now, Files: []desk.Attachment{{ID: 3, Filename: "a.pdf"}}},
		{Seq: 4, Kind: desk.EntryEvent, Author: desk.AuthorSystem, Event: desk.ChatEventTransferred, Name: "Bo", CreatedAt: now},
		{Seq: 5, Kind: desk.EntryEvent, Author: desk.AuthorSystem, Event: desk.ChatEventEnded, Body: desk.AuthorVisitor, CreatedAt: now},
		{Seq: 6, Kind: desk.EntryEvent, Author: desk.AuthorSystem, Event: desk.ChatEventRated, Name: "5", Body: "Great", CreatedAt: now},
	}
	v := &chatView{C: c, LastSeq: 6, Mine: true, Manage: true,
		Items: interleave(es, []desk.Message{{ID: 9, Internal: true, Text: "note <i>", Author: &desk.AgentRef{ID: 1, Name: "Ana"}, CreatedAt: now}}),
		Local: "12:00", Online: []chat.AgentLoad{{Agent: desk.AgentRef{ID: 5, Name: "Bo"}, Chats: 1}},
		Offline: []desk.Agent{{ID: 6, Name: "Cy"}}, Teams: []desk.Team{{ID: 2, Name: "Billing"}},
		Others: []desk.Ticket{{ID: 8, Number: 1008, Subject: "Other", Status: desk.StatusResolved}}}
	v.V.Visitor = desk.ChatVisitor{ID: 6, Name: "Iva <script>", Email: "iva@example.com", Contact: &desk.ContactRef{ID: 3, Name: "Iva"},
		ExternalID: "u-1", Language: "hr-HR", TimeZone: "Europe/Zagreb", Referrer: "https://www.google.com/", CurrentURL: "javascript:alert(1)",
		CurrentTitle: "Pricing", Visits: 3, PageViews: 7, UserAgent: "Firefox", VisitAt: now, LastSeenAt: now, ChatID: 4}
	v.V.Online = true
	v.V.PageViews = []desk.PageView{{URL: "https://www.example.com/", Title: "Home", At: now}}
	return v
}
