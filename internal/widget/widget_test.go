package widget_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/i18n"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
	"switchboard/internal/widget"
)

const origin = "https://shop.example.com"

type env struct {
	srv     *httptest.Server
	svc     *chat.Service
	tickets *ticket.Service
	ch      desk.ChatChannel
	agent   desk.Actor
}

func newEnv(t *testing.T, st *store.Store) *env {
	t.Helper()
	return newEnvAt(t, st, nil)
}

// newEnvAt is newEnv on a clock (nil: the system's).
func newEnvAt(t *testing.T, st *store.Store, clk desk.Clock) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	br := realtime.NewLocal(256)
	tickets := ticket.New(st, br, clk)
	svc := chat.New(st, tickets, br, clk, chat.Options{})
	hub := chat.NewHub(svc)
	go func() { _ = hub.Run(ctx) }()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	ag, err := team.New(st, clk).CreateAgent(ctx, desk.System, team.NewAgent{Email: "ana@desk.test", Name: "Ana Horvat", Role: desk.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := svc.CreateChannel(ctx, desk.System, chat.ChannelInput{Name: "Shop", Origins: []string{origin}, Active: true, MaxUpload: 4096})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(widget.New(widget.Config{Chat: svc, Hub: hub, Catalogue: cat, BaseURL: "http://desk.test", Context: ctx}))
	t.Cleanup(func() { cancel(); srv.CloseClientConnections(); srv.Close() })
	return &env{srv: srv, svc: svc, tickets: tickets, ch: ch,
		agent: desk.Actor{Kind: desk.ActorAgent, AgentID: ag.ID, Name: ag.Name, Role: desk.RoleAgent}}
}

func (e *env) url(path string) string { return e.srv.URL + "/chat/" + e.ch.PublicKey + path }

func (e *env) post(t *testing.T, path, origin, token string, body any) (*http.Response, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	r, _ := http.NewRequest("POST", e.url(path), bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	if token != "" {
		r.Header.Set("X-Chat-Token", token)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res, out
}

func (e *env) session(t *testing.T, token string) string {
	t.Helper()
	res, out := e.post(t, "/session", origin, "", map[string]any{"token": token, "url": "https://shop.example.com/", "lang": "hr-HR"})
	if res.StatusCode != 200 {
		t.Fatalf("session: %d %v", res.StatusCode, out)
	}
	return out["token"].(string)
}

func TestSessionChecksOrigin(t *testing.T) {
	e := newEnv(t, storetest.NewSQLite(t))
	for _, o := range []string{"", "https://evil.test", "null"} {
		res, out := e.post(t, "/session", o, "", map[string]any{})
		if res.StatusCode != 403 || res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("origin %q: %d %v", o, res.StatusCode, out)
		}
	}
	res, out := e.post(t, "/session", origin, "", map[string]any{"url": "https://shop.example.com/", "lang": "hr"})
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != origin {
		t.Fatalf("session: %d %v", res.StatusCode, out)
	}
	if out["lang"] != "hr" || out["token"] == "" {
		t.Fatalf("session answer: %v", out)
	}
	// Unknown channel.
	r, _ := http.NewRequest("POST", e.srv.URL+"/chat/nope/session", strings.NewReader("{}"))
	r.Header.Set("Origin", origin)
	res2, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.StatusCode != 404 || !strings.HasPrefix(res2.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("unknown channel: %d %s", res2.StatusCode, res2.Header.Get("Content-Type"))
	}
	// A forged token.
	res, _ = e.post(t, "/send", origin, "v1.1.1.1.forged", map[string]any{"t": "ping"})
	if res.StatusCode != 401 {
		t.Fatalf("forged token: %d", res.StatusCode)
	}
}

// wsClient reads frames from a widget WebSocket.
type wsClient struct {
	t  *testing.T
	c  *websocket.Conn
	in chan chat.Frame
}

func (e *env) dial(t *testing.T, token string, chatID, after int64) *wsClient {
	t.Helper()
	u := strings.Replace(e.url("/ws"), "http://", "ws://", 1) + "?token=" + token + "&chat=" + strconv.FormatInt(chatID, 10) + "&after=" + strconv.FormatInt(after, 10)
	c, _, err := websocket.Dial(context.Background(), u, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
	if err != nil {
		t.Fatal(err)
	}
	w := &wsClient{t: t, c: c, in: make(chan chat.Frame, 100)}
	go func() {
		defer close(w.in)
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var f chat.Frame
			_ = json.Unmarshal(b, &f)
			w.in <- f
		}
	}()
	t.Cleanup(func() { c.CloseNow() })
	return w
}

func (w *wsClient) send(v any) {
	b, _ := json.Marshal(v)
	if err := w.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		w.t.Fatal(err)
	}
}

// next returns the next frame of type typ, skipping others.
func (w *wsClient) next(typ string) chat.Frame {
	w.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case f, ok := <-w.in:
			if !ok {
				w.t.Fatalf("connection closed waiting for %s", typ)
			}
			if f.T == typ {
				return f
			}
		case <-deadline:
			w.t.Fatalf("no %s frame", typ)
		}
	}
}

