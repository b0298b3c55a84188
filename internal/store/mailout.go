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
