package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"switchboard/internal/desk"
)

const ticketCols = `t.id, t.number, t.subject, t.status, t.priority, t.channel,
	t.requester_id, c.name, c.email, t.assignee_id, a.name, a.email, t.team_id, tm.name,
	t.custom_fields, t.created_at, t.updated_at, t.first_response_at, t.resolved_at,
	t.last_activity_at, t.preview, t.message_count, t.merged_into`

const ticketFrom = ` FROM tickets t JOIN contacts c ON c.id = t.requester_id
	LEFT JOIN agents a ON a.id = t.assignee_id LEFT JOIN teams tm ON tm.id = t.team_id`

func scanTicket(sc interface{ Scan(...any) error }, t *desk.Ticket) error {
	var aID, tmID sql.NullInt64
	var aName, aEmail, tmName sql.NullString
	var custom string
	err := sc.Scan(&t.ID, &t.Number, &t.Subject, &t.Status, &t.Priority, &t.Channel,
		&t.Requester.ID, &t.Requester.Name, &t.Requester.Email, &aID, &aName, &aEmail, &tmID, &tmName,
		&custom, ts{&t.CreatedAt}, ts{&t.UpdatedAt}, nts{&t.FirstResponseAt}, nts{&t.ResolvedAt},
		ts{&t.LastActivityAt}, &t.Preview, &t.MessageCount, nint{&t.MergedInto})
	if err != nil {
		return err
	}
	if aID.Valid {
		t.Assignee = &desk.AgentRef{ID: aID.Int64, Name: aName.String, Email: aEmail.String}
	}
	if tmID.Valid {
		t.Team = &desk.TeamRef{ID: tmID.Int64, Name: tmName.String}
	}
	t.CustomFields = unmarshalMap(custom)
	t.Tags = []string{}
	return nil
}

