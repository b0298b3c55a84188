package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/desk"
)

// BulkTicket is one ticket for BulkInsertTickets: the ticket, its
// requester (found by email or created) and its one message.
type BulkTicket struct {
	Subject string
	Body    string // text of the one message; also the preview
	// RequesterEmail identifies the contact (lower-cased; created if new,
	// with RequesterName).
	RequesterEmail string
	RequesterName  string
	Status         desk.Status   // default new
	Priority       desk.Priority // default normal
	Channel        desk.Channel  // default email
	AssigneeID     *int64        // an existing agent, or nil
	TeamID         *int64        // an existing team, or nil
	Tags           []string      // normalised names (lower-case, trimmed); created as needed
	// CreatedAt is the creation, message and last-activity time (default now).
	CreatedAt time.Time
	// Inbound marks the message as from the requester (else an outbound
	// reply by the assignee, which also sets first_response_at).
	Inbound bool
}

// bulkChunk is the rows per multi-row INSERT (well under both engines'
// parameter limits); bulkTx is the rows per transaction.
const (
	bulkChunk = 1000
	bulkTx    = 20000
)

// BulkInsertTickets loads many tickets fast, for benchmarks and demo data:
// multi-row INSERTs of contacts, tickets, messages, tags, search documents
// and one "created" timeline event each, in transactions of 20,000
// tickets. It skips the services' validation and realtime events: rows
// must be valid (statuses, priorities, channels known; agents and teams
// existing). Resolved and closed tickets get resolved_at = CreatedAt.
func (s *Store) BulkInsertTickets(ctx context.Context, rows []BulkTicket) error {
	tags := map[string]int64{}
	for start := 0; start < len(rows); start += bulkTx {
		end := min(start+bulkTx, len(rows))
		err := s.Write(ctx, func(tx *Tx) error {
			for c := start; c < end; c += bulkChunk {
				if err := tx.bulkChunk(ctx, rows[c:min(c+bulkChunk, end)], tags); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: bulk insert tickets %d-%d: %w", start, end, err)
		}
	}
	if len(rows) >= 10000 {
		return s.analyze(ctx, false)
	}
	return nil
}

// Analyze refreshes the planner's statistics after large changes. On
// PostgreSQL it is VACUUM ANALYZE of the ticket tables, which also sets
// the visibility map that index-only scans need; call it once after a
// large load (BulkInsertTickets itself only runs a quick sampled ANALYZE
// after batches of 10,000 tickets or more).
func (s *Store) Analyze(ctx context.Context) error { return s.analyze(ctx, true) }

func (s *Store) analyze(ctx context.Context, vacuum bool) error {
	if s.engine == EnginePostgres {
		// Only this schema's tables: a bare ANALYZE would visit the whole database.
		q := "ANALYZE tickets, ticket_tags, tags, messages, contacts, contact_emails, ticket_events, ticket_counts"
		if vacuum {
			q = "VACUUM " + q // not in a transaction: straight on the pool
		}
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: analyze: %w", err)
		}
		return nil
	}
	limit := 0 // exact
	if !vacuum {
		limit = 2000 // rows sampled per index: fast at any size
	}
	err := s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.r.ExecContext(ctx, fmt.Sprintf("PRAGMA analysis_limit = %d", limit)); err != nil {
			return err
		}
		_, err := tx.r.ExecContext(ctx, "ANALYZE")
		return err
	})
	if err != nil {
		return fmt.Errorf("store: analyze: %w", err)
	}
	return nil
}

