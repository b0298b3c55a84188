package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/store/storetest"
)

// setStatus picks a chat status in the top bar's menu.
func setStatus(t *testing.T, ctx context.Context, status string) {
	t.Helper()
	step(t, ctx, "status "+status, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('cs');
		s.focus(); s.value = '`+status+`'; s.dispatchEvent(new Event('change', {bubbles: true})) })()`))
}

// TestChatJourney drives the agent side of a live chat in headless
// Chromium: Bo goes online and a visitor's chat rings on his inbox (and on
// Ana's); he accepts with c, Ana's ring stops and her late click is told
// who took it; the visitor's typing and message arrive live; Bo answers
// with Enter (Shift+Enter for a new line), adds a note, sees his reply
// read, follows the visitor to another page, and transfers the chat to
// Ana, who is notified and picks it up and ends it. The visitor is
// simulated through the chat service.
func TestChatJourney(t *testing.T) {
	bo := browser(t)
	st := storetest.NewSQLite(t)
	e := newEnv(t, st)
	e.seedMore(t)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	e.app.cfg.Context = ctx
	go e.app.listenPresence()
	srv := httptest.NewServer(e.h)
	defer func() { stop(); srv.CloseClientConnections(); srv.Close() }()
	shot := shooter(t)
	base := srv.URL
	boProblems := watchConsole(t, bo, "Bo")
	boActor, anaActor := e.actors["agent"], e.actors["admin"]

	// Bo signs in and goes online.
	opened := time.Now()
	login(t, bo, base, "bo@example.com")
	e.streamOpen(t, e.agent.ID, opened)
	waitJS(t, bo, "status menu", `document.getElementById('cs').value === 'offline'`)
	checkLabels(t, bo, "inbox with chat status")
	setStatus(t, bo, "online")
	waitFor(t, "Bo online", func() bool { s, _ := e.chat.Status(ctx, boActor); return s == desk.AgentOnline })

	// Ana too, in her own browser context.
	ana, cancelAna := chromedp.NewContext(bo, chromedp.WithNewBrowserContext())
	defer cancelAna()
	if err := chromedp.Do(ana); err != nil {
		t.Fatal(err)
	}
	anaProblems := watchConsole(t, ana, "Ana")
	opened = time.Now()
	login(t, ana, base, "ana@example.com")
	e.streamOpen(t, e.admin.ID, opened)
	setStatus(t, ana, "online")
	waitFor(t, "Ana online", func() bool { s, _ := e.chat.Status(ctx, anaActor); return s == desk.AgentOnline })
	// Both have their event stream open: both are available for chat.
	waitFor(t, "both available", func() bool { l, _ := e.chat.AvailableAgents(ctx, boActor); return len(l) == 2 })

	// A visitor on the pricing page starts a chat: it rings for both.
	iva := e.newVisitor(t, "https://www.example.com/", "Example – Home")
	iva.browse(t, "https://www.example.com/pricing", "Pricing – Example")
	c := iva.start(t, "Iva Horvat", "Hi! Does the Pro plan include phone support?")
	cid := fmt.Sprint(c.ID)
	for who, b := range map[string]context.Context{"Bo": bo, "Ana": ana} {
		waitJS(t, b, who+" rung", `!!document.querySelector('#ring .ring-item') && document.getElementById('ring').innerText.includes('Iva Horvat')
			&& document.getElementById('ring').innerText.includes('Does the Pro plan include phone support?') && !!document.querySelector('#ring audio[autoplay]')`)
	}
	waitJS(t, bo, "title flashes", `document.title === 'Chat request from Iva Horvat'`)
	waitJS(t, bo, "screen reader told", `document.getElementById('live').textContent === 'Chat request from Iva Horvat'`)
	waitJS(t, bo, "chat count", `document.querySelector('#chatnav .nb.hot') && document.querySelector('#chatnav .nb').textContent === '1'`)
	shot(bo, "chat-agent-ring")

	// Bo accepts with c and lands in the chat; Ana's ring stops.
	step(t, bo, "accept", key("c"))
	waitJS(t, bo, "in the chat", `location.pathname === '/chats/`+cid+`' && !!document.querySelector('#chat-main[data-chat="`+cid+`"] #log[data-mine]')`)
	waitJS(t, bo, "joined", `document.getElementById('log').innerText.includes('Bo Agent joined the chat')`)
	waitJS(t, bo, "title back", `!document.title.startsWith('Chat request')`)
	waitJS(t, ana, "Ana's ring stops", `!document.querySelector('#ring .ring-item')`)
	// Ana clicks too late (as if her click crossed Bo's): she is told who took it.
	step(t, ana, "late accept", chromedp.Evaluate[chromedp.Void](`htmx.ajax('POST', '/chats/`+cid+`/accept', {swap: 'none'})`))
	waitJS(t, ana, "too late", `[...document.querySelectorAll('.toast.error')].some(t => t.innerText.includes('Bo Agent has already accepted this chat.'))`)

	// The visitor types, then writes: Bo sees both live.
	if err := e.chat.VisitorTyping(ctx, iva.v, true); err != nil {
		t.Fatal(err)
	}
	waitJS(t, bo, "typing shown", `document.getElementById('typing').textContent === 'Iva Horvat is typing…'`)
	shot(bo, "chat-agent-typing")
	iva.say(t, "We are a team of 12, and we'd like to pay by invoice.")
	waitJS(t, bo, "message live", `[...document.querySelectorAll('#log .ce.v')].some(li => li.innerText.includes('pay by invoice'))`)
	waitJS(t, bo, "typing cleared", `document.getElementById('typing').textContent === ''`)
	waitJS(t, bo, "announced", `document.getElementById('live').textContent.includes('pay by invoice')`)
	// Bo has read it: the visitor sees "Read".
	waitFor(t, "Bo's read mark", func() bool { got, _, _ := e.chat.Chat(ctx, boActor, c.ID); return got.AgentSeen == got.LastSeq })

	// Bo answers: Shift+Enter breaks the line, Enter sends; his typing
	// reached the visitor on the way.
	events, unsubscribe := e.broker.Subscribe()
	defer unsubscribe()
	step(t, bo, "reply",
		chromedp.Click(chromedp.ID("chat-body")),
		chromedp.SendKeys(chromedp.ID("chat-body"), "Yes, phone support is included."),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierShift)),
		chromedp.SendKeys(chromedp.ID("chat-body"), "Invoices are fine for teams."),
		chromedp.KeyEvent("\r"))
	waitJS(t, bo, "reply in the log", `[...document.querySelectorAll('#log .ce.a')].some(li => li.innerText.includes('Invoices are fine for teams.'))`)
	waitJS(t, bo, "composer cleared", `document.getElementById('chat-body').value === '' && document.activeElement.id === 'chat-body'`)
	waitFor(t, "reply in the chat log", func() bool {
		_, es, _ := e.chat.Chat(ctx, boActor, c.ID)
		l := es[len(es)-1]
		return l.Author == desk.AuthorAgent && l.Body == "Yes, phone support is included.\nInvoices are fine for teams."
	})
	typed := false
	for !typed {
		select {
		case ev := <-events:
			var d chat.TypingData
			typed = ev.Type == chat.EventTyping && chat.Decode(ev, &d) && d.Author == desk.AuthorAgent && d.On && d.ChatID == c.ID
		case <-time.After(5 * time.Second):
			t.Fatal("Bo's typing never reached the visitor")
		}
	}
	unsubscribe()

	// The visitor reads it: "Seen" under Bo's reply.
	_, es, _ := e.chat.Chat(ctx, boActor, c.ID)
	if err := e.chat.VisitorSeen(ctx, iva.v, es[len(es)-1].Seq); err != nil {
		t.Fatal(err)
	}
	waitJS(t, bo, "seen", `(() => { const s = document.querySelector('#log .ce.a.read:last-of-type .seen'); return s && getComputedStyle(s).display !== 'none' })()`)

	// A note stays among agents.
	step(t, bo, "note tab", key("n"))
	step(t, bo, "note", chromedp.SendKeys(chromedp.ID("chat-body"), "Offer the 12-seat discount."), chromedp.KeyEvent("\r"))
	waitJS(t, bo, "note in the log", `[...document.querySelectorAll('#log .ce.note')].some(li => li.innerText.includes('12-seat discount'))`)
	if _, es, _ := e.chat.Chat(ctx, boActor, c.ID); strings.Contains(fmt.Sprint(es), "12-seat") {
		t.Error("the note reached the visitor's chat log")
	}
	step(t, bo, "back to reply", key("r"))

	// The visitor moves on: the panel follows.
	iva.browse(t, "https://www.example.com/checkout", "Checkout – Example")
	waitJS(t, bo, "panel follows", `document.getElementById('visitor-panel').innerText.includes('Checkout – Example')`)
	checkLabels(t, bo, "chat page")
	shot(bo, "chat-agent-conversation")

	// Bo transfers the chat to Ana (t opens the dialog).
	step(t, bo, "transfer dialog", key("t"))
	waitJS(t, bo, "dialog open", `document.getElementById('transfer-dlg').open && document.activeElement.id === 'transfer-to'`)
	step(t, bo, "pick Ana", chromedp.SetValue(chromedp.ID("transfer-to"), fmt.Sprint("a", e.admin.ID)))
	shot(bo, "chat-agent-transfer")
	step(t, bo, "transfer", chromedp.Click(chromedp.CSS("#transfer-dlg button[type=submit]")))
	waitJS(t, bo, "transferred", `document.querySelector('#chat-head').innerText.includes('with Ana Admin') && !document.querySelector('#log[data-mine]')`)
	waitJS(t, bo, "toast", `[...document.querySelectorAll('.toast')].some(t => t.innerText.includes('Chat transferred to Ana Admin.'))`)
	if got, _, _ := e.chat.Chat(ctx, boActor, c.ID); got.Agent == nil || got.Agent.ID != e.admin.ID {
		t.Fatalf("chat after transfer: %+v", got.Agent)
	}

	// Ana, on her inbox, is told; she opens the chat from the notice.
	waitJS(t, ana, "Ana notified", `[...document.querySelectorAll('#ring .ring-item.unread')].some(r => r.innerText.includes('Iva Horvat'))`)
	shot(ana, "chat-agent-transferred")
	step(t, ana, "open chat", chromedp.Click(chromedp.CSS(`#ring a[href="/chats/`+cid+`"]`)))
	waitJS(t, ana, "Ana in the chat", `!!document.querySelector('#chat-main[data-chat="`+cid+`"] #log[data-mine]') && document.getElementById('log').innerText.includes('Transferred to Ana Admin')`)
	waitJS(t, ana, "in her list", `!!document.querySelector('#chat-list .crow.current[data-id="`+cid+`"]')`)
	waitJS(t, ana, "no unread notice on the chats page", `!document.querySelector('#ring .ring-item')`)

	// Bo looks at who is on the site, and at the chat's ticket.
	opened = time.Now()
	step(t, bo, "visitors", chromedp.Navigate(base+"/visitors"), chromedp.WaitVisible(chromedp.ID("visitors")))
	e.streamOpen(t, e.agent.ID, opened)
	waitJS(t, bo, "Iva on the site", `document.getElementById('visitors').innerText.includes('Checkout – Example') && !!document.querySelector('#visitors a[href="/chats/`+cid+`"]')`)
	other := e.newVisitor(t, "https://www.example.com/docs/api", "API docs – Example")
	waitJS(t, bo, "a new visitor shows live", `document.getElementById('visitors').innerText.includes('API docs – Example')`)
	checkLabels(t, bo, "visitors page")
	shot(bo, "chat-agent-visitors")
	_ = other
	opened = time.Now()
	step(t, bo, "ticket", chromedp.Navigate(fmt.Sprintf("%s/tickets/%d", base, c.TicketID)), chromedp.WaitVisible(chromedp.CSS(".chatbar")))
	e.streamOpen(t, e.agent.ID, opened)
	waitJS(t, bo, "chat bar", `document.querySelector('.chatbar').innerText.includes('Live chat with Ana Admin')`)
	shot(bo, "chat-agent-ticket")

	// Ana ends the chat and resolves the ticket.
	step(t, ana, "end dialog", chromedp.Click(chromedp.CSS(`[data-open="end-dlg"]`)))
	waitJS(t, ana, "end dialog open", `document.getElementById('end-dlg').open`)
	step(t, ana, "end", chromedp.Click(chromedp.ID("end-confirm")))
	waitJS(t, ana, "ended", `!!document.querySelector('.chat-ended') && document.getElementById('log').innerText.includes('Ana Admin ended the chat')`)
	waitJS(t, bo, "Bo's ticket bar follows", `document.querySelector('.chatbar').innerText.includes('replies go by email')`)
	if tk, err := e.tickets.Get(ctx, anaActor, c.TicketID); err != nil || tk.Status != desk.StatusResolved {
		t.Errorf("ticket after the chat: %v %s", err, tk.Status)
	}

	// Switching chats from the keyboard, and the phone layout.
	c2 := e.acceptedChat(t, anaActor, "Marko", "Quick question about VAT")
	step(t, ana, "chats", chromedp.Navigate(base+"/chats/"+fmt.Sprint(c2.ID)), chromedp.WaitVisible(chromedp.ID("chat-body")))
	step(t, ana, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(base+"/chats/"+fmt.Sprint(c2.ID)),
		chromedp.WaitVisible(chromedp.ID("chat-body")))
	shot(ana, "chat-agent-phone")

	time.Sleep(100 * time.Millisecond) // let the last console events arrive
	for _, p := range append(boProblems(), anaProblems()...) {
		t.Errorf("browser console: %s", p)
	}
}

// streamOpen waits until the agent's page has its event stream open (its
// first chat heartbeat after since): events before it would be missed.
func (e *env) streamOpen(t *testing.T, agentID int64, since time.Time) {
	t.Helper()
	waitFor(t, "event stream open", func() bool {
		_, seen, err := e.st.Read().AgentChatStatus(context.Background(), agentID)
		return err == nil && seen != nil && seen.After(since)
	})
}

// waitFor polls a condition on the server side.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