func TestWebSocketChat(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		tok := e.session(t, "")
		ws := e.dial(t, tok, 0, 0)
		if h := ws.next("hello"); h.Chat != nil || h.Online == nil || *h.Online {
			t.Fatalf("hello: %+v", h)
		}
		ws.send(map[string]any{"t": "start", "cid": "m1", "text": "Hi there", "name": "Iva"})
		ack := ws.next("ack")
		if ack.CID != "m1" || ack.Seq != 1 || ack.Chat == nil {
			t.Fatalf("ack: %+v", ack)
		}
		if en := ws.next("entry"); en.Entry.Seq != 1 || en.Entry.Body != "Hi there" {
			t.Fatalf("entry: %+v", en.Entry)
		}
		chatID := ack.Chat.ID
		if _, err := e.svc.Accept(ctx, e.agent, chatID); err != nil {
			t.Fatal(err)
		}
		if st := ws.next("state"); st.Status != desk.ChatActive || st.Agent != "Ana" {
			t.Fatalf("state: %+v", st)
		}
		if err := e.svc.AgentTyping(ctx, e.agent, chatID, true); err != nil {
			t.Fatal(err)
		}
		if ty := ws.next("typing"); ty.On == nil || !*ty.On || ty.Name != "Ana" {
			t.Fatalf("typing: %+v", ty)
		}
		if _, err := e.tickets.AddMessage(ctx, e.agent, mustTicket(t, e, chatID), desk.NewMessage{Text: "Hello <b>Iva</b>"}); err != nil {
			t.Fatal(err)
		}
		var last int64
		for last < 3 {
			en := ws.next("entry")
			if en.Entry.Seq != last+1 && last != 0 {
				t.Fatalf("gap: %d after %d", en.Entry.Seq, last)
			}
			last = en.Entry.Seq
			if last == 3 && (en.Entry.Author != "agent" || en.Entry.Body != "Hello <b>Iva</b>") {
				t.Fatalf("agent entry: %+v", en.Entry)
			}
		}
		// A resend after a lost ack: same seq, nothing new stored.
		ws.send(map[string]any{"t": "msg", "cid": "m2", "text": "Thanks"})
		a2 := ws.next("ack")
		ws.send(map[string]any{"t": "msg", "cid": "m2", "text": "Thanks"})
		if a3 := ws.next("ack"); a3.Seq != a2.Seq {
			t.Fatalf("resend: %d vs %d", a3.Seq, a2.Seq)
		}
		_, es, _ := e.svc.Entries(ctx, chat.Visitor{ChannelID: e.ch.ID, VisitorID: visitorOf(t, e, tok)}, chatID, 0)
		if len(es) != 4 {
			t.Fatalf("entries: %d", len(es))
		}
		// A reconnect (after a reload) gets only what it lacks.
		ws.c.CloseNow()
		tok2 := e.session(t, tok)
		ws2 := e.dial(t, tok2, chatID, 2)
		if h := ws2.next("hello"); h.Chat == nil || h.Chat.ID != chatID {
			t.Fatalf("hello 2: %+v", h)
		}
		if en := ws2.next("entry"); en.Entry.Seq != 3 {
			t.Fatalf("first entry after reconnect: %d", en.Entry.Seq)
		}
		if en := ws2.next("entry"); en.Entry.Seq != 4 {
			t.Fatalf("second entry after reconnect: %d", en.Entry.Seq)
		}
		// Bad input answers with an error frame, not a dropped connection.
		ws2.send(map[string]any{"t": "msg", "cid": "m3", "text": strings.Repeat("x", chat.MaxMessageLength+1)})
		if ef := ws2.next("error"); ef.CID != "m3" || ef.Code != "invalid" {
			t.Fatalf("error frame: %+v", ef)
		}
		ws2.send(map[string]any{"t": "ping"})
		ws2.next("pong")
	})
}

func mustTicket(t *testing.T, e *env, chatID int64) int64 {
	t.Helper()
	c, _, err := e.svc.Chat(context.Background(), e.agent, chatID)
	if err != nil {
		t.Fatal(err)
	}
	return c.TicketID
}

func visitorOf(t *testing.T, e *env, tok string) int64 {
	t.Helper()
	_, v, err := e.svc.Authenticate(context.Background(), e.ch.PublicKey, tok)
	if err != nil {
		t.Fatal(err)
	}
	return v.VisitorID
}

