// Package smtpd is Switchboard's inbound SMTP listener: the MX (or relay
// target) for its mailboxes. It accepts a recipient only when it is an
// active mailbox, reads the message within a size limit, prepends the
// Return-Path and Received trace headers, and answers 250 only after the
// message was durably stored for every accepted mailbox, so a sending MTA
// keeps (and retries) anything that was not. It offers no AUTH: it is not
// a submission server and relays nothing.
package smtpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"switchboard/internal/desk"
	"switchboard/internal/mailin"
)

// Deliverer stores one message for one mailbox (mailin.Ingester). It must
// return nil only once the message is durably stored or recognised as a
// duplicate; desk.EInvalid refuses it for good, any other error is
// temporary.
type Deliverer interface {
	Deliver(ctx context.Context, mb desk.Mailbox, raw []byte, src mailin.Source) (mailin.Result, error)
}

// MailboxLookup finds the active mailbox an address belongs to,
// case-insensitively and ignoring a "+tag" in the local part
// (mailin.Ingester.Mailbox); desk.ENotFound when there is none.
type MailboxLookup interface {
	Mailbox(ctx context.Context, address string) (desk.Mailbox, error)
}

// Options tune a Server. Zero values take the defaults.
type Options struct {
	// Domain names this host in the greeting and Received headers
	// (default: the host name).
	Domain string
	// MaxSize is the largest message accepted, in bytes, advertised with
	// SIZE (default mailin.MaxMessageSize).
	MaxSize int64
	// MaxRecipients per message (default 50).
	MaxRecipients int
	// MaxSessions is how many connections are served at once; more are
	// answered 421 and closed (default 100).
	MaxSessions int
	// MaxSessionsPerIP is how many of them one remote address may hold
	// (default 10), so one sender cannot take every slot; loopback (a
	// local MTA relaying to the listener) is not limited.
	MaxSessionsPerIP int
	// ReadTimeout is how long the client may stay silent, between
	// commands and within DATA (default 5 minutes, RFC 5321 4.5.3.2).
	ReadTimeout time.Duration
	// WriteTimeout bounds writing one reply (default 1 minute).
	WriteTimeout time.Duration
	// MaxLineLength bounds a command line (default 2000).
	MaxLineLength int
	// DeliverTimeout bounds storing one message (default 2 minutes).
	DeliverTimeout time.Duration
	// ShutdownTimeout is how long a message in transfer may take to finish
	// when the server stops (default 20 seconds).
	ShutdownTimeout time.Duration
	// LookupTimeout bounds one mailbox lookup (default 10 seconds).
	LookupTimeout time.Duration
	// TLSConfig, when set, offers STARTTLS (see SelfSigned).
	TLSConfig *tls.Config
	// Clock dates the Received header (default the system clock).
	Clock  desk.Clock
	Logger *slog.Logger
}

// Server is an inbound SMTP listener. Construct with New, run with Serve.
type Server struct {
	d      Deliverer
	lookup MailboxLookup
	opt    Options
	log    *slog.Logger

	mu      sync.Mutex
	conns   map[net.Conn]*connState
	perIP   map[string]int
	closing bool
	base    context.Context
}

// connState is what shutdown needs to know about one connection.
type connState struct {
	busy bool // inside DATA: let it finish
}

