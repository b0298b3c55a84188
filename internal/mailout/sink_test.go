package mailout

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message the sink saw in DATA.
type received struct {
	From     string
	Rcpt     []string
	Raw      []byte
	TLS      bool
	User     string
	Accepted bool
}

// sink is a real SMTP server on 127.0.0.1 recording what relays receive.
type sink struct {
	Addr string

	mu   sync.Mutex
	msgs []received
	// reply decides the answer to the n-th DATA (0-based); nil accepts.
	reply func(n int) error
	// user/pass, when set, are required (AUTH PLAIN) before MAIL.
	user, pass string
}

type sinkOptions struct {
	TLS       *tls.Config // STARTTLS offered (or implicit TLS with Implicit)
	Implicit  bool
	User      string
	Pass      string
	Reply     func(n int) error
	Plaintext bool // allow AUTH without TLS
}

func newSink(t *testing.T, o sinkOptions) *sink {
	t.Helper()
	s := &sink{reply: o.Reply, user: o.User, pass: o.Pass}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, isTLS := c.TLSConnectionState()
		return &sinkSession{s: s, tls: isTLS}, nil
	}))
	srv.Domain = "sink.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.AllowInsecureAuth = o.Plaintext
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	if !o.Implicit {
		srv.TLSConfig = o.TLS
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = l.Addr().String()
	if o.Implicit {
		l = tls.NewListener(l, o.TLS)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// all returns what the sink received so far.
func (s *sink) all() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

// accepted returns the messages the sink accepted.
func (s *sink) accepted() []received {
	var out []received
	for _, r := range s.all() {
		if r.Accepted {
			out = append(out, r)
		}
	}
	return out
}

type sinkSession struct {
	s    *sink
	tls  bool
	user string
	from string
	rcpt []string
}

func (ss *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *sinkSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.user || password != ss.s.pass {
			return smtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.rcpt = append(ss.rcpt, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	n := len(ss.s.msgs)
	var rerr error
	if ss.s.reply != nil {
		rerr = ss.s.reply(n)
	}
	ss.s.msgs = append(ss.s.msgs, received{From: ss.from, Rcpt: ss.rcpt, Raw: raw, TLS: ss.tls, User: ss.user, Accepted: rerr == nil})
	return rerr
}

func (ss *sinkSession) Reset()        { ss.from, ss.rcpt = "", nil }
func (ss *sinkSession) Logout() error { return nil }

// smtpCode returns an SMTP error reply with this code.
func smtpCode(code int, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: msg}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
