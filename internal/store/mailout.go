package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// NextQueuedDue returns when the next queued email is due, leaving out
// emails being sent (their next attempt waits for the sender's lease,
// which NextOutboundDue does not see). ok is false when nothing is queued.
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
