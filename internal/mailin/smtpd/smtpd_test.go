package smtpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"switchboard/internal/desk"
	"switchboard/internal/mailin"
)

// fakeDeliverer records deliveries; fail (if set) decides an error per
// call, and gate (if set) holds each delivery until it is closed.
type fakeDeliverer struct {
	mu      sync.Mutex
	got     []delivered
	fail    func(n int) error
	entered chan struct{}
	gate    chan struct{}
	calls   int
}

type delivered struct {
	mb  desk.Mailbox
	raw string
	src mailin.Source
}

func (f *fakeDeliverer) Deliver(_ context.Context, mb desk.Mailbox, raw []byte, src mailin.Source) (mailin.Result, error) {
	f.mu.Lock()
	f.calls++
	n, fail, gate, entered := f.calls, f.fail, f.gate, f.entered
	f.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if gate != nil {
		<-gate
	}
	if fail != nil {
		if err := fail(n); err != nil {
			return mailin.Result{}, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, delivered{mb, string(raw), src})
	return mailin.Result{Outcome: mailin.OutcomeTicket, Number: int64(len(f.got))}, nil
}

func (f *fakeDeliverer) deliveries() []delivered {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]delivered(nil), f.got...)
}

// fakeLookup knows a fixed set of addresses (exactly as written).
type fakeLookup struct {
	mbs map[string]desk.Mailbox
	err error
}

func (l fakeLookup) Mailbox(_ context.Context, address string) (desk.Mailbox, error) {
	if l.err != nil {
		return desk.Mailbox{}, l.err
	}
	if mb, ok := l.mbs[address]; ok {
		return mb, nil
	}
	return desk.Mailbox{}, desk.Errorf(desk.ENotFound, "No mailbox %s here.", address)
}

var (
	support = desk.Mailbox{ID: 1, Address: "support@acme.example", Active: true}
	sales   = desk.Mailbox{ID: 2, Address: "sales@acme.example", Active: true}
	lookup  = fakeLookup{mbs: map[string]desk.Mailbox{
		"support@acme.example": support, "support+vip@acme.example": support, "sales@acme.example": sales}}
	when = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
)

// start runs a Server on 127.0.0.1:0 until the test ends; it returns the
// address and a stop function that cancels Serve and returns its error.
func start(t testing.TB, d Deliverer, l MailboxLookup, opt Options) (addr string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opt.Domain == "" {
		opt.Domain = "mx.switchboard.test"
	}
	if opt.Clock == nil {
		opt.Clock = desk.NewFixedClock(when)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- New(d, l, opt).Serve(ctx, ln) }()
	var once sync.Once
	var serr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case serr = <-errc:
			case <-time.After(30 * time.Second):
				serr = errors.New("Serve did not return within 30s")
			}
		})
		return serr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return ln.Addr().String(), stop
}

const body = "From: Ana <ana@example.com>\r\nTo: support@acme.example\r\nSubject: Invoice\r\nMessage-ID: <m1@example.com>\r\n\r\nHello,\r\n.. a line starting with a dot\r\n"

// send runs one SMTP transaction and returns the error of the first
// command that failed (an *smtp.SMTPError for a refusal).
func send(t *testing.T, addr, from string, to []string, msg string) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("mail.example.com"); err != nil {
		return err
	}
	return sendOnClient(c, from, to, msg)
}

