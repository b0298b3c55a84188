package mailout

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
)

// maxIdle bounds the worker's sleep, so several instances pick up each
// other's work (and leases that expired) without a notification.
const maxIdle = 5 * time.Second

// Run delivers the outbound queue until ctx ends: it sends what is due,
// then sleeps until the next due time, a Wake, or at most 5 seconds.
func (m *Mailer) Run(ctx context.Context) error {
	m.log.Info("outbound mail worker started")
	for {
		n, err := m.Process(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			m.log.Error("outbound mail", "err", err)
		}
		wait := maxIdle
		if n >= m.opt.Batch && err == nil {
			wait = 0 // more may be due
		} else if due, ok, err := m.st.Read().NextQueuedDue(ctx); err != nil {
			m.log.Error("outbound mail: next due", "err", err)
		} else if ok {
			wait = min(max(due.Sub(m.clk.Now()), 0), maxIdle)
			if wait == 0 && n == 0 {
				wait = 200 * time.Millisecond // due but claimed by nobody: the clock disagrees; do not spin
			}
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-m.wake:
			case <-t.C:
			}
			t.Stop()
		}
	}
}

// Process claims the emails due now (one batch), delivers them, and
// records each outcome. It returns how many it claimed.
func (m *Mailer) Process(ctx context.Context) (int, error) {
	var batch []store.OutboundMail
	err := m.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		batch, err = tx.ClaimOutbound(ctx, m.now(), m.opt.Lease, m.opt.Batch)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("mailout: claim: %w", err)
	}
	var errs []error
	for _, o := range batch {
		if ctx.Err() != nil {
			break // the lease expires and another worker sends it
		}
		if err := m.attempt(ctx, o); err != nil {
			errs = append(errs, err)
		}
	}
	return len(batch), errors.Join(errs...)
}

// attempt delivers one claimed email and records the outcome.
func (m *Mailer) attempt(ctx context.Context, o store.OutboundMail) error {
	log := m.log.With("outbound", o.ID, "message_id", o.MessageID, "attempt", o.Attempts)
	// The batch is sent one by one: renew this email's lease first, so it
	// covers the whole attempt, and skip it if another worker took it
	// over meanwhile (the claim's attempts count is the fencing token).
	var held bool
	err := m.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		held, err = tx.RenewOutboundLease(ctx, o.ID, o.Attempts, m.now().Add(m.opt.Lease))
		return err
	})
	if err != nil {
		return fmt.Errorf("mailout: renew lease of outbound mail %d: %w", o.ID, err)
	}
	if !held {
		log.Info("email taken over by another worker")
		return nil
	}
	sendErr := m.send(ctx, o)
	if sendErr != nil && ctx.Err() != nil {
		return nil // shutting down: the lease expires and the email is tried again
	}
	now := m.now()
	var failed bool
	// Record the outcome even if shutdown began meanwhile: a sent email
	// left unrecorded would go out a second time after its lease.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err = m.st.Write(rctx, func(tx *store.Tx) error {
		failed = false
		switch {
		case sendErr == nil:
			return tx.MarkOutboundSent(rctx, o.ID, now)
		case !isPermanent(sendErr) && o.Attempts < m.opt.MaxAttempts:
			return tx.RetryOutbound(rctx, o.ID, now.Add(backoff(o.Attempts)), sendErr.Error())
		}
		failed = true
		if err := tx.FailOutbound(rctx, o.ID, sendErr.Error()); err != nil {
			return err
		}
		if o.TicketID == nil {
			return nil
		}
		action := "delivery_failed"
		return tx.InsertEvents(rctx, desk.Event{TicketID: *o.TicketID, Actor: "System", Action: action,
			Field: "email", New: desk.Clip(sendErr.Error(), 500), At: now})
	})
	if err != nil {
		return fmt.Errorf("mailout: record outcome of outbound mail %d: %w", o.ID, err)
	}
	switch {
	case sendErr == nil:
		log.Info("email sent", "to", o.Rcpt)
	case failed:
		log.Warn("email failed", "to", o.Rcpt, "err", sendErr)
		if o.TicketID != nil && m.opt.Publisher != nil {
			m.opt.Publisher.Publish(ctx, realtime.TicketUpdated, *o.TicketID, desk.System)
		}
	default:
		log.Info("email deferred", "to", o.Rcpt, "err", sendErr)
	}
	return nil
}

