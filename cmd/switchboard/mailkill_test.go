package main

// The email channel under crashes: the real binary is killed (SIGKILL) at
// random moments while mail arrives over SMTP and while replies are sent,
// then restarted, many times. Every message the listener accepted (250)
// must be stored exactly once, and every reply the API accepted (201) must
// reach the relay, under one Message-ID each.

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// sink is an SMTP relay that records what it receives, slowly enough that
// a kill often lands mid-delivery.
type sink struct {
	mu    sync.Mutex
	byID  map[string]int // Message-ID -> times received
	total int
	delay time.Duration
	addr  string
}

func newSink(t *testing.T, delay time.Duration) *sink {
	t.Helper()
	s := &sink{byID: map[string]int{}, delay: delay}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *sink) counts() (distinct, total int, dup []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, n := range s.byID {
		if n > 1 {
			dup = append(dup, id)
		}
	}
	return len(s.byID), s.total, dup
}

type sinkSession struct{ s *sink }

func (ss *sinkSession) Reset()                                    {}
func (ss *sinkSession) Logout() error                             { return nil }
func (ss *sinkSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (ss *sinkSession) Rcpt(string, *smtp.RcptOptions) error      { return nil }
func (ss *sinkSession) AuthPlain(username, password string) error { return nil }
func (ss *sinkSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, m.Body)
	time.Sleep(ss.s.delay)
	ss.s.mu.Lock()
	ss.s.byID[m.Header.Get("Message-Id")]++
	ss.s.total++
	ss.s.mu.Unlock()
	return nil
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestMailSurvivesKills(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testMailKills(t, engine) })
	}
}

