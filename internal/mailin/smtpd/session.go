package smtpd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"switchboard/internal/desk"
	"switchboard/internal/mailin"
)

// SMTP replies the listener gives.
var (
	errNoMailbox = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}
	errTempFail  = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, please try again later"}
	errTooLarge  = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Message too large"}
	errReadFail  = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "Error reading the message, please try again"}
	errClosing   = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Shutting down, please try again later"}
)

// session is one SMTP connection's state.
type session struct {
	s      *Server
	conn   *smtp.Conn
	remote string

	from    string
	fromSet bool
	rcpts   []recipient

	accepted, refused int // messages in this session
}

// recipient is an accepted RCPT and the mailbox it maps to.
type recipient struct {
	addr string
	mb   desk.Mailbox
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	if s.isClosing() {
		return nil, errClosing
	}
	return &session{s: s, conn: c, remote: remoteIP(plainConn(c.Conn()))}, nil
}

// Reset discards the current transaction; once the server is closing, it
// closes the connection (the reply to DATA has been written by then).
func (ss *session) Reset() {
	ss.from, ss.fromSet, ss.rcpts = "", false, nil
	if ss.s.isClosing() {
		plainConn(ss.conn.Conn()).Close()
	}
}

// Logout ends the session.
func (ss *session) Logout() error {
	ss.s.log.Debug("smtp session ended", "remote", ss.remote, "helo", ss.conn.Hostname(), "accepted", ss.accepted, "refused", ss.refused)
	return nil
}

// Mail starts a transaction; from is "" for the null sender <> (bounces).
func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from, ss.fromSet, ss.rcpts = from, true, nil
	return nil
}

// Rcpt accepts an active mailbox of ours and nothing else.
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ctx, cancel := context.WithTimeout(ss.s.baseContext(), ss.s.opt.LookupTimeout)
	defer cancel()
	mb, err := ss.s.lookup.Mailbox(ctx, to)
	if err != nil {
		if desk.IsNotFound(err) {
			ss.s.log.Info("smtp recipient refused", "remote", ss.remote, "from", ss.from, "rcpt", to)
			return errNoMailbox
		}
		ss.s.log.Error("smtp recipient lookup failed", "remote", ss.remote, "rcpt", to, "err", err)
		return errTempFail
	}
	ss.rcpts = append(ss.rcpts, recipient{addr: to, mb: mb})
	return nil
}

// Data reads the message and stores it for every accepted mailbox; the
// 250 goes out only when all of them stored it.
func (ss *session) Data(r io.Reader) (err error) {
	c := plainConn(ss.conn.Conn())
	if !ss.s.enterData(c) {
		return errClosing
	}
	defer ss.s.leaveData(c) // Reset closes the connection after the reply if the server is closing
	defer func() {
		if err != nil {
			ss.refused++
		} else {
			ss.accepted++
		}
	}()

	start := time.Now()
	id := queueID()
	log := ss.s.log.With("id", id, "remote", ss.remote, "helo", ss.conn.Hostname(), "from", ss.from, "rcpts", len(ss.rcpts))
	raw, err := io.ReadAll(io.LimitReader(r, ss.s.opt.MaxSize+1))
	if err != nil || int64(len(raw)) > ss.s.opt.MaxSize {
		var se *smtp.SMTPError
		if int64(len(raw)) > ss.s.opt.MaxSize || (errors.As(err, &se) && se.Code == 552) {
			log.Warn("smtp message refused", "size", len(raw), "outcome", "too large", "max", ss.s.opt.MaxSize)
			return errTooLarge
		}
		log.Warn("smtp message not received", "size", len(raw), "outcome", "read failed", "err", err)
		return errReadFail
	}

	ctx, cancel := context.WithTimeout(context.WithoutCancel(ss.s.baseContext()), ss.s.opt.DeliverTimeout)
	defer cancel()
	now := ss.s.opt.Clock.Now()
	done := map[int64]bool{}
	var outcomes []string
	for _, rc := range ss.rcpts {
		if done[rc.mb.ID] {
			continue // support@ and support+x@: one mailbox, one copy
		}
		done[rc.mb.ID] = true
		msg := append(ss.trace(id, rc.addr, now), raw...)
		res, err := ss.s.d.Deliver(ctx, rc.mb, msg, mailin.SourceSMTP)
		if err != nil {
			if desk.ErrorCode(err) == desk.EInvalid {
				reason := err.Error()
				var de *desk.Error
				if errors.As(err, &de) {
					reason = de.Message
				}
				log.Warn("smtp message refused", "mailbox", rc.mb.Address, "size", len(raw), "outcome", "refused", "reason", reason)
				return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: oneLine(reason)}
			}
			log.Error("smtp delivery failed", "mailbox", rc.mb.Address, "size", len(raw), "outcome", "tempfail", "err", err)
			return errTempFail
		}
		o := res.Outcome
		if res.Number != 0 {
			o = fmt.Sprintf("%s #%d", o, res.Number)
		}
		outcomes = append(outcomes, o)
	}
	log.Info("smtp message accepted", "size", len(raw), "outcome", strings.Join(outcomes, ", "), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// trace is the Return-Path and Received header for one delivery.
func (ss *session) trace(id, rcpt string, now time.Time) []byte {
	helo := clean(ss.conn.Hostname(), 255)
	if helo == "" {
		helo = "unknown"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Return-Path: <%s>\r\n", clean(ss.from, 320))
	with := "SMTP"
	if _, ok := ss.conn.TLSConnectionState(); ok {
		with = "ESMTPS"
	}
	fmt.Fprintf(&b, "Received: from %s ([%s])\r\n\tby %s (Switchboard) with %s id %s\r\n\tfor <%s>; %s\r\n",
		helo, ss.remote, clean(ss.s.opt.Domain, 255), with, id, clean(rcpt, 320), now.Format(time.RFC1123Z))
	return []byte(b.String())
}

// clean keeps a client-supplied value safe inside a header: printable
// ASCII without brackets or separators, clipped.
func clean(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r <= ' ' || r >= 0x7f || r == '<' || r == '>' || r == '(' || r == ')' || r == ';' {
			return -1
		}
		return r
	}, s)
	if len(s) > max {
		s = s[:max]
	}
	return s
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:400]
	}
	return s
}

// queueID names one received message in logs and its Received header.
func queueID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}
