package widget_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"switchboard/internal/desk"
	"switchboard/internal/team"
)

// agentJS waits until a JavaScript expression is true on the agent's page.
func agentJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	var err error
	for range 3 { // a navigation while polling ends the poll: poll the new page
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(15*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
		if err == nil || !strings.Contains(err.Error(), "navigated or closed") && !strings.Contains(err.Error(), "context with specified id") &&
			!strings.Contains(err.Error(), "context was destroyed") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		failShot(ctx)
		t.Fatalf("%s: waiting for %s: %v", what, expr, err)
	}
}

// TestChatBothSidesBrowser is a live chat with both sides in the browser:
// a visitor on a shop's site with the widget, and an agent in the agent
// app. The agent goes online, the chat rings, the agent accepts; they
// write to each other with typing shown both ways; the visitor reloads
// mid-chat and loses their connection while both write; every message
// arrives exactly once on both sides; the agent ends the chat and the
// visitor rates it.
func TestChatBothSidesBrowser(t *testing.T) {
	s := newSite(t, false)
	bg := context.Background()
	const password = "correct horse battery staple"
	bo, err := s.svc.Team.CreateAgent(bg, desk.System, team.NewAgent{Email: "bo@desk.test", Name: "Bo Kralj", Role: desk.RoleAgent, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	boActor := desk.Actor{Kind: desk.ActorAgent, AgentID: bo.ID, Name: bo.Name, Role: desk.RoleAgent}

	visitor := browser(t)
	vProblems := watchConsole(t, visitor)
	agent, cancelAgent := chromedp.NewContext(visitor, chromedp.WithNewBrowserContext())
	defer cancelAgent()
	aProblems := watchConsole(t, agent)

	// Bo signs in and goes online; his open event stream makes him available.
	step(t, agent, "sign in",
		chromedp.Navigate(s.desk.URL+"/inbox"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "bo@desk.test"),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("cs")))
	step(t, agent, "go online", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('cs');
		s.focus(); s.value = 'online'; s.dispatchEvent(new Event('change', {bubbles: true})) })()`))
	until(t, "Bo available", func() bool { l, _ := s.svc.Chat.AvailableAgents(bg, boActor); return len(l) == 1 })

	// The visitor starts a chat from the widget: it rings on Bo's inbox.
	step(t, visitor, "open shop", chromedp.Navigate(s.shop.URL+"/"))
	wait(t, visitor, "online pre-chat", `R.querySelector('.l')?.checkVisibility()`)
	startChat(t, visitor, "Iva Kos", "iva@example.com", "Hello, my order has not arrived.")
	agentJS(t, agent, "ringing", `!!document.querySelector('#ring .ring-item') && document.getElementById('ring').innerText.includes('Iva Kos')`)
	step(t, agent, "accept with c", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`), chromedp.KeyEvent("c"))
	agentJS(t, agent, "in the chat", `location.pathname.startsWith('/chats/') && document.getElementById('log')?.innerText.includes('my order has not arrived')`)
	wait(t, visitor, "agent joined", `R.querySelector('header p').textContent === "You're chatting with Bo"`)

	// Bo types: the visitor sees it; he sends with Enter.
	step(t, agent, "type", chromedp.Click(chromedp.ID("chat-body")), chromedp.SendKeys(chromedp.ID("chat-body"), "Sorry about that! What is the order number?"))
	wait(t, visitor, "agent typing", `R.querySelector('.ty').textContent === 'Bo is typing…'`)
	step(t, agent, "send", chromedp.KeyEvent("\r"))
	wait(t, visitor, "agent reply", `[...R.querySelectorAll('li.ag .bu')].some(b => b.textContent === 'Sorry about that! What is the order number?')`)

	// The visitor types: Bo sees it; the visitor sends with Enter.
	step(t, visitor, "visitor types", chromedp.Focus(w(".c textarea")), keys("It is A-1042"))
	agentJS(t, agent, "visitor typing", `document.getElementById('typing').textContent === 'Iva Kos is typing…'`)
	step(t, visitor, "visitor sends", enter())
	agentJS(t, agent, "visitor message", `[...document.querySelectorAll('#log .ce.v')].some(li => li.innerText.includes('It is A-1042'))`)
	agentJS(t, agent, "typing cleared", `document.getElementById('typing').textContent === ''`)
	shot(t, agent, "chat-both-agent")
	shot(t, visitor, "chat-both-visitor")

	// A reload on the visitor's side keeps the conversation, once.
	before := eval[[]string](t, visitor, logTexts)
	step(t, visitor, "reload", chromedp.Reload())
	wait(t, visitor, "rebuilt", fmt.Sprintf(`R.querySelectorAll('ol[role=log] li').length === %d`, len(before)))

	// The visitor's connection drops while both write; nothing is lost or doubled.
	step(t, visitor, "offline", offline(visitor, true))
	step(t, agent, "reply while the visitor is away", chromedp.Click(chromedp.ID("chat-body")),
		chromedp.SendKeys(chromedp.ID("chat-body"), "Found it: it ships today."), chromedp.KeyEvent("\r"))
	agentJS(t, agent, "reply in the log", `[...document.querySelectorAll('#log .ce.a')].some(li => li.innerText.includes('it ships today'))`)
	step(t, visitor, "write while offline", chromedp.Focus(w(".c textarea")), keys("Are you still there?"), enter())
	time.Sleep(500 * time.Millisecond)
	step(t, visitor, "online again", offline(visitor, false))
	wait(t, visitor, "missed reply arrives", `[...R.querySelectorAll('li.ag .bu')].some(b => b.textContent === 'Found it: it ships today.')`)
	agentJS(t, agent, "offline message arrives", `[...document.querySelectorAll('#log .ce.v')].some(li => li.innerText.includes('Are you still there?'))`)
	time.Sleep(500 * time.Millisecond)
	for _, text := range []string{"Found it: it ships today.", "Are you still there?", "It is A-1042", "Sorry about that! What is the order number?"} {
		if n := count(t, visitor, text); n != 1 {
			t.Errorf("visitor shows %q %d times", text, n)
		}
		n, err := chromedp.Run(agent, chromedp.Evaluate[int](fmt.Sprintf(`[...document.querySelectorAll('#log .ce .text, #log .ce p')].filter(p => p.textContent === %q).length`, text)))
		if err != nil || n != 1 {
			t.Errorf("agent shows %q %d times (%v)", text, n, err)
		}
	}
	open, err := s.svc.Chat.OpenChats(bg, boActor)
	if err != nil || len(open) != 1 {
		t.Fatalf("Bo's chats: %v %+v", err, open)
	}
	c := open[0]
	if got := s.entries(t, c.ID); len(got) != 5 {
		t.Errorf("chat log: %q", got)
	}

	// Bo ends the chat; the visitor rates it.
	step(t, agent, "end dialog", chromedp.Click(chromedp.CSS(`[data-open="end-dlg"]`)))
	step(t, agent, "end", chromedp.Click(chromedp.ID("end-confirm")))
	wait(t, visitor, "rating offered", `R.querySelector('.stars')?.checkVisibility() && R.querySelector('header p').textContent === 'Chat ended'`)
	step(t, visitor, "five stars", click(".stars label:nth-child(5)"))
	step(t, visitor, "send rating", click(".rt .btn"))
	until(t, "the chat ended and rated", func() bool {
		got, _, err := s.svc.Chat.Chat(bg, boActor, c.ID)
		return err == nil && got.Status == desk.ChatEnded && got.Rating != nil && *got.Rating == 5
	})
	for _, p := range append(vProblems(), aProblems()...) {
		t.Errorf("browser console: %s", p)
	}
}