// send delivers one email through its mailbox's relay.
func (m *Mailer) send(ctx context.Context, o store.OutboundMail) error {
	if o.MailboxID == nil {
		return permanent("the mailbox this email was sent from was deleted")
	}
	var mb desk.Mailbox
	var err error
	mb, err = m.st.Read().Mailbox(ctx, *o.MailboxID)
	if desk.IsNotFound(err) {
		return permanent("the mailbox this email was sent from was deleted")
	}
	if err != nil {
		return err
	}
	if strings.TrimSpace(mb.SMTPURL) == "" {
		return permanent("the mailbox %s has no outgoing SMTP server configured", mb.Address)
	}
	r, err := parseRelay(mb.SMTPURL)
	if err != nil {
		return err
	}
	var rcpts []string
	for _, a := range strings.Split(o.Rcpt, ",") {
		if a = strings.TrimSpace(a); a != "" {
			rcpts = append(rcpts, a)
		}
	}
	if len(rcpts) == 0 {
		return permanent("the email has no recipient")
	}
	hello := m.opt.HelloName
	if hello == "" {
		hello = domainOf(mb.Address)
	}
	return m.deliver(ctx, r, hello, o.MailFrom, rcpts, o.Raw)
}

// backoff is the wait after the n-th failed attempt: 1 minute doubling,
// capped at 1 hour, plus up to 20% jitter.
func backoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	return d + time.Duration(rand.Int64N(int64(d/5)+1))
}

// Retry puts an email that failed for good back in the queue (an agent's
// "retry" on the ticket page). The email must carry a reply of ticketID's
// thread (its own messages or those of tickets merged into it); otherwise
// it is desk.ENotFound.
func (m *Mailer) Retry(ctx context.Context, a desk.Actor, ticketID, outboundID int64) error {
	if err := a.RequireAgent(); err != nil {
		return err
	}
	var owner int64 // the ticket whose message the email carries
	err := m.st.Write(ctx, func(tx *store.Tx) error {
		o, err := tx.Outbound(ctx, outboundID)
		if err != nil {
			return err
		}
		if ok, err := inThread(ctx, tx, o, ticketID); err != nil || !ok {
			if err == nil {
				err = desk.Errorf(desk.ENotFound, "There is no such email on this ticket.")
			}
			return err
		}
		if o.Status != desk.DeliveryFailed {
			return desk.Errorf(desk.EConflict, "This email is not failed; it is %s.", o.Status)
		}
		owner = *o.TicketID
		if err := tx.RequeueOutbound(ctx, outboundID, m.now()); err != nil {
			return err
		}
		tx.AfterCommit(m.Wake)
		return nil
	})
	if err != nil {
		return err
	}
	if m.opt.Publisher != nil {
		m.opt.Publisher.Publish(ctx, realtime.TicketUpdated, owner, a)
		if owner != ticketID { // merged: the thread it shows in
			m.opt.Publisher.Publish(ctx, realtime.TicketUpdated, ticketID, a)
		}
	}
	return nil
}

// inThread reports whether email o carries a message of ticketID's thread:
// the ticket's own or one of a ticket merged into it.
func inThread(ctx context.Context, tx *store.Tx, o store.OutboundMail, ticketID int64) (bool, error) {
	if o.TicketID == nil {
		return false, nil
	}
	if *o.TicketID == ticketID {
		return true, nil
	}
	merged, err := tx.MergedTicketIDs(ctx, ticketID)
	if err != nil {
		return false, err
	}
	return slices.Contains(merged, *o.TicketID), nil
}
