package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestChatScenarios runs the agent side of a live chat against both
// databases: status, ringing, accepting (and being too late), the
// conversation with notes, typing and read marks, the visitor panel,
// transfer, end, the ticket's chat bar and the visitors page.
func TestChatScenarios(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		bo, ana := e.actors["agent"], e.actors["admin"]
		get := func(role, path string) req { return req{method: "GET", path: path, role: role} }
		frag := func(role, path string) req { return req{method: "GET", path: path, role: role, htmx: true} }
		post := func(role, path string, form url.Values) req {
			return req{method: "POST", path: path, role: role, form: form, htmx: true}
		}

		// A visitor browses, then asks. Bo is offline: no ring, but the
		// chat count says one is waiting.
		iva := e.newVisitor(t, "https://www.example.com/", "Home")
		iva.browse(t, "https://www.example.com/pricing", "Pricing – Example")
		c := iva.start(t, "Iva Horvat", "Hello, is the Pro plan billed monthly?")
		cid := fmt.Sprint(c.ID)
		e.run(t, []scenario{
			{name: "offline: status shown, no ring", req: get("agent", "/inbox"), status: 200,
				contains: []string{`<select id="cs" name="status" aria-label="Chat status">`, `<option value="offline" selected>`, `id="chatnav"`,
					`<span class="sr-only">(1 open chat)</span>`, `<div id="ring" class="ring" data-live="/chats/ring"></div>`, `href="/visitors"`},
				absent: []string{"wants to chat"}},
			{name: "bad status", req: post("agent", "/chats/status", url.Values{"status": {"busy"}}), status: 422},
			{name: "online: the answer rings", req: post("agent", "/chats/status", url.Values{"status": {"online"}}), status: 200,
				contains: []string{`id="ring"`, `data-say="Chat request from Iva Horvat"`, "Iva Horvat", "wants to chat", "Hello, is the Pro plan billed monthly?",
					`hx-post="/chats/` + cid + `/accept"`, `aria-keyshortcuts="c"`, `<audio src="/static/ring.wav?v=`, `id="chatnav" hx-swap-oob="true"`, `class="nb hot"`}},
			{name: "every page rings", req: get("agent", fmt.Sprintf("/tickets/%d", e.t3.ID)), status: 200,
				contains: []string{`<option value="online" selected>`, "wants to chat", "Iva Horvat"}},
			{name: "ring fragment", req: frag("agent", "/chats/ring"), status: 200, contains: []string{"wants to chat"}, absent: []string{"<html"}},
			{name: "chats page: the queue", req: get("agent", "/chats"), status: 200,
				contains: []string{"Waiting", `href="/chats/` + cid + `"`, "Iva Horvat", "No chat open", "1 visitor is waiting", `/static/chat.js?v=`, `/static/chat.css?v=`}},
			{name: "the page carries an empty shortcut sheet", req: get("agent", "/chats"), status: 200,
				contains: []string{`<dialog id="shortcuts" aria-labelledby="shortcuts-title" data-src="/shortcuts"></dialog>`},
				absent:   []string{"Accept the ringing chat"}},
			{name: "the shortcut sheet names the chat keys", req: get("agent", "/shortcuts"), status: 200,
				contains: []string{`<h2 id="shortcuts-title">`, "Accept the ringing chat", "Go to the inbox / chats / visitors", "Previous / next chat"},
				absent:   []string{"<html"}},
		})

		// Bo accepts; Ana (online too) is told she was too late.
		if err := e.chat.SetStatus(ctx, ana, desk.AgentOnline); err != nil {
			t.Fatal(err)
		}
		e.run(t, []scenario{
			{name: "accept", req: post("agent", "/chats/"+cid+"/accept", url.Values{}), status: 204, headers: map[string]string{"HX-Redirect": "/chats/" + cid}},
			{name: "too late", req: post("admin", "/chats/"+cid+"/accept", url.Values{}), status: 409, contains: []string{"Bo Agent has already accepted this chat."}},
			{name: "the ring stops", req: frag("admin", "/chats/ring"), status: 200, absent: []string{"wants to chat", "<audio"}},
		})

		// The chat page: the conversation and the visitor beside it.
		iva.say(t, "We are 12 people.")
		e.run(t, []scenario{
			{name: "chat page", req: get("agent", "/chats/"+cid), status: 200,
				contains: []string{`id="chat-main"`, `data-mine="1"`, "Chat with Iva Horvat", "Hello, is the Pro plan billed monthly?", "We are 12 people.",
					"Bo Agent joined the chat", `class="badge cs-active">Live`, "with Bo Agent", fmt.Sprintf("Ticket #%d", c.TicketNumber),
					`id="chat-body"`, `data-typing="/chats/` + cid + `/typing"`, "Enter sends", fmt.Sprintf(`hx-get="/tickets/%d/canned"`, c.TicketID),
					// visitor panel
					"On the site now", "hr-HR · Europe/Zagreb", "local time", "New visitor", "2 pages viewed", "Pricing – Example",
					`href="https://www.example.com/pricing" target="_blank" rel="noopener noreferrer nofollow"`, "https://www.google.com/", "Firefox",
					// transfer and end
					`id="transfer-dlg"`, `<option value="a` + fmt.Sprint(e.admin.ID) + `">Ana Admin (in 0 chats)</option>`, `value="t` + fmt.Sprint(e.teamID) + `"`,
					`id="end-dlg"`, fmt.Sprintf("Also resolve ticket #%d", c.TicketNumber)},
				absent: []string{"wants to chat"}},
			{name: "switching chats: the panes only", req: req{method: "GET", path: "/chats/" + cid, role: "agent", htmx: true, target: "chat-main"}, status: 200,
				contains: []string{`id="chat-main"`, "<title>Chat with Iva Horvat"}, absent: []string{`id="chat-list"`, "<html"}},
			{name: "chat list", req: frag("agent", "/chats/list?open="+cid), status: 200, contains: []string{"My chats", `class="crow current"`}},
			{name: "visitor panel", req: frag("agent", "/chats/"+cid+"/visitor"), status: 200, contains: []string{`id="visitor-panel"`, "Pages visited", "Home"}},
			{name: "Ana watches; as an admin she may transfer", req: get("admin", "/chats/"+cid), status: 200,
				contains: []string{`id="transfer-dlg"`}, absent: []string{`data-mine="1"`}},
		})

		// Bo replies (it goes to the visitor's chat) and adds a note (it
		// does not); typing and reading reach the service.
		e.run(t, []scenario{
			{name: "reply", req: post("agent", "/chats/"+cid+"/messages", url.Values{"body": {"Yes, monthly or yearly.\nYearly saves 20%."}, "kind": {"reply"}}), status: 200,
				contains: []string{`id="log"`, "Yearly saves 20%.", `class="ce a"`, `id="chat-head" class="chat-head" hx-swap-oob="true"`}, absent: []string{`id="chat-foot"`}},
			{name: "note", req: post("agent", "/chats/"+cid+"/messages", url.Values{"body": {"Offer the team discount"}, "kind": {"note"}}), status: 200,
				contains: []string{`class="ce note"`, "Offer the team discount", "internal note"}},
			{name: "empty", req: post("agent", "/chats/"+cid+"/messages", url.Values{"body": {"  "}}), status: 422},
			{name: "typing", req: post("agent", "/chats/"+cid+"/typing", url.Values{"on": {"1"}}), status: 204},
			{name: "seen", req: post("agent", "/chats/"+cid+"/seen", url.Values{"seq": {"4"}}), status: 204},
			{name: "seen needs a number", req: post("agent", "/chats/"+cid+"/seen", url.Values{"seq": {"x"}}), status: 422},
		})
		got, es, err := e.chat.Chat(ctx, bo, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.AgentSeen != 4 {
			t.Errorf("agent seen: %d", got.AgentSeen)
		}
		var log []string
		for _, en := range es {
			log = append(log, en.Author+":"+en.Event+en.Body)
		}
		want := "visitor:Hello, is the Pro plan billed monthly?|system:accepted|visitor:We are 12 people.|agent:Yes, monthly or yearly.\nYearly saves 20%."
		if strings.Join(log, "|") != want {
			t.Errorf("chat log:\n got %q\nwant %q", strings.Join(log, "|"), want)
		}
		// The visitor reads Bo's reply: "Seen" under it.
		if err := e.chat.VisitorSeen(ctx, iva.v, es[len(es)-1].Seq); err != nil {
			t.Fatal(err)
		}
		e.run(t, []scenario{
			{name: "seen mark", req: frag("agent", "/chats/"+cid+"/log"), status: 200, contains: []string{`class="ce a read"`, ">Seen<"}},
			// The ticket page says replies go to the live chat.
			{name: "ticket chat bar", req: get("agent", fmt.Sprintf("/tickets/%d", c.TicketID)), status: 200,
				contains: []string{`class="meta chatbar"`, "Live chat with Bo Agent: replies here go to the visitor", `href="/chats/` + cid + `"`}},
			// Visitors now.
			{name: "visitors", req: get("agent", "/visitors"), status: 200,
				contains: []string{"Visitors on your sites", "Iva Horvat", "Pricing – Example", `href="/chats/` + cid + `"`, "In a chat", "hr-HR · Europe/Zagreb", `/static/pages.css`}},
			{name: "visitors fragment", req: frag("agent", "/visitors/list"), status: 200, contains: []string{`id="visitors"`, "1 visitor now"}, absent: []string{"<html"}},
		})

		// Transfer: a bad target, then to Ana. Bo may no longer end it.
		e.run(t, []scenario{
			{name: "transfer to nobody", req: post("agent", "/chats/"+cid+"/transfer", url.Values{"to": {"x1"}}), status: 422, contains: []string{"Choose an agent or a team"}},
			{name: "transfer to Ana", req: post("agent", "/chats/"+cid+"/transfer", url.Values{"to": {fmt.Sprint("a", e.admin.ID)}}), status: 200,
				contains: []string{`id="chat-main"`, "Chat transferred to Ana Admin.", "Transferred to Ana Admin", "with Ana Admin"}, absent: []string{`data-mine="1"`}},
			{name: "Bo cannot end Ana's chat", req: post("agent", "/chats/"+cid+"/end", url.Values{"resolve": {"1"}}), status: 403},
			{name: "Ana has it unread", req: get("admin", "/inbox"), status: 200, contains: []string{"Unread in your chat with", `href="/chats/` + cid + `"`}},
			{name: "Ana ends it and resolves", req: post("admin", "/chats/"+cid+"/end", url.Values{"resolve": {"1"}}), status: 200,
				contains: []string{"Chat ended and ticket resolved.", "Ana Admin ended the chat", `class="badge cs-ended"`, "This chat ended",
					fmt.Sprintf("Continue on ticket #%d", c.TicketNumber)},
				absent: []string{`id="chat-composer"`, `id="transfer-dlg"`}},
			{name: "no chat replies after the end", req: post("admin", "/chats/"+cid+"/messages", url.Values{"body": {"one more"}}), status: 409},
			{name: "ended log: the composer goes", req: frag("admin", "/chats/"+cid+"/log"), status: 200, contains: []string{`id="chat-foot" class="chat-foot" hx-swap-oob="true"`, "This chat ended"}},
			{name: "ticket bar after the chat", req: get("agent", fmt.Sprintf("/tickets/%d", c.TicketID)), status: 200,
				contains: []string{"The live chat has ended: replies go by email.", "Chat log"}},
			{name: "no such chat", req: get("agent", "/chats/999999"), status: 404},
		})
		tk, err := e.tickets.Get(ctx, ana, c.TicketID)
		if err != nil || tk.Status != desk.StatusResolved || tk.Assignee == nil || tk.Assignee.ID != e.admin.ID {
			t.Errorf("ticket after the chat: %v %+v", err, tk)
		}
		msgs, _ := e.tickets.Messages(ctx, ana, c.TicketID)
		notes := 0
		for _, m := range msgs {
			if m.Internal {
				notes++
			}
		}
		if notes != 1 {
			t.Errorf("notes on the ticket: %d", notes)
		}
	})
}

