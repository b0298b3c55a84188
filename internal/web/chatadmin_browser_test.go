package web

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/mailbox"
	"switchboard/internal/store/storetest"
)

// TestChatAdminBrowser adds a chat channel in headless Chromium: the add
// form, the channel page with its embed snippet (the Copy button says it
// copied), an invitation rule, and the identity secret with its examples,
// without script errors or CSP violations, and the page fits a phone. With
// SWITCHBOARD_SCREENSHOTS it keeps the pictures admin-chat (the channel
// page), admin-chat-phone, admin-chat-identity and admin-chat-list.
func TestChatAdminBrowser(t *testing.T) {
	ctx := browser(t)
	st := storetest.NewSQLite(t)
	e := newEnv(t, st)
	if _, err := e.mailbox.Create(context.Background(), desk.System, mailbox.Input{Address: "support@acme.example", Name: "Acme Support"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.h)
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	shot := shooter(t)
	problems := watchConsole(t, ctx, "Ana")
	login(t, ctx, srv.URL, "ana@example.com")
	step(t, ctx, "chat tab", chromedp.EmulateViewport(1440, 1000), chromedp.Navigate(srv.URL+"/admin/chat"),
		chromedp.WaitVisible(chromedp.CSS(`.chf input[name=name]`)))
	checkLabels(t, ctx, "chat channels")
	step(t, ctx, "add channel",
		chromedp.SendKeys(chromedp.CSS(`.chf input[name=name]`), "Acme website"),
		chromedp.SendKeys(chromedp.CSS(`.chf textarea[name=origins]`), "https://www.acme.example\nhttps://*.acme.example"),
		chromedp.SendKeys(chromedp.CSS(`.chf textarea[name=greeting]`), "Hi! Ask us anything: we usually answer within a minute."),
		chromedp.SetValue(chromedp.CSS(`.chf input[name=color]`), "#0f766e"),
		chromedp.SetValue(chromedp.CSS(`.chf select[name=team]`), "1"),
		chromedp.SetValue(chromedp.CSS(`.chf select[name=prechat_email]`), "required"),
		chromedp.Click(chromedp.CSS(`.chf input[name=languages][value=en]`)),
		chromedp.Click(chromedp.CSS(`.chf input[name=languages][value=hr]`)),
		chromedp.Click(chromedp.CSS(`.chf button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("snippet")))
	checkLabels(t, ctx, "chat channel")
	waitJS(t, ctx, "snippet", `document.getElementById('snippet').value.startsWith('<script src="http://127.0.0.1/chat/widget.js" data-channel="')`)
	step(t, ctx, "copy", chromedp.Click(chromedp.CSS(`[data-copy=snippet]`)))
	waitJS(t, ctx, "copied", `document.querySelector('[data-copy=snippet]').textContent === 'Copied' && document.getElementById('live').textContent === 'Copied'`)
	step(t, ctx, "add invitation",
		chromedp.SendKeys(chromedp.CSS(`#invitations > form.invf input[name=name]`), "Pricing page"),
		chromedp.SetValue(chromedp.CSS(`#invitations > form.invf input[name=url_pattern]`), "https://www.acme.example/pricing*"),
		chromedp.SetValue(chromedp.CSS(`#invitations > form.invf input[name=min_seconds]`), "20"),
		chromedp.SendKeys(chromedp.CSS(`#invitations > form.invf textarea[name=greeting]`), "Comparing plans? Ask us which one fits."),
		chromedp.Click(chromedp.CSS(`#invitations > form.invf button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`details.inv summary`)))
	step(t, ctx, "saved page", chromedp.EmulateViewport(1440, 1850), chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	shot(ctx, "admin-chat")
	here, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "phone", chromedp.EmulateViewport(390, 1500, chromedp.EmulateMobile), chromedp.Navigate(srv.URL+here),
		chromedp.WaitVisible(chromedp.ID("snippet")))
	waitJS(t, ctx, "current tab in view", `document.querySelector('.tabs-nav').scrollLeft > 0`)
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		t.Errorf("the channel page is wider than a phone: %d %v", w, err)
	}
	shot(ctx, "admin-chat-phone")
	step(t, ctx, "identity",
		chromedp.Click(chromedp.CSS(`details.secret-box summary`)),
		chromedp.Click(chromedp.CSS(`details.examples summary`)),
		chromedp.WaitVisible(chromedp.ID("identity-secret")),
		chromedp.EmulateViewport(1440, 1200),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('identity').scrollIntoView({block: 'start'})`))
	checkLabels(t, ctx, "identity")
	shot(ctx, "admin-chat-identity")
	if _, err := e.chat.CreateChannel(context.Background(), desk.System,
		chat.ChannelInput{Name: "Help centre", Color: "#7c3aed", Origins: []string{"https://help.acme.example"}}); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "list", chromedp.EmulateViewport(1440, 1100), chromedp.Navigate(srv.URL+"/admin/chat"),
		chromedp.WaitVisible(chromedp.CSS(`table.chat-channels`)))
	shot(ctx, "admin-chat-list")
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}