func testMailKills(t *testing.T, engine string) {
	in := newInstance(t, engine)
	relay := newSink(t, 30*time.Millisecond)
	in.mustRun("", "mailbox", "add", "support@acme.example", "--name", "Acme Support", "--smtp", "smtp://"+relay.addr)
	in.mustRun("", "user", "add", "--email", "ana@acme.example", "--name", "Ana", "--role", "admin")
	token := strings.TrimSpace(in.mustRun("", "token", "create", "--email", "ana@acme.example"))
	smtpAddr := freePort(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))

	var current atomic.Pointer[process]
	start := func() {
		p, _ := in.serve("--smtp-addr", smtpAddr)
		current.Store(p)
		deadline := time.Now().Add(20 * time.Second)
		for dial(smtpAddr) != nil {
			if time.Now().After(deadline) {
				t.Fatalf("smtp listener did not start:\n%s", p.stderr)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	kill := func() {
		p := current.Load()
		_ = p.cmd.Process.Kill()
		p.wait(t)
	}
	start()

	// Phase 1: 120 messages over SMTP, retried by the client (as an MTA
	// would) until each got its 250, while the server is killed 8 times.
	const inbound = 120
	accepted := make([]bool, inbound)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < inbound; i++ {
			raw := fmt.Sprintf("From: Customer %d <c%d@example.com>\r\nTo: support@acme.example\r\nSubject: Question %d\r\n"+
				"Message-ID: <kill-%d@example.com>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n\r\nPlease help with %d.\r\n", i, i, i, i, i)
			for attempt := 0; ; attempt++ {
				err := sendSMTP(smtpAddr, fmt.Sprintf("c%d@example.com", i), []string{"support@acme.example"}, raw)
				if err == nil {
					accepted[i] = true
					break
				}
				if attempt > 400 {
					t.Errorf("message %d never accepted: %v", i, err)
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
			// Now and then the "MTA" did not see the 250 and sends again.
			if i%10 == 3 {
				_ = sendSMTP(smtpAddr, fmt.Sprintf("c%d@example.com", i), []string{"support@acme.example"}, raw)
			}
		}
	}()
	for kills := 0; kills < 8; kills++ {
		select {
		case <-done:
			kills = 8
			continue
		case <-time.After(time.Duration(150+rng.IntN(500)) * time.Millisecond):
		}
		kill()
		start()
	}
	<-done
	if t.Failed() {
		return
	}

	// Phase 2: a public reply on 60 of those tickets through the API,
	// while the server is killed 6 times mid-sending.
	var tickets struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if code := call(t, "GET", current.Load().url+"/api/v1/tickets?limit=100", token, "", &tickets); code != 200 || len(tickets.Items) < 60 {
		t.Fatalf("list tickets: %d, %d items", code, len(tickets.Items))
	}
	const replies = 60
	var repliesAccepted atomic.Int64
	done2 := make(chan struct{})
	go func() {
		defer close(done2)
		for i := 0; i < replies; i++ {
			body := fmt.Sprintf(`{"body":"Reply %d: try turning it off and on."}`, i)
			for attempt := 0; ; attempt++ {
				p := current.Load()
				code, ok := tryCall(p.url+fmt.Sprintf("/api/v1/tickets/%d/messages", tickets.Items[i].ID), token, body)
				if ok && code == 201 {
					repliesAccepted.Add(1)
					break
				}
				if attempt > 400 {
					t.Errorf("reply %d never accepted (last %d)", i, code)
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}()
	for kills := 0; kills < 6; kills++ {
		select {
		case <-time.After(time.Duration(200+rng.IntN(600)) * time.Millisecond):
		}
		kill()
		start()
	}
	<-done2
	// Let the queue drain on the last instance: every queued reply sent.
	ctx := context.Background()
	deadline := time.Now().Add(90 * time.Second)
	for {
		queued := 0
		var ours []store.OutboundMail
		withStore(t, in, func(st *store.Store) {
			var err error
			if ours, err = st.Read().OutboundList(ctx, 0, 10000); err != nil {
				t.Fatal(err)
			}
		})
		for _, o := range ours {
			if o.Status != desk.DeliverySent {
				queued++
			}
		}
		if queued == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code := current.Load().stop(t); code != 0 {
		t.Errorf("serve exit %d", code)
	}

	// Verify in the database.
	st, err := store.Open(ctx, in.storeConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recs, err := st.Read().RecentInbound(ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range recs {
		seen[r.MessageID]++
	}
	for i := 0; i < inbound; i++ {
		if n := seen[fmt.Sprintf("kill-%d@example.com", i)]; n != 1 {
			t.Errorf("message kill-%d stored %d times, want exactly 1", i, n)
		}
	}
	page, err := st.Read().ListTickets(ctx, desk.TicketFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	all := len(page.Items)
	for page.NextCursor != "" {
		page, err = st.Read().ListTickets(ctx, desk.TicketFilter{Limit: 100, Cursor: page.NextCursor})
		if err != nil {
			t.Fatal(err)
		}
		all += len(page.Items)
	}
	if all != inbound {
		t.Errorf("tickets = %d, want %d", all, inbound)
	}
	// Every reply stored was queued once and reached the relay; a resend
	// after a kill mid-delivery reuses the same Message-ID, so the
	// customer's mail client shows it once.
	outs, err := st.Read().OutboundList(ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(outs)) < repliesAccepted.Load() {
		t.Errorf("%d emails queued, want at least the %d replies the API accepted", len(outs), repliesAccepted.Load())
	}
	relay.mu.Lock()
	for _, o := range outs {
		if o.Status != desk.DeliverySent {
			t.Errorf("email %s is %s (%s), want sent", o.MessageID, o.Status, o.LastError)
		}
		if relay.byID["<"+o.MessageID+">"] == 0 {
			t.Errorf("email %s never reached the relay", o.MessageID)
		}
	}
	relay.mu.Unlock()
	distinct, total, dup := relay.counts()
	if distinct != len(outs) {
		t.Errorf("relay got %d distinct Message-IDs, want %d (one per queued email)", distinct, len(outs))
	}
	t.Logf("%s: %d messages accepted over SMTP across 8 kills, each stored once; %d replies accepted across 6 kills (%d stored); relay saw %d emails, %d distinct, %d resent under the same Message-ID",
		engine, inbound, repliesAccepted.Load(), len(outs), total, distinct, len(dup))
}

// storeConfig is the database the instance's commands use.
func (in *instance) storeConfig() store.Config {
	var cfg store.Config
	for _, kv := range in.env {
		if v, ok := strings.CutPrefix(kv, "SWITCHBOARD_DATABASE_URL="); ok {
			cfg.URL = v
		}
		if v, ok := strings.CutPrefix(kv, "SWITCHBOARD_DATA_DIR="); ok {
			cfg.DataDir = v
		}
	}
	return cfg
}

// withStore opens the instance's database for a look while it runs.
func withStore(t *testing.T, in *instance, f func(st *store.Store)) {
	t.Helper()
	st, err := store.Open(context.Background(), in.storeConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f(st)
}

// tryCall posts JSON and reports the status, or ok=false when the server
// could not be reached (it was being killed).
func tryCall(u, token, body string) (int, bool) {
	req, err := http.NewRequest("POST", u, strings.NewReader(body))
	if err != nil {
		return 0, false
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, true
}