// New returns a Server delivering through d, accepting recipients lookup
// knows.
func New(d Deliverer, lookup MailboxLookup, opt Options) *Server {
	if opt.Domain == "" {
		opt.Domain, _ = os.Hostname()
		if opt.Domain == "" {
			opt.Domain = "switchboard"
		}
	}
	if opt.MaxSize <= 0 {
		opt.MaxSize = mailin.MaxMessageSize
	}
	if opt.MaxRecipients <= 0 {
		opt.MaxRecipients = 50
	}
	if opt.MaxSessions <= 0 {
		opt.MaxSessions = 100
	}
	if opt.MaxSessionsPerIP <= 0 {
		opt.MaxSessionsPerIP = 10
	}
	if opt.ReadTimeout <= 0 {
		opt.ReadTimeout = 5 * time.Minute
	}
	if opt.WriteTimeout <= 0 {
		opt.WriteTimeout = time.Minute
	}
	if opt.MaxLineLength <= 0 {
		opt.MaxLineLength = 2000
	}
	if opt.DeliverTimeout <= 0 {
		opt.DeliverTimeout = 2 * time.Minute
	}
	if opt.ShutdownTimeout <= 0 {
		opt.ShutdownTimeout = 20 * time.Second
	}
	if opt.LookupTimeout <= 0 {
		opt.LookupTimeout = 10 * time.Second
	}
	if opt.Clock == nil {
		opt.Clock = desk.SystemClock{}
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Server{d: d, lookup: lookup, opt: opt, log: log, conns: map[net.Conn]*connState{}, perIP: map[string]int{}, base: context.Background()}
}

// Serve accepts SMTP connections on ln until ctx is done, then stops
// accepting, closes idle connections, lets a message in transfer finish
// (up to Options.ShutdownTimeout) and returns. It returns an error when
// accepting fails or the shutdown had to cut a transfer.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	s.base = ctx
	s.mu.Unlock()
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = s.opt.Domain
	srv.MaxMessageBytes = s.opt.MaxSize
	srv.MaxRecipients = s.opt.MaxRecipients
	srv.MaxLineLength = s.opt.MaxLineLength
	srv.ReadTimeout = s.opt.ReadTimeout
	srv.WriteTimeout = s.opt.WriteTimeout
	srv.EnableSMTPUTF8 = true
	srv.TLSConfig = s.opt.TLSConfig
	srv.ErrorLog = errorLog{s.log}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(&listener{Listener: ln, s: s, sem: make(chan struct{}, s.opt.MaxSessions)}) }()
	select {
	case err := <-errc:
		s.closeAll()
		return fmt.Errorf("smtpd: accept on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}

	s.log.Info("smtp shutting down", "timeout", s.opt.ShutdownTimeout)
	s.closeIdle()
	sctx, cancel := context.WithTimeout(context.Background(), s.opt.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-errc
	if err != nil {
		s.closeAll()
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("smtpd: messages in transfer did not finish within %s", s.opt.ShutdownTimeout)
		}
		return fmt.Errorf("smtpd: shutdown: %w", err)
	}
	return nil
}

// closeIdle marks the server closing and closes every connection that is
// not inside DATA; those close after their reply (session.Reset).
func (s *Server) closeIdle() { s.closeConns(false) }

// closeAll closes every connection, in transfer or not.
func (s *Server) closeAll() { s.closeConns(true) }

func (s *Server) closeConns(all bool) {
	s.mu.Lock()
	s.closing = true
	var cs []net.Conn
	for c, st := range s.conns {
		if all || !st.busy {
			cs = append(cs, c)
		}
	}
	s.mu.Unlock()
	for _, c := range cs { // trackedConn.Close takes s.mu
		c.Close()
	}
}

// enterData marks c busy; false when the server is closing.
func (s *Server) enterData(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	if st := s.conns[c]; st != nil {
		st.busy = true
	}
	return true
}

// leaveData marks c idle again.
func (s *Server) leaveData(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.conns[c]; st != nil {
		st.busy = false
	}
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

func (s *Server) baseContext() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.base
}

// listener caps concurrent connections and tracks them for shutdown.
type listener struct {
	net.Listener
	s   *Server
	sem chan struct{}
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.sem <- struct{}{}:
		default:
			l.s.log.Warn("smtp connection refused: too many sessions", "remote", remoteIP(c), "max", cap(l.sem))
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = io.WriteString(c, "421 4.3.2 Too many connections, try again later\r\n")
			c.Close()
			continue
		}
		ip := remoteIP(c)
		limited := !isLoopback(ip)
		l.s.mu.Lock()
		if limited && l.s.perIP[ip] >= l.s.opt.MaxSessionsPerIP {
			l.s.mu.Unlock()
			<-l.sem
			l.s.log.Warn("smtp connection refused: too many sessions from one address", "remote", ip, "max", l.s.opt.MaxSessionsPerIP)
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = io.WriteString(c, "421 4.7.0 Too many connections from your address, try again later\r\n")
			c.Close()
			continue
		}
		tc := &trackedConn{Conn: c, l: l, timeout: l.s.opt.ReadTimeout}
		if limited {
			tc.ip = ip
			l.s.perIP[ip]++
		}
		l.s.conns[tc] = &connState{}
		l.s.mu.Unlock()
		return tc, nil
	}
}

// trackedConn releases its session slot once, when closed, and extends
// the read deadline before every read: go-smtp sets it once per command
// line, which would bound a whole DATA transfer (35 MiB on a slow link)
// instead of the client's silence.
type trackedConn struct {
	net.Conn
	l       *listener
	timeout time.Duration
	ip      string // counted against MaxSessionsPerIP ("" when not limited)
	once    sync.Once
}

func (c *trackedConn) Read(p []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.s.mu.Lock()
		delete(c.l.s.conns, c)
		if c.ip != "" {
			if c.l.s.perIP[c.ip]--; c.l.s.perIP[c.ip] <= 0 {
				delete(c.l.s.perIP, c.ip)
			}
		}
		c.l.s.mu.Unlock()
		<-c.l.sem
	})
	return err
}

// errorLog sends go-smtp's internal errors to slog.
type errorLog struct{ log *slog.Logger }

func (e errorLog) Printf(format string, v ...any) {
	e.log.Warn("smtp: " + fmt.Sprintf(format, v...))
}
func (e errorLog) Println(v ...any) { e.log.Warn("smtp: " + fmt.Sprint(v...)) }

func isLoopback(ip string) bool {
	p := net.ParseIP(ip)
	return p != nil && p.IsLoopback()
}

func remoteIP(c net.Conn) string {
	addr := c.RemoteAddr().String()
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}
