package chat_test

import (
	"context"
	"testing"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// anonymousChat has a new visitor start a chat without a name or email:
// its ticket is requested by an anonymous contact made for the visitor.
func (f *fixture) anonymousChat(t *testing.T, text string) (chat.Visitor, desk.Chat, desk.Ticket) {
	t.Helper()
	ctx := context.Background()
	if err := f.svc.SetStatus(ctx, f.ana, desk.AgentOnline); err != nil {
		t.Fatal(err)
	}
	v := f.visitor(t, f.connect(t, ""))
	sent, err := f.svc.Start(ctx, v, chat.StartInput{Text: text, ClientID: "a1"})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := f.tickets.Get(ctx, f.ana, sent.Chat.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Requester.Email != "" {
		t.Fatalf("anonymous chat's requester: %+v", tk.Requester)
	}
	return v, sent.Chat, tk
}

// events returns a ticket's timeline by action.
func (f *fixture) events(t *testing.T, ticketID int64) map[string][]desk.Event {
	t.Helper()
	tl, err := f.tickets.Timeline(context.Background(), f.ana, ticketID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]desk.Event{}
	for _, e := range tl {
		out[e.Action] = append(out[e.Action], e)
	}
	return out
}

// drain returns the ticket ids of the TicketUpdated events published so far.
func drain(ch <-chan realtime.Event) []int64 {
	var ids []int64
	for {
		select {
		case ev := <-ch:
			if ev.Type == realtime.TicketUpdated {
				ids = append(ids, ev.TicketID)
			}
		default:
			return ids
		}
	}
}

// TestTranscriptMovesChatTicket: an anonymous visitor who asks for the
// transcript at the address of an existing contact becomes that contact,
// and so does their chat's ticket (recorded in its timeline, announced
// live); their anonymous contact stays as it was, not merged, and the
// contact's other tickets are untouched.
func TestTranscriptMovesChatTicket(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		known, err := f.tickets.Create(ctx, desk.System, desk.NewTicket{Subject: "Invoice", Body: "Where is my invoice?",
			Requester: desk.ContactInput{Email: "iva@example.com", Name: "Iva Horvat"}, Channel: desk.ChannelEmail, Inbound: true})
		if err != nil {
			t.Fatal(err)
		}
		v, c, tk := f.anonymousChat(t, "Hi, a question about my order")
		anon := tk.Requester
		if _, err := f.svc.Accept(ctx, f.ana, c.ID); err != nil {
			t.Fatal(err)
		}
		live, cancel := f.br.Subscribe()
		defer cancel()

		if err := f.svc.Transcript(ctx, v, "IVA@example.com", nil); err != nil {
			t.Fatal(err)
		}
		tk, err = f.tickets.Get(ctx, f.ana, c.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Requester.ID != known.Requester.ID || tk.Requester.Email != "iva@example.com" {
			t.Fatalf("chat ticket's requester after the transcript: %+v, want contact %d", tk.Requester, known.Requester.ID)
		}
		d, err := f.svc.Visitor(ctx, f.ana, v.VisitorID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Visitor.Contact == nil || d.Visitor.Contact.ID != known.Requester.ID || d.Visitor.Email != "iva@example.com" || d.Visitor.Verified {
			t.Fatalf("visitor after the transcript: %+v", d.Visitor)
		}
		evs := f.events(t, c.TicketID)
		if e := evs["chat_email"]; len(e) != 1 || e[0].New != "iva@example.com" || e[0].Actor != "Visitor" {
			t.Errorf("chat_email events: %+v", e)
		}
		want := anon.Name + " → Iva Horvat <iva@example.com>"
		if e := evs["requester"]; len(e) != 1 || e[0].Old+" → "+e[0].New != want || e[0].Actor != "Visitor" || e[0].AgentID != nil {
			t.Errorf("requester events: %+v, want %s", e, want)
		}
		if ids := drain(live); len(ids) == 0 || ids[0] != c.TicketID {
			t.Errorf("TicketUpdated after the move: %v", ids)
		}
		// The anonymous contact is still there, without an email, and
		// still the author of the chat's first message: nothing merged.
		ac, err := st.Read().Contact(ctx, anon.ID)
		if err != nil || len(ac.Emails) != 0 {
			t.Fatalf("anonymous contact after the move: %v %+v", err, ac)
		}
		msgs, err := f.tickets.Messages(ctx, f.ana, c.TicketID)
		if err != nil || len(msgs) == 0 || msgs[0].Contact == nil || msgs[0].Contact.ID != anon.ID {
			t.Fatalf("first message's contact: %v %+v", err, msgs)
		}
		// The contact's own ticket is as it was.
		if k, _ := f.tickets.Get(ctx, f.ana, known.ID); k.Requester != known.Requester || k.Subject != "Invoice" {
			t.Errorf("the contact's other ticket changed: %+v", k)
		}
		// Further messages of the chat come from the contact.
		if _, err := f.svc.Post(ctx, v, "Thanks!", "a2", nil); err != nil {
			t.Fatal(err)
		}
		msgs, _ = f.tickets.Messages(ctx, f.ana, c.TicketID)
		if last := msgs[len(msgs)-1]; last.Contact == nil || last.Contact.ID != known.Requester.ID {
			t.Errorf("a later message's contact: %+v", last.Contact)
		}
	})
}

// TestTranscriptGivesAnonymousContactTheEmail: with an address no contact
// has, the visitor's anonymous contact gets it (as before) and stays the
// ticket's requester; the timeline says the visitor gave it.
func TestTranscriptGivesAnonymousContactTheEmail(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		v, c, tk := f.anonymousChat(t, "Hello")
		if err := f.svc.Transcript(ctx, v, "new.person@example.com", nil); err != nil {
			t.Fatal(err)
		}
		after, err := f.tickets.Get(ctx, f.ana, c.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		if after.Requester.ID != tk.Requester.ID || after.Requester.Email != "new.person@example.com" {
			t.Fatalf("requester: %+v, want contact %d with the email", after.Requester, tk.Requester.ID)
		}
		evs := f.events(t, c.TicketID)
		if len(evs["requester"]) != 0 || len(evs["chat_email"]) != 1 || evs["chat_email"][0].New != "new.person@example.com" {
			t.Errorf("timeline: %+v", evs)
		}
		d, _ := f.svc.Visitor(ctx, f.ana, v.VisitorID)
		if d.Visitor.Contact == nil || d.Visitor.Contact.ID != tk.Requester.ID || d.Visitor.Verified {
			t.Errorf("visitor: %+v", d.Visitor)
		}
		// A second transcript to another address does not re-identify.
		if err := f.svc.Transcript(ctx, v, "someone.else@example.com", nil); err != nil {
			t.Fatal(err)
		}
		if evs := f.events(t, c.TicketID); len(evs["chat_email"]) != 1 {
			t.Errorf("second transcript re-identified: %+v", evs["chat_email"])
		}
	})
}

// TestFollowLeavesOthersTickets: a chat ticket an agent already gave to
// another contact is not moved when the visitor then gives an email, nor
// is an earlier chat's ticket of the same anonymous contact.
func TestFollowLeavesOthersTickets(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		known, err := f.tickets.Create(ctx, desk.System, desk.NewTicket{Subject: "Known", Body: "b",
			Requester: desk.ContactInput{Email: "iva@example.com", Name: "Iva"}, Inbound: true})
		if err != nil {
			t.Fatal(err)
		}
		someone, err := f.tickets.Create(ctx, desk.System, desk.NewTicket{Subject: "Someone", Body: "b",
			Requester: desk.ContactInput{Email: "marko@example.com", Name: "Marko"}, Inbound: true})
		if err != nil {
			t.Fatal(err)
		}
		v, first, tk := f.anonymousChat(t, "First chat")
		anon := tk.Requester
		if _, err := f.svc.Accept(ctx, f.ana, first.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.End(ctx, f.ana, first.ID, false); err != nil {
			t.Fatal(err)
		}
		// A second chat, same anonymous contact; an agent decides it is
		// Marko's.
		second, err := f.svc.Start(ctx, v, chat.StartInput{Text: "Second chat", ClientID: "b1"})
		if err != nil {
			t.Fatal(err)
		}
		if tk2, _ := f.tickets.Get(ctx, f.ana, second.Chat.TicketID); tk2.Requester.ID != anon.ID {
			t.Fatalf("second chat's requester: %+v", tk2.Requester)
		}
		if _, err := f.tickets.Update(ctx, f.ana, second.Chat.TicketID, desk.TicketUpdate{RequesterID: &someone.Requester.ID}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Transcript(ctx, v, "iva@example.com", nil); err != nil {
			t.Fatal(err)
		}
		if tk2, _ := f.tickets.Get(ctx, f.ana, second.Chat.TicketID); tk2.Requester.ID != someone.Requester.ID {
			t.Errorf("the ticket an agent gave to Marko moved: %+v", tk2.Requester)
		}
		if tk1, _ := f.tickets.Get(ctx, f.ana, first.TicketID); tk1.Requester.ID != anon.ID {
			t.Errorf("the earlier chat's ticket moved: %+v", tk1.Requester)
		}
		if evs := f.events(t, second.Chat.TicketID); len(evs["requester"]) != 1 || evs["requester"][0].Actor != "Ana Horvat" {
			t.Errorf("requester events of the second ticket: %+v", evs["requester"])
		}
		// The visitor is Iva now for what comes next.
		d, _ := f.svc.Visitor(ctx, f.ana, v.VisitorID)
		if d.Visitor.Contact == nil || d.Visitor.Contact.ID != known.Requester.ID {
			t.Errorf("visitor's contact: %+v", d.Visitor.Contact)
		}
	})
}

// TestOfflineMovesOpenChatTicket: the offline form with a known address,
// sent while the visitor's chat is still open (queued), moves that chat's
// ticket too; the offline message is the contact's own new ticket.
func TestOfflineMovesOpenChatTicket(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		known, err := f.tickets.Create(ctx, desk.System, desk.NewTicket{Subject: "Known", Body: "b",
			Requester: desk.ContactInput{Email: "iva@example.com", Name: "Iva"}, Inbound: true})
		if err != nil {
			t.Fatal(err)
		}
		v, c, _ := f.anonymousChat(t, "Anyone there?")
		off, err := f.svc.Offline(ctx, v, "Iva", "iva@example.com", "Nobody answered, please email me")
		if err != nil {
			t.Fatal(err)
		}
		if off.Requester.ID != known.Requester.ID {
			t.Errorf("offline ticket's requester: %+v", off.Requester)
		}
		tk, _ := f.tickets.Get(ctx, f.ana, c.TicketID)
		if tk.Requester.ID != known.Requester.ID {
			t.Errorf("open chat's ticket: %+v", tk.Requester)
		}
		evs := f.events(t, c.TicketID)
		if len(evs["requester"]) != 1 || evs["requester"][0].Actor != "Iva" || len(evs["chat_email"]) != 1 {
			t.Errorf("timeline of the chat's ticket: %+v", evs)
		}
	})
}