func (tx *Tx) bulkChunk(ctx context.Context, rows []BulkTicket, tags map[string]int64) error {
	now := Now(time.Now())
	// Requesters: find existing, create the rest.
	contacts := map[string]int64{}
	var emails []any
	names := map[string]string{}
	for _, r := range rows {
		e := NormalizeEmail(r.RequesterEmail)
		if _, ok := names[e]; !ok {
			names[e] = r.RequesterName
			emails = append(emails, e)
		}
	}
	q, err := tx.query(ctx, "SELECT email, contact_id FROM contact_emails WHERE email IN ("+placeholders(len(emails))+")", emails...)
	if err != nil {
		return err
	}
	for q.Next() {
		var e string
		var id int64
		if err := q.Scan(&e, &id); err != nil {
			q.Close()
			return err
		}
		contacts[e] = id
	}
	q.Close()
	var newArgs []any
	for _, e := range emails {
		if _, ok := contacts[e.(string)]; !ok {
			newArgs = append(newArgs, names[e.(string)], e, now, now)
		}
	}
	if n := len(newArgs) / 4; n > 0 {
		q, err := tx.query(ctx, "INSERT INTO contacts (name, email, created_at, updated_at) VALUES "+
			tuples(n, 4)+" RETURNING id, email", newArgs...)
		if err != nil {
			return err
		}
		var ceArgs []any
		for q.Next() {
			var id int64
			var e string
			if err := q.Scan(&id, &e); err != nil {
				q.Close()
				return err
			}
			contacts[e] = id
			ceArgs = append(ceArgs, e, id, 0)
		}
		q.Close()
		if _, err := tx.exec(ctx, "INSERT INTO contact_emails (email, contact_id, position) VALUES "+tuples(len(ceArgs)/3, 3), ceArgs...); err != nil {
			return err
		}
	}
	// Ticket numbers.
	numbers, err := tx.bulkNumbers(ctx, len(rows))
	if err != nil {
		return err
	}
	// Tickets.
	targs := make([]any, 0, len(rows)*15)
	byNumber := make(map[int64]int, len(rows))
	for i, r := range rows {
		st, pr, ch, at := r.Status, r.Priority, r.Channel, Now(r.CreatedAt)
		if st == "" {
			st = desk.StatusNew
		}
		if pr == "" {
			pr = desk.PriorityNormal
		}
		if ch == "" {
			ch = desk.ChannelEmail
		}
		if r.CreatedAt.IsZero() {
			at = now
		}
		var firstResp, resolved *time.Time
		if !r.Inbound {
			firstResp = &at
		}
		if st == desk.StatusResolved || st == desk.StatusClosed {
			resolved = &at
		}
		byNumber[numbers[i]] = i
		targs = append(targs, numbers[i], r.Subject, string(st), string(pr), string(ch), contacts[NormalizeEmail(r.RequesterEmail)],
			nullInt(r.AssigneeID), nullInt(r.TeamID), at, at, firstResp, resolved, at, previewOf(r.Body))
		if tx.pg {
			targs = append(targs, truncateForIndex(r.Subject+" "+r.Body))
		}
	}
	cols := "number, subject, status, priority, channel, requester_id, assignee_id, team_id, created_at, updated_at, first_response_at, resolved_at, last_activity_at, preview, message_count"
	tuple := "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"
	if tx.pg {
		cols += ", search"
		tuple = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, to_tsvector('simple', ?))"
	}
	vals := strings.TrimSuffix(strings.Repeat(tuple+", ", len(rows)), ", ")
	q, err = tx.query(ctx, "INSERT INTO tickets ("+cols+") VALUES "+vals+" RETURNING id, number", targs...)
	if err != nil {
		return err
	}
	ids := make([]int64, len(rows))
	for q.Next() {
		var id, num int64
		if err := q.Scan(&id, &num); err != nil {
			q.Close()
			return err
		}
		ids[byNumber[num]] = id
	}
	q.Close()
	// Messages, search documents, events, tags.
	margs := make([]any, 0, len(rows)*8)
	eargs := make([]any, 0, len(rows)*4)
	var fargs, tagArgs []any
	for i, r := range rows {
		at := Now(r.CreatedAt)
		if r.CreatedAt.IsZero() {
			at = now
		}
		dir, agent, contact := desk.Inbound, any(nil), any(contacts[NormalizeEmail(r.RequesterEmail)])
		if !r.Inbound {
			dir, agent, contact = desk.Outbound, nullInt(r.AssigneeID), nil
		}
		ch := r.Channel
		if ch == "" {
			ch = desk.ChannelEmail
		}
		margs = append(margs, ids[i], string(dir), string(ch), agent, contact, r.Body, at)
		eargs = append(eargs, ids[i], "System", r.Subject, at)
		if !tx.pg {
			fargs = append(fargs, ids[i], r.Subject, truncateForIndex(r.Body))
		}
		for _, tg := range dedupe(r.Tags) {
			id, ok := tags[tg]
			if !ok {
				if id, err = tx.tagID(ctx, tg); err != nil {
					return err
				}
				tags[tg] = id
			}
			tagArgs = append(tagArgs, ids[i], id)
		}
	}
	if _, err := tx.exec(ctx, "INSERT INTO messages (ticket_id, kind, direction, channel, agent_id, contact_id, body_text, created_at) VALUES "+
		strings.TrimSuffix(strings.Repeat("(?, 'reply', ?, ?, ?, ?, ?, ?), ", len(rows)), ", "), margs...); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, "INSERT INTO ticket_events (ticket_id, actor, action, new_value, at) VALUES "+
		strings.TrimSuffix(strings.Repeat("(?, ?, 'created', ?, ?), ", len(rows)), ", "), eargs...); err != nil {
		return err
	}
	if len(fargs) > 0 {
		if _, err := tx.exec(ctx, "INSERT INTO tickets_fts (rowid, subject, body) VALUES "+tuples(len(fargs)/3, 3), fargs...); err != nil {
			return err
		}
	}
	if len(tagArgs) > 0 {
		if _, err := tx.exec(ctx, "INSERT INTO ticket_tags (ticket_id, tag_id) VALUES "+tuples(len(tagArgs)/2, 2), tagArgs...); err != nil {
			return err
		}
	}
	return nil
}

// bulkNumbers reserves n ticket numbers.
func (tx *Tx) bulkNumbers(ctx context.Context, n int) ([]int64, error) {
	out := make([]int64, 0, n)
	if tx.pg {
		q, err := tx.query(ctx, "SELECT nextval('ticket_number_seq') FROM generate_series(1, ?)", n)
		if err != nil {
			return nil, err
		}
		defer q.Close()
		for q.Next() {
			var x int64
			if err := q.Scan(&x); err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, q.Err()
	}
	var last int64
	if err := tx.queryRow(ctx, "UPDATE counters SET value = value + ? WHERE name = 'ticket_number' RETURNING value", n).Scan(&last); err != nil {
		return nil, err
	}
	for i := last - int64(n) + 1; i <= last; i++ {
		out = append(out, i)
	}
	return out, nil
}

// tuples returns n comma-separated groups of k placeholders.
func tuples(n, k int) string {
	one := "(" + placeholders(k) + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
}

// previewOf mirrors the ticket service's preview: the first 140
// characters of the text on one line.
func previewOf(text string) string {
	s := strings.Join(strings.Fields(text), " ")
	r := []rune(s)
	if len(r) <= 140 {
		return s
	}
	return strings.TrimSpace(string(r[:140])) + "…"
}
