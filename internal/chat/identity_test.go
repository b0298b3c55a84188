package chat_test

import (
	"context"
	"testing"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

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