func TestFallbacks(t *testing.T) {
	e := newEnv(t, storetest.NewSQLite(t))
	ctx := context.Background()
	tok := e.session(t, "")
	res, out := e.post(t, "/send", origin, tok, map[string]any{"t": "start", "cid": "s1", "text": "Over SSE"})
	if res.StatusCode != 200 {
		t.Fatalf("send: %d %v", res.StatusCode, out)
	}
	frames := out["frames"].([]any)
	ack := frames[0].(map[string]any)
	chatID := int64(ack["chat"].(map[string]any)["id"].(float64))

	// SSE: hello, then the entry the widget lacks, then live ones.
	r, _ := http.NewRequest("GET", e.url("/events")+"?token="+tok+"&chat="+strconv.FormatInt(chatID, 10)+"&after=0", nil)
	r.Header.Set("Origin", origin)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	res, err := http.DefaultClient.Do(r.WithContext(sctx))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != origin {
		t.Fatalf("sse: %d", res.StatusCode)
	}
	lines := make(chan chat.Frame, 50)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var f chat.Frame
				_ = json.Unmarshal([]byte(d), &f)
				lines <- f
			}
		}
	}()
	want := func(typ string, seq int64) {
		t.Helper()
		for {
			select {
			case f := <-lines:
				if f.T == typ && (seq == 0 || f.Entry != nil && f.Entry.Seq == seq) {
					return
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("no %s %d", typ, seq)
			}
		}
	}
	want("hello", 0)
	want("entry", 1)
	if _, err := e.tickets.AddMessage(ctx, e.agent, mustTicket(t, e, chatID), desk.NewMessage{Text: "Reply"}); err != nil {
		t.Fatal(err)
	}
	want("entry", 2) // accepted
	want("entry", 3) // the reply

	// Long poll: waits for something new, then answers it.
	done := make(chan map[string]any, 1)
	go func() {
		r, _ := http.NewRequest("GET", e.url("/poll")+"?token="+tok+"&chat="+strconv.FormatInt(chatID, 10)+"&after=3", nil)
		r.Header.Set("Origin", origin)
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			done <- nil
			return
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		done <- out
	}()
	time.Sleep(200 * time.Millisecond)
	if _, err := e.tickets.AddMessage(ctx, e.agent, mustTicket(t, e, chatID), desk.NewMessage{Text: "Second"}); err != nil {
		t.Fatal(err)
	}
	select {
	case out := <-done:
		fs := out["frames"].([]any)
		last := fs[len(fs)-1].(map[string]any)
		if last["t"] != "entry" || last["entry"].(map[string]any)["seq"].(float64) != 4 {
			t.Fatalf("poll: %v", out)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("poll did not answer")
	}
}

func upload(t *testing.T, e *env, tok, name string, data []byte) map[string]any {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("cid", "f-"+name)
	_ = mw.WriteField("t", "start")
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	r, _ := http.NewRequest("POST", e.url("/upload"), &b)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Origin", origin)
	r.Header.Set("X-Chat-Token", tok)
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	if out == nil {
		out = map[string]any{"status": float64(res.StatusCode)}
	}
	return out
}

func TestUploadsAndFiles(t *testing.T) {
	e := newEnv(t, storetest.NewSQLite(t))
	ctx := context.Background()
	tok := e.session(t, "")
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	out := upload(t, e, tok, "shot.png", png)
	f := out["frames"].([]any)[0].(map[string]any)
	if f["t"] != "ack" {
		t.Fatalf("upload: %v", out)
	}
	// A refusal names its reason in fields.file, which the widget shows in
	// the visitor's language: in an error frame, or in the problem+json of
	// an upload too large to read at all.
	for _, bad := range []struct {
		name string
		data []byte
		why  string
	}{{"evil.html", []byte("<script>alert(1)</script>"), chat.FileTypeNotAllowed}, {"fake.png", []byte("<svg onload=x>"), chat.FileContentWrong},
		{"big.txt", bytes.Repeat([]byte("a"), 5000), chat.FileTooLarge}, {"huge.txt", bytes.Repeat([]byte("a"), 4096+1<<20+1), chat.FileTooLarge}} {
		out := upload(t, e, tok, bad.name, bad.data)
		var refusal map[string]any
		if fs, ok := out["frames"].([]any); ok {
			if refusal = fs[0].(map[string]any); refusal["t"] != "error" {
				t.Errorf("%s accepted: %v", bad.name, out)
			}
		} else if refusal = out; out["status"] != float64(http.StatusUnprocessableEntity) {
			t.Errorf("%s: %v", bad.name, out)
		}
		if f, _ := refusal["fields"].(map[string]any); refusal["code"] != "invalid" || f["file"] != bad.why {
			t.Errorf("%s: refused with %v, want fields.file %q", bad.name, refusal, bad.why)
		}
	}
	v := chat.Visitor{ChannelID: e.ch.ID, VisitorID: visitorOf(t, e, tok)}
	_, es, err := e.svc.Entries(ctx, v, 0, 0)
	if err != nil || len(es) != 1 || len(es[0].Files) != 1 {
		t.Fatalf("entries: %v %+v", err, es)
	}
	fileURL := e.url("/files/" + strconv.FormatInt(es[0].Files[0].ID, 10))
	res, err := http.Get(fileURL + "?token=" + tok)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(body, png) || res.Header.Get("Content-Type") != "image/png" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("file: %d %s", res.StatusCode, res.Header)
	}
	other := e.session(t, "")
	res, err = http.Get(fileURL + "?token=" + other)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Fatalf("another visitor's file: %d", res.StatusCode)
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, storetest.NewSQLite(t))
	tok := e.session(t, "")
	limited := false
	for i := 0; i < 40 && !limited; i++ {
		_, out := e.post(t, "/send", origin, tok, map[string]any{"t": "start", "cid": "r" + strconv.Itoa(i), "text": "spam"})
		f := out["frames"].([]any)[0].(map[string]any)
		limited = f["t"] == "error" && f["code"] == "rate_limited"
	}
	if !limited {
		t.Fatal("40 messages at once were not limited")
	}
}

