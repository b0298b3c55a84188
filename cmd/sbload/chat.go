package main

// Chat mode: many chat widgets held open at once, some of them chatting,
// and an agent watching the event stream and answering. It measures how
// long a visitor's message takes to reach the agent's stream and an
// agent's reply to reach the widget, and checks that every message
// arrives exactly once.
//
//	sbload -mode chat -url http://127.0.0.1:8080 -token TOKEN -key KEY \
//	  -email agent@example.com -password-stdin -visitors 10000 -chatting 0.1 -interval 10s -duration 60s -pid PID

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Limits of chat mode, whatever the flags say.
const (
	maxVisitors = 20_000
	maxRamp     = 5_000 // new visitors per second
	maxAgents   = 16    // agent event streams
	minInterval = 2 * time.Second
	maxInterval = 10 * time.Minute
	// maxConnecting bounds the visitors connecting at once, so a slow
	// server is not buried under a growing pile of pending connections.
	maxConnecting = 512
	// waitFrame bounds the wait for a hello or an ack.
	waitFrame = 30 * time.Second
)

// chatOptions are the flags of chat mode.
type chatOptions struct {
	key      string        // the chat channel's public key
	origin   string        // Origin header of the widget's requests
	visitors int           // widgets held open
	chatting float64       // the fraction of them that chat
	interval time.Duration // mean time between a chatting visitor's messages
	ramp     int           // new visitors per second
	agents   int           // agent event streams
	email    string        // the agent's sign-in
	password string
	reply    float64       // the fraction of visitor messages the agent answers
	pid      int           // the server's process id, for its memory and CPU
	perIP    int           // visitors per loopback source address (0: one address)
	drain    time.Duration // how long to wait for deliveries after the last send
	slow     time.Duration // deliveries slower than this are listed by when they were sent
}

func chatFlags(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
	Float64Var(*float64, string, float64, string)
	DurationVar(*time.Duration, string, time.Duration, string)
}, c *chatOptions) {
	fs.StringVar(&c.key, "key", "", "chat mode: the chat channel's public key")
	fs.StringVar(&c.origin, "origin", "", "chat mode: the Origin the widget's page has (default: the -url's origin)")
	fs.IntVar(&c.visitors, "visitors", 100, fmt.Sprintf("chat mode: widgets held open (at most %d)", maxVisitors))
	fs.Float64Var(&c.chatting, "chatting", 0.1, "chat mode: the fraction of visitors that chat")
	fs.DurationVar(&c.interval, "interval", 10*time.Second, "chat mode: mean time between a chatting visitor's messages (±50% jitter)")
	fs.IntVar(&c.ramp, "ramp", 500, "chat mode: new visitors per second")
	fs.IntVar(&c.agents, "agents", 1, "chat mode: agent event streams (GET /events), each checked")
	fs.StringVar(&c.email, "email", "", "chat mode: the agent's email for the event stream (the -token's agent)")
	fs.Float64Var(&c.reply, "reply", 0.5, "chat mode: the fraction of visitor messages the agent answers over the API")
	fs.IntVar(&c.pid, "pid", 0, "chat mode: the server's process id, to sample its resident memory and CPU from /proc (default: its /metrics)")
	fs.IntVar(&c.perIP, "per-ip", 16, "chat mode: visitors per loopback source address 127.1.x.y (the widget's limits are per address); 0 uses one")
	fs.DurationVar(&c.drain, "drain", 15*time.Second, "chat mode: how long to wait for the last deliveries")
	fs.DurationVar(&c.slow, "slow", 50*time.Millisecond, "chat mode: list the seconds in which deliveries slower than this were sent (to find them in the server's log)")
}

