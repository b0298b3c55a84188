package store

import (
	"context"
	"database/sql"
	"fmt"
	"switchboard/internal/desk"
	"time"
)

// Outbound purposes.
const (
	PurposeReply = "reply" // an agent's reply on a ticket
	PurposeAck   = "ack"   // the automatic acknowledgement of a new ticket
	// PurposeTranscript is a chat transcript the visitor asked for.
	PurposeTranscript = "transcript"
)

// OutboundMail is one email in the durable outbound queue. Raw is the
// complete message, built when it was queued, so every attempt sends the
// same bytes with the same Message-ID.
type OutboundMail struct {
	ID            int64
	MailboxID     *int64
	TicketID      *int64
	MessageRow    *int64
	Purpose       string
	MessageID     string // our Message-ID header, without angle brackets
	MailFrom      string // envelope sender
	Rcpt          string // envelope recipients, comma separated
	Raw           []byte
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
}

// EnqueueOutbound adds an email to the queue (status queued, due now or
// at o.NextAttemptAt), setting o.ID.
func (tx *Tx) EnqueueOutbound(ctx context.Context, o *OutboundMail) error {
	if o.Purpose == "" {
		o.Purpose = PurposeReply
	}
	if o.NextAttemptAt.IsZero() {
		o.NextAttemptAt = o.CreatedAt
	}
	o.Status = "queued"
	id, err := tx.insertID(ctx, `INSERT INTO outbound_mail (mailbox_id, ticket_id, message_row, purpose, message_id,
		mail_from, rcpt, raw, status, attempts, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?)`,
		nullInt(o.MailboxID), nullInt(o.TicketID), nullInt(o.MessageRow), o.Purpose, o.MessageID,
		o.MailFrom, o.Rcpt, o.Raw, o.NextAttemptAt, o.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: enqueue outbound mail: %w", err)
	}
	o.ID = id
	return nil
}

const outboundColumns = `id, mailbox_id, ticket_id, message_row, purpose, message_id, mail_from, rcpt, raw, status,
	attempts, next_attempt_at, last_error, created_at, sent_at`

func scanOutbound(sc interface{ Scan(...any) error }, o *OutboundMail) error {
	return sc.Scan(&o.ID, nint{&o.MailboxID}, nint{&o.TicketID}, nint{&o.MessageRow}, &o.Purpose, &o.MessageID,
		&o.MailFrom, &o.Rcpt, &o.Raw, &o.Status, &o.Attempts, ts{&o.NextAttemptAt}, &o.LastError, ts{&o.CreatedAt}, nts{&o.SentAt})
}