// TestSameOriginPage: a page of Switchboard's own (the demo page) opens
// the event stream without an Origin header, as browsers do for
// same-origin GETs; Sec-Fetch-Site tells it apart from other callers.
func TestSameOriginPage(t *testing.T) {
	e := newEnv(t, storetest.NewSQLite(t))
	tok := e.session(t, "")
	for _, tc := range []struct {
		site string
		want int
	}{{"same-origin", 200}, {"cross-site", 403}, {"", 403}} {
		ctx, cancel := context.WithCancel(context.Background())
		r, _ := http.NewRequestWithContext(ctx, "GET", e.url("/events")+"?token="+tok, nil)
		if tc.site != "" {
			r.Header.Set("Sec-Fetch-Site", tc.site)
		}
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != tc.want {
			t.Errorf("Sec-Fetch-Site %q: %d, want %d", tc.site, res.StatusCode, tc.want)
		}
		if tc.want == 200 {
			line, _ := bufio.NewReader(res.Body).ReadString('\n')
			if !strings.HasPrefix(line, "retry:") {
				t.Errorf("stream starts with %q", line)
			}
		}
		cancel()
		res.Body.Close()
	}
}

// TestScriptAndDemo: the script is served for any site, every text it
// shows is in each locale's catalogue, and the demo page embeds the
// active channel's widget.
func TestScriptAndDemo(t *testing.T) {
	e := newEnv(t, storetest.NewSQLite(t))
	res, err := http.Get(e.srv.URL + "/chat/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") ||
		res.Header.Get("Access-Control-Allow-Origin") != "*" || res.Header.Get("Cross-Origin-Resource-Policy") != "cross-origin" {
		t.Fatalf("widget.js: %d %v", res.StatusCode, res.Header)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{"online": true, "away": true, "name": true, "email": true, "message": true, "comment": true,
		"event.accepted": true, "event.transferred": true, "event.ended": true, "event.rated": true, "event.missed": true}
	for n := 1; n <= 5; n++ {
		used["rate."+strconv.Itoa(n)] = true
	}
	for _, m := range regexp.MustCompile(`\bt\('([a-z_.]+)'`).FindAllStringSubmatch(string(js), -1) {
		if !strings.HasSuffix(m[1], ".") {
			used[m[1]] = true
		}
	}
	if len(used) < 40 {
		t.Fatalf("found %d texts in widget.js; is the pattern right?", len(used))
	}
	for _, loc := range cat.Locales() {
		have := map[string]bool{}
		for _, k := range cat.Keys(loc) {
			have[k] = true
		}
		for k := range used {
			if !have["widget."+k] {
				t.Errorf("%s: widget.%s missing", loc, k)
			}
		}
	}

	res, err = http.Get(e.srv.URL + "/chat/demo")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), `data-channel="`+e.ch.PublicKey+`"`) ||
		!strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("demo: %d %s", res.StatusCode, page)
	}
	res, err = http.Get(e.srv.URL + "/chat/demo?key=nope")
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 404 || strings.Contains(string(page), "<script") {
		t.Fatalf("demo of an unknown channel: %d %s", res.StatusCode, page)
	}
}