func (c *chatOptions) check(base *url.URL, duration time.Duration) error {
	switch {
	case c.key == "":
		return errors.New("-key (the chat channel's public key) is required in chat mode")
	case c.email == "" || c.password == "":
		return errors.New("-email and a password (-password-stdin or $SBLOAD_PASSWORD) are required in chat mode")
	case c.visitors < 1 || c.visitors > maxVisitors:
		return fmt.Errorf("-visitors must be 1..%d", maxVisitors)
	case c.chatting < 0 || c.chatting > 1 || c.reply < 0 || c.reply > 1:
		return errors.New("-chatting and -reply are fractions in [0, 1]")
	case c.interval < minInterval || c.interval > maxInterval:
		return fmt.Errorf("-interval must be in [%s, %s] (a visitor may send 40 messages a minute)", minInterval, maxInterval)
	case c.ramp < 1 || c.ramp > maxRamp:
		return fmt.Errorf("-ramp must be 1..%d", maxRamp)
	case c.agents < 1 || c.agents > maxAgents:
		return fmt.Errorf("-agents must be 1..%d", maxAgents)
	case c.perIP < 0 || c.drain <= 0 || c.drain > time.Minute:
		return errors.New("-per-ip must be ≥ 0 and -drain in (0, 1m]")
	case c.slow <= 0:
		return errors.New("-slow must be positive")
	case duration <= 0 || duration > maxDuration:
		return fmt.Errorf("-duration must be in (0, %s]", maxDuration)
	}
	if c.origin == "" {
		c.origin = base.Scheme + "://" + base.Host
	}
	if ip := net.ParseIP(base.Hostname()); ip == nil || !ip.IsLoopback() {
		c.perIP = 0 // other source addresses only make sense on loopback
	}
	return nil
}

// frame is what the chat code reads of a widget frame.
type frame struct {
	T    string `json:"t"`
	CID  string `json:"cid"`
	Seq  int64  `json:"seq"`
	Code string `json:"code"`
	Chat *struct {
		ID       int64 `json:"id"`
		TicketID int64 `json:"ticket_id"`
	} `json:"chat"`
	Entry *struct {
		Seq    int64  `json:"seq"`
		Author string `json:"author"`
		Text   string `json:"text"`
	} `json:"entry"`
}

// matcher pairs the messages visitors sent with their arrivals on one
// agent stream, per ticket and in order. A message is recorded once its
// ack is in, with the time it was sent, so an arrival may come first.
type matcher struct {
	mu      sync.Mutex
	sent    map[int64][]time.Time // not yet arrived
	arrived map[int64][]time.Time // not (yet) sent: early, or duplicates
	lat     []time.Duration
	slow    slowSends
}

func newMatcher(slow time.Duration) *matcher {
	return &matcher{sent: map[int64][]time.Time{}, arrived: map[int64][]time.Time{}, slow: slowSends{limit: slow}}
}

// slowSends keeps when the deliveries slower than limit were sent, to
// find the moments of a stall in the server's log.
type slowSends struct {
	limit time.Duration
	at    []time.Time
}

func (s *slowSends) add(sent time.Time, d time.Duration) {
	if d > s.limit {
		s.at = append(s.at, sent)
	}
}

// String gives how many there were and, for the (at most 8) seconds in
// which most of them were sent, the second (wall clock, UTC) and how many,
// in time order: one stall shows as one or two seconds, a spread as many.
func (s slowSends) String() string {
	if len(s.at) == 0 {
		return fmt.Sprintf("none over %s", s.limit)
	}
	count := map[time.Time]int{}
	for _, t := range s.at {
		count[t.UTC().Truncate(time.Second)]++
	}
	secs := slices.Collect(maps.Keys(count))
	slices.SortFunc(secs, func(a, b time.Time) int {
		if c := count[b] - count[a]; c != 0 {
			return c
		}
		return a.Compare(b)
	})
	secs = secs[:min(len(secs), 8)]
	slices.SortFunc(secs, time.Time.Compare)
	parts := make([]string, len(secs))
	for i, t := range secs {
		parts[i] = fmt.Sprintf("%s×%d", t.Format("15:04:05"), count[t])
	}
	more := ""
	if len(count) > len(secs) {
		more = fmt.Sprintf(" and %d more seconds", len(count)-len(secs))
	}
	return fmt.Sprintf("%d over %s, sent in %s%s", len(s.at), s.limit, strings.Join(parts, " "), more)
}