// sendTLS is send over STARTTLS (not verifying the certificate, as MTAs
// delivering to an MX do).
func sendTLS(t *testing.T, addr, from string, to []string, msg string) error {
	t.Helper()
	c, err := smtp.DialStartTLS(addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return sendOnClient(c, from, to, msg)
}

func sendOnClient(c *smtp.Client, from string, to []string, msg string) error {
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	_ = c.Quit() // the message is accepted; a server stopping may close first
	return nil
}

func code(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestDeliver(t *testing.T) {
	d := &fakeDeliverer{}
	addr, _ := start(t, d, lookup, Options{})
	if err := send(t, addr, "ana@example.com", []string{"support@acme.example"}, body); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := d.deliveries()
	if len(got) != 1 {
		t.Fatalf("%d deliveries, want 1", len(got))
	}
	want := "Return-Path: <ana@example.com>\r\n" +
		"Received: from mail.example.com ([127.0.0.1])\r\n\tby mx.switchboard.test (Switchboard) with SMTP id "
	if !strings.HasPrefix(got[0].raw, want) {
		t.Errorf("trace headers:\n%q\nwant prefix\n%q", got[0].raw, want)
	}
	if !strings.Contains(got[0].raw, "\r\n\tfor <support@acme.example>; Sun, 01 Mar 2026 09:30:00 +0000\r\n"+body) {
		t.Errorf("message after the trace headers differs:\n%q", got[0].raw)
	}
	if got[0].mb.ID != support.ID || got[0].src != mailin.SourceSMTP {
		t.Errorf("delivered to %+v from %q", got[0].mb, got[0].src)
	}
}

func TestRecipients(t *testing.T) {
	d := &fakeDeliverer{}
	addr, _ := start(t, d, lookup, Options{})
	err := send(t, addr, "ana@example.com", []string{"nobody@acme.example"}, body)
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 550 || se.EnhancedCode != (smtp.EnhancedCode{5, 1, 1}) {
		t.Errorf("unknown recipient: %v, want 550 5.1.1", err)
	}
	// Two addresses of one mailbox and another mailbox: one copy each.
	if err := send(t, addr, "ana@example.com", []string{"support@acme.example", "support+vip@acme.example", "sales@acme.example"}, body); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := d.deliveries()
	if len(got) != 2 || got[0].mb.ID != support.ID || got[1].mb.ID != sales.ID {
		t.Fatalf("deliveries %+v, want support then sales", got)
	}
	if !strings.Contains(got[1].raw, "for <sales@acme.example>;") {
		t.Errorf("sales copy traced for another recipient:\n%s", got[1].raw)
	}

	addr2, _ := start(t, d, fakeLookup{err: errors.New("database down")}, Options{})
	err = send(t, addr2, "ana@example.com", []string{"support@acme.example"}, body)
	if !errors.As(err, &se) || se.Code != 451 || se.EnhancedCode != (smtp.EnhancedCode{4, 3, 0}) {
		t.Errorf("failing lookup: %v, want 451 4.3.0", err)
	}
}

func TestMaxRecipients(t *testing.T) {
	d := &fakeDeliverer{}
	addr, _ := start(t, d, lookup, Options{MaxRecipients: 2})
	err := send(t, addr, "ana@example.com", []string{"support@acme.example", "sales@acme.example", "support+vip@acme.example"}, body)
	if code(err) != 452 {
		t.Errorf("third recipient: %v, want 452", err)
	}
}

func TestNullSender(t *testing.T) {
	d := &fakeDeliverer{}
	addr, _ := start(t, d, lookup, Options{})
	if err := send(t, addr, "", []string{"support@acme.example"}, body); err != nil {
		t.Fatalf("send: %v", err)
	}
	if got := d.deliveries(); len(got) != 1 || !strings.HasPrefix(got[0].raw, "Return-Path: <>\r\nReceived: ") {
		t.Fatalf("null sender: %+v", got)
	}
}

func TestTooLarge(t *testing.T) {
	d := &fakeDeliverer{}
	addr, _ := start(t, d, lookup, Options{MaxSize: 4096})
	big := body + strings.Repeat("0123456789abcdef\r\n", 300)
	// The declared SIZE is a lie: the bytes read count.
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, v := c.Extension("SIZE"); !ok || v != "4096" {
		t.Errorf("SIZE extension %v %q, want 4096", ok, v)
	}
	if err := c.Mail("ana@example.com", &smtp.MailOptions{Size: 100}); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("support@acme.example", nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(w, big)
	err = w.Close()
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 552 || se.EnhancedCode != (smtp.EnhancedCode{5, 3, 4}) {
		t.Errorf("oversize: %v, want 552 5.3.4", err)
	}
	// The session goes on: a small message after it is accepted.
	if err := c.Mail("ana@example.com", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("support@acme.example", nil); err != nil {
		t.Fatal(err)
	}
	if w, err = c.Data(); err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(w, body)
	if err := w.Close(); err != nil {
		t.Errorf("small message after the large one: %v", err)
	}
	if got := d.deliveries(); len(got) != 1 || strings.Contains(got[0].raw, "0123456789abcdef") {
		t.Errorf("%d deliveries; the oversize message must not be delivered", len(got))
	}
	// A declared SIZE over the limit is refused at MAIL.
	if err := c.Mail("ana@example.com", &smtp.MailOptions{Size: 5000}); code(err) != 552 {
		t.Errorf("declared oversize: %v, want 552", err)
	}
}

func TestDeliveryFailures(t *testing.T) {
	d := &fakeDeliverer{fail: func(n int) error {
		switch n {
		case 1:
			return errors.New("database is locked")
		case 3:
			return fmt.Errorf("mailin: %w", desk.Errorf(desk.EInvalid, "The message is larger than 35 MiB."))
		}
		return nil
	}}
	addr, _ := start(t, d, lookup, Options{})
	err := send(t, addr, "ana@example.com", []string{"support@acme.example"}, body)
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 451 || se.EnhancedCode != (smtp.EnhancedCode{4, 3, 0}) {
		t.Errorf("temporary failure: %v, want 451 4.3.0", err)
	}
	if len(d.deliveries()) != 0 {
		t.Fatal("a failed delivery was recorded")
	}
	// The MTA retries and the message is stored.
	if err := send(t, addr, "ana@example.com", []string{"support@acme.example"}, body); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if len(d.deliveries()) != 1 {
		t.Fatal("retry not delivered")
	}
	err = send(t, addr, "ana@example.com", []string{"support@acme.example"}, body)
	if !errors.As(err, &se) || se.Code != 554 || se.EnhancedCode != (smtp.EnhancedCode{5, 6, 0}) || se.Message != "The message is larger than 35 MiB." {
		t.Errorf("refused message: %v, want 554 5.6.0 with the reason", err)
	}
}

// TestPartialFailure: the 250 needs every mailbox; a failure of the second
// one fails the whole message so the MTA retries it.
func TestPartialFailure(t *testing.T) {
	d := &fakeDeliverer{fail: func(n int) error {
		if n == 2 {
			return errors.New("timeout")
		}
		return nil
	}}
	addr, _ := start(t, d, lookup, Options{})
	if err := send(t, addr, "ana@example.com", []string{"support@acme.example", "sales@acme.example"}, body); code(err) != 451 {
		t.Errorf("second mailbox failing: %v, want 451", err)
	}
}

func TestMaxSessions(t *testing.T) {
	addr, _ := start(t, &fakeDeliverer{}, lookup, Options{MaxSessions: 1})
	c1, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := c1.Hello("one.example"); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	greeting, _ := io.ReadAll(c)
	c.Close()
	if !strings.HasPrefix(string(greeting), "421 4.3.2 ") {
		t.Errorf("second session greeted %q, want 421 and closed", greeting)
	}
	c1.Close()
	// The slot is free again once the first session ended.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c2, err := smtp.Dial(addr)
		if err == nil {
			c2.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot not released: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestGracefulShutdown: stopping the server lets a message in transfer
// finish and get its 250, closes idle sessions and refuses new ones.
func TestGracefulShutdown(t *testing.T) {
	t.Run("plain", func(t *testing.T) { testGracefulShutdown(t, false) })
	t.Run("starttls", func(t *testing.T) { testGracefulShutdown(t, true) })
}

func testGracefulShutdown(t *testing.T, withTLS bool) {
	d := &fakeDeliverer{entered: make(chan struct{}, 1), gate: make(chan struct{})}
	opt := Options{ShutdownTimeout: 20 * time.Second}
	sendFn := send
	if withTLS {
		cfg, err := SelfSigned("mx.switchboard.test", when)
		if err != nil {
			t.Fatal(err)
		}
		opt.TLSConfig, sendFn = cfg, sendTLS
	}
	addr, stop := start(t, d, lookup, opt)

	idle, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if err := idle.Hello("idle.example"); err != nil {
		t.Fatal(err)
	}

	sent := make(chan error, 1)
	go func() { sent <- sendFn(t, addr, "ana@example.com", []string{"support@acme.example"}, body) }()
	select {
	case <-d.entered: // the message is being stored
	case <-time.After(10 * time.Second):
		t.Fatal("delivery did not start")
	}
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()

	// New connections are refused once the listener closed.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The idle session was closed.
	if err := idle.Noop(); err == nil {
		t.Error("idle session still open during shutdown")
	}
	select {
	case err := <-stopped:
		t.Fatalf("Serve returned (%v) while a message was being stored", err)
	default:
	}
	close(d.gate)
	if err := <-sent; err != nil {
		t.Errorf("in-flight message: %v, want 250", err)
	} else if len(d.deliveries()) != 1 {
		t.Error("in-flight message not delivered")
	}
	if err := <-stopped; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// remoteListener makes every connection look as if it came from ip, a
// remote (non-loopback) address.
type remoteListener struct {
	net.Listener
	ip net.IP
}

func (l remoteListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return remoteConn{Conn: c, addr: &net.TCPAddr{IP: l.ip, Port: 40000}}, nil
}

type remoteConn struct {
	net.Conn
	addr net.Addr
}

func (c remoteConn) RemoteAddr() net.Addr { return c.addr }

// TestMaxSessionsPerIP: one remote address cannot take every session slot;
// its extra connections are answered 421 4.7.0 while others still get in.
func TestMaxSessionsPerIP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- New(&fakeDeliverer{}, lookup, Options{Domain: "mx.test", MaxSessionsPerIP: 2}).
			Serve(ctx, remoteListener{Listener: ln, ip: net.ParseIP("192.0.2.7")})
	}()
	defer func() { cancel(); <-done }()
	greet := func() (net.Conn, string) {
		t.Helper()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 200)
		n, _ := c.Read(buf)
		return c, string(buf[:n])
	}
	c1, g1 := greet()
	c2, g2 := greet()
	c3, g3 := greet()
	c3.Close()
	if !strings.HasPrefix(g1, "220") || !strings.HasPrefix(g2, "220") || !strings.HasPrefix(g3, "421 4.7.0") {
		t.Fatalf("greetings %q %q %q; want 220, 220, 421 4.7.0", g1, g2, g3)
	}
	c1.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, g := greet()
		c.Close()
		if strings.HasPrefix(g, "220") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot of the closed session not released: %q", g)
		}
		time.Sleep(10 * time.Millisecond)
	}
	c2.Close()
}
