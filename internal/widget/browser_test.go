package widget_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/i18n"
	"switchboard/internal/server"
	"switchboard/internal/store/storetest"
	"switchboard/internal/team"
)

// site is Switchboard (the real server) and a customer's shop on another
// origin that embeds the widget, as on a real site.
type site struct {
	desk, shop *httptest.Server
	svc        *server.Services
	ch         desk.ChatChannel
	agent      desk.Actor
	// noWS makes Switchboard's side refuse WebSocket handshakes, as a
	// proxy that filters them does (Chromium's network.setBlockedURLs
	// does not apply to WebSockets).
	noWS atomic.Bool
	// user, when set, is the signed-in user the shop page passes on.
	user *chat.Identity
}

var shopPage = template.Must(template.New("shop").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ACME Outdoor</title></head>
<body style="font-family: Georgia, serif; margin: 0">
<header style="background:#1f3a24;color:#f6f3ec;padding:16px 32px;font-size:22px"><b>▲ ACME Outdoor</b></header>
<main style="padding:24px 32px;max-width:900px">
<h1>Ridgeline 2 tent</h1>
<p>Two people, 1.9 kg, up in four minutes. Free returns for 60 days.</p>
<p><a href="/other">Other page</a></p>
<div style="height:260px;border-radius:12px;background:linear-gradient(135deg,#d96c3b 0 50%,#f0b48f 50%)"></div>
</main>
<script src="{{.Desk}}/chat/widget.js" data-channel="{{.Key}}"
{{- with .User}} data-user-id="{{.ID}}" data-user-email="{{.Email}}" data-user-name="{{.Name}}" data-user-hash="{{.Hash}}"{{end}} async></script>
</body></html>`))

// newSite starts both servers; with online, agent Ana is available for
// chats.
func newSite(t *testing.T, online bool) *site {
	t.Helper()
	return newSiteAt(t, online, nil)
}

// newSiteAt is newSite on a clock (nil: the system's).
func newSiteAt(t *testing.T, online bool, clk desk.Clock) *site {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st := storetest.NewSQLite(t)
	s := &site{svc: server.NewServices(st, nil, clk)}
	go func() { _ = s.svc.ChatHub.Run(ctx) }()
	s.desk = httptest.NewUnstartedServer(nil)
	base := "http://" + s.desk.Listener.Addr().String()
	srv, err := server.Build(ctx, s.svc, base, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	s.desk.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.noWS.Load() && strings.HasSuffix(r.URL.Path, "/ws") {
			http.Error(w, "WebSockets are not allowed through this proxy", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
	s.desk.Start()
	s.shop = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = shopPage.Execute(w, map[string]any{"Desk": s.desk.URL, "Key": s.ch.PublicKey, "User": s.user})
	}))
	t.Cleanup(func() {
		cancel()
		s.desk.CloseClientConnections()
		s.desk.Close()
		s.shop.Close()
	})
	ag, err := s.svc.Team.CreateAgent(ctx, desk.System, team.NewAgent{Email: "ana@desk.test", Name: "Ana Horvat", Role: desk.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	s.agent = desk.Actor{Kind: desk.ActorAgent, AgentID: ag.ID, Name: ag.Name, Role: desk.RoleAgent}
	if online {
		if err := s.svc.Chat.SetStatus(ctx, s.agent, desk.AgentOnline); err != nil {
			t.Fatal(err)
		}
		if err := s.svc.Chat.Heartbeat(ctx, s.agent); err != nil {
			t.Fatal(err)
		}
	}
	s.ch, err = s.svc.Chat.CreateChannel(ctx, desk.System, chat.ChannelInput{Name: "ACME Outdoor", Origins: []string{s.shop.URL},
		Active: true, Color: "#2f5d34", Greeting: "Hi! Questions about gear or an order? We're here.",
		Prechat: desk.Prechat{Name: desk.FieldRequired, Email: desk.FieldOptional}, MaxUpload: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

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

// browser starts headless Chromium with a fresh profile (skipped only
// with SWITCHBOARD_SKIP_BROWSER=1; CI requires it).
func browser(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("SWITCHBOARD_SKIP_BROWSER") == "1" {
		t.Skip("SWITCHBOARD_SKIP_BROWSER=1")
	}
	path, err := chromiumPath()
	if err != nil {
		t.Fatal(err)
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800))
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(alloc)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 120*time.Second)
	t.Cleanup(cancel3)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// watchConsole collects script errors and CSP violations.
func watchConsole(t *testing.T, ctx context.Context) func() []string {
	t.Helper()
	var mu sync.Mutex
	var problems []string
	add := func(s string) { mu.Lock(); problems = append(problems, s); mu.Unlock() }
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

// in wraps a JavaScript expression so R is the widget's shadow root.
func in(expr string) string {
	return `(() => { const R = document.querySelector('switchboard-chat')?.shadowRoot; if (!R) return false; return (` + expr + `); })()`
}

// w selects an element inside the widget.
func w(css string) chromedp.JSPath {
	return chromedp.JSPath(`document.querySelector('switchboard-chat').shadowRoot.querySelector(` + fmt.Sprintf("%q", css) + `)`)
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

// wait waits until a JavaScript expression (R is the widget's shadow
// root) is true.
func wait(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	var err error
	for range 3 {
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](in(expr), chromedp.WithPollingTimeout(15*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
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

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](in(expr)))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// until waits for a condition on the server side.
func until(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("SWITCHBOARD_SCREENSHOTS")
	if dir == "" {
		return
	}
	time.Sleep(300 * time.Millisecond) // let the panel's entrance animation end
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if buf, err = palette(buf); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// palette re-encodes a screenshot with its 256 most used colours, which
// keeps the pictures in docs/ small (a page has few colours; the edges of
// letters take the nearest).
func palette(b []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	r := img.Bounds()
	n := map[color.RGBA]int{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			n[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	cs := make([]color.RGBA, 0, len(n))
	for c := range n {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b color.RGBA) int { return n[b] - n[a] })
	var pal color.Palette
	for _, c := range cs[:min(len(cs), 256)] {
		pal = append(pal, c)
	}
	out := image.NewPaletted(r, pal)
	draw.Draw(out, r, img, r.Min, draw.Src)
	var w bytes.Buffer
	err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&w, out)
	return w.Bytes(), err
}

func failShot(ctx context.Context) {
	if dir := os.Getenv("SWITCHBOARD_SCREENSHOTS"); dir != "" {
		if buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "failure.png"), buf, 0o644)
		}
	}
}

// unlabelled lists the widget's form controls without a label.
const unlabelled = `[...R.querySelectorAll('input,select,textarea')].filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name || el.type)`

func checkLabels(t *testing.T, ctx context.Context) {
	t.Helper()
	if missing := eval[[]string](t, ctx, unlabelled); len(missing) > 0 {
		t.Errorf("controls without a label: %v", missing)
	}
}

// keys types into the focused element.
func keys(s string) chromedp.Action[chromedp.Void] { return chromedp.KeyEvent(s) }

// enter presses Enter as one key press (keydown with its text, keyup), so
// a handler that prevents the keydown's default stops the newline too, as
// in a real browser.
func enter() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, p := range []input.DispatchKeyEventParams{
			{Type: input.DispatchKeyEventTypeKeyDown, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, Text: "\r", UnmodifiedText: "\r"},
			{Type: input.DispatchKeyEventTypeKeyUp, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13},
		} {
			if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// click clicks an element of the widget with the mouse.
func click(css string) chromedp.Action[chromedp.Void] { return chromedp.Click(w(css)) }

// logTexts returns the texts of the widget's log, in order.
const logTexts = `[...R.querySelectorAll('ol[role=log] li')].map(li => (li.querySelector('.bu') || li).textContent)`

// count returns how often text occurs among the widget's log texts.
func count(t *testing.T, ctx context.Context, text string) int {
	t.Helper()
	n := 0
	for _, s := range eval[[]string](t, ctx, logTexts) {
		if s == text {
			n++
		}
	}
	return n
}

func (s *site) chat(t *testing.T) desk.Chat {
	t.Helper()
	var c desk.Chat
	until(t, "a chat", func() bool {
		cs, err := s.svc.Chat.OpenChats(context.Background(), s.agent)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) > 0 {
			c = cs[0]
		}
		return len(cs) > 0
	})
	return c
}

// entries returns the bodies of the chat's visitor and agent messages.
func (s *site) entries(t *testing.T, chatID int64) []string {
	t.Helper()
	_, es, err := s.svc.Chat.Chat(context.Background(), s.agent, chatID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if e.Kind == desk.EntryMessage {
			out = append(out, e.Body)
		}
	}
	return out
}

func (s *site) reply(t *testing.T, c desk.Chat, text string) {
	t.Helper()
	if _, err := s.svc.Tickets.AddMessage(context.Background(), s.agent, c.TicketID, desk.NewMessage{Text: text}); err != nil {
		t.Fatal(err)
	}
}

func countOf(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// offline cuts the browser off the network (and tells the page), or
// brings it back.
func offline(ctx context.Context, off bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	})
}

// block makes the browser refuse requests to URLs matching the patterns,
// as a proxy that filters WebSockets (or streams) would.
func block(patterns ...string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		var ps []*network.BlockPattern
		for _, p := range patterns {
			ps = append(ps, &network.BlockPattern{URLPattern: p, Block: true})
		}
		_, err := cdp.Call(ctx, tg, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: ps})
		return err
	})
}

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 160, 100))
	for y := range 100 {
		for x := range 160 {
			img.Set(x, y, color.RGBA{uint8(80 + x/2), uint8(120 + y), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// startChat fills the pre-chat form from the keyboard and sends it.
func startChat(t *testing.T, ctx context.Context, name, email, text string) {
	t.Helper()
	wait(t, ctx, "launcher", `R.querySelector('.l')?.checkVisibility()`)
	step(t, ctx, "focus launcher", chromedp.Focus(w(".l")), enter())
	wait(t, ctx, "pre-chat form", `R.querySelector('[role=dialog]').checkVisibility() && R.activeElement?.name === 'name'`)
	step(t, ctx, "fill pre-chat form", keys(name), keys("\t"), keys(email), keys("\t"), keys(text))
	step(t, ctx, "start", chromedp.Focus(w(".pre .btn")), enter())
}

// TestWidgetChatBrowser is a visitor's whole chat on a shop's site: the
// pre-chat form, the agent joining, typing both ways, replies, read
// marks, a reload, a dropped connection, a picture, the end and the
// rating, with no script errors.
func TestWidgetChatBrowser(t *testing.T) {
	s := newSite(t, true)
	ctx := browser(t)
	problems := watchConsole(t, ctx)
	bg := context.Background()
	events, unsub := s.svc.Broker.Subscribe()
	defer unsub()
	visitorTyped := make(chan struct{}, 1)
	go func() {
		for ev := range events {
			var d chat.TypingData
			if ev.Type == chat.EventTyping && chat.Decode(ev, &d) && d.Author == desk.AuthorVisitor && d.On {
				select {
				case visitorTyped <- struct{}{}:
				default:
				}
			}
		}
	}()

	step(t, ctx, "open shop", chromedp.Navigate(s.shop.URL+"/"))
	wait(t, ctx, "launcher", `R.querySelector('.l')?.checkVisibility()`)
	step(t, ctx, "open with the keyboard", chromedp.Focus(w(".l")), enter())
	wait(t, ctx, "pre-chat form", `R.querySelector('[role=dialog]').checkVisibility() && R.activeElement?.name === 'name'`)
	checkLabels(t, ctx)
	if got := eval[string](t, ctx, `R.querySelector('.g').textContent`); got != "Hi! Questions about gear or an order? We're here." {
		t.Errorf("greeting %q", got)
	}
	// Escape closes and gives focus back to the launcher.
	step(t, ctx, "escape", keys("\x1b"))
	wait(t, ctx, "closed", `!R.querySelector('[role=dialog]').checkVisibility() && R.activeElement === R.querySelector('.l')`)
	step(t, ctx, "open again", enter())
	wait(t, ctx, "open again", `R.activeElement?.name === 'name'`)
	// Sending without the required name says what is missing.
	step(t, ctx, "send empty", chromedp.Focus(w(".pre .btn")), enter())
	wait(t, ctx, "field errors", `R.activeElement?.name === 'name' && R.activeElement.getAttribute('aria-invalid') === 'true'`)
	step(t, ctx, "fill the pre-chat form", keys("Iva Kos"), keys("\t"), keys("iva@example.com"), keys("\t"), keys("My tent pole snapped on day two."))
	shot(t, ctx, "chat-widget-prechat")
	step(t, ctx, "start", chromedp.Focus(w(".pre .btn")), enter())
	c := s.chat(t)
	wait(t, ctx, "first message delivered", `R.querySelector('ol[role=log] li.me .mk')?.textContent.includes('✓')`)
	if v, _, err := s.svc.Chat.Chat(bg, s.agent, c.ID); err != nil || v.VisitorName != "Iva Kos" {
		t.Errorf("chat visitor: %q %v", v.VisitorName, err)
	}

	// Ana accepts and types; the visitor sees both.
	if _, err := s.svc.Chat.Accept(bg, s.agent, c.ID); err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, "agent joined", `R.querySelector('li.sy')?.textContent === 'Ana Horvat joined the chat' && R.querySelector('header p').textContent === "You're chatting with Ana"`)
	if err := s.svc.Chat.AgentTyping(bg, s.agent, c.ID, true); err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, "agent typing", `R.querySelector('.ty').textContent === 'Ana is typing…'`)
	s.reply(t, c, "Sorry to hear that! Which tent is it? https://shop.example/help")
	wait(t, ctx, "agent reply", `R.querySelector('li.ag .bu')?.textContent === 'Sorry to hear that! Which tent is it? https://shop.example/help' && R.querySelector('.ty').textContent === ''`)
	if href := eval[string](t, ctx, `R.querySelector('li.ag .bu a')?.href || ''`); href != "https://shop.example/help" {
		t.Errorf("link %q", href)
	}

	// The visitor types (Ana is told) and sends with Enter.
	wait(t, ctx, "composer focused", `R.activeElement === R.querySelector('.c textarea')`)
	step(t, ctx, "type", keys("The Ridgeline 2"))
	select {
	case <-visitorTyped:
	case <-time.After(10 * time.Second):
		t.Fatal("the service heard no visitor typing")
	}
	step(t, ctx, "send", enter())
	until(t, "the visitor's reply", func() bool { return countOf(s.entries(t, c.ID), "The Ridgeline 2") == 1 })
	wait(t, ctx, "reply shown", `[...R.querySelectorAll('ol[role=log] li.me .bu')].some(b => b.textContent === 'The Ridgeline 2') && !R.querySelector('.pe')`)
	if v, _, err := s.svc.Chat.Chat(bg, s.agent, c.ID); err != nil {
		t.Fatal(err)
	} else if err := s.svc.Chat.AgentSeen(bg, s.agent, c.ID, v.LastSeq); err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, "read mark", `[...R.querySelectorAll('li.me .mk')].every(m => m.textContent.includes('Read'))`)
	s.reply(t, c, "Thanks, a replacement pole is on its way. Anything else?")
	wait(t, ctx, "second reply", `R.querySelectorAll('li.ag').length === 2`)
	shot(t, ctx, "chat-widget-conversation")
	before := eval[[]string](t, ctx, logTexts)

	// A reload rebuilds the conversation from the server, once.
	step(t, ctx, "reload", chromedp.Reload())
	wait(t, ctx, "rebuilt", fmt.Sprintf(`R.querySelector('[role=dialog]')?.checkVisibility() && R.querySelectorAll('ol[role=log] li').length === %d`, len(before)))
	time.Sleep(300 * time.Millisecond)
	if after := eval[[]string](t, ctx, logTexts); strings.Join(after, "|") != strings.Join(before, "|") {
		t.Errorf("after reload:\n%q\nbefore:\n%q", after, before)
	}

	// The connection drops: Ana replies meanwhile and the visitor sends;
	// back online, each message is there exactly once on both sides.
	step(t, ctx, "offline", offline(ctx, true))
	s.desk.CloseClientConnections()
	wait(t, ctx, "reconnecting", `R.querySelector('.cn').checkVisibility()`)
	s.reply(t, c, "Reply while you were away")
	step(t, ctx, "type offline", chromedp.Focus(w(".c textarea")), keys("Sent while offline"), enter())
	wait(t, ctx, "pending", `R.querySelector('.pe')?.textContent.includes('Sent while offline')`)
	step(t, ctx, "online", offline(ctx, false))
	wait(t, ctx, "caught up", `!R.querySelector('.pe') && !R.querySelector('.cn').checkVisibility() && [...R.querySelectorAll('ol[role=log] .bu')].some(b => b.textContent === 'Sent while offline') && [...R.querySelectorAll('ol[role=log] .bu')].some(b => b.textContent === 'Reply while you were away')`)
	time.Sleep(500 * time.Millisecond)
	for _, m := range []string{"Sent while offline", "Reply while you were away", "The Ridgeline 2", "My tent pole snapped on day two."} {
		if n := count(t, ctx, m); n != 1 {
			t.Errorf("%q shown %d times", m, n)
		}
		if n := countOf(s.entries(t, c.ID), m); n != 1 {
			t.Errorf("%q stored %d times", m, n)
		}
	}

	// A picture: the agent's ticket gets it, the widget shows a thumbnail.
	b64 := base64.StdEncoding.EncodeToString(pngBytes(t))
	step(t, ctx, "upload", chromedp.Evaluate[chromedp.Void](in(`(() => { const b = Uint8Array.from(atob('`+b64+`'), c => c.charCodeAt(0)); const dt = new DataTransfer();
		dt.items.add(new File([b], 'pole.png', {type: 'image/png'})); const i = R.querySelector('input[type=file]'); i.files = dt.files; i.dispatchEvent(new Event('change')); return true })()`)))
	wait(t, ctx, "thumbnail", `[...R.querySelectorAll('li.me img')].some(i => i.complete && i.naturalWidth === 160 && i.alt === 'pole.png')`)
	ms, err := s.svc.Tickets.Messages(bg, s.agent, c.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range ms {
		for _, a := range m.Attachments {
			found = found || a.Filename == "pole.png" && a.ContentType == "image/png"
		}
	}
	if !found {
		t.Error("the ticket has no pole.png")
	}

	// The visitor ends the chat, rates it and asks for the transcript.
	step(t, ctx, "end", click("header .hb"))
	wait(t, ctx, "confirm", `R.activeElement?.textContent === 'Yes, end it'`)
	step(t, ctx, "confirm end", enter())
	wait(t, ctx, "rating", `R.querySelector('.stars')?.checkVisibility() && R.querySelector('header p').textContent === 'Chat ended'`)
	checkLabels(t, ctx)
	step(t, ctx, "four stars", click(".stars label:nth-child(4)"), chromedp.Focus(w("textarea[name=comment]")), keys("Quick and friendly."))
	wait(t, ctx, "stars lit", `R.querySelectorAll('.stars label.on').length === 4`)
	step(t, ctx, "scroll", chromedp.Evaluate[chromedp.Void](in(`R.querySelector('.stars').scrollIntoView({block: 'nearest'}) || true`)))
	shot(t, ctx, "chat-widget-rating")
	step(t, ctx, "send rating", click(".rt .btn"))
	until(t, "the rating", func() bool {
		v, _, err := s.svc.Chat.Chat(bg, s.agent, c.ID)
		return err == nil && v.Rating != nil && *v.Rating == 4 && v.RatingComment == "Quick and friendly."
	})
	wait(t, ctx, "thanks", `R.querySelector('[data-done]')?.textContent === 'Thank you for your feedback!'`)
	if v := eval[string](t, ctx, `R.querySelector('.tr input[name=email]').value`); v != "iva@example.com" {
		t.Errorf("transcript address prefilled as %q", v)
	}
	step(t, ctx, "transcript", click(".tr .btn2"))
	wait(t, ctx, "transcript sent", `R.querySelector('.note p:not([data-done]):not(.fe)')?.textContent === 'The transcript is on its way to iva@example.com.'`)
	step(t, ctx, "new chat", click(".note > .btn"))
	wait(t, ctx, "pre-chat again", `R.querySelector('.pre').checkVisibility() && !R.querySelector('ol[role=log]').checkVisibility()`)
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}

// TestWidgetFallbackBrowser: where a proxy blocks WebSockets the widget
// chats over Server-Sent Events, and where it blocks those too, over
// long polling. It also keeps the phone-sized picture.
func TestWidgetFallbackBrowser(t *testing.T) {
	s := newSite(t, true)
	ctx := browser(t)
	problems := watchConsole(t, ctx)
	bg := context.Background()
	host := strings.TrimPrefix(s.desk.URL, "http://")
	s.noWS.Store(true)
	step(t, ctx, "open shop", chromedp.Navigate(s.shop.URL+"/"))
	startChat(t, ctx, "Marko", "", "Do you ship to Slovenia?")
	c := s.chat(t)
	mode := `sessionStorage.getItem('sbchat:` + s.ch.PublicKey + `:m')`
	wait(t, ctx, "on SSE", mode+` === '"sse"' && !!R.querySelector('li.me .mk')`)
	if _, err := s.svc.Chat.Accept(bg, s.agent, c.ID); err != nil {
		t.Fatal(err)
	}
	s.reply(t, c, "We do: 2–3 working days.")
	wait(t, ctx, "reply over SSE", `R.querySelector('li.ag .bu')?.textContent === 'We do: 2–3 working days.'`)
	step(t, ctx, "send", chromedp.Focus(w(".c textarea")), keys("Great, thanks!"), enter())
	until(t, "the message over /send", func() bool { return countOf(s.entries(t, c.ID), "Great, thanks!") == 1 })
	wait(t, ctx, "delivered", `!R.querySelector('.pe') && R.querySelectorAll('li.me').length === 2`)

	step(t, ctx, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	wait(t, ctx, "full screen", `R.querySelector('[role=dialog]').getBoundingClientRect().width === 390 && !R.querySelector('.l').checkVisibility()`)
	shot(t, ctx, "chat-widget-phone")
	step(t, ctx, "desktop", chromedp.EmulateViewport(1280, 800))

	// Streams blocked too: a fresh page falls back to long polling.
	step(t, ctx, "block streams", block("http://"+host+"/chat/*/events*"),
		chromedp.Evaluate[chromedp.Void](`sessionStorage.clear()`), chromedp.Reload())
	wait(t, ctx, "on polling", mode+` === '"poll"' && R.querySelectorAll('ol[role=log] li.me').length === 2`)
	s.reply(t, c, "Anything else?")
	wait(t, ctx, "reply over polling", `[...R.querySelectorAll('li.ag .bu')].some(b => b.textContent === 'Anything else?')`)
	step(t, ctx, "send over polling", chromedp.Focus(w(".c textarea")), keys("No, that's all."), enter())
	until(t, "the message over polling", func() bool { return countOf(s.entries(t, c.ID), "No, that's all.") == 1 })
	wait(t, ctx, "shown once", `[...R.querySelectorAll('li.me .bu')].filter(b => b.textContent === "No, that's all.").length === 1 && !R.querySelector('.pe')`)
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}

// TestWidgetOfflineBrowser: with no agent available the visitor, signed
// in on the shop (its identity signed with the channel's secret), leaves
// a message, which becomes a ticket answered by email.
func TestWidgetOfflineBrowser(t *testing.T) {
	s := newSite(t, false)
	s.user = &chat.Identity{ID: "u-7", Email: "lea@example.com", Name: "Lea Novak", Hash: chat.IdentityHash(s.ch.IdentitySecret, "u-7", "lea@example.com")}
	ctx := browser(t)
	problems := watchConsole(t, ctx)
	step(t, ctx, "open shop", chromedp.Navigate(s.shop.URL+"/"))
	wait(t, ctx, "launcher", `R.querySelector('.l')?.checkVisibility()`)
	step(t, ctx, "open", click(".l"))
	wait(t, ctx, "offline form", `R.querySelector('.off').checkVisibility() && R.querySelector('header p').textContent === "We're away right now"`)
	checkLabels(t, ctx)
	if got := eval[[]string](t, ctx, `[...R.querySelectorAll('.off input')].map(i => i.value)`); strings.Join(got, ",") != "Lea Novak,lea@example.com" {
		t.Errorf("the signed-in user is not filled in: %q", got)
	}
	step(t, ctx, "fill", chromedp.Focus(w(".off textarea")), keys("Can I return boots I wore once?"))
	shot(t, ctx, "chat-widget-offline")
	step(t, ctx, "send", chromedp.Focus(w(".off .btn")), enter())
	wait(t, ctx, "done", `R.querySelector('.note')?.textContent.startsWith('Thank you! We have your message')`)
	text := eval[string](t, ctx, `R.querySelector('.note').textContent`)
	var number int64
	if i := strings.LastIndex(text, "#"); i < 0 {
		t.Fatalf("no reference in %q", text)
	} else if _, err := fmt.Sscan(text[i+1:], &number); err != nil {
		t.Fatalf("reference in %q: %v", text, err)
	}
	tk, err := s.svc.Tickets.GetByNumber(context.Background(), s.agent, number)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Requester.Email != "lea@example.com" || tk.Channel != desk.ChannelChat {
		t.Errorf("ticket %+v", tk)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}

// TestWidgetMissedBrowser: a chat nobody accepts in time ends as missed
// before the visitor's eyes; having given no email address, they leave
// one to be answered at.
func TestWidgetMissedBrowser(t *testing.T) {
	clk := desk.NewFixedClock(time.Now())
	s := newSiteAt(t, true, clk)
	ctx := browser(t)
	problems := watchConsole(t, ctx)
	bg := context.Background()
	step(t, ctx, "open shop", chromedp.Navigate(s.shop.URL+"/"))
	startChat(t, ctx, "Iva Kos", "", "Do you ship to Iceland?")
	c := s.chat(t)
	wait(t, ctx, "waiting", `R.querySelector('ol[role=log] li.me .mk')?.textContent.includes('✓') && R.querySelector('header p').textContent === 'Waiting for someone to join…'`)

	clk.Advance(3*time.Minute + time.Second)
	if err := s.svc.Chat.TouchVisitors(bg, []int64{c.VisitorID}); err != nil { // the widget is still there
		t.Fatal(err)
	}
	if missed, _, err := s.svc.Chat.Sweep(bg); err != nil || missed != 1 {
		t.Fatalf("sweep: %d %v", missed, err)
	}
	wait(t, ctx, "missed", `[...R.querySelectorAll('ol[role=log] li.sy')].some(l => l.textContent === 'Sorry, no one could answer right now.') &&
		R.querySelector('.ms').checkVisibility() && !R.querySelector('.rt').checkVisibility() && !R.querySelector('.tr').checkVisibility() &&
		!R.querySelector('.c').checkVisibility() && R.querySelector('header p').textContent === 'Chat ended'`)
	if got := eval[string](t, ctx, `R.querySelector('.note p[role=status]').textContent`); got != "Leave your email address and we will answer you there." {
		t.Errorf("missed note %q", got)
	}
	checkLabels(t, ctx)
	step(t, ctx, "scroll", chromedp.Evaluate[chromedp.Void](in(`R.querySelector('.ms').scrollIntoView({block: 'nearest'}) || true`)))
	shot(t, ctx, "chat-widget-missed")
	step(t, ctx, "leave an address", chromedp.Focus(w(".ms input[name=email]")), keys("iva@example.com"), chromedp.Focus(w(".ms .btn")), enter())
	wait(t, ctx, "answered by email", `!R.querySelector('.ms').checkVisibility() && R.querySelector('.note p[role=status]').textContent === 'We will answer you by email at iva@example.com.'`)
	if tk, err := s.svc.Tickets.Get(bg, s.agent, c.TicketID); err != nil || tk.Requester.Email != "iva@example.com" || tk.Status == desk.StatusResolved {
		t.Errorf("ticket: %v %+v", err, tk)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}

// TestDemoPageBrowser: Switchboard's own demo shop page shows the widget
// under its strict Content-Security-Policy, chats over the same-origin
// fallback, and a proactive invitation opens it once.
func TestDemoPageBrowser(t *testing.T) {
	s := newSite(t, true)
	if _, err := s.svc.Chat.CreateInvitation(context.Background(), desk.System, s.ch.ID, chat.InvitationInput{Name: "Demo",
		URLPattern: "*/chat/demo*", MinSeconds: 2, Greeting: "Looking for a tent? Ask us anything.", Active: true}); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	problems := watchConsole(t, ctx)
	s.noWS.Store(true)
	step(t, ctx, "demo page", chromedp.Navigate(s.desk.URL+"/chat/demo"))
	wait(t, ctx, "launcher", `R.querySelector('.l')?.checkVisibility() && !R.querySelector('[role=dialog]').checkVisibility()`)
	shot(t, ctx, "chat-widget-closed")
	wait(t, ctx, "invitation", `R.querySelector('[role=dialog]').checkVisibility() && R.querySelector('.g').textContent === 'Looking for a tent? Ask us anything.'`)
	mode := `sessionStorage.getItem('sbchat:` + s.ch.PublicKey + `:m')`
	wait(t, ctx, "same-origin SSE", mode+` === '"sse"'`)
	// Closed, the invitation does not come back in this session.
	step(t, ctx, "close", click("header .ib"), chromedp.Reload())
	wait(t, ctx, "launcher again", `R.querySelector('.l')?.checkVisibility()`)
	time.Sleep(2500 * time.Millisecond)
	if eval[bool](t, ctx, `R.querySelector('[role=dialog]').checkVisibility()`) {
		t.Error("the invitation opened twice")
	}
	res, err := http.Get(s.desk.URL + "/chat/demo")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("demo CSP %q", csp)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}

// TestWidgetUploadRefusedBrowser: a file the server refuses is explained
// in the visitor's language (Croatian here), not in the server's English:
// a type it does not take, a file too large for the channel in an error
// frame, and one too large to read at all (problem+json). The file's size
// is made to lie so the widget's own size check lets it through.
func TestWidgetUploadRefusedBrowser(t *testing.T) {
	s := newSite(t, true)
	bg := context.Background()
	langs := []string{"hr"}
	if _, err := s.svc.Chat.PatchChannel(bg, desk.System, s.ch.ID, chat.ChannelPatch{Languages: &langs}); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	hr := cat.For("hr")
	ctx := browser(t)
	problems := watchConsole(t, ctx)
	step(t, ctx, "open shop", chromedp.Navigate(s.shop.URL+"/"))
	startChat(t, ctx, "Iva Kos", "iva@example.com", "Pozdrav, imam pitanje o narudzbi.")
	wait(t, ctx, "first message delivered", `R.querySelector('ol[role=log] li.me .mk')?.textContent.includes('✓')`)
	if got := eval[string](t, ctx, `R.querySelector('.c textarea').placeholder`); got != hr.T("widget.placeholder") {
		t.Fatalf("the widget is not in Croatian: placeholder %q", got)
	}
	send := func(name, bytes, lie string) {
		step(t, ctx, "upload "+name, chromedp.Evaluate[chromedp.Void](in(`(() => { const f = new File([`+bytes+`], '`+name+`');`+lie+`
			const dt = new DataTransfer(); dt.items.add(f); const i = R.querySelector('input[type=file]'); i.files = dt.files; i.dispatchEvent(new Event('change')); return true })()`)))
	}
	for _, c := range []struct{ name, bytes, lie, want string }{
		{"racun.exe", `'MZ\x90\x00'`, "", hr.T("widget.file_type")},
		{"slika.png", `'<svg onload=x>'`, "", hr.T("widget.file_type")},
		{"sken.txt", `'a'.repeat(1.5 * 1048576)`, `Object.defineProperty(f, 'size', {value: 10});`, hr.T("widget.too_large", "size", "1 MB")},
		{"arhiva.txt", `'a'.repeat(2.5 * 1048576)`, `Object.defineProperty(f, 'size', {value: 10});`, hr.T("widget.too_large", "size", "1 MB")},
	} {
		step(t, ctx, "clear", chromedp.Evaluate[chromedp.Void](in(`(R.querySelector('.er').textContent = '') || true`)))
		send(c.name, c.bytes, c.lie)
		wait(t, ctx, c.name+" refused", `R.querySelector('.er').textContent !== '' && !R.querySelector('.pe')`)
		if got := eval[string](t, ctx, `R.querySelector('.er').textContent`); got != c.want {
			t.Errorf("%s: the widget says %q, want %q", c.name, got, c.want)
		}
	}
	if got := eval[int](t, ctx, `R.querySelectorAll('ol[role=log] li.me').length`); got != 1 {
		t.Errorf("%d messages shown, want only the first", got)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}
