package main

// Live chat across two `serve` processes on one PostgreSQL database: a
// visitor's widget on one instance, the agent on the other, and the
// visitor moving between them as behind a load balancer.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
)

const chatOrigin = "https://shop.example.com"

// addChatChannel makes a chat channel for chatOrigin with `switchboard
// chat add` and returns its public key (from the embed snippet it prints).
func addChatChannel(t *testing.T, in *instance) string {
	t.Helper()
	out := in.mustRun("", "chat", "add", "--name", "Shop", "--origin", chatOrigin)
	m := regexp.MustCompile(`data-channel="([^"]+)"`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("chat add printed no snippet: %q", out)
	}
	return m[1]
}

// visitor is a chat widget's WebSocket to one instance. It checks that
// entries arrive with consecutive numbers, each once.
type visitor struct {
	t      *testing.T
	token  string
	conn   *websocket.Conn
	frames chan chat.Frame
	last   int64 // the last entry's seq
	chat   *chat.WireChat
}

// newVisitor opens a widget session on base.
func newVisitor(t *testing.T, base, key string) *visitor {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/chat/"+key+"/session", strings.NewReader(`{"url":"https://shop.example.com/cart","lang":"en"}`))
	req.Header.Set("Origin", chatOrigin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || out.Token == "" {
		t.Fatalf("chat session: %d %v", resp.StatusCode, err)
	}
	return &visitor{t: t, token: out.Token}
}

// connect opens the WebSocket to base, saying which entries the widget
// already has, and reads the hello.
func (v *visitor) connect(base, key string) {
	v.t.Helper()
	var chatID int64
	if v.chat != nil {
		chatID = v.chat.ID
	}
	u := fmt.Sprintf("ws%s/chat/%s/ws?token=%s&chat=%d&after=%d", strings.TrimPrefix(base, "http"), key, v.token, chatID, v.last)
	c, _, err := websocket.Dial(context.Background(), u, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {chatOrigin}}})
	if err != nil {
		v.t.Fatalf("widget websocket to %s: %v", base, err)
	}
	v.conn, v.frames = c, make(chan chat.Frame, 256)
	go func(frames chan<- chat.Frame) {
		defer close(frames)
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var f chat.Frame
			if err := json.Unmarshal(b, &f); err != nil {
				v.t.Errorf("frame %s: %v", b, err)
				return
			}
			frames <- f
		}
	}(v.frames)
	v.t.Cleanup(func() { c.CloseNow() })
	if h := v.next("hello"); v.chat != nil && (h.Chat == nil || h.Chat.ID != v.chat.ID) {
		v.t.Fatalf("hello on %s: %+v", base, h.Chat)
	}
}

func (v *visitor) send(cmd map[string]any) {
	v.t.Helper()
	b, _ := json.Marshal(cmd)
	if err := v.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
		v.t.Fatal(err)
	}
}

// next returns the next frame of one of the types. Entry frames met on
// the way must continue the log; an error or a second hello fails.
func (v *visitor) next(types ...string) chat.Frame {
	v.t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case f, ok := <-v.frames:
			if !ok {
				v.t.Fatalf("widget connection closed waiting for %v", types)
			}
			if f.T == "entry" {
				if f.Entry == nil || f.Entry.Seq != v.last+1 {
					v.t.Fatalf("entry out of order: got %+v after seq %d", f.Entry, v.last)
				}
				v.last = f.Entry.Seq
			}
			if slices.Contains(types, f.T) {
				return f
			}
			if f.T == "error" || f.T == "hello" {
				v.t.Fatalf("unexpected %s frame waiting for %v: %+v", f.T, types, f)
			}
		case <-timeout:
			v.t.Fatalf("no %v frame within 15s (last seq %d)", types, v.last)
		}
	}
}

// entry waits for the next entry and checks who wrote it.
func (v *visitor) entry(author, text string) desk.ChatEntry {
	v.t.Helper()
	e := v.next("entry").Entry
	if e.Author != author || e.Body != text {
		v.t.Fatalf("entry %d: %s %q, want %s %q", e.Seq, e.Author, e.Body, author, text)
	}
	return *e
}