func (m *matcher) send(ticket int64, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a := m.arrived[ticket]; len(a) > 0 {
		m.lat = append(m.lat, a[0].Sub(at))
		m.slow.add(at, a[0].Sub(at))
		m.arrived[ticket] = a[1:]
		return
	}
	m.sent[ticket] = append(m.sent[ticket], at)
}

func (m *matcher) arrive(ticket int64, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s := m.sent[ticket]; len(s) > 0 {
		m.lat = append(m.lat, at.Sub(s[0]))
		m.slow.add(s[0], at.Sub(s[0]))
		m.sent[ticket] = s[1:]
		return
	}
	m.arrived[ticket] = append(m.arrived[ticket], at)
}

// open returns the messages not arrived and the arrivals not sent.
func (m *matcher) open() (lost, extra int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.sent {
		lost += len(s)
	}
	for _, a := range m.arrived {
		extra += len(a)
	}
	return lost, extra
}

// pendingReply is an agent reply on its way to a visitor.
type pendingReply struct {
	at      time.Time
	visitor *widget
}

// chatRun is one run of chat mode.
type chatRun struct {
	o       options
	c       chatOptions
	ctx     context.Context // the whole run
	base    *url.URL
	api     *http.Client // agent: API and event streams
	matches []*matcher   // one per agent stream

	mu          sync.Mutex
	replies     map[int64]pendingReply // by reply number, until seen
	repliedSeen map[int64]bool
	replyLat    []time.Duration
	replySlow   slowSends
	ackLat      []time.Duration
	connectLat  []time.Duration
	errFrames   map[string]int64
	byTicket    map[int64]*widget

	replyN        atomic.Int64
	replyDup      atomic.Int64
	replyUnknown  atomic.Int64
	replyFailed   atomic.Int64
	replySkipped  atomic.Int64
	connected     atomic.Int64
	connectFailed atomic.Int64
	dropped       atomic.Int64
	outOfOrder    atomic.Int64
	ackTimeouts   atomic.Int64
	resyncs       atomic.Int64
	rampResyncs   atomic.Int64 // of which before the chat phase
	chatting      atomic.Bool  // the chat phase has begun
	sendsDone     atomic.Bool  // the chat phase is over: connections may end
	connectErrs   sync.Map     // error text → *atomic.Int64

	replyJobs chan int64
	clients   sync.Map // source address index → *http.Client
}

// widget is one visitor's WebSocket.
type widget struct {
	n      int
	ws     *websocket.Conn
	hello  chan struct{}
	acks   chan frame
	ticket atomic.Int64
	gone   atomic.Bool
	last   int64 // last entry seq (reader goroutine only)
}

// chatResult is what a chat run measured.
type chatResult struct {
	visitors, chatting                int
	connected, connectFailed, dropped int64
	connectTime                       time.Duration
	connectLat, ackLat, replyLat      []time.Duration
	agentLat                          [][]time.Duration
	agentSlow                         []slowSends
	replySlow                         slowSends
	lost, extra                       []int
	replyLost, replyLostGone          int
	replyDup, replyUnknown            int64
	replyFailed, replySkipped         int64
	outOfOrder, ackTimeouts, resyncs  int64
	rampResyncs                       int64
	errFrames                         map[string]int64
	connectErrs                       map[string]int64
	mem                               memStats
	chatPhase                         time.Duration
}

