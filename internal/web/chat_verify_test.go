package web

import (
	"context"
	"fmt"
	"testing"

	"switchboard/internal/chat"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestChatVisitorVerification shows agents, in words, whether a chat
// visitor's identity was signed by the site or typed by the visitor: the
// chat's header and visitor panel, the visitors page and the chat bar of
// the chat's ticket; and the ticket's timeline tells that a visitor gave
// an email and that the ticket moved to its contact.
func TestChatVisitorVerification(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		get := func(role, path string) req { return req{method: "GET", path: path, role: role} }

		// Iva types her name and email in the pre-chat form.
		iva := e.newVisitor(t, "https://www.example.com/pricing", "Pricing")
		typed, err := e.chat.Start(ctx, iva.v, chat.StartInput{Name: "Iva Horvat", Email: "iva@example.com", Text: "Hello", ClientID: "t1"})
		if err != nil {
			t.Fatal(err)
		}
		// Marko is signed in on the site, which signs his identity.
		ch := e.chatChannel(t)
		w, err := e.chat.Connect(ctx, ch.PublicKey, chat.Hello{URL: "https://www.example.com/account", Title: "Account",
			Identity: &chat.Identity{ID: "42", Email: "marko@example.com", Name: "Marko Marić", Hash: chat.IdentityHash(ch.IdentitySecret, "42", "marko@example.com")}})
		if err != nil {
			t.Fatal(err)
		}
		_, mv, err := e.chat.Authenticate(ctx, ch.PublicKey, w.Token)
		if err != nil {
			t.Fatal(err)
		}
		signed, err := e.chat.Start(ctx, mv, chat.StartInput{Text: "Where is my order?", ClientID: "s1"})
		if err != nil {
			t.Fatal(err)
		}
		notVerified := `<span class="badge st-pending" title="Typed by the visitor; nobody has checked it.">Not verified</span>`
		verified := `<span class="badge st-open" title="The site vouches for this identity: the visitor is signed in there.">Verified</span>`
		e.run(t, []scenario{
			{name: "typed: header and panel say not verified", req: get("agent", fmt.Sprint("/chats/", typed.Chat.ID)), status: 200,
				contains: []string{`id="chat-title"><span class="avatar cust" aria-hidden="true">IH</span>Iva Horvat ` + notVerified + `</h1>`,
					`<a href="mailto:iva@example.com">iva@example.com</a> ` + notVerified + `<br><span class="hint">Typed by the visitor; nobody has checked it.</span>`},
				absent: []string{">Verified<"}},
			{name: "signed: header and panel say verified", req: get("agent", fmt.Sprint("/chats/", signed.Chat.ID)), status: 200,
				contains: []string{`Marko Marić ` + verified + `</h1>`,
					`<a href="mailto:marko@example.com">marko@example.com</a> ` + verified + `<br><span class="hint">The site vouches for this identity: the visitor is signed in there.</span>`,
					"user id 42"},
				absent: []string{"Not verified"}},
			{name: "visitors page: each one's state", req: get("agent", "/visitors"), status: 200,
				contains: []string{"Iva Horvat</a></span> " + notVerified, `>Signed in</span> ` + verified}},
			{name: "typed: the ticket's chat bar", req: get("agent", fmt.Sprint("/tickets/", typed.Chat.TicketID)), status: 200,
				contains: []string{"Visitor not verified: they gave their details themselves."}, absent: []string{"Visitor verified"}},
			{name: "signed: the ticket's chat bar", req: get("agent", fmt.Sprint("/tickets/", signed.Chat.TicketID)), status: 200,
				contains: []string{"Visitor verified: the site signed them in."}, absent: []string{"Visitor not verified"}},
		})

		// An anonymous visitor shows no badge until they give something;
		// giving the address of a known contact (the offline form, their
		// chat still open) moves the chat's ticket, and its timeline says so.
		anon := e.newVisitor(t, "https://www.example.com/", "Home")
		ac := anon.start(t, "", "Anyone?")
		e.run(t, []scenario{
			{name: "anonymous: no badge", req: get("agent", fmt.Sprint("/chats/", ac.ID)), status: 200,
				contains: []string{fmt.Sprint("Visitor ", ac.VisitorID, "</h1>")}, absent: []string{"Not verified", ">Verified<"}},
		})
		if _, err := e.chat.Offline(ctx, anon.v, "", "iva@example.com", "Please write to me"); err != nil {
			t.Fatal(err)
		}
		tk, err := e.tickets.Get(ctx, e.actors["agent"], ac.TicketID)
		if err != nil || tk.Requester.Email != "iva@example.com" {
			t.Fatalf("chat ticket after the offline form: %v %+v", err, tk.Requester)
		}
		e.run(t, []scenario{
			{name: "timeline: the email given and the move", req: req{method: "GET", path: fmt.Sprint("/tickets/", ac.TicketID, "/timeline"), role: "agent", htmx: true}, status: 200,
				contains: []string{"<strong>Visitor</strong> gave the email iva@example.com in the chat (not verified)",
					fmt.Sprintf("<strong>Visitor</strong> changed the requester from Visitor %d to Iva Horvat &lt;iva@example.com&gt;", anon.v.VisitorID)}},
			{name: "the visitor panel now: not verified", req: get("agent", fmt.Sprint("/chats/", ac.ID)), status: 200,
				contains: []string{`<a href="mailto:iva@example.com">iva@example.com</a> ` + notVerified}},
		})
	})
}
