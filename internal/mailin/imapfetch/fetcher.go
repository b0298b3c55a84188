package imapfetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// Fetcher reads one mailbox's IMAP folder into the desk until its context
// ends, reconnecting with backoff after failures.
type Fetcher struct {
	st   *store.Store
	d    Deliverer
	log  *slog.Logger
	opts Options
	url  string                       // the IMAP URL this fetcher was started with
	mb   atomic.Pointer[desk.Mailbox] // latest settings, passed to the Deliverer
}

// NewFetcher returns a fetcher for mb (its IMAPURL is read once; start a
// new Fetcher when it changes).
func NewFetcher(st *store.Store, d Deliverer, log *slog.Logger, mb desk.Mailbox, opts Options) *Fetcher {
	if log == nil {
		log = slog.Default()
	}
	f := &Fetcher{st: st, d: d, opts: opts.withDefaults(), url: mb.IMAPURL,
		log: log.With("mailbox_id", mb.ID, "mailbox", mb.Address, "imap", desk.RedactURL(mb.IMAPURL))}
	f.Update(mb)
	return f
}

// Update replaces the mailbox settings handed to the Deliverer (team,
// acknowledgement, ...) without reconnecting.
func (f *Fetcher) Update(mb desk.Mailbox) { f.mb.Store(&mb) }

// Run fetches until ctx ends. Each failure is recorded on the mailbox
// (status failing, the error without the password) and followed by a
// backoff; each completed fetch round marks the mailbox ok.
func (f *Fetcher) Run(ctx context.Context) {
	attempt := 0
	for ctx.Err() == nil {
		err := f.session(ctx, func() { attempt = 0 })
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("imap: connection ended")
		}
		acct, _ := parseURL(f.url)
		text := scrub(err.Error(), acct.pass)
		f.log.Warn("imap fetch failed", "err", text, "attempt", attempt+1)
		f.setStatus(ctx, text)
		wait := f.opts.Backoff(attempt)
		attempt++
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// setStatus records the mailbox status ("" = ok after a fetch).
func (f *Fetcher) setStatus(ctx context.Context, errText string) {
	id := f.mb.Load().ID
	err := f.st.Write(ctx, func(tx *store.Tx) error {
		return tx.SetMailboxStatus(ctx, id, errText, errText == "", f.opts.Clock.Now())
	})
	if err != nil && ctx.Err() == nil {
		f.log.Error("imap: record mailbox status", "err", err)
	}
}

// session connects, logs in, selects the folder and alternates fetch
// rounds with waiting until something fails or ctx ends. ok is called
// after every completed round.
func (f *Fetcher) session(ctx context.Context, ok func()) error {
	acct, err := parseURL(f.url)
	if err != nil {
		return err
	}
	wake := make(chan struct{}, 1)
	c, err := f.dial(acct, wake)
	if err != nil {
		return fmt.Errorf("imap: connect to %s: %w", acct.addr, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() }) // unblocks any command
	defer stop()

	if err := c.Login(acct.user, acct.pass).Wait(); err != nil {
		return fmt.Errorf("imap: log in as %s at %s: %w", acct.user, acct.addr, err)
	}
	sel, err := c.Select(acct.folder, nil).Wait()
	if err != nil {
		return fmt.Errorf("imap: select %s at %s: %w", acct.folder, acct.addr, err)
	}
	if sel.UIDValidity == 0 {
		return fmt.Errorf("imap: %s at %s has no UIDVALIDITY", acct.folder, acct.addr)
	}
	idle := !f.opts.NoIdle && c.Caps().Has(imap.CapIdle)
	for {
		if err := f.round(ctx, c, sel.UIDValidity); err != nil {
			return err
		}
		f.setStatus(ctx, "")
		ok()
		if err := f.wait(ctx, c, idle, wake); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// dial opens the connection: implicit TLS for imaps://, STARTTLS for
// imap:// except to a loopback host, where it is plain.
func (f *Fetcher) dial(acct account, wake chan struct{}) (*imapclient.Client, error) {
	var cfg *tls.Config
	if f.opts.TLSConfig != nil {
		cfg = f.opts.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = acct.host
	}
	opts := &imapclient.Options{
		TLSConfig: cfg,
		// TCP keep-alives (on by default) end a silently dead
		// connection, even while idling, within a few minutes.
		Dialer: &net.Dialer{Timeout: f.opts.DialTimeout},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					select { // never block the reader
					case wake <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var c *imapclient.Client
	var err error
	switch {
	case acct.implicitTLS:
		c, err = imapclient.DialTLS(acct.addr, opts)
	case acct.loopback():
		c, err = imapclient.DialInsecure(acct.addr, opts)
	default:
		c, err = imapclient.DialStartTLS(acct.addr, opts)
	}
	if err != nil {
		return nil, err
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	return c, nil
}

// wait returns when new mail may have arrived: on EXISTS while idling (or
// after IdleRestart), or after Poll without IDLE.
func (f *Fetcher) wait(ctx context.Context, c *imapclient.Client, idle bool, wake <-chan struct{}) error {
	if !idle {
		t := time.NewTimer(f.opts.Poll)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-c.Closed():
			return errors.New("imap: connection closed")
		case <-wake:
		case <-t.C:
		}
		return nil
	}
	cmd, err := c.Idle()
	if err != nil {
		return fmt.Errorf("imap: idle: %w", err)
	}
	t := time.NewTimer(f.opts.IdleRestart)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil // the connection is being closed
	case <-c.Closed():
		return errors.New("imap: connection closed while idling")
	case <-wake:
	case <-t.C:
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("imap: end idle: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("imap: idle: %w", err)
	}
	return nil
}
