package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"switchboard/internal/desk"
	"switchboard/internal/mailbox"
	"switchboard/internal/store/storetest"
)

// topbarProblems lists what an agent cannot reach in the top bar of the
// page shown: each section's link, the chat status menu and sign-out must
// be on screen and not covered (the element at their centre is theirs),
// and the ringing notice's Accept button too when a chat rings. The page
// must not be wider than the window (no sideways scrolling). On a phone
// innerWidth grows with a page too wide for it (the layout viewport
// widens and the agent pans), so the window is the root's client size.
const topbarProblems = `(() => {
	const root = document.documentElement, bad = [], vw = root.clientWidth, vh = root.clientHeight;
	const reach = el => {
		if (!el) return false;
		const r = el.getBoundingClientRect();
		if (r.width < 1 || r.height < 1 || r.left < 0 || r.top < 0 || r.right > vw + 0.5 || r.bottom > vh + 0.5) return false;
		const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		return !!at && (at === el || el.contains(at));
	};
	for (const href of ['/inbox', '/chats', '/visitors', '/admin/agents']) {
		if (!reach(document.querySelector('.topbar nav a[href="' + href + '"]'))) bad.push(href);
	}
	if (!reach(document.getElementById('cs'))) bad.push('chat status');
	if (!reach(document.querySelector('.topbar form[action="/logout"] button'))) bad.push('sign out');
	if (!reach(document.querySelector('#ring .ring-item button'))) bad.push('ringing chat');
	if (root.scrollWidth > vw) bad.push('page ' + root.scrollWidth + ' px wide in ' + vw);
	// The bar is as tall as --top says (the ringing notice and the chat
	// page are placed by it) and holds everything in it.
	const bar = document.querySelector('.topbar').getBoundingClientRect();
	if (bar.height !== parseFloat(getComputedStyle(root).getPropertyValue('--top'))) bad.push('bar ' + bar.height + ' px, not --top');
	for (const el of document.querySelectorAll('.topbar nav a, .topbar form, .topbar .me')) {
		const r = el.getBoundingClientRect();
		if (r.width && (r.top < bar.top || r.bottom > bar.bottom || r.right > bar.right)) bad.push((el.getAttribute('href') || el.className) + ' sticks out of the bar');
	}
	return bad;
})()`