// TestChatWithoutService: without live chat the app has no chat parts and
// the chat routes are not found.
func TestChatWithoutService(t *testing.T) {
	e := newEnv(t, storetest.NewSQLite(t))
	e.app.cfg.Chat = nil
	e.run(t, []scenario{
		{name: "inbox without chat", req: req{method: "GET", path: "/inbox", role: "agent"}, status: 200,
			absent: []string{`id="cs"`, `id="ring"`, `href="/chats"`, "Accept the ringing chat"}},
		{name: "chats off", req: req{method: "GET", path: "/chats", role: "agent"}, status: 404},
		{name: "visitors off", req: req{method: "GET", path: "/visitors", role: "agent"}, status: 404},
	})
}

func TestInterleaveNotes(t *testing.T) {
	base := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	es := []desk.ChatEntry{{Seq: 1, CreatedAt: base}, {Seq: 2, CreatedAt: base.Add(10 * time.Second)}, {Seq: 3, CreatedAt: base.Add(20 * time.Second)}}
	msgs := []desk.Message{
		{ID: 1, Text: "visitor msg", CreatedAt: base},
		{ID: 2, Internal: true, Text: "n1", CreatedAt: base.Add(11 * time.Second)},
		{ID: 3, Internal: true, Text: "n2", CreatedAt: base.Add(21 * time.Second)},
	}
	var got []string
	for _, it := range interleave(es, msgs) {
		if it.Note != nil {
			got = append(got, it.Note.Text)
		} else {
			got = append(got, fmt.Sprint(it.E.Seq))
		}
	}
	if strings.Join(got, ",") != "1,2,n1,3,n2" {
		t.Errorf("interleave: %v", got)
	}
}