// TestVisitorVerified: what the site signs is verified, what the visitor
// types is not, and agents' listings carry the difference.
func TestVisitorVerified(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		if err := f.svc.SetStatus(ctx, f.ana, desk.AgentOnline); err != nil {
			t.Fatal(err)
		}
		signed := func(token, id, email string) chat.Welcome {
			t.Helper()
			w, err := f.svc.Connect(ctx, f.ch.PublicKey, chat.Hello{Token: token, URL: "https://www.example.com/",
				Identity: &chat.Identity{ID: id, Email: email, Name: "Boss", Hash: chat.IdentityHash(f.ch.IdentitySecret, id, email)}})
			if err != nil {
				t.Fatal(err)
			}
			return w
		}
		// Anonymous, then a typed email: not verified.
		w := f.connect(t, "")
		if w.Visitor.Verified {
			t.Fatalf("anonymous visitor verified: %+v", w.Visitor)
		}
		v := f.visitor(t, w)
		sent, err := f.svc.Start(ctx, v, chat.StartInput{Name: "Iva", Email: "iva@example.com", Text: "Hi", ClientID: "v1"})
		if err != nil {
			t.Fatal(err)
		}
		open, err := f.svc.OpenChats(ctx, f.ana)
		if err != nil || len(open) != 1 || open[0].VisitorVerified || open[0].VisitorName != "Iva" {
			t.Fatalf("open chats: %v %+v", err, open)
		}
		vs, err := f.svc.Visitors(ctx, f.ana, 10)
		if err != nil || len(vs) != 1 || vs[0].Verified || vs[0].Email != "iva@example.com" {
			t.Fatalf("visitors: %v %+v", err, vs)
		}
		// The site signs the same browser in with a user id only: the
		// typed email stays unverified.
		w = signed(w.Token, "u7", "")
		if w.Visitor.ID != v.VisitorID || w.Visitor.ExternalID != "u7" || w.Visitor.Verified || w.Visitor.Email != "iva@example.com" {
			t.Fatalf("signed id over a typed email: %+v", w.Visitor)
		}
		// Signed with that email: verified, also in the chat's listing.
		w = signed(w.Token, "u7", "iva@example.com")
		if !w.Visitor.Verified {
			t.Fatalf("signed email: %+v", w.Visitor)
		}
		if c, _, err := f.svc.Chat(ctx, f.ana, sent.Chat.ID); err != nil || !c.VisitorVerified {
			t.Fatalf("chat after signing: %v %+v", err, c)
		}
		if d, _ := f.svc.Visitor(ctx, f.ana, v.VisitorID); !d.Visitor.Verified {
			t.Fatalf("stored visitor: %+v", d.Visitor)
		}
		// A signature without an email keeps the signed email verified.
		if w = signed(w.Token, "u7", ""); !w.Visitor.Verified || w.Visitor.Email != "iva@example.com" {
			t.Fatalf("signed id after a signed email: %+v", w.Visitor)
		}
		// Typing another address (the offline form) makes it unverified.
		if _, err := f.svc.Offline(ctx, v, "", "other@example.com", "Call me"); err != nil {
			t.Fatal(err)
		}
		if d, _ := f.svc.Visitor(ctx, f.ana, v.VisitorID); d.Visitor.Verified || d.Visitor.Email != "other@example.com" {
			t.Fatalf("after typing another email: %+v", d.Visitor)
		}
		// A new browser signed in with an email and no id: verified.
		w2, err := f.svc.Connect(ctx, f.ch.PublicKey, chat.Hello{Identity: &chat.Identity{Email: "x@example.com",
			Hash: chat.IdentityHash(f.ch.IdentitySecret, "", "x@example.com")}})
		if err != nil || !w2.Visitor.Verified || w2.Visitor.Email != "x@example.com" {
			t.Fatalf("signed email without an id: %v %+v", err, w2.Visitor)
		}
	})
}
