package store

import (
	"context"
	"fmt"
	"strings"
)

// This file holds the PostgreSQL side of what differs between engines:
// ticket numbering (a SEQUENCE: no row lock) and full-text search (a
// tsvector per ticket with the 'simple' configuration, so no language's
// stemming is imposed on a multilingual desk).

func (tx *Tx) nextTicketNumberPG(ctx context.Context) (int64, error) {
	var n int64
	if err := tx.queryRow(ctx, "SELECT nextval('ticket_number_seq')").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: next ticket number: %w", err)
	}
	return n, nil
}

func (tx *Tx) reindexSubjectPG(ctx context.Context, id int64, subject string) error {
	_, err := tx.exec(ctx, `UPDATE tickets SET search = to_tsvector('simple', ?) ||
		to_tsvector('simple', coalesce((SELECT string_agg(left(body_text, 65536), ' ') FROM messages
			WHERE ticket_id = ? OR ticket_id IN (SELECT id FROM tickets WHERE merged_into = ?)), ''))
		WHERE id = ?`, subject, id, id, id)
	if err != nil {
		return fmt.Errorf("store: reindex ticket %d: %w", id, err)
	}
	return nil
}

func (tx *Tx) indexTextPG(ctx context.Context, id int64, text string) error {
	if _, err := tx.exec(ctx, "UPDATE tickets SET search = search || to_tsvector('simple', ?) WHERE id = ?", text, id); err != nil {
		return fmt.Errorf("store: index text of ticket %d: %w", id, err)
	}
	return nil
}

// searchCondPG matches every term as a prefix. Terms hold only letters and
// digits (see searchTerms), so they are safe inside to_tsquery.
func searchCondPG(terms []string) (string, []any) {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = t + ":*"
	}
	return "t.search @@ to_tsquery('simple', ?)", []any{strings.Join(parts, " & ")}
}