func runChat(ctx context.Context, o options) (*chatResult, error) {
	c := o.chat
	need := c.visitors + 2*c.agents + o.clients + 64
	if limit, err := raiseFileLimit(uint64(need)); err != nil {
		return nil, err
	} else if limit < uint64(need) {
		return nil, fmt.Errorf("%d visitors need about %d file descriptors; the limit is %d (raise it with ulimit -n)", c.visitors, need, limit)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{MaxIdleConns: o.clients + c.agents, MaxIdleConnsPerHost: o.clients + c.agents, IdleConnTimeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	r := &chatRun{o: o, c: c, ctx: ctx, base: o.base, replies: map[int64]pendingReply{}, repliedSeen: map[int64]bool{},
		errFrames: map[string]int64{}, byTicket: map[int64]*widget{}, replyJobs: make(chan int64, 10_000), replySlow: slowSends{limit: c.slow},
		api: &http.Client{Transport: tr, Jar: jar, CheckRedirect: sameHost(o.base)}}
	if err := r.signIn(ctx); err != nil {
		return nil, err
	}
	if err := r.goOnline(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "sbload: could not set the agent online for chats (%v); going on\n", err)
	}
	mem := newMemSampler(ctx, o.base, c.pid)
	defer mem.stop()

	// The agent's streams, subscribed before anyone chats.
	var streams sync.WaitGroup
	for i := range c.agents {
		m := newMatcher(c.slow)
		r.matches = append(r.matches, m)
		ready := make(chan error, 1)
		streams.Add(1)
		go func() { defer streams.Done(); r.stream(ctx, i, m, ready) }()
		if err := <-ready; err != nil {
			return nil, err
		}
	}
	var workers sync.WaitGroup
	for range o.clients {
		workers.Add(1)
		go func() { defer workers.Done(); r.replier(ctx) }()
	}

	// Ramp up.
	res := &chatResult{visitors: c.visitors, errFrames: map[string]int64{}, connectErrs: map[string]int64{}}
	widgets := make([]*widget, c.visitors)
	sem := make(chan struct{}, maxConnecting)
	var connecting sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(c.ramp))
	t0 := time.Now()
	for i := range widgets {
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		connecting.Add(1)
		go func() {
			defer func() { <-sem; connecting.Done() }()
			widgets[i] = r.connect(ctx, i)
		}()
	}
	tick.Stop()
	connecting.Wait()
	res.connectTime = time.Since(t0)
	mem.mark("connected")
	fmt.Fprintf(os.Stderr, "sbload: %d of %d visitors connected in %s; chatting for %s\n",
		r.connected.Load(), c.visitors, res.connectTime.Round(time.Millisecond), o.duration)

	// Chat: the first chatting fraction of the connected visitors.
	var chatters []*widget
	for _, w := range widgets {
		if w != nil && float64(len(chatters)) < c.chatting*float64(c.visitors) {
			chatters = append(chatters, w)
		}
	}
	res.chatting = len(chatters)
	phase, stopPhase := context.WithTimeout(ctx, o.duration)
	defer stopPhase()
	cpu0 := mem.cpu()
	start := time.Now()
	r.chatting.Store(true)
	var talking sync.WaitGroup
	for _, w := range chatters {
		talking.Add(1)
		go func() { defer talking.Done(); r.chat(phase, w) }()
	}
	talking.Wait()
	res.chatPhase = time.Since(start)
	r.drainWait(ctx)
	mem.mark("end")
	mem.cpuSince(cpu0, time.Since(start))
	r.sendsDone.Store(true)

	// Done: hang up and collect.
	cancel()
	for _, w := range widgets {
		if w != nil {
			w.ws.CloseNow()
		}
	}
	close(r.replyJobs)
	workers.Wait()
	streams.Wait()
	res.mem = mem.stats()
	r.collect(res)
	return res, nil
}