// TestTopBarBrowser checks in headless Chromium that an admin with live
// chat reaches every section of the top bar, the chat status, sign-out and
// the ringing chat without scrolling sideways, in every language on a
// 360x640 phone (tabs two by two), a 481 px one (the narrowest with the
// tabs in one row), a tablet (800 px) and a desktop, and in English on a
// 375x740 phone, on the inbox, a ticket, the chats, a chat, the visitors
// and an admin page. On the desktop the bar stays one row of 48 px. On a
// phone the inbox's views are one row, and the other admin screens and a
// contact's page are no wider than the phone, in every language. With
// SWITCHBOARD_SCREENSHOTS it keeps phone-topbar (the inbox on a phone with
// a chat ringing), phone-topbar-el (the same in Greek) and phone-visitors.
func TestTopBarBrowser(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, storetest.NewSQLite(t))
	e.seedMore(t)
	if _, err := e.mailbox.Create(context.Background(), desk.System, mailbox.Input{Address: "support@acme.example", Name: "Acme Support"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.h)
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	shot := shooter(t)
	problems := watchConsole(t, ctx, "Ana")
	ana := e.actors["admin"]
	// Ana is online with a chat of her own (its count in the bar), and a
	// new one rings; a visitor browses the site.
	if err := e.chat.SetStatus(context.Background(), ana, desk.AgentOnline); err != nil {
		t.Fatal(err)
	}
	mine := e.acceptedChat(t, ana, "Marko", "Quick question about VAT")
	e.startChat(t, "Iva Horvat", "Hi! Does the Pro plan include phone support?")
	e.newVisitor(t, "https://www.example.com/docs/getting-started", "Getting started – Example")
	login(t, ctx, srv.URL, "ana@example.com")

	pages := []struct{ name, path, ready string }{
		{"inbox", "/inbox", "#list"},
		{"ticket", fmt.Sprintf("/tickets/%d", e.t1.ID), "#composer"},
		{"chats", "/chats", "main"},
		{"chat", fmt.Sprintf("/chats/%d", mine.ID), "main"},
		{"visitors", "/visitors", "#visitors"},
		{"admin", "/admin/agents", "main.admin"},
	}
	type viewport struct {
		name string
		w, h int64
		opts []chromedp.EmulateViewportOption
	}
	phone := viewport{"phone", 375, 740, []chromedp.EmulateViewportOption{chromedp.EmulateMobile}}
	every := []viewport{
		{"small phone", 360, 640, []chromedp.EmulateViewportOption{chromedp.EmulateMobile}},
		{"large phone", 481, 900, []chromedp.EmulateViewportOption{chromedp.EmulateMobile}},
		{"tablet", 800, 1000, []chromedp.EmulateViewportOption{chromedp.EmulateMobile}},
		{"desktop", 1440, 900, nil},
	}
	for _, lang := range []string{"en", "hr", "lt", "el", "sl"} {
		speak(t, ctx, lang)
		vps := every
		if lang == "en" {
			vps = append([]viewport{phone}, every...)
		}
		for _, vp := range vps {
			for _, p := range pages {
				where := lang + " " + vp.name + " " + p.name
				step(t, ctx, where, chromedp.EmulateViewport(vp.w, vp.h, vp.opts...), chromedp.Navigate(srv.URL+p.path),
					chromedp.WaitVisible(chromedp.CSS(p.ready)), chromedp.WaitVisible(chromedp.CSS("#ring .ring-item")))
				bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`document.documentElement.lang === '`+lang+`' ? `+topbarProblems+` : ['the page is not in `+lang+`']`))
				if err != nil {
					t.Fatal(err)
				}
				if len(bad) > 0 {
					failShot(ctx)
					t.Errorf("%s: %v", where, bad)
				}
				if vp.name == "desktop" {
					// The desktop bar is as it was: one row, everything on it.
					row, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const b = document.querySelector('.topbar');
						return b.offsetHeight === 48 && [...b.querySelectorAll('nav a, #cs, .me, form button')].every(el => {
							const r = el.getBoundingClientRect(); return r.height > 0 && r.top >= 0 && r.bottom <= 48 })})()`))
					if err != nil || !row {
						t.Errorf("%s: the top bar is not one row of 48 px (%v)", where, err)
					}
				}
				if vp.w < 400 && p.name == "inbox" {
					// The views scroll sideways in their own row; the teams
					// are in that row too, not a step lower.
					one, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Set([...document.querySelectorAll('#views li')].map(li => li.getBoundingClientRect().top)).size === 1`))
					if err != nil || !one {
						t.Errorf("%s: the views are not one row (%v)", where, err)
					}
				}
				switch {
				case vp.name == "phone" && p.name == "inbox":
					shot(ctx, "phone-topbar")
				case vp.name == "phone" && p.name == "visitors":
					shot(ctx, "phone-visitors")
				case lang == "el" && vp.name == "small phone" && p.name == "inbox":
					shot(ctx, "phone-topbar-el")
				}
			}
		}
	}

	// The other screens a phone reaches from the bar fit it too.
	for _, lang := range []string{"en", "hr", "lt", "el", "sl"} {
		speak(t, ctx, lang)
		for _, path := range []string{"/admin/teams", "/admin/tokens", "/admin/mailboxes", "/admin/canned", "/admin/chat",
			fmt.Sprintf("/contacts/%d", e.t1.Requester.ID)} {
			step(t, ctx, path, chromedp.EmulateViewport(360, 640, chromedp.EmulateMobile), chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS("main")))
			w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
			if err != nil || w > 360 {
				failShot(ctx)
				t.Errorf("%s %s is %d px wide on a 360 px phone (%v)", lang, path, w, err)
			}
		}
	}
	speak(t, ctx, "en")

	// A tap on a section the bar used to hide takes the agent there.
	step(t, ctx, "phone tap", chromedp.EmulateViewport(375, 740, chromedp.EmulateMobile), chromedp.Navigate(srv.URL+"/inbox"),
		chromedp.WaitVisible(chromedp.ID("list")), chromedp.Click(chromedp.CSS(`.topbar nav a[href="/admin/agents"]`)))
	waitJS(t, ctx, "admin page", `location.pathname === '/admin/agents' && !!document.querySelector('main.admin')`)

	time.Sleep(100 * time.Millisecond) // let the last console events arrive
	for _, p := range problems() {
		t.Errorf("browser console: %s", p)
	}
}
