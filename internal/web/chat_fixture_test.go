package web

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
)

// chatChannel returns the env's website chat channel (for the Billing
// team), making it the first time.
func (e *env) chatChannel(t testing.TB) desk.ChatChannel {
	t.Helper()
	if e.chatCh.ID != 0 {
		return e.chatCh
	}
	ch, err := e.chat.CreateChannel(context.Background(), desk.System, chat.ChannelInput{Name: "Website", TeamID: &e.teamID,
		Origins: []string{"https://www.example.com"}, Active: true,
		Prechat: desk.Prechat{Name: desk.FieldOptional, Email: desk.FieldOptional}})
	if err != nil {
		t.Fatal(err)
	}
	e.chatCh = ch
	return ch
}

var visitorSeq atomic.Int64

// visitor is a simulated website visitor: a widget connection as the
// chat service sees it.
type visitor struct {
	e   *env
	v   chat.Visitor
	tok string
}

// newVisitor opens the widget on a page of the site as a new visitor.
func (e *env) newVisitor(t testing.TB, page, title string) *visitor {
	t.Helper()
	ch := e.chatChannel(t)
	w, err := e.chat.Connect(context.Background(), ch.PublicKey, chat.Hello{URL: page, Title: title,
		Referrer: "https://www.google.com/", Language: "hr-HR", TimeZone: "Europe/Zagreb", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"})
	if err != nil {
		t.Fatal(err)
	}
	_, v, err := e.chat.Authenticate(context.Background(), ch.PublicKey, w.Token)
	if err != nil {
		t.Fatal(err)
	}
	return &visitor{e: e, v: v, tok: w.Token}
}

// browse moves the visitor to another page.
func (vz *visitor) browse(t testing.TB, page, title string) {
	t.Helper()
	if _, err := vz.e.chat.Connect(context.Background(), vz.e.chatCh.PublicKey, chat.Hello{Token: vz.tok, URL: page, Title: title}); err != nil {
		t.Fatal(err)
	}
}

// start starts a chat with the visitor's first message.
func (vz *visitor) start(t testing.TB, name, text string) desk.Chat {
	t.Helper()
	s, err := vz.e.chat.Start(context.Background(), vz.v, chat.StartInput{Name: name, Text: text, ClientID: fmt.Sprint("c", visitorSeq.Add(1))})
	if err != nil {
		t.Fatal(err)
	}
	return s.Chat
}

// say posts a message to the visitor's open chat.
func (vz *visitor) say(t testing.TB, text string) desk.ChatEntry {
	t.Helper()
	s, err := vz.e.chat.Post(context.Background(), vz.v, text, fmt.Sprint("c", visitorSeq.Add(1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s.Entry
}

// startChat starts a chat from a new visitor.
func (e *env) startChat(t testing.TB, name, text string) desk.Chat {
	t.Helper()
	return e.newVisitor(t, "https://www.example.com/pricing", "Pricing").start(t, name, text)
}

// acceptedChat starts a chat that the given agent has accepted.
func (e *env) acceptedChat(t testing.TB, by desk.Actor, name, text string) desk.Chat {
	t.Helper()
	c := e.startChat(t, name, text)
	c, err := e.chat.Accept(context.Background(), by, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
