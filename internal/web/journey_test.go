package web

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"switchboard/internal/store/storetest"
)

// chromiumPath finds the browser: CHROMIUM_PATH, then chromium on PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on PATH; install it (apt-get install chromium) or set CHROMIUM_PATH")
}

// browser starts headless Chromium with a fresh profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("SWITCHBOARD_SKIP_BROWSER") == "1" {
		t.Skip("SWITCHBOARD_SKIP_BROWSER=1")
	}
	path, err := chromiumPath()
	if err != nil {
		t.Fatal(err) // CI requires the browser
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1440, 900))
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(alloc)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel3)
	if err := chromedp.Do(ctx); err != nil { // start the browser
		t.Fatal(err)
	}
	return ctx
}

// watchConsole collects the page's script errors and CSP violations (the
// log's javascript and security sources); network errors are the app's
// deliberate 4xx answers and are not counted.
func watchConsole(t *testing.T, ctx context.Context, who string) func() []string {
	t.Helper()
	var mu sync.Mutex
	var problems []string
	add := func(s string) { mu.Lock(); problems = append(problems, who+": "+s); mu.Unlock() }
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	entries := chromedp.Events(ctx, cdplog.EntryAdded)
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			msg := ev.ExceptionDetails.Text
			if ex := ev.ExceptionDetails.Exception; ex != nil {
				msg += " " + ex.Description
			}
			add(msg)
		}
	}()
	go func() {
		for ev, err := range entries {
			if err != nil {
				return
			}
			if e := ev.Entry; e != nil && e.Source != cdplog.EntrySourceNetwork && (e.Level == cdplog.EntryLevelError || e.Source == cdplog.EntrySourceSecurity) {
				add(string(e.Source) + ": " + e.Text)
			}
		}
	}()
	return func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), problems...) }
}

// shooter saves screenshots to SWITCHBOARD_SCREENSHOTS when set.
func shooter(t *testing.T) func(ctx context.Context, name string) {
	dir := os.Getenv("SWITCHBOARD_SCREENSHOTS")
	return func(ctx context.Context, name string) {
		t.Helper()
		if dir == "" {
			return
		}
		buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if buf, err = shrinkPNG(buf); err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func step(t *testing.T, ctx context.Context, what string, acts ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, acts...); err != nil {
		failShot(ctx)
		t.Fatalf("%s: %v", what, err)
	}
}

// failShot keeps a picture of the page when a step fails, if asked to.
func failShot(ctx context.Context) {
	if dir := os.Getenv("SWITCHBOARD_SCREENSHOTS"); dir != "" {
		if buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "failure.png"), buf, 0o644)
		}
	}
}

