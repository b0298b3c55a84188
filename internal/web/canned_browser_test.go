package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"switchboard/internal/canned"
	"switchboard/internal/desk"
	"switchboard/internal/store/storetest"
)

// altKey presses Alt+k as a person would, without leaving the field that
// has the focus (an accesskey works from inside the textarea). Chromium
// matches access keys on a keyDown event by its unmodified text.
func altKey(k, code string, vk int64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: typ, Key: k, Code: code,
				UnmodifiedText: k, WindowsVirtualKeyCode: vk, NativeVirtualKeyCode: vk, Modifiers: 1 /* Alt */}); err != nil {
				return err
			}
		}
		return nil
	})
}

// press sends one key (Enter, ArrowDown, Escape) to the focused element:
// a keydown and keyup only, as key does, since chromedp's separate char
// event would type into wherever the handled keydown moved the focus.
func press(k string) chromedp.Action[chromedp.Void] {
	vk := map[string]int64{"Enter": 13, "Escape": 27, "ArrowUp": 38, "ArrowDown": 40}[k]
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: typ, Key: k, Code: k,
				WindowsVirtualKeyCode: vk, NativeVirtualKeyCode: vk}); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestCannedBrowser: Bo, in the composer, opens the canned responses with
// Alt+C, searches, picks one with the keyboard and finds its text, filled
// for Cleo's ticket, in his reply at the caret; the draft is saved and the
// use counted. A second one goes in at the caret of what he typed since.
func TestCannedBrowser(t *testing.T) {
	ctx := browser(t)
	st := storetest.NewSQLite(t)
	e := newEnv(t, st)
	bg := context.Background()
	for _, in := range []canned.Input{
		{Title: "Greeting", Shortcut: "hi", Body: "Hi {{customer.first_name|there}},\n\nThanks for getting in touch."},
		{Title: "Refund issued", Shortcut: "refund", TeamID: e.teamID,
			Body: "We've refunded the charge for “{{ticket.subject}}”. It shows on your statement within 5–10 business days.\n\n{{agent.name}}"},
		{Title: "Password reset", Shortcut: "reset", Body: "To set a new password, choose “Forgot password?” and enter {{customer.email}}."},
		{Title: "Need more details", Shortcut: "details", Body: "Could you send us the steps that lead to the problem, and a screenshot?"},
	} {
		if _, err := e.canned.Create(bg, desk.System, in); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(e.h)
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	shot := shooter(t)
	problems := watchConsole(t, ctx, "Bo")
	t1 := fmt.Sprint(e.t1.ID)
	ta := "#body-" + t1
	q := "#cq-" + t1

	login(t, ctx, srv.URL, "bo@example.com")
	step(t, ctx, "open ticket", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(srv.URL+"/tickets/"+t1),
		chromedp.WaitVisible(chromedp.ID("composer")))
	checkLabels(t, ctx, "ticket page")
	waitJS(t, ctx, "picker not loaded yet", `!document.querySelector('.cpick') && ![...document.scripts].some(s => s.src.includes('canned.js'))`)

	// From the reply box, Alt+C opens the picker with the caret in its search.
	step(t, ctx, "reply box", chromedp.Click(chromedp.CSS(ta)))
	step(t, ctx, "Alt+C", altKey("c", "KeyC", 67))
	waitJS(t, ctx, "search focused", `document.activeElement === document.querySelector('`+q+`')`)
	waitJS(t, ctx, "first option chosen", `document.querySelector('`+q+`').getAttribute('aria-activedescendant') === document.querySelector('[role=option][aria-selected=true]').id`)
	checkLabels(t, ctx, "picker")
	shot(ctx, "canned-picker")

	// Typing searches; the arrow keys move; Enter inserts.
	step(t, ctx, "search", chromedp.SendKeys(chromedp.CSS(q), "ref"))
	waitJS(t, ctx, "one match", `document.querySelectorAll('.cres [role=option]').length === 1 && document.querySelector('.cres [role=option] .ct').textContent === 'Refund issued'`)
	shot(ctx, "canned-search")
	step(t, ctx, "down, enter", press("ArrowDown"), press("Enter"))
	want := "We've refunded the charge for “Refund for order 1042”. It shows on your statement within 5–10 business days.\n\nBo Agent"
	waitJS(t, ctx, "inserted, filled", fmt.Sprintf(`document.querySelector('%s').value === %q`, ta, want))
	waitJS(t, ctx, "picker closed, caret after the text", fmt.Sprintf(`!document.querySelector('details.canned').open && document.activeElement === document.querySelector('%s') && document.activeElement.selectionStart === %d`, ta, len([]rune(want))))
	waitJS(t, ctx, "draft saved", fmt.Sprintf(`(JSON.parse(localStorage.getItem('sb-draft-%s') || '{}').body || '').includes('refunded the charge')`, t1))
	waitJS(t, ctx, "use counted", `performance.getEntriesByType('resource').some(r => r.name.includes('/use'))`)
	shot(ctx, "canned-inserted")

	// Another one at the caret: at the start of the reply, before the
	// refund text, parted from it by a blank line.
	step(t, ctx, "caret to start", chromedp.Evaluate[chromedp.Void](`document.querySelector('`+ta+`').setSelectionRange(0, 0)`))
	step(t, ctx, "Alt+C again", altKey("c", "KeyC", 67))
	waitJS(t, ctx, "search focused again, its text selected", `document.activeElement === document.querySelector('`+q+`') && document.activeElement.selectionEnd === 3`)
	step(t, ctx, "shortcut", chromedp.SendKeys(chromedp.CSS(q), "hi"))
	waitJS(t, ctx, "shortcut first", `document.querySelector('.cres [role=option][aria-selected=true] .ct').textContent === 'Greeting'`)
	step(t, ctx, "enter", press("Enter"))
	waitJS(t, ctx, "greeting before the refund", fmt.Sprintf(`document.querySelector('%s').value === %q`, ta, "Hi Cleo,\n\nThanks for getting in touch.\n\n"+want))

	// Escape closes the picker and goes back to the reply.
	step(t, ctx, "Alt+C, Escape", altKey("c", "KeyC", 67))
	waitJS(t, ctx, "open", `document.querySelector('details.canned').open && document.activeElement === document.querySelector('`+q+`')`)
	step(t, ctx, "escape", press("Escape"))
	waitJS(t, ctx, "closed", `!document.querySelector('details.canned').open && document.activeElement === document.querySelector('`+ta+`')`)

	// The draft survives a reload, and the reply sends.
	waitJS(t, ctx, "draft saved again", fmt.Sprintf(`(JSON.parse(localStorage.getItem('sb-draft-%s') || '{}').body || '').startsWith('Hi Cleo,')`, t1))
	step(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("composer")))
	waitJS(t, ctx, "draft restored", fmt.Sprintf(`document.querySelector('%s').value.startsWith('Hi Cleo,')`, ta))
	step(t, ctx, "send", chromedp.Click(chromedp.ID("send")))
	waitJS(t, ctx, "reply in thread", `[...document.querySelectorAll('#thread .msg.out')].some(m => m.innerText.includes('refunded the charge'))`)

	// On a phone the picker spans the composer too, and a tap inserts.
	step(t, ctx, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(srv.URL+"/tickets/"+t1),
		chromedp.WaitVisible(chromedp.ID("composer")), chromedp.ScrollIntoView(chromedp.CSS("details.canned summary")),
		chromedp.Click(chromedp.CSS("details.canned summary")))
	waitJS(t, ctx, "phone picker", `!!document.querySelector('.cres [role=option]') && getComputedStyle(document.querySelector('.cpick')).position === 'absolute'`)
	waitJS(t, ctx, "fits the screen", `(r => r.left >= 0 && r.right <= innerWidth)(document.querySelector('.cpick').getBoundingClientRect())`)
	shot(ctx, "canned-phone")
	step(t, ctx, "tap", chromedp.Click(chromedp.CSS(`.cres [role=option][data-text*="cleo@example.com"] .ct`)))
	reset := "To set a new password, choose “Forgot password?” and enter cleo@example.com."
	waitJS(t, ctx, "tapped in", fmt.Sprintf(`document.querySelector('%s').value === %q`, ta, reset))
	// After text, a new paragraph.
	step(t, ctx, "tap again", chromedp.Click(chromedp.CSS("details.canned summary")))
	waitJS(t, ctx, "open again", `document.querySelector('details.canned').open`)
	step(t, ctx, "tap greeting", chromedp.Click(chromedp.CSS(`.cres [role=option][data-text^="Hi Cleo"] .ct`)))
	waitJS(t, ctx, "appended as a paragraph", fmt.Sprintf(`document.querySelector('%s').value === %q`, ta, reset+"\n\nHi Cleo,\n\nThanks for getting in touch."))

	all, err := e.canned.List(bg, desk.System, canned.Query{Q: "refund"})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Uses != 1 {
		t.Errorf("uses after one insertion: %+v", all)
	}

	// The admin screen, as Ana in her own browser context.
	ana, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(ana); err != nil {
		t.Fatal(err)
	}
	anaProblems := watchConsole(t, ana, "Ana")
	login(t, ana, srv.URL, "ana@example.com")
	step(t, ana, "admin canned", chromedp.EmulateViewport(1440, 1250), chromedp.Navigate(srv.URL+"/admin/canned"),
		chromedp.WaitVisible(chromedp.ID("canned-list")))
	checkLabels(t, ana, "admin canned")
	shot(ana, "canned-admin")
	// Searching as she types narrows the list and its count.
	step(t, ana, "admin search", chromedp.SendKeys(chromedp.ID("canned-q"), "passw"))
	waitJS(t, ana, "narrowed", `document.querySelectorAll('#canned-list tbody tr').length === 1 && document.getElementById('canned-count').textContent === '1' && location.search === '?q=passw' && document.activeElement.id === 'canned-q'`)

	time.Sleep(100 * time.Millisecond) // let the last console events arrive
	for _, p := range append(problems(), anaProblems()...) {
		t.Errorf("browser console: %s", p)
	}
}
