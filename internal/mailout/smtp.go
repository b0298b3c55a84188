package mailout

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// relay is a parsed SMTP relay URL.
type relay struct {
	Host     string
	Port     string
	Implicit bool // smtps://: TLS from the first byte
	User     string
	Pass     string
}

// Addr is host:port.
func (r relay) Addr() string { return net.JoinHostPort(r.Host, r.Port) }

// permanentError is a failure that retrying will not fix (bad
// configuration, a 5xx reply).
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

func permanent(format string, args ...any) error {
	return permanentError{fmt.Errorf(format, args...)}
}

// parseRelay reads smtp://[user:pass@]host[:port] (port 587 by default)
// or smtps://[user:pass@]host[:port] (465). Its errors never contain the
// URL, which holds the password.
func parseRelay(raw string) (relay, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return relay{}, permanent("the SMTP URL of the mailbox is not a valid URL")
	}
	var r relay
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		r.Port = "587"
	case "smtps":
		r.Implicit, r.Port = true, "465"
	default:
		return relay{}, permanent("the SMTP URL of the mailbox must start with smtp:// or smtps://")
	}
	r.Host = u.Hostname()
	if r.Host == "" {
		return relay{}, permanent("the SMTP URL of the mailbox has no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n <= 0 || n > 65535 {
			return relay{}, permanent("the SMTP URL of the mailbox has an invalid port")
		}
		r.Port = p
	}
	if u.User != nil {
		r.User = u.User.Username()
		r.Pass, _ = u.User.Password()
	}
	return r, nil
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// authAllowed is the credentials policy: a password goes only over TLS
// or to a loopback host.
func authAllowed(host string, overTLS bool) error {
	if overTLS || isLoopback(host) {
		return nil
	}
	return permanent("refusing to send the SMTP password to %s without TLS: the server does not offer STARTTLS; use smtps:// or a relay with STARTTLS", host)
}

// errNoStartTLS is go-smtp's error when the server lacks STARTTLS.
const errNoStartTLS = "smtp: server doesn't support STARTTLS"

// deliver sends raw to rcpts from mailFrom through the relay.
func (m *Mailer) deliver(ctx context.Context, r relay, hello, mailFrom string, rcpts []string, raw []byte) error {
	ctx, cancel := context.WithTimeout(ctx, m.opt.Timeout)
	defer cancel()
	c, overTLS, err := m.dial(ctx, r)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if hello == "" {
		hello = "localhost"
	}
	// The first command after connecting (or after STARTTLS): it also
	// surfaces a TLS handshake that failed (an untrusted certificate).
	if err := c.Hello(hello); err != nil {
		return fmt.Errorf("greet SMTP server %s: %w", r.Addr(), err)
	}
	if r.User != "" {
		if err := authAllowed(r.Host, overTLS); err != nil {
			return err
		}
		if ok, _ := c.Extension("AUTH"); !ok {
			return permanent("the SMTP server %s does not offer AUTH, but the mailbox has credentials", r.Host)
		}
		var a sasl.Client
		switch {
		case c.SupportsAuth(sasl.Plain):
			a = sasl.NewPlainClient("", r.User, r.Pass)
		case c.SupportsAuth(sasl.Login):
			a = sasl.NewLoginClient(r.User, r.Pass)
		default:
			return permanent("the SMTP server %s offers neither AUTH PLAIN nor LOGIN", r.Host)
		}
		if err := c.Auth(a); err != nil {
			return fmt.Errorf("smtp auth as %s: %w", r.User, err)
		}
	}
	if err := c.SendMail(mailFrom, rcpts, bytes.NewReader(raw)); err != nil {
		return err
	}
	if err := c.Quit(); err != nil {
		m.log.Debug("smtp quit", "host", r.Host, "err", err) // the message was accepted already
	}
	return nil
}

// dial connects to the relay: implicit TLS for smtps://, else STARTTLS
// when the server offers it (a plain connection otherwise).
func (m *Mailer) dial(ctx context.Context, r relay) (*smtp.Client, bool, error) {
	cfg := m.tlsConfig(r.Host)
	d := net.Dialer{Timeout: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", r.Addr())
	if err != nil {
		return nil, false, fmt.Errorf("connect to SMTP server %s: %w", r.Addr(), err)
	}
	if r.Implicit {
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, false, fmt.Errorf("TLS with SMTP server %s: %w", r.Addr(), err)
		}
		return smtp.NewClient(tc), true, nil
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	c, err := smtp.NewClientStartTLS(conn, cfg)
	stop()
	if err == nil {
		return c, true, nil
	}
	if err.Error() != errNoStartTLS {
		return nil, false, fmt.Errorf("STARTTLS with SMTP server %s: %w", r.Addr(), err)
	}
	// No STARTTLS: reconnect in plain text (credentials stay behind
	// authAllowed).
	conn, err = d.DialContext(ctx, "tcp", r.Addr())
	if err != nil {
		return nil, false, fmt.Errorf("connect to SMTP server %s: %w", r.Addr(), err)
	}
	return smtp.NewClient(conn), false, nil
}

func (m *Mailer) tlsConfig(host string) *tls.Config {
	var cfg *tls.Config
	if m.opt.TLSConfig != nil {
		cfg = m.opt.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	return cfg
}

// isPermanent tells a failure that retrying will not fix: a 5xx reply or
// a configuration error.
func isPermanent(err error) bool {
	var pe permanentError
	if errors.As(err, &pe) {
		return true
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code >= 500 && se.Code < 600
	}
	return false
}