func marshalMap(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func unmarshalMap(s string) map[string]string {
	m := map[string]string{}
	_ = json.Unmarshal([]byte(s), &m)
	return m
}

// InsertTicket stores a new ticket (without messages or tags), assigning
// t.ID and t.Number, and indexes its subject and text (the first message's
// text, usually) for search. The requester, assignee and team must exist.
func (tx *Tx) InsertTicket(ctx context.Context, t *desk.Ticket, text string) error {
	text = truncateForIndex(text)
	args := []any{t.Subject, string(t.Status), string(t.Priority), string(t.Channel), t.Requester.ID,
		refID(t.Assignee), teamID(t.Team), marshalMap(t.CustomFields), t.CreatedAt, t.UpdatedAt,
		t.FirstResponseAt, t.ResolvedAt, t.LastActivityAt, t.Preview, t.MessageCount, nullInt(t.MergedInto)}
	const cols = `subject, status, priority, channel, requester_id, assignee_id, team_id, custom_fields,
		created_at, updated_at, first_response_at, resolved_at, last_activity_at, preview, message_count, merged_into`
	var err error
	if tx.pg {
		// Number from the sequence and search document in the same statement.
		err = tx.queryRow(ctx, `INSERT INTO tickets (number, search, `+cols+`)
			VALUES (nextval('ticket_number_seq'), to_tsvector('simple', ?) || to_tsvector('simple', ?), `+placeholders(len(args))+`)
			RETURNING id, number`, append([]any{t.Subject, text}, args...)...).Scan(&t.ID, &t.Number)
	} else {
		if t.Number, err = tx.nextTicketNumber(ctx); err != nil {
			return err
		}
		err = tx.queryRow(ctx, `INSERT INTO tickets (number, `+cols+`) VALUES (?, `+placeholders(len(args))+`) RETURNING id`,
			append([]any{t.Number}, args...)...).Scan(&t.ID)
		if err == nil {
			err = tx.indexTicket(ctx, t.ID, t.Subject, text)
		}
	}
	if err != nil {
		return fmt.Errorf("store: insert ticket: %w", mapErr(err))
	}
	return nil
}

func refID(a *desk.AgentRef) any {
	if a == nil {
		return nil
	}
	return a.ID
}

func teamID(t *desk.TeamRef) any {
	if t == nil {
		return nil
	}
	return t.ID
}

// SaveTicket writes every mutable column of t (not its tags: see
// SetTicketTags). If the subject changed, pass reindex to refresh search.
func (tx *Tx) SaveTicket(ctx context.Context, t desk.Ticket, reindex bool) error {
	return tx.saveTicket(ctx, t, reindex, "")
}

// SaveTicketText is SaveTicket that also adds text (a new message's) to
// the ticket's search document: on PostgreSQL in the same UPDATE.
func (tx *Tx) SaveTicketText(ctx context.Context, t desk.Ticket, text string) error {
	text = truncateForIndex(strings.TrimSpace(text))
	if !tx.pg || text == "" {
		if err := tx.saveTicket(ctx, t, false, ""); err != nil {
			return err
		}
		return tx.IndexMessageText(ctx, t.ID, text)
	}
	return tx.saveTicket(ctx, t, false, text)
}

func (tx *Tx) saveTicket(ctx context.Context, t desk.Ticket, reindex bool, pgText string) error {
	search, args := "", []any{t.Subject, string(t.Status), string(t.Priority), string(t.Channel), t.Requester.ID,
		refID(t.Assignee), teamID(t.Team), marshalMap(t.CustomFields), t.UpdatedAt,
		t.FirstResponseAt, t.ResolvedAt, t.LastActivityAt, t.Preview, t.MessageCount,
		nullInt(t.MergedInto)}
	if pgText != "" {
		search, args = ", search = search || to_tsvector('simple', ?)", append(args, pgText)
	}
	res, err := tx.exec(ctx, `UPDATE tickets SET subject = ?, status = ?, priority = ?, channel = ?,
		requester_id = ?, assignee_id = ?, team_id = ?, custom_fields = ?, updated_at = ?,
		first_response_at = ?, resolved_at = ?, last_activity_at = ?, preview = ?, message_count = ?,
		merged_into = ?`+search+` WHERE id = ?`, append(args, t.ID)...)
	if err != nil {
		return fmt.Errorf("store: save ticket %d: %w", t.ID, err)
	}
	if err := mustAffect(res, "Ticket", "save ticket %d", t.ID); err != nil {
		return err
	}
	if reindex {
		return tx.reindexSubject(ctx, t.ID, t.Subject)
	}
	return nil
}

// Ticket returns one ticket with its tags.
func (tx *Tx) Ticket(ctx context.Context, id int64) (desk.Ticket, error) {
	var t desk.Ticket
	if err := scanTicket(tx.queryRow(ctx, "SELECT "+ticketCols+ticketFrom+" WHERE t.id = ?", id), &t); err != nil {
		return t, wrap(err, "Ticket", "get ticket %d", id)
	}
	return t, tx.fillTags(ctx, []*desk.Ticket{&t})
}

// TicketForUpdate is Ticket, locking the row until the transaction ends
// on PostgreSQL (SQLite's single writer already serialises).
func (tx *Tx) TicketForUpdate(ctx context.Context, id int64) (desk.Ticket, error) {
	if !tx.pg {
		return tx.Ticket(ctx, id)
	}
	var t desk.Ticket
	if err := scanTicket(tx.queryRow(ctx, "SELECT "+ticketCols+ticketFrom+" WHERE t.id = ? FOR UPDATE OF t", id), &t); err != nil {
		return t, wrap(err, "Ticket", "lock ticket %d", id)
	}
	return t, tx.fillTags(ctx, []*desk.Ticket{&t})
}

// TicketByNumber returns one ticket by its human number.
func (tx *Tx) TicketByNumber(ctx context.Context, number int64) (desk.Ticket, error) {
	var t desk.Ticket
	if err := scanTicket(tx.queryRow(ctx, "SELECT "+ticketCols+ticketFrom+" WHERE t.number = ?", number), &t); err != nil {
		return t, wrap(err, "Ticket", "get ticket number %d", number)
	}
	return t, tx.fillTags(ctx, []*desk.Ticket{&t})
}

// ticketsByIDs loads tickets in the order of ids.
func (tx *Tx) ticketsByIDs(ctx context.Context, ids []int64) ([]desk.Ticket, error) {
	if len(ids) == 0 {
		return []desk.Ticket{}, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.query(ctx, "SELECT "+ticketCols+ticketFrom+" WHERE t.id IN ("+placeholders(len(ids))+")", args...)
	if err != nil {
		return nil, fmt.Errorf("store: load tickets: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64]desk.Ticket, len(ids))
	for rows.Next() {
		var t desk.Ticket
		if err := scanTicket(rows, &t); err != nil {
			return nil, fmt.Errorf("store: load tickets: %w", err)
		}
		byID[t.ID] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: load tickets: %w", err)
	}
	rows.Close()
	out := make([]desk.Ticket, 0, len(ids))
	for _, id := range ids {
		if t, ok := byID[id]; ok {
			out = append(out, t)
		}
	}
	ptrs := make([]*desk.Ticket, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, tx.fillTags(ctx, ptrs)
}

func (tx *Tx) fillTags(ctx context.Context, ts []*desk.Ticket) error {
	if len(ts) == 0 {
		return nil
	}
	byID := make(map[int64]*desk.Ticket, len(ts))
	args := make([]any, len(ts))
	for i, t := range ts {
		byID[t.ID] = t
		args[i] = t.ID
	}
	rows, err := tx.query(ctx, `SELECT tt.ticket_id, tg.name FROM ticket_tags tt JOIN tags tg ON tg.id = tt.tag_id
		WHERE tt.ticket_id IN (`+placeholders(len(args))+`)`, args...)
	if err != nil {
		return fmt.Errorf("store: ticket tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("store: ticket tags: %w", err)
		}
		byID[id].Tags = append(byID[id].Tags, name)
	}
	// Byte order, the same on both engines whatever the database collation.
	for _, t := range ts {
		sort.Strings(t.Tags)
	}
	return rows.Err()
}

// SetTicketTags replaces a ticket's tags with names (already normalised),
// creating tags as needed.
func (tx *Tx) SetTicketTags(ctx context.Context, ticketID int64, names []string) error {
	if _, err := tx.exec(ctx, "DELETE FROM ticket_tags WHERE ticket_id = ?", ticketID); err != nil {
		return fmt.Errorf("store: set tags of ticket %d: %w", ticketID, err)
	}
	return tx.AddTicketTags(ctx, ticketID, names)
}

// AddTicketTags adds tags (already normalised) to a ticket, creating
// tags as needed: two statements when the tags exist.
func (tx *Tx) AddTicketTags(ctx context.Context, ticketID int64, names []string) error {
	names = dedupe(names)
	if len(names) == 0 {
		return nil
	}
	ids, err := tx.tagIDs(ctx, names)
	if err != nil {
		return err
	}
	args := make([]any, 0, 2*len(ids))
	for _, id := range ids {
		args = append(args, ticketID, id)
	}
	if _, err := tx.exec(ctx, "INSERT INTO ticket_tags (ticket_id, tag_id) VALUES "+tuples(len(ids), 2)+" ON CONFLICT DO NOTHING", args...); err != nil {
		return fmt.Errorf("store: tag ticket %d: %w", ticketID, err)
	}
	return nil
}

// tagIDs returns the ids of the named tags, creating missing ones.
func (tx *Tx) tagIDs(ctx context.Context, names []string) ([]int64, error) {
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	found := map[string]int64{}
	load := func() error {
		rows, err := tx.query(ctx, "SELECT name, id FROM tags WHERE name IN ("+placeholders(len(args))+")", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			var id int64
			if err := rows.Scan(&n, &id); err != nil {
				return err
			}
			found[n] = id
		}
		return rows.Err()
	}
	if err := load(); err != nil {
		return nil, fmt.Errorf("store: get tags: %w", err)
	}
	var missing []any
	for _, n := range names {
		if _, ok := found[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		if _, err := tx.exec(ctx, "INSERT INTO tags (name) VALUES "+tuples(len(missing), 1)+" ON CONFLICT (name) DO NOTHING", missing...); err != nil {
			return nil, fmt.Errorf("store: create tags: %w", err)
		}
		if err := load(); err != nil {
			return nil, fmt.Errorf("store: get tags: %w", err)
		}
	}
	ids := make([]int64, 0, len(names))
	for _, n := range names {
		ids = append(ids, found[n])
	}
	return ids, nil
}

// tagID returns the id of the tag, creating it if needed.
func (tx *Tx) tagID(ctx context.Context, name string) (int64, error) {
	ids, err := tx.tagIDs(ctx, []string{name})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// Tags lists every tag name, in byte order.
func (tx *Tx) Tags(ctx context.Context) ([]string, error) {
	rows, err := tx.query(ctx, "SELECT name FROM tags ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("store: list tags: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("store: list tags: %w", err)
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return out, rows.Err()
}

// MergedTicketIDs returns the ids of tickets merged (directly or
// transitively) into id.
func (tx *Tx) MergedTicketIDs(ctx context.Context, id int64) ([]int64, error) {
	rows, err := tx.query(ctx, `WITH RECURSIVE m(id) AS (
			SELECT id FROM tickets WHERE merged_into = ?
			UNION SELECT t.id FROM tickets t JOIN m ON t.merged_into = m.id)
		SELECT id FROM m ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: merged tickets of %d: %w", id, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var x int64
		if err := rows.Scan(&x); err != nil {
			return nil, fmt.Errorf("store: merged tickets of %d: %w", id, err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// truncateForIndex bounds the text added to the search index per message.
func truncateForIndex(s string) string {
	const max = 64 << 10
	if len(s) <= max {
		return s
	}
	s = s[:max]
	return strings.ToValidUTF8(s, "")
}
