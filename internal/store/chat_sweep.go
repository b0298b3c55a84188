package store

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// ChatsToSweep returns the open chats that may have to end by themselves
// at now, by id: queued chats whose visitor was last seen before gone or
// that have rung for their channel's queue_timeout, and active chats whose
// visitor was last seen before gone and at least their channel's
// end_after_left ago. It reads only open chats (chats_status_id) and the
// rows they join by primary key. Callers check each chat again under
// ChatForUpdate before ending it: another process may have got there first.
func (tx *Tx) ChatsToSweep(ctx context.Context, now, gone time.Time) ([]int64, error) {
	rows, err := tx.query(ctx, `SELECT ch.id FROM chats ch
		JOIN chat_channels c ON c.id = ch.channel_id
		JOIN chat_visitors v ON v.id = ch.visitor_id
		WHERE ch.status IN ('queued', 'active') AND (
			(ch.status = 'queued' AND (v.last_seen_at < ? OR
				(c.queue_timeout > 0 AND `+tx.elapsed("COALESCE(ch.queued_at, ch.started_at)", "c.queue_timeout")+`)))
			OR (ch.status = 'active' AND c.end_after_left > 0 AND v.last_seen_at < ? AND
				`+tx.elapsed("v.last_seen_at", "c.end_after_left")+`))`,
		gone, now, gone, now)
	if err != nil {
		return nil, fmt.Errorf("store: chats to sweep: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: chats to sweep: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: chats to sweep: %w", err)
	}
	slices.Sort(ids)
	return ids, nil
}

// elapsed is SQL saying that at least secs seconds (an integer column)
// have passed from the timestamp at until the time bound to its one
// parameter.
func (tx *Tx) elapsed(at, secs string) string {
	if tx.pg {
		return at + " + " + secs + " * interval '1 second' <= ?"
	}
	return "(julianday(?) - julianday(" + at + ")) * 86400.0 >= " + secs
}