// ClaimOutbound takes up to limit due emails (queued, or sending with an
// expired lease: a sender that died mid-attempt) and leases them until
// now+lease: status sending, attempts incremented. On PostgreSQL several
// instances claim concurrently without taking the same row (SKIP LOCKED);
// on SQLite the single writer serialises claims.
func (tx *Tx) ClaimOutbound(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboundMail, error) {
	lock := ""
	if tx.pg {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	rows, err := tx.query(ctx, `UPDATE outbound_mail SET status = 'sending', attempts = attempts + 1, locked_until = ?
		WHERE id IN (SELECT id FROM outbound_mail
			WHERE status IN ('queued', 'sending') AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)
			ORDER BY next_attempt_at, id LIMIT ?`+lock+`)
		RETURNING `+outboundColumns, now.Add(lease), now, now, limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim outbound mail: %w", err)
	}
	defer rows.Close()
	var out []OutboundMail
	for rows.Next() {
		var o OutboundMail
		if err := scanOutbound(rows, &o); err != nil {
			return nil, fmt.Errorf("store: claim outbound mail: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// MarkOutboundSent records a delivered email.
func (tx *Tx) MarkOutboundSent(ctx context.Context, id int64, at time.Time) error {
	_, err := tx.exec(ctx, "UPDATE outbound_mail SET status = 'sent', sent_at = ?, locked_until = NULL, last_error = '' WHERE id = ?", at, id)
	if err != nil {
		return fmt.Errorf("store: mark outbound mail %d sent: %w", id, err)
	}
	return nil
}

// RetryOutbound puts an email back in the queue for another attempt at next.
func (tx *Tx) RetryOutbound(ctx context.Context, id int64, next time.Time, lastErr string) error {
	_, err := tx.exec(ctx, "UPDATE outbound_mail SET status = 'queued', next_attempt_at = ?, locked_until = NULL, last_error = ? WHERE id = ?",
		next, desk.Clip(lastErr, 1000), id)
	if err != nil {
		return fmt.Errorf("store: retry outbound mail %d: %w", id, err)
	}
	return nil
}

// FailOutbound gives up on an email.
func (tx *Tx) FailOutbound(ctx context.Context, id int64, lastErr string) error {
	_, err := tx.exec(ctx, "UPDATE outbound_mail SET status = 'failed', locked_until = NULL, last_error = ? WHERE id = ?", desk.Clip(lastErr, 1000), id)
	if err != nil {
		return fmt.Errorf("store: fail outbound mail %d: %w", id, err)
	}
	return nil
}

// RequeueOutbound puts a failed email back in the queue now (an agent's
// "retry"), with its attempts counted from zero.
func (tx *Tx) RequeueOutbound(ctx context.Context, id int64, now time.Time) error {
	res, err := tx.exec(ctx, "UPDATE outbound_mail SET status = 'queued', attempts = 0, next_attempt_at = ?, locked_until = NULL WHERE id = ? AND status = 'failed'", now, id)
	if err != nil {
		return fmt.Errorf("store: requeue outbound mail %d: %w", id, err)
	}
	return mustAffect(res, "Failed email", "requeue outbound mail %d", id)
}

// Outbound returns one queued or sent email by id.
func (tx *Tx) Outbound(ctx context.Context, id int64) (OutboundMail, error) {
	var o OutboundMail
	err := scanOutbound(tx.queryRow(ctx, "SELECT "+outboundColumns+" FROM outbound_mail WHERE id = ?", id), &o)
	return o, wrap(err, "Email", "get outbound mail %d", id)
}

// OutboundByMessageID returns the email we sent with this Message-ID.
func (tx *Tx) OutboundByMessageID(ctx context.Context, messageID string) (OutboundMail, error) {
	var o OutboundMail
	err := scanOutbound(tx.queryRow(ctx, "SELECT "+outboundColumns+" FROM outbound_mail WHERE message_id = ?", messageID), &o)
	return o, wrap(err, "Email", "get outbound mail %s", messageID)
}

// OutboundList returns the emails of a ticket (all tickets when ticketID
// is 0), newest first.
func (tx *Tx) OutboundList(ctx context.Context, ticketID int64, limit int) ([]OutboundMail, error) {
	q := "SELECT " + outboundColumns + " FROM outbound_mail"
	args := []any{}
	if ticketID != 0 {
		q += " WHERE ticket_id = ?"
		args = append(args, ticketID)
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list outbound mail: %w", err)
	}
	defer rows.Close()
	var out []OutboundMail
	for rows.Next() {
		var o OutboundMail
		if err := scanOutbound(rows, &o); err != nil {
			return nil, fmt.Errorf("store: list outbound mail: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// NextQueuedDue returns when the next queued email is due, leaving out
// emails being sent (their next attempt waits for the sender's lease).
// ok is false when nothing is queued.
func (tx *Tx) NextQueuedDue(ctx context.Context) (time.Time, bool, error) {
	var t *time.Time
	err := tx.queryRow(ctx, "SELECT MIN(next_attempt_at) FROM outbound_mail WHERE status = 'queued'").Scan(nts{&t})
	if err != nil && err != sql.ErrNoRows {
		return time.Time{}, false, fmt.Errorf("store: next queued outbound mail: %w", err)
	}
	if t == nil {
		return time.Time{}, false, nil
	}
	return *t, true, nil
}

// RenewOutboundLease extends the lease of an email being sent to until,
// if the caller's claim still holds: the email is still sending with the
// attempts count the caller claimed it with (a worker that took it over
// after the lease expired incremented it). It reports whether the claim
// held.
func (tx *Tx) RenewOutboundLease(ctx context.Context, id int64, attempts int, until time.Time) (bool, error) {
	res, err := tx.exec(ctx, "UPDATE outbound_mail SET locked_until = ? WHERE id = ? AND status = 'sending' AND attempts = ?", until, id, attempts)
	if err != nil {
		return false, fmt.Errorf("store: renew lease of outbound mail %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: renew lease of outbound mail %d: %w", id, err)
	}
	return n == 1, nil
}
