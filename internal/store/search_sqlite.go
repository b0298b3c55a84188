package store

import (
	"context"
	"fmt"
	"strings"
)

// This file holds the SQLite side of what differs between engines: ticket
// numbering (a counter row; the single writer makes it contention-free)
// and full-text search (FTS5, unicode61 with diacritics folded).

func (tx *Tx) nextTicketNumber(ctx context.Context) (int64, error) {
	if tx.pg {
		return tx.nextTicketNumberPG(ctx)
	}
	var n int64
	err := tx.queryRow(ctx, "UPDATE counters SET value = value + 1 WHERE name = 'ticket_number' RETURNING value").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: next ticket number: %w", err)
	}
	return n, nil
}

// indexTicket creates the search document of a new ticket (on PostgreSQL
// InsertTicket fills the search column itself).
func (tx *Tx) indexTicket(ctx context.Context, id int64, subject, text string) error {
	if _, err := tx.exec(ctx, "INSERT INTO tickets_fts (rowid, subject, body) VALUES (?, ?, ?)", id, subject, text); err != nil {
		return fmt.Errorf("store: index ticket %d: %w", id, err)
	}
	return nil
}

// reindexSubject refreshes the subject in a ticket's search document.
func (tx *Tx) reindexSubject(ctx context.Context, id int64, subject string) error {
	if tx.pg {
		return tx.reindexSubjectPG(ctx, id, subject)
	}
	if _, err := tx.exec(ctx, "UPDATE tickets_fts SET subject = ? WHERE rowid = ?", subject, id); err != nil {
		return fmt.Errorf("store: reindex ticket %d: %w", id, err)
	}
	return nil
}

// IndexMessageText adds text to the search document of a ticket.
func (tx *Tx) IndexMessageText(ctx context.Context, ticketID int64, text string) error {
	text = truncateForIndex(strings.TrimSpace(text))
	if text == "" {
		return nil
	}
	if tx.pg {
		return tx.indexTextPG(ctx, ticketID, text)
	}
	if _, err := tx.exec(ctx, "UPDATE tickets_fts SET body = body || ' ' || ? WHERE rowid = ?", text, ticketID); err != nil {
		return fmt.Errorf("store: index text of ticket %d: %w", ticketID, err)
	}
	return nil
}

// searchCond returns a WHERE condition on tickets t matching every term
// as a prefix. On SQLite, like tagCond, it tells the planner whether to
// collect and sort the matches (few) or walk the inbox order and test each
// ticket against the set of matches (many), from a bounded count.
func (tx *Tx) searchCond(ctx context.Context, terms []string, limit int) (string, []any, error) {
	if tx.pg {
		c, a := searchCondPG(terms)
		return c, a, nil
	}
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"*`
	}
	match := strings.Join(parts, " AND ")
	const matches = "t.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?)"
	bound, err := tx.walkBound(ctx, limit)
	if err != nil {
		return "", nil, err
	}
	var n int
	err = tx.queryRow(ctx, "SELECT COUNT(*) FROM (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ? LIMIT ?)", match, bound).Scan(&n)
	if err != nil {
		return "", nil, fmt.Errorf("store: count matches: %w", err)
	}
	if n < bound {
		return matches, []any{match}, nil
	}
	// The unary + keeps SQLite from driving the query by t.id.
	return "+" + matches, []any{match}, nil
}
