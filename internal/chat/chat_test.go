package chat_test

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"testing"
	"time"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

// fixture is a chat service over a real store with a team of two agents.
type fixture struct {
	st      *store.Store
	br      *realtime.Local
	tickets *ticket.Service
	svc     *chat.Service
	mail    *fakeTranscripts
	team    desk.Team
	ana     desk.Actor
	ben     desk.Actor
	ch      desk.ChatChannel
}

// fakeTranscripts records transcripts (the mailer is tested in mailout).
type fakeTranscripts struct{ to, subject, text []string }

func (f *fakeTranscripts) EnqueueTranscript(_ context.Context, _ *store.Tx, _ *int64, _ desk.Ticket, to mail.Address, subject, text string) error {
	f.to, f.subject, f.text = append(f.to, to.Address), append(f.subject, subject), append(f.text, text)
	return nil
}

func newFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	return newFixtureWith(t, st, nil, nil)
}

// newFixtureWith is newFixture on a clock (nil: the system's), with next
// as the outbox of replies that do not go to a live chat.
func newFixtureWith(t *testing.T, st *store.Store, clk desk.Clock, next ticket.Outbox) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{st: st, br: realtime.NewLocal(1024), mail: &fakeTranscripts{}}
	f.tickets = ticket.New(st, f.br, clk)
	f.svc = chat.New(st, f.tickets, f.br, clk, chat.Options{Transcripts: f.mail, Next: next})
	tm := team.New(st, clk)
	a1, err := tm.CreateAgent(ctx, desk.System, team.NewAgent{Email: "ana@desk.test", Name: "Ana Horvat", Role: desk.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	a2, err := tm.CreateAgent(ctx, desk.System, team.NewAgent{Email: "ben@desk.test", Name: "Ben Kos", Role: desk.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	if f.team, err = tm.CreateTeam(ctx, desk.System, "Sales", []int64{a1.ID, a2.ID}); err != nil {
		t.Fatal(err)
	}
	f.ana = desk.Actor{Kind: desk.ActorAgent, AgentID: a1.ID, Name: a1.Name, Role: desk.RoleAgent}
	f.ben = desk.Actor{Kind: desk.ActorAgent, AgentID: a2.ID, Name: a2.Name, Role: desk.RoleAgent}
	f.ch, err = f.svc.CreateChannel(ctx, desk.System, chat.ChannelInput{Name: "Website", TeamID: &f.team.ID,
		Origins: []string{"https://www.example.com/some/page", "https://*.example.org"}, Active: true,
		Prechat: desk.Prechat{Name: desk.FieldOptional, Email: desk.FieldOptional}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) connect(t *testing.T, token string) chat.Welcome {
	t.Helper()
	w, err := f.svc.Connect(context.Background(), f.ch.PublicKey, chat.Hello{Token: token, URL: "https://www.example.com/pricing",
		Title: "Pricing", Language: "hr-HR", TimeZone: "Europe/Zagreb"})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (f *fixture) visitor(t *testing.T, w chat.Welcome) chat.Visitor {
	t.Helper()
	_, v, err := f.svc.Authenticate(context.Background(), f.ch.PublicKey, w.Token)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestChatLifecycle(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)

		// Nobody online: the widget shows the offline form.
		w := f.connect(t, "")
		if w.Online || w.Chat != nil || w.Visitor.Visits != 1 || w.Visitor.PageViews != 1 {
			t.Fatalf("welcome: %+v", w)
		}
		if err := f.svc.SetStatus(ctx, f.ana, desk.AgentOnline); err != nil {
			t.Fatal(err)
		}
		// The same browser on the next page keeps its visitor.
		w2 := f.connect(t, w.Token)
		if w2.Visitor.ID != w.Visitor.ID || w2.Visitor.PageViews != 2 || !w2.Online {
			t.Fatalf("second page: %+v", w2)
		}
		v := f.visitor(t, w2)

		// Start: a chat ticket for the team, queued (ringing).
		sent, err := f.svc.Start(ctx, v, chat.StartInput{Name: "Iva", Email: "Iva@Example.com", Text: "Hello, is the Pro plan monthly?", ClientID: "c1"})
		if err != nil {
			t.Fatal(err)
		}
		if sent.Chat.Status != desk.ChatQueued || sent.Entry.Seq != 1 || sent.Entry.ClientID != "c1" {
			t.Fatalf("start: %+v", sent)
		}
		tk, err := f.tickets.Get(ctx, f.ana, sent.Chat.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Channel != desk.ChannelChat || tk.Requester.Email != "iva@example.com" || tk.Team == nil || tk.Team.ID != f.team.ID {
			t.Fatalf("ticket: %+v", tk)
		}
		open, err := f.svc.OpenChats(ctx, f.ben)
		if err != nil || len(open) != 1 || open[0].ID != sent.Chat.ID {
			t.Fatalf("ringing for Ben: %v %+v", err, open)
		}

		// A resend of the same message stores nothing.
		again, err := f.svc.Post(ctx, v, "Hello, is the Pro plan monthly?", "c1", nil)
		if err != nil || !again.Duplicate || again.Entry.Seq != 1 {
			t.Fatalf("resend: %v %+v", err, again)
		}

		// Ana accepts; Ben is too late.
		c, err := f.svc.Accept(ctx, f.ana, sent.Chat.ID)
		if err != nil || c.Status != desk.ChatActive || c.Agent.ID != f.ana.AgentID {
			t.Fatalf("accept: %v %+v", err, c)
		}
		if _, err := f.svc.Accept(ctx, f.ben, sent.Chat.ID); desk.ErrorCode(err) != desk.EConflict {
			t.Fatalf("second accept: %v", err)
		}
		// Ana answers through the ticket: the reply goes to the chat.
		if _, err := f.tickets.AddMessage(ctx, f.ana, sent.Chat.TicketID, desk.NewMessage{Text: "Yes, monthly or yearly."}); err != nil {
			t.Fatal(err)
		}
		// A note does not.
		if _, err := f.tickets.AddMessage(ctx, f.ana, sent.Chat.TicketID, desk.NewMessage{Text: "VIP?", Internal: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Post(ctx, v, "Thanks!", "c2", nil); err != nil {
			t.Fatal(err)
		}
		_, es, err := f.svc.Entries(ctx, v, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i, e := range es {
			if e.Seq != int64(i+1) {
				t.Fatalf("entry %d has seq %d", i, e.Seq)
			}
			got = append(got, e.Author+":"+e.Event+":"+e.Body)
		}
		want := "visitor::Hello, is the Pro plan monthly?|system:accepted:|agent::Yes, monthly or yearly.|visitor::Thanks!"
		if strings.Join(got, "|") != want {
			t.Fatalf("log:\n got %s\nwant %s", strings.Join(got, "|"), want)
		}
		// Catch-up after seq 2 returns only the rest.
		if _, rest, _ := f.svc.Entries(ctx, v, 0, 2); len(rest) != 2 || rest[0].Seq != 3 {
			t.Fatalf("after 2: %+v", rest)
		}
		// Read marks only go up.
		if err := f.svc.AgentSeen(ctx, f.ana, c.ID, 4); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.AgentSeen(ctx, f.ana, c.ID, 2); err != nil {
			t.Fatal(err)
		}
		// Ben cannot end Ana's chat; Ana can.
		if _, err := f.svc.End(ctx, f.ben, c.ID, false); desk.ErrorCode(err) != desk.EForbidden {
			t.Fatalf("Ben ends: %v", err)
		}
		c, err = f.svc.End(ctx, f.ana, c.ID, true)
		if err != nil || c.Status != desk.ChatEnded || c.AgentSeen != 4 {
			t.Fatalf("end: %v %+v", err, c)
		}
		if _, err := f.svc.Post(ctx, v, "one more", "c3", nil); desk.ErrorCode(err) != desk.EConflict {
			t.Fatalf("post after end: %v", err)
		}
		if _, err := f.svc.Rate(ctx, v, 5, "Quick and kind"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Transcript(ctx, v, "iva@example.com", nil); err != nil {
			t.Fatal(err)
		}
		if len(f.mail.text) != 1 || !strings.Contains(f.mail.text[0], "Yes, monthly or yearly.") {
			t.Fatalf("transcript: %+v", f.mail)
		}
		// After the chat, a reply goes by email (the next outbox), and the
		// ticket is resolved.
		tk, _ = f.tickets.Get(ctx, f.ana, c.TicketID)
		if tk.Status != desk.StatusResolved || tk.Assignee == nil || tk.Assignee.ID != f.ana.AgentID {
			t.Fatalf("ticket after chat: %+v", tk)
		}
		// A new message starts a new chat and ticket, same contact.
		s2, err := f.svc.Start(ctx, v, chat.StartInput{Text: "Me again", ClientID: "d1"})
		if err != nil || s2.Chat.ID == c.ID || s2.Chat.TicketID == c.TicketID || s2.Entry.Seq != 1 {
			t.Fatalf("second chat: %v %+v", err, s2)
		}
	})
}

func TestVisitorTokensAndOrigins(t *testing.T) {
	f := newFixture(t, storetest.NewSQLite(t))
	ctx := context.Background()
	w := f.connect(t, "")
	if _, _, err := f.svc.Authenticate(ctx, f.ch.PublicKey, w.Token+"x"); desk.ErrorCode(err) != desk.EUnauthorized {
		t.Fatalf("forged token: %v", err)
	}
	other, err := f.svc.CreateChannel(ctx, desk.System, chat.ChannelInput{Name: "Other", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(ctx, other.PublicKey, w.Token); desk.ErrorCode(err) != desk.EUnauthorized {
		t.Fatalf("token of another channel: %v", err)
	}
	for origin, ok := range map[string]bool{
		"https://www.example.com": true, "https://shop.example.org": true, "https://example.org": false,
		"http://www.example.com": false, "https://www.example.com.evil.test": false, "null": false, "": false,
		"https://evilexample.org": false,
	} {
		if chat.OriginAllowed(f.ch, origin) != ok {
			t.Errorf("origin %q: want %v", origin, ok)
		}
	}
	// A forged identity is ignored; a signed one joins the contact.
	bad := f.svc
	wBad, err := bad.Connect(ctx, f.ch.PublicKey, chat.Hello{Identity: &chat.Identity{ID: "u1", Email: "boss@example.com", Hash: "00"}})
	if err != nil || wBad.Visitor.ExternalID != "" || wBad.Visitor.Contact != nil {
		t.Fatalf("forged identity: %v %+v", err, wBad.Visitor)
	}
	hash := chat.IdentityHash(f.ch.IdentitySecret, "u1", "boss@example.com")
	wOK, err := f.svc.Connect(ctx, f.ch.PublicKey, chat.Hello{Identity: &chat.Identity{ID: "u1", Email: "boss@example.com", Name: "Boss", Hash: hash}})
	if err != nil || wOK.Visitor.ExternalID != "u1" || wOK.Visitor.Contact == nil || wOK.Visitor.Contact.Email != "boss@example.com" {
		t.Fatalf("signed identity: %v %+v", err, wOK.Visitor)
	}
	// The same user on another browser is the same visitor.
	wAgain, err := f.svc.Connect(ctx, f.ch.PublicKey, chat.Hello{Identity: &chat.Identity{ID: "u1", Email: "boss@example.com", Hash: hash}})
	if err != nil || wAgain.Visitor.ID != wOK.Visitor.ID {
		t.Fatalf("same user: %v %+v", err, wAgain.Visitor)
	}
}

func TestCheckFile(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)
	for _, c := range []struct {
		name string
		data []byte
		ok   bool
		why  string // the code in Fields["file"] that clients translate
	}{
		{"shot.png", png, true, ""},
		{"notes.txt", []byte("hello"), true, ""},
		{"shot.png", []byte("<html><script>alert(1)</script>"), false, chat.FileContentWrong},
		{"page.html", []byte("<html></html>"), false, chat.FileTypeNotAllowed},
		{"x.svg", []byte("<svg onload=alert(1)>"), false, chat.FileTypeNotAllowed},
		{"run.exe", []byte("MZ\x90\x00"), false, chat.FileTypeNotAllowed},
		{"big.txt", make([]byte, 2048), false, chat.FileTooLarge}, // over the limit below (and binary zeros)
		{"../../etc/passwd.txt", []byte("x"), false, ""},
	} {
		_, err := chat.CheckFile(c.name, c.data, 1024)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok=%v", c.name, err, c.ok)
		}
		var de *desk.Error
		if errors.As(err, &de) && de.Fields["file"] != c.why || err != nil && desk.ErrorCode(err) != desk.EInvalid {
			t.Errorf("%s: %v, want invalid with file %q", c.name, err, c.why)
		}
	}
}

func TestOffline(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		v := f.visitor(t, f.connect(t, ""))
		if _, err := f.svc.Offline(ctx, v, "Iva", "", "Call me"); desk.ErrorCode(err) != desk.EInvalid {
			t.Fatalf("no email: %v", err)
		}
		tk, err := f.svc.Offline(ctx, v, "Iva", "iva@example.com", "Please call me back about invoices")
		if err != nil {
			t.Fatal(err)
		}
		if tk.Channel != desk.ChannelChat || tk.Requester.Email != "iva@example.com" || tk.Status != desk.StatusNew {
			t.Fatalf("offline ticket: %+v", tk)
		}
	})
}

func TestHubRoutesByVisitor(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFixture(t, storetest.NewSQLite(t))
	hub := chat.NewHub(f.svc)
	go func() { _ = hub.Run(ctx) }()
	w1, w2 := f.connect(t, ""), f.connect(t, "")
	v1, v2 := f.visitor(t, w1), f.visitor(t, w2)
	c1 := hub.Register(v1, 0, 0)
	defer c1.Close()
	c2 := hub.Register(v2, 0, 0)
	defer c2.Close()
	time.Sleep(50 * time.Millisecond) // let Run subscribe
	sent, err := f.svc.Start(ctx, v1, chat.StartInput{Text: "hi", ClientID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Accept(ctx, f.ana, sent.Chat.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tickets.AddMessage(ctx, f.ana, sent.Chat.TicketID, desk.NewMessage{Text: "Hello from Ana"}); err != nil {
		t.Fatal(err)
	}
	var entries []string
	deadline := time.After(5 * time.Second)
	for len(entries) < 3 {
		select {
		case ev := <-c1.Events():
			frames, err := c1.Translate(ctx, ev)
			if err != nil {
				t.Fatal(err)
			}
			for _, fr := range frames {
				if fr.T == "entry" {
					entries = append(entries, fr.Entry.Body+fr.Entry.Event)
				}
			}
		case <-deadline:
			t.Fatalf("entries so far: %v", entries)
		}
	}
	if strings.Join(entries, "|") != "hi|accepted|Hello from Ana" {
		t.Fatalf("entries: %v", entries)
	}
	select {
	case ev := <-c2.Events():
		t.Fatalf("other visitor got %+v", ev)
	default:
	}
}

func TestNormalizeOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.example.com/some/page?x=1": "https://www.example.com",
		"HTTPS://WWW.Example.com":               "https://www.example.com",
		"https://www.example.com:443":           "https://www.example.com", // as browsers send it
		"http://localhost:80/":                  "http://localhost",
		"http://localhost:8080":                 "http://localhost:8080",
		"https://example.com:80":                "https://example.com:80",
		"https://*.example.org:443/x":           "https://*.example.org",
		"http://[::1]:80":                       "http://[::1]",
		"https://example.com:":                  "https://example.com",
		"ftp://example.com":                     "",
		"www.example.com":                       "",
		"https://user:pw@example.com":           "",
		"":                                      "",
	} {
		got, ok := chat.NormalizeOrigin(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestAvailableAgents(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		if got, err := f.svc.AvailableAgents(ctx, f.ana); err != nil || len(got) != 0 {
			t.Fatalf("nobody online: %v %+v", err, got)
		}
		if err := f.svc.SetStatus(ctx, f.ben, desk.AgentOnline); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetStatus(ctx, f.ana, desk.AgentAway); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.AvailableAgents(ctx, f.ana)
		if err != nil || len(got) != 1 || got[0].Agent.ID != f.ben.AgentID || got[0].Chats != 0 {
			t.Fatalf("Ben online: %v %+v", err, got)
		}
		if _, err := f.svc.AvailableAgents(ctx, desk.Actor{}); desk.ErrorCode(err) != desk.EForbidden {
			t.Fatalf("anonymous: %v", err)
		}
	})
}
