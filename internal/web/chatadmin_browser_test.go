package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
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

// speak makes the browser ask for lang (Accept-Language and
// navigator.language), as a visitor's browser set to that language does.
func speak(t *testing.T, ctx context.Context, lang string) {
	t.Helper()
	v, err := chromedp.Call(ctx, cdpbrowser.GetVersion, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: v.UserAgent, AcceptLanguage: lang}); err != nil {
		t.Fatal(err)
	}
}

// layoutProblems lists what breaks the page's layout: a page wider than
// the window, an element sticking out of its card, or a button, badge,
// heading cell, label or summary whose text does not fit in it.
const layoutProblems = `(() => {
	const out = [], de = document.documentElement, name = el => el.id || el.className || el.tagName;
	if (de.scrollWidth > de.clientWidth) out.push('the page scrolls sideways: ' + de.scrollWidth + ' > ' + de.clientWidth + ' (' +
		[...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > de.clientWidth).map(name).slice(0, 6).join(', ') + ')');
	for (const card of document.querySelectorAll('main .card, main .crumbs, main .tabs-nav')) {
		const c = card.getBoundingClientRect();
		for (const el of card.querySelectorAll('*')) {
			if (!el.checkVisibility() || el.closest('pre, .tabs-nav')) continue;
			const r = el.getBoundingClientRect();
			if (r.width && (r.right > c.right + 1 || r.left < c.left - 1)) out.push(name(el) + ' "' + el.textContent.trim().slice(0, 30) + '" sticks out of ' + name(card));
		}
	}
	for (const el of document.querySelectorAll('main button, main .button, main .badge, main th, main label, main summary, main legend, main h1, main h2')) {
		if (el.checkVisibility() && !el.matches('.sr-only') && el.scrollWidth > el.clientWidth + 1) out.push(el.tagName + ' "' + el.textContent.trim().slice(0, 30) + '" overflows');
	}
	return out;
})()`

// TestChatAdminGreekBrowser: Admin → Chat in Greek, whose words run
// longer than English ones, keeps its layout on a desktop and on a phone:
// nothing sticks out of its card or overflows its button. With
// SWITCHBOARD_SCREENSHOTS it keeps admin-chat-el.
func TestChatAdminGreekBrowser(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, storetest.NewSQLite(t))
	bg := context.Background()
	if _, err := e.mailbox.Create(bg, desk.System, mailbox.Input{Address: "support@acme.example", Name: "Acme Support"}); err != nil {
		t.Fatal(err)
	}
	ch, err := e.chat.CreateChannel(bg, desk.System, chat.ChannelInput{Name: "Ηλεκτρονικό κατάστημα Acme", TeamID: &e.teamID,
		Origins: []string{"https://www.acme.example", "https://*.acme.example"}, Color: "#0f766e", Active: true,
		Greeting:  "Γεια σας! Ρωτήστε μας ό,τι θέλετε: συνήθως απαντάμε μέσα σε ένα λεπτό.",
		Languages: []string{"el", "en"}, Prechat: desk.Prechat{Name: desk.FieldRequired, Email: desk.FieldOptional}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.chat.CreateInvitation(bg, desk.System, ch.ID, chat.InvitationInput{Name: "Σελίδα τιμών",
		URLPattern: "https://www.acme.example/pricing*", MinSeconds: 20, MinVisits: 2, Greeting: "Συγκρίνετε πακέτα; Ρωτήστε μας.", Active: true}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.h)
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	shot := shooter(t)
	problems := watchConsole(t, ctx, "Ana")
	speak(t, ctx, "el-GR,el;q=0.9")
	login(t, ctx, srv.URL, "ana@example.com")
	page := fmt.Sprintf("%s/admin/chat/%d", srv.URL, ch.ID)
	for _, vp := range []struct {
		name string
		act  chromedp.Action[chromedp.Void]
	}{{"desktop", chromedp.EmulateViewport(1440, 2600)}, {"laptop", chromedp.EmulateViewport(1024, 3000)},
		{"phone", chromedp.EmulateViewport(390, 5000, chromedp.EmulateMobile)}} {
		step(t, ctx, vp.name, vp.act, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("snippet")),
			chromedp.Click(chromedp.CSS(`details.inv summary`)), chromedp.Click(chromedp.CSS(`details.secret-box summary`)),
			chromedp.Click(chromedp.CSS(`details.examples summary`)), chromedp.WaitVisible(chromedp.ID("identity-secret")))
		if vp.name == "desktop" {
			lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang + ' ' + document.getElementById('chf-h').textContent`))
			if err != nil || lang != "el Ρυθμίσεις" {
				t.Fatalf("the page is not in Greek: %q %v", lang, err)
			}
			checkLabels(t, ctx, "Greek channel page")
			step(t, ctx, "top", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('details').forEach(d => d.open = false) || window.scrollTo(0, 0)`),
				chromedp.EmulateViewport(1440, 1850))
			shot(ctx, "admin-chat-el")
			step(t, ctx, "details again", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('details').forEach(d => d.open = true) || true`))
		}
		bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](layoutProblems))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range bad {
			t.Errorf("%s: %s", vp.name, p)
		}
	}
	step(t, ctx, "list", chromedp.EmulateViewport(1024, 900), chromedp.Navigate(srv.URL+"/admin/chat"), chromedp.WaitVisible(chromedp.CSS(`table.chat-channels`)))
	bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](layoutProblems))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range bad {
		t.Errorf("list: %s", p)
	}
	// The check sees a button its text does not fit in.
	bad, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](`document.querySelector('main .card').append(Object.assign(document.createElement('button'), {textContent: 'Ω'.repeat(400)})) || `+layoutProblems))
	if err != nil || len(bad) == 0 {
		t.Errorf("the layout check missed an overflowing button: %v %v", bad, err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}