// say sends a message and waits for its ack and its entry (in either
// order: the ack answers the command, the entry comes from the hub).
func (v *visitor) say(t, cid, text string) {
	v.t.Helper()
	cmd := map[string]any{"t": t, "cid": cid, "text": text}
	if t == "start" {
		cmd["name"] = "Iva"
	}
	v.send(cmd)
	var ack *chat.Frame
	var entry *desk.ChatEntry
	for ack == nil || entry == nil {
		switch f := v.next("ack", "entry"); f.T {
		case "ack":
			if f.CID != cid || f.Chat == nil || ack != nil {
				v.t.Fatalf("ack of %s: %+v", cid, f)
			}
			ack = &f
		case "entry":
			if entry != nil || f.Entry.Author != "visitor" || f.Entry.Body != text || f.Entry.ClientID != cid {
				v.t.Fatalf("entry of %s: %+v", cid, f.Entry)
			}
			entry = f.Entry
		}
	}
	if ack.Seq != entry.Seq {
		v.t.Fatalf("%s: ack seq %d, entry seq %d", cid, ack.Seq, entry.Seq)
	}
	v.chat = ack.Chat
}

// agentStream counts, per ticket, the messages from others (not the
// agent's own replies) its event stream announced.
type agentStream struct {
	name string
	evs  <-chan sseEvent
}

// await waits for the next event of type typ about ticket and fails on a
// message from others about that ticket that comes first (a duplicate).
func (s agentStream) await(t *testing.T, typ string, ticketID int64) {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case ev, ok := <-s.evs:
			if !ok {
				t.Fatalf("%s: event stream ended waiting for %s", s.name, typ)
			}
			if ev.Name == "resync" {
				t.Fatalf("%s: resync waiting for %s", s.name, typ)
			}
			if ev.Name != "ticket" || ev.Data.TicketID != ticketID || ev.Data.Self {
				continue
			}
			if ev.Data.Type == typ {
				return
			}
			if ev.Data.Type == "message.created" || ev.Data.Type == "ticket.created" {
				t.Fatalf("%s: %s for ticket %d while waiting for %s", s.name, ev.Data.Type, ticketID, typ)
			}
		case <-timeout:
			t.Fatalf("%s: no %s for ticket %d within 15s", s.name, typ, ticketID)
		}
	}
}