// key presses a shortcut key: a keydown and keyup only, as the char event
// chromedp would add types the letter into the field the shortcut focuses
// (a real browser does not, because the keydown was handled).
func key(k string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		// Leave any field first, as a person would before a shortcut.
		if _, err := chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`)(ctx, t); err != nil {
			return err
		}
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: typ, Key: k}); err != nil {
				return err
			}
		}
		return nil
	})
}

// unlabelled lists the form controls of the page that have no label.
const unlabelled = `[...document.querySelectorAll('input:not([type=hidden]),select,textarea')].filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name || el.id)`

func checkLabels(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	missing, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](unlabelled))
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("%s: controls without a label: %v", where, missing)
	}
}

// waitJS waits until a JavaScript expression is true. A form submitted
// before htmx took over a freshly swapped element navigates (the no-script
// fallback); the wait then starts again on the new page.
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	var err error
	for range 3 {
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

func login(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	step(t, ctx, "login "+email,
		chromedp.Navigate(base+"/inbox"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("list")))
}

// TestJourney drives the agent app in headless Chromium: Ana signs in,
// opens a ticket, replies, adds a note, assigns it to herself and resolves
// it, while Bo, in a second browser context, watches the same ticket and
// the inbox update without reloading.
func TestJourney(t *testing.T) {
	ana := browser(t)
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
	anaProblems := watchConsole(t, ana, "Ana")
	t1 := fmt.Sprint(e.t1.ID)

	// The sign-in page, then a wrong password, then the inbox.
	step(t, ana, "login page", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("email")))
	shot(ana, "login")
	step(t, ana, "wrong password",
		chromedp.SendKeys(chromedp.ID("email"), "ana@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), "wrong"),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".alert")))
	login(t, ana, base, "ana@example.com")
	waitJS(t, ana, "inbox rows", `document.querySelectorAll('#list .row').length >= 5`)
	shot(ana, "inbox")

	// "/" jumps to search; typing filters the list in place.
	step(t, ana, "search", key("/"))
	waitJS(t, ana, "search focused", `document.activeElement.id === 'q'`)
	step(t, ana, "type search", chromedp.SendKeys(chromedp.ID("q"), "VAT"))
	waitJS(t, ana, "filtered", `document.querySelectorAll('#list .row').length === 1 && location.search.includes('q=VAT')`)
	step(t, ana, "back to inbox", chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(chromedp.ID("list")))

	// Bo, in another browser context (own cookies), opens the same ticket.
	bo, cancelBo := chromedp.NewContext(ana, chromedp.WithNewBrowserContext())
	defer cancelBo()
	if err := chromedp.Do(bo); err != nil { // open Bo's tab in his context, not in a step's
		t.Fatal(err)
	}
	boProblems := watchConsole(t, bo, "Bo")
	login(t, bo, base, "bo@example.com")
	step(t, bo, "bo opens ticket", chromedp.Navigate(base+"/tickets/"+t1+"?view=open"), chromedp.WaitVisible(chromedp.ID("composer")))

	// Ana walks the list with j until Cleo's ticket is selected, then opens it with o.
	waitJS(t, ana, "list", `!!document.querySelector('#list .row[data-id="`+t1+`"]')`)
	for i := 0; ; i++ {
		step(t, ana, "j", key("j"))
		sel, err := chromedp.Run(ana, chromedp.Evaluate[string](`(document.querySelector('#list .row.sel')||{}).dataset.id`))
		if err != nil {
			t.Fatal(err)
		}
		if sel == t1 {
			break
		}
		if i > 20 {
			t.Fatalf("j never reached ticket %s (at %q)", t1, sel)
		}
	}
	step(t, ana, "open ticket", key("o"), chromedp.WaitVisible(chromedp.ID("composer")))
	waitJS(t, ana, "url pushed", `location.pathname === '/tickets/`+t1+`' && document.title.startsWith('#1000 Refund')`)
	waitJS(t, ana, "presence of Bo", `document.getElementById('presence').innerText.includes('Bo Agent is viewing')`)

	// Bo starts typing: Ana sees him replying.
	step(t, bo, "bo types", chromedp.SendKeys(chromedp.CSS("#composer textarea"), "Let me check"))
	waitJS(t, ana, "Bo replying", `document.getElementById('presence').innerText.includes('Bo Agent is replying')`)
	shot(ana, "ticket")
	checkLabels(t, ana, "ticket page")

	// Reply.
	step(t, ana, "reply",
		chromedp.SendKeys(chromedp.CSS("#composer textarea"), "Sorry about that, Cleo. I've refunded the second charge."),
		chromedp.Click(chromedp.ID("send")))
	waitJS(t, ana, "reply in thread", `[...document.querySelectorAll('#thread .msg.out')].some(m => m.innerText.includes('refunded the second charge'))`)
	waitJS(t, ana, "composer cleared", `document.querySelector('#composer textarea').value === ''`)

	// Note, with the n shortcut and Ctrl+Enter.
	step(t, ana, "note shortcut", key("n"))
	waitJS(t, ana, "note tab", `document.getElementById('kind-note').checked && document.activeElement.tagName === 'TEXTAREA'`)
	step(t, ana, "note",
		chromedp.SendKeys(chromedp.CSS("#composer textarea"), "Refund ID re_123, visible in Stripe tomorrow."),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	waitJS(t, ana, "note in thread", `[...document.querySelectorAll('#thread .msg.note')].some(m => m.innerText.includes('re_123'))`)

	// Bo sees the note arrive, highlighted, without reloading.
	waitJS(t, bo, "Bo sees the note, highlighted", `[...document.querySelectorAll('#thread .msg.note.flash')].some(m => m.innerText.includes('re_123'))`)

	// Assign to me (a), then resolve (e).
	step(t, ana, "assign", key("a"))
	waitJS(t, ana, "assigned", `document.getElementById('ticket-head').innerText.includes('assigned to Ana Admin')`)
	step(t, ana, "resolve", key("e"))
	waitJS(t, ana, "resolved", `!!document.querySelector('#ticket-head .badge.st-resolved')`)

	// Bo saw everything without reloading, and kept his half-written reply.
	waitJS(t, bo, "Bo sees reply and note", `document.getElementById('thread').innerText.includes('refunded the second charge') && document.getElementById('thread').innerText.includes('re_123')`)
	waitJS(t, bo, "Bo sees resolved", `!!document.querySelector('#ticket-head .badge.st-resolved')`)
	waitJS(t, bo, "Bo's list drops the resolved ticket", `!document.querySelector('#list .row[data-id="`+t1+`"]')`)
	waitJS(t, bo, "screen reader told", `document.getElementById('live').textContent.length > 0`)
	waitJS(t, bo, "Bo's draft kept", `document.querySelector('#composer textarea').value === 'Let me check'`)
	shot(bo, "live-update")

	waitJS(t, bo, "Bo sees Ana", `document.getElementById('presence').innerText.includes('Ana Admin is viewing')`)

	// The timeline on demand.
	step(t, ana, "timeline", chromedp.Click(chromedp.CSS(".timeline-box summary")))
	waitJS(t, ana, "timeline loaded", `document.querySelector('.timeline-body').innerText.includes('changed the status from New to Open')`)

	// The shortcut sheet, the admin screens and a phone.
	// The sheet is fetched the first time it opens; "?" closes it again,
	// and the second opening needs no request.
	step(t, ana, "shortcut sheet", key("?"), chromedp.WaitVisible(chromedp.CSS("#shortcuts dl.keys")))
	waitJS(t, ana, "sheet names the keys", `document.getElementById('shortcuts').innerText.includes('Assign to me')`)
	shot(ana, "shortcuts")
	step(t, ana, "sheet closes", key("?"), chromedp.WaitNotVisible(chromedp.ID("shortcuts")))
	step(t, ana, "sheet reopens", key("?"), chromedp.WaitVisible(chromedp.CSS("#shortcuts dl.keys")))
	step(t, ana, "sheet closes with its button", chromedp.Click(chromedp.CSS(`#shortcuts form[method=dialog] button`)), chromedp.WaitNotVisible(chromedp.ID("shortcuts")))
	step(t, ana, "admin", chromedp.Navigate(base+"/admin/agents"), chromedp.WaitVisible(chromedp.CSS("main.admin")))
	shot(ana, "admin")
	checkLabels(t, ana, "admin agents")
	waitJS(t, bo, "Ana left the ticket", `!document.getElementById('presence').innerText.includes('Ana Admin')`)
	step(t, ana, "teams", chromedp.Navigate(base+"/admin/teams"), chromedp.WaitVisible(chromedp.CSS(".team-row")))
	shot(ana, "admin-teams")
	checkLabels(t, ana, "admin teams")
	step(t, ana, "new token", chromedp.Navigate(base+"/admin/tokens"),
		chromedp.SendKeys(chromedp.CSS("input[name=name]"), "CRM sync"),
		chromedp.Click(chromedp.CSS("#new-token-h + form button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("secret")))
	shot(ana, "admin-tokens")
	checkLabels(t, ana, "admin tokens")
	step(t, ana, "contact", chromedp.Navigate(fmt.Sprintf("%s/contacts/%d", base, e.t1.Requester.ID)), chromedp.WaitVisible(chromedp.CSS(".contact-grid")))
	shot(ana, "contact")
	step(t, ana, "phone inbox", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(chromedp.ID("list")))
	shot(ana, "phone-inbox")
	step(t, ana, "phone ticket", chromedp.Navigate(base+"/tickets/"+t1), chromedp.WaitVisible(chromedp.ID("composer")))
	shot(ana, "phone-ticket")

	time.Sleep(100 * time.Millisecond) // let the last console events arrive
	for _, p := range append(anaProblems(), boProblems()...) {
		t.Errorf("browser console: %s", p)
	}
}