func sameHost(base *url.URL) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != base.Host || len(via) > 5 {
			return http.ErrUseLastResponse // never follow a redirect to another place
		}
		return nil
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs the agent in through the login form (for the event
// stream's session cookie).
func (r *chatRun) signIn(ctx context.Context) error {
	get, _ := http.NewRequestWithContext(ctx, "GET", r.base.JoinPath("/login").String(), nil)
	resp, err := r.api.Do(get)
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	page, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	m := csrfField.FindSubmatch(page)
	if m == nil {
		return fmt.Errorf("sign in: no CSRF field on %s (status %d)", get.URL, resp.StatusCode)
	}
	form := url.Values{"email": {r.c.email}, "password": {r.c.password}, "csrf": {string(m[1])}, "next": {"/"}}
	post, _ := http.NewRequestWithContext(ctx, "POST", get.URL.String(), strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err = r.api.Do(post); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	page, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode >= 400 || bytes.Contains(page, []byte(`name="password"`)) {
		return fmt.Errorf("sign in as %s refused (status %d)", r.c.email, resp.StatusCode)
	}
	return nil
}

var pageCSRF = regexp.MustCompile(`data-csrf="([^"]+)"`)

// goOnline sets the agent's chat status to online, as the agent app's
// switch does, so the widgets show an agent available and new chats ring.
func (r *chatRun) goOnline(ctx context.Context) error {
	get, _ := http.NewRequestWithContext(ctx, "GET", r.base.JoinPath("/").String(), nil)
	resp, err := r.api.Do(get)
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	resp.Body.Close()
	m := pageCSRF.FindSubmatch(page)
	if m == nil {
		return fmt.Errorf("no CSRF token on %s (status %d)", get.URL, resp.StatusCode)
	}
	post, _ := http.NewRequestWithContext(ctx, "POST", r.base.JoinPath("/chats/status").String(), strings.NewReader("status=online&next=/"))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("X-CSRF-Token", string(m[1]))
	if resp, err = r.api.Do(post); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("POST /chats/status: status %d", resp.StatusCode)
	}
	return nil
}

// stream reads one agent event stream until ctx ends, reconnecting after
// a resync. Messages from visitors (not the agent's own replies) arrive
// in m; the first stream also hands them to the reply workers. ready
// gets nil once the first connection is subscribed, or the error.
func (r *chatRun) stream(ctx context.Context, i int, m *matcher, ready chan<- error) {
	first := true
	for ctx.Err() == nil {
		err := r.streamOnce(ctx, i, m, ready, first)
		if first {
			if err != nil {
				ready <- err
				return
			}
			first = false
		}
		if ctx.Err() == nil {
			r.resyncs.Add(1)
			if !r.chatting.Load() {
				r.rampResyncs.Add(1)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func (r *chatRun) streamOnce(ctx context.Context, i int, m *matcher, ready chan<- error, first bool) error {
	req, _ := http.NewRequestWithContext(ctx, "GET", r.base.JoinPath("/events").String(), nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := r.api.Do(req)
	if err != nil {
		return fmt.Errorf("agent event stream: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		return fmt.Errorf("agent event stream: status %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rd := bufio.NewReader(resp.Body)
	for { // subscribed once the hello comment is written
		line, err := rd.ReadString('\n')
		if err != nil {
			return fmt.Errorf("agent event stream: %w", err)
		}
		if strings.HasPrefix(line, ": hello") {
			break
		}
	}
	if first {
		ready <- nil
	}
	var name string
	var ev struct {
		Type     string `json:"type"`
		TicketID int64  `json:"ticket_id"`
		Self     bool   `json:"self"`
	}
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return nil
		}
		now := time.Now()
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "event: "):
			name = line[len("event: "):]
			if name == "resync" {
				return nil
			}
		case strings.HasPrefix(line, "data: ") && name == "ticket":
			ev.Self = false
			if json.Unmarshal([]byte(line[len("data: "):]), &ev) != nil || ev.Self {
				continue
			}
			if ev.Type == "message.created" || ev.Type == "ticket.created" {
				m.arrive(ev.TicketID, now)
				if i == 0 && rand.Float64() < r.c.reply {
					select {
					case r.replyJobs <- ev.TicketID:
					default:
						r.replySkipped.Add(1)
					}
				}
			}
		case line == "":
			name = ""
		}
	}
}

// replier answers visitors' messages over the REST API.
func (r *chatRun) replier(ctx context.Context) {
	for ticket := range r.replyJobs {
		if ctx.Err() != nil || r.sendsDone.Load() {
			continue
		}
		r.mu.Lock()
		w := r.byTicket[ticket]
		r.mu.Unlock()
		n := r.replyN.Add(1)
		body, _ := json.Marshal(map[string]string{"body": "Answer " + strconv.FormatInt(n, 10)})
		req, _ := http.NewRequestWithContext(ctx, "POST", r.base.JoinPath("/api/v1/tickets", strconv.FormatInt(ticket, 10), "messages").String(), bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+r.o.token)
		req.Header.Set("Content-Type", "application/json")
		r.mu.Lock()
		r.replies[n] = pendingReply{at: time.Now(), visitor: w}
		r.mu.Unlock()
		resp, err := r.api.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if err != nil || resp.StatusCode != http.StatusCreated {
			r.mu.Lock()
			delete(r.replies, n)
			r.mu.Unlock()
			if ctx.Err() == nil {
				r.replyFailed.Add(1)
			}
		}
	}
}

// clientFor returns the HTTP client of visitor n: its own loopback source
// address every perIP visitors, since the widget limits sessions and
// connections per address.
func (r *chatRun) clientFor(n int) *http.Client {
	idx := 0
	if r.c.perIP > 0 {
		idx = n / r.c.perIP
	}
	if c, ok := r.clients.Load(idx); ok {
		return c.(*http.Client)
	}
	d := &net.Dialer{Timeout: 10 * time.Second}
	if r.c.perIP > 0 {
		a := 0x7f010001 + uint32(idx) // 127.1.0.1, 127.1.0.2, ...
		d.LocalAddr = &net.TCPAddr{IP: net.IPv4(byte(a>>24), byte(a>>16), byte(a>>8), byte(a))}
	}
	c := &http.Client{Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 2, IdleConnTimeout: 10 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	got, _ := r.clients.LoadOrStore(idx, c)
	return got.(*http.Client)
}

func (r *chatRun) connectError(what string, err error) *widget {
	r.connectFailed.Add(1)
	msg := what + ": " + err.Error()
	if i := strings.Index(msg, "127.1."); i >= 0 { // one line per cause, not per address
		msg = regexp.MustCompile(`127\.1\.\d+\.\d+:\d+`).ReplaceAllString(msg, "127.1.x.y:port")
	}
	n, _ := r.connectErrs.LoadOrStore(msg, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
	return nil
}

// connect opens visitor n's session and WebSocket and waits for the hello.
func (r *chatRun) connect(ctx context.Context, n int) *widget {
	t0 := time.Now()
	client := r.clientFor(n)
	base := r.base.JoinPath("/chat", r.c.key)
	body := fmt.Sprintf(`{"url":"%s/load/%d","title":"Load test page","lang":"en"}`, r.c.origin, n)
	req, _ := http.NewRequestWithContext(ctx, "POST", base.JoinPath("session").String(), strings.NewReader(body))
	req.Header.Set("Origin", r.c.origin)
	req.Header.Set("Content-Type", "application/json")
	sctx, cancel := context.WithTimeout(ctx, waitFrame)
	defer cancel()
	resp, err := client.Do(req.WithContext(sctx))
	if err != nil {
		return r.connectError("session", err)
	}
	var sess struct{ Token string }
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&sess)
	resp.Body.Close()
	if resp.StatusCode != 200 || err != nil || sess.Token == "" {
		return r.connectError("session", fmt.Errorf("status %d", resp.StatusCode))
	}
	u := *base.JoinPath("ws")
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	u.RawQuery = url.Values{"token": {sess.Token}}.Encode()
	ws, _, err := websocket.Dial(sctx, u.String(), &websocket.DialOptions{HTTPClient: client,
		HTTPHeader: http.Header{"Origin": {r.c.origin}}, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return r.connectError("websocket", err)
	}
	w := &widget{n: n, ws: ws, hello: make(chan struct{}), acks: make(chan frame, 4)}
	go r.read(ctx, w)
	select {
	case <-w.hello:
	case <-sctx.Done():
		ws.CloseNow()
		return r.connectError("hello", sctx.Err())
	}
	r.connected.Add(1)
	d := time.Since(t0)
	r.mu.Lock()
	r.connectLat = append(r.connectLat, d)
	r.mu.Unlock()
	return w
}

// read reads a widget's frames until its connection ends: acks go to
// w.acks, entries are checked for order and the agent's replies timed.
func (r *chatRun) read(ctx context.Context, w *widget) {
	defer close(w.acks)
	for {
		_, b, err := w.ws.Read(ctx)
		if err != nil {
			if ctx.Err() == nil && !r.sendsDone.Load() {
				w.gone.Store(true)
				r.dropped.Add(1)
			}
			return
		}
		now := time.Now()
		var f frame
		if json.Unmarshal(b, &f) != nil {
			continue
		}
		switch f.T {
		case "hello":
			close(w.hello)
		case "ack", "error":
			if f.T == "error" {
				r.mu.Lock()
				r.errFrames[f.Code]++
				r.mu.Unlock()
			}
			select {
			case w.acks <- f:
			default:
			}
		case "entry":
			if f.Entry == nil {
				continue
			}
			if f.Entry.Seq != w.last+1 {
				r.outOfOrder.Add(1)
			}
			w.last = max(w.last, f.Entry.Seq)
			if f.Entry.Author == "agent" {
				r.replied(f.Entry.Text, now)
			}
		}
	}
}

// replied times an agent reply the visitor received.
func (r *chatRun) replied(text string, at time.Time) {
	n, err := strconv.ParseInt(strings.TrimPrefix(text, "Answer "), 10, 64)
	if err != nil {
		r.replyUnknown.Add(1)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.replies[n]
	switch {
	case ok:
		r.replyLat = append(r.replyLat, at.Sub(p.at))
		r.replySlow.add(p.at, at.Sub(p.at))
		delete(r.replies, n)
		r.repliedSeen[n] = true
	case r.repliedSeen[n]:
		r.replyDup.Add(1)
	default:
		r.replyUnknown.Add(1)
	}
}

// chat is one chatting visitor: a first message after a random part of
// the interval, then one every interval ±50%, until ctx ends.
func (r *chatRun) chat(ctx context.Context, w *widget) {
	wait := time.Duration(rand.Int64N(int64(r.c.interval)))
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if w.gone.Load() {
			return
		}
		typ := "msg"
		if i == 0 {
			typ = "start"
		}
		cmd, _ := json.Marshal(map[string]any{"t": typ, "cid": strconv.Itoa(i), "name": fmt.Sprintf("Visitor %d", w.n),
			"text": fmt.Sprintf("Message %d from visitor %d: where is my order?", i, w.n)})
		// Written with the run's context: a write cut off by the phase's
		// end would close the connection with the message half sent.
		t0 := time.Now()
		if err := w.ws.Write(r.ctx, websocket.MessageText, cmd); err != nil {
			return
		}
		// The ack is awaited past the phase's end: a message sent is
		// recorded (or it would show as a duplicate on the agent's side).
		if !r.awaitAck(r.ctx, w, strconv.Itoa(i), t0) && i == 0 {
			return // no chat
		}
		wait = r.c.interval/2 + time.Duration(rand.Int64N(int64(r.c.interval)))
	}
}

// awaitAck waits for the ack of cid and records the message as sent at t0
// on every agent stream's matcher.
func (r *chatRun) awaitAck(ctx context.Context, w *widget, cid string, t0 time.Time) bool {
	timeout := time.NewTimer(waitFrame)
	defer timeout.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-timeout.C:
			r.ackTimeouts.Add(1)
			return false
		case f, ok := <-w.acks:
			if !ok {
				return false
			}
			if f.CID != cid || f.T != "ack" {
				if f.T == "error" && f.CID == cid {
					return false
				}
				continue
			}
			d := time.Since(t0)
			if w.ticket.Load() == 0 && f.Chat != nil {
				w.ticket.Store(f.Chat.TicketID)
				r.mu.Lock()
				r.byTicket[f.Chat.TicketID] = w
				r.mu.Unlock()
			}
			r.mu.Lock()
			r.ackLat = append(r.ackLat, d)
			r.mu.Unlock()
			for _, m := range r.matches {
				m.send(w.ticket.Load(), t0)
			}
			return true
		}
	}
}

// drainWait waits until every message and reply sent has arrived, or
// -drain passed.
func (r *chatRun) drainWait(ctx context.Context) {
	deadline := time.Now().Add(r.c.drain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		open := len(r.replyJobs)
		for _, m := range r.matches {
			lost, _ := m.open()
			open += lost
		}
		r.mu.Lock()
		open += len(r.replies)
		r.mu.Unlock()
		if open == 0 {
			time.Sleep(200 * time.Millisecond) // a late duplicate may still come
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *chatRun) collect(res *chatResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	res.connected, res.connectFailed, res.dropped = r.connected.Load(), r.connectFailed.Load(), r.dropped.Load()
	res.connectLat, res.ackLat, res.replyLat, res.replySlow = r.connectLat, r.ackLat, r.replyLat, r.replySlow
	for _, m := range r.matches {
		lost, extra := m.open()
		res.agentLat = append(res.agentLat, m.lat)
		res.agentSlow = append(res.agentSlow, m.slow)
		res.lost, res.extra = append(res.lost, lost), append(res.extra, extra)
	}
	for _, p := range r.replies {
		if p.visitor != nil && p.visitor.gone.Load() {
			res.replyLostGone++
		} else {
			res.replyLost++
		}
	}
	res.replyDup, res.replyUnknown = r.replyDup.Load(), r.replyUnknown.Load()
	res.replyFailed, res.replySkipped = r.replyFailed.Load(), r.replySkipped.Load()
	res.outOfOrder, res.ackTimeouts, res.resyncs = r.outOfOrder.Load(), r.ackTimeouts.Load(), r.resyncs.Load()
	res.rampResyncs = r.rampResyncs.Load()
	res.errFrames = r.errFrames
	r.connectErrs.Range(func(k, v any) bool {
		res.connectErrs[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
}

// failed reports whether the run saw a loss, a duplicate or a broken
// connection.
func (res *chatResult) failed() bool {
	bad := res.connected == 0 || res.connectFailed > 0 || res.dropped > 0 || res.outOfOrder > 0 ||
		res.replyLost > 0 || res.replyDup > 0 || res.replyFailed > 0 || res.ackTimeouts > 0
	for i := range res.lost {
		bad = bad || res.lost[i] > 0 || res.extra[i] > 0
	}
	return bad
}

func dist(d []time.Duration) string {
	slices.Sort(d)
	return fmt.Sprintf("p50=%s p90=%s p99=%s max=%s", pct(d, 0.50), pct(d, 0.90), pct(d, 0.99), pct(d, 1))
}

func (res *chatResult) print(w io.Writer, o options) {
	c := o.chat
	fmt.Fprintf(w, "mode=chat visitors=%d chatting=%d interval=%s reply=%.2f agents=%d duration=%s url=%s\n",
		res.visitors, res.chatting, c.interval, c.reply, c.agents, o.duration, o.base.Redacted())
	fmt.Fprintf(w, "connect: %d ok, %d failed in %s (ramp %d/s); session+websocket+hello %s\n",
		res.connected, res.connectFailed, res.connectTime.Round(time.Millisecond), c.ramp, dist(res.connectLat))
	for _, e := range slices.Sorted(maps.Keys(res.connectErrs)) {
		fmt.Fprintf(w, "  connect error ×%d: %s\n", res.connectErrs[e], e)
	}
	fmt.Fprintf(w, "visitor ack: %d, %s\n", len(res.ackLat), dist(res.ackLat))
	for i := range res.agentLat {
		fmt.Fprintf(w, "visitor→agent (stream %d): %d delivered, %s; lost %d, duplicated %d\n",
			i+1, len(res.agentLat[i]), dist(res.agentLat[i]), res.lost[i], res.extra[i])
		fmt.Fprintf(w, "  slow: %s\n", res.agentSlow[i])
	}
	fmt.Fprintf(w, "agent→visitor: %d delivered, %s; lost %d, duplicated %d, unknown %d, to dropped visitors %d, replies failed %d, skipped %d\n",
		len(res.replyLat), dist(res.replyLat), res.replyLost, res.replyDup, res.replyUnknown, res.replyLostGone, res.replyFailed, res.replySkipped)
	fmt.Fprintf(w, "  slow: %s\n", res.replySlow)
	fmt.Fprintf(w, "connections dropped: %d; entries out of order: %d; ack timeouts: %d; agent stream resyncs: %d (%d while visitors connected)\n",
		res.dropped, res.outOfOrder, res.ackTimeouts, res.resyncs, res.rampResyncs)
	if len(res.errFrames) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(res.errFrames)) {
			parts = append(parts, fmt.Sprintf("%s×%d", k, res.errFrames[k]))
		}
		fmt.Fprintf(w, "error frames: %s\n", strings.Join(parts, " "))
	}
	res.mem.print(w)
}