func TestChatAcrossInstances(t *testing.T) {
	if os.Getenv("SWITCHBOARD_TEST_SKIP_POSTGRES") == "1" {
		t.Skip("PostgreSQL left out")
	}
	in := newInstance(t, "postgres")
	in.mustRun("", "migrate")
	in.mustRun("correct-horse-battery\n", "user", "add", "--email", "ana@acme.example", "--name", "Ana Horvat", "--role", "agent", "--password-stdin")
	token := strings.TrimSpace(in.mustRun("", "token", "create", "--email", "ana@acme.example"))
	key := addChatChannel(t, in)

	a, _ := in.serve()
	b, _ := in.serve()
	ana := signIn(t, b.url, "ana@acme.example", "correct-horse-battery")
	streams := []agentStream{{"B's stream", openEvents(t, ana, b.url)}, {"A's stream", openEvents(t, ana, a.url)}}
	reply := func(base string, ticketID int64, text string) {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"body": text})
		if code := call(t, "POST", fmt.Sprintf("%s/api/v1/tickets/%d/messages", base, ticketID), token, string(body), nil); code != 201 {
			t.Fatalf("reply on %s: %d", base, code)
		}
	}
	// sentinel makes a ticket through base's API and waits for it on every
	// stream: events published before it on that instance came first, so
	// a duplicate message would have been seen by now.
	sentinel := func(base string) {
		t.Helper()
		var tk struct{ ID int64 }
		if code := call(t, "POST", base+"/api/v1/tickets", token, `{"subject":"Sentinel","body":"-","requester":{"email":"s@customer.example"}}`, &tk); code != 201 {
			t.Fatalf("sentinel ticket: %d", code)
		}
		for _, s := range streams {
			timeout := time.After(15 * time.Second)
		wait:
			for {
				select {
				case ev, ok := <-s.evs:
					if !ok {
						t.Fatalf("%s ended", s.name)
					}
					if ev.Name == "ticket" && ev.Data.TicketID == tk.ID && ev.Data.Type == "ticket.created" {
						break wait
					}
					if ev.Name == "resync" || ev.Name == "ticket" && !ev.Data.Self && ev.Data.Type == "message.created" {
						t.Fatalf("%s: unexpected %s %+v before the sentinel", s.name, ev.Name, ev.Data)
					}
				case <-timeout:
					t.Fatalf("%s: no sentinel", s.name)
				}
			}
		}
	}

	// Visitors start chats on A; both agent streams hear of them. (A
	// visitor may send 15 messages at once, so several visitors share the
	// round trips; their chats run side by side.)
	const visitors, rounds = 4, 12
	started := time.Now()
	vs := make([]*visitor, visitors)
	for n := range vs {
		v := newVisitor(t, a.url, key)
		v.connect(a.url, key)
		v.say("start", "c0", fmt.Sprintf("Hello, is order %d shipped?", n))
		for _, s := range streams {
			s.await(t, "ticket.created", v.chat.TicketID)
		}
		vs[n] = v
	}
	// The agent answers through B's API: the queued chat is taken (the
	// visitor sees them join) and the answer reaches the visitor on A.
	for n, v := range vs {
		text := fmt.Sprintf("Hi, let me look at order %d.", n)
		reply(b.url, v.chat.TicketID, text)
		if e := v.next("entry").Entry; e.Kind != desk.EntryEvent || e.Event != desk.ChatEventAccepted || e.Name != "Ana Horvat" {
			t.Fatalf("accepted entry: %+v", e)
		}
		if st := v.next("state"); st.Status != desk.ChatActive || st.Agent != "Ana" {
			t.Fatalf("state: %+v", st)
		}
		v.entry("agent", text)
	}

	// round sends each visitor's message i and the agent's answer to it
	// through the agent's API on agentBase.
	round := func(i int, agentBase string) {
		t.Helper()
		for n, v := range vs {
			v.say("msg", fmt.Sprintf("c%d", i), fmt.Sprintf("Question %d.%d", n, i))
			for _, s := range streams {
				s.await(t, "message.created", v.chat.TicketID)
			}
			text := fmt.Sprintf("Answer %d.%d", n, i)
			reply(agentBase, v.chat.TicketID, text)
			v.entry("agent", text)
		}
	}
	for i := 1; i <= rounds/2; i++ {
		round(i, b.url)
	}
	sentinel(a.url)

	// The visitors' connections drop; the agent writes meanwhile; the
	// widgets reconnect to B with what they have and get exactly the rest.
	for n, v := range vs {
		v.conn.CloseNow()
		for range v.frames {
		}
		for i := range n + 1 {
			reply(a.url, v.chat.TicketID, fmt.Sprintf("While you were away %d", i))
		}
	}
	for n, v := range vs {
		had := v.last
		v.connect(b.url, key)
		for i := range n + 1 {
			if e := v.entry("agent", fmt.Sprintf("While you were away %d", i)); e.Seq != had+int64(i)+1 {
				t.Fatalf("catch-up entry %d has seq %d after %d", i, e.Seq, had)
			}
		}
		// A resend of a message sent before is stored once, and not
		// announced again.
		v.send(map[string]any{"t": "msg", "cid": "c1", "text": fmt.Sprintf("Question %d.1", n)})
		if ack := v.next("ack"); ack.Seq >= v.last || ack.Seq < 2 {
			t.Fatalf("resend ack: %+v (last %d)", ack, v.last)
		}
	}
	for i := rounds/2 + 1; i <= rounds; i++ {
		round(i, a.url)
	}
	sentinel(b.url)

	for n, v := range vs {
		// Nothing more is owed to the visitor: a ping's pong is the next frame.
		v.send(map[string]any{"t": "ping"})
		v.next("pong")
		select {
		case f := <-v.frames:
			t.Fatalf("unexpected frame after the pong: %+v", f)
		case <-time.After(100 * time.Millisecond):
		}
		// The visitor saw every entry of the log once, and the ticket
		// holds every message once: every entry but "accepted" is one.
		want := int64(1 + 2 + 2*rounds + n + 1) // start, accepted and answer, rounds, catch-up
		if v.last != want {
			t.Errorf("visitor %d has %d entries, want %d", n, v.last, want)
		}
		var list struct {
			Items []json.RawMessage `json:"items"`
		}
		if code := call(t, "GET", fmt.Sprintf("%s/api/v1/tickets/%d/messages", a.url, v.chat.TicketID), token, "", &list); code != 200 {
			t.Fatalf("messages: %d", code)
		}
		if len(list.Items) != int(want)-1 {
			t.Errorf("ticket %d has %d messages, want %d", v.chat.TicketID, len(list.Items), want-1)
		}
	}
	t.Logf("%d round trips across two instances in %s", visitors*(rounds+1), time.Since(started).Round(time.Millisecond))

	for _, p := range []*process{a, b} {
		if c := p.stop(t); c != 0 {
			t.Errorf("serve exit %d:\n%s", c, p.stderr)
		}
	}
}