// sse reads one agent's event stream.
type sse struct {
	t     *testing.T
	lines chan string
}

func (e *env) openEvents(t *testing.T, ctx context.Context, base, role string) *sse {
	t.Helper()
	r, _ := http.NewRequestWithContext(ctx, "GET", base+"/events", nil)
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: e.sess[role].Token})
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != 200 {
		t.Fatalf("events: %d", res.StatusCode)
	}
	s := &sse{t: t, lines: make(chan string, 1000)}
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	return s
}

// next returns the data of the next event called name.
func (s *sse) next(name string) string {
	s.t.Helper()
	deadline := time.After(10 * time.Second)
	ev := ""
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("stream ended waiting for %s", name)
			}
			if v, ok := strings.CutPrefix(l, "event: "); ok {
				ev = v
			} else if v, ok := strings.CutPrefix(l, "data: "); ok && ev == name {
				return v
			}
		case <-deadline:
			s.t.Fatalf("no %s event", name)
		}
	}
}

// TestChatEvents reads an agent's event stream while visitors chat: the
// stream records the agent's heartbeat, carries the chats of the agent's
// team (not another team's), the visitor's typing, the agent's own status
// from another tab, and gathered visitor moves.
func TestChatEvents(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		e.app.cfg.Context = ctx
		srv := httptest.NewServer(e.h)
		defer func() { cancel(); srv.CloseClientConnections(); srv.Close() }()
		bo := e.actors["agent"]
		old := time.Now().Add(-time.Hour).UTC()
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.SetAgentChatStatus(ctx, e.agent.ID, desk.AgentOnline, old) }); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.chat.AvailableAgents(ctx, bo); len(got) != 0 {
			t.Fatalf("Bo available before connecting: %+v", got)
		}
		s := e.openEvents(t, ctx, srv.URL, "agent")
		// The stream's first beat makes Bo available.
		if got, err := e.chat.AvailableAgents(ctx, bo); err != nil || len(got) != 1 || got[0].Agent.ID != e.agent.ID {
			t.Fatalf("Bo not available with the stream open: %v %+v", err, got)
		}

		// A chat of another team does not reach Bo; his team's does.
		other, err := e.team.CreateTeam(ctx, desk.System, "Sales", []int64{e.admin.ID})
		if err != nil {
			t.Fatal(err)
		}
		och, err := e.chat.CreateChannel(ctx, desk.System, chat.ChannelInput{Name: "Shop", TeamID: &other.ID, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		w, err := e.chat.Connect(ctx, och.PublicKey, chat.Hello{URL: "https://shop.example.com/"})
		if err != nil {
			t.Fatal(err)
		}
		_, ov, _ := e.chat.Authenticate(ctx, och.PublicKey, w.Token)
		if _, err := e.chat.Start(ctx, ov, chat.StartInput{Text: "For Sales", ClientID: "s1"}); err != nil {
			t.Fatal(err)
		}
		iva := e.newVisitor(t, "https://www.example.com/pricing", "Pricing")
		c := iva.start(t, "Iva", "Hello")
		d := s.next("chat")
		if !strings.Contains(d, `"type":"chat.state"`) || !strings.Contains(d, fmt.Sprintf(`"chat_id":%d`, c.ID)) ||
			!strings.Contains(d, `"status":"queued"`) || !strings.Contains(d, `"ring":true`) {
			t.Fatalf("first chat event is not Iva's ringing chat: %s", d)
		}
		if d = s.next("chat"); !strings.Contains(d, `"type":"chat.entry"`) || !strings.Contains(d, `"author":"visitor"`) || !strings.Contains(d, `"seq":1`) {
			t.Fatalf("entry: %s", d)
		}
		if err := e.chat.VisitorTyping(ctx, iva.v, true); err != nil {
			t.Fatal(err)
		}
		if d = s.next("chat"); !strings.Contains(d, `"type":"chat.typing"`) || !strings.Contains(d, `"name":"Iva"`) || !strings.Contains(d, `"on":true`) {
			t.Fatalf("typing: %s", d)
		}
		// Bo accepts in another tab: his chat now, and it stops ringing.
		if _, err := e.chat.Accept(ctx, bo, c.ID); err != nil {
			t.Fatal(err)
		}
		if d = s.next("chat"); !strings.Contains(d, `"type":"chat.entry"`) {
			t.Fatalf("accepted entry: %s", d)
		}
		if d = s.next("chat"); !strings.Contains(d, `"type":"chat.state"`) || !strings.Contains(d, `"status":"active"`) || !strings.Contains(d, `"self":true`) {
			t.Fatalf("accepted state: %s", d)
		}
		// A message in his chat rings his top bar (unread).
		iva.say(t, "Are you there?")
		if d = s.next("chat"); !strings.Contains(d, `"type":"chat.entry"`) || !strings.Contains(d, `"ring":true`) {
			t.Fatalf("entry in Bo's chat: %s", d)
		}
		// His status, changed in another tab.
		if err := e.chat.SetStatus(ctx, bo, desk.AgentAway); err != nil {
			t.Fatal(err)
		}
		if d = s.next("chat"); !strings.Contains(d, `"my_status":"away"`) {
			t.Fatalf("status: %s", d)
		}
		// Visitors moving: gathered into one event naming them.
		iva.browse(t, "https://www.example.com/checkout", "Checkout")
		var lc liveChat
		if err := json.Unmarshal([]byte(s.next("chat")), &lc); err != nil || lc.Type != chat.EventVisitor || !slices.Contains(lc.Visitors, iva.v.VisitorID) {
			t.Fatalf("visitors: %v %+v", err, lc)
		}
	})
}
