package store

import (
	"context"
	"fmt"
	"strings"

	"switchboard/internal/desk"
)

// CreateTicket stores a new ticket with its first message m (and files),
// its tags (t.Tags, normalised) and its first timeline events, setting
// t.ID, t.Number, m.ID, m.TicketID and the events' TicketID. text is
// indexed for search with the subject. On PostgreSQL, without files, it
// is one statement (data-modifying CTEs, creating missing tags too), to
// spare round trips on the busiest write path.
func (tx *Tx) CreateTicket(ctx context.Context, t *desk.Ticket, text string, m *desk.Message, files []desk.NewAttachment, evs []desk.Event) error {
	if !tx.pg || len(files) > 0 {
		return tx.createTicketSteps(ctx, t, text, m, files, evs)
	}
	tags := dedupe(t.Tags)
	var agentID, contactID *int64
	if m.Author != nil {
		agentID = &m.Author.ID
	}
	if m.Contact != nil {
		contactID = &m.Contact.ID
	}
	var b strings.Builder
	args := []any{t.Subject, truncateForIndex(text), t.Subject, string(t.Status), string(t.Priority), string(t.Channel), t.Requester.ID,
		refID(t.Assignee), teamID(t.Team), marshalMap(t.CustomFields), t.CreatedAt, t.UpdatedAt,
		t.FirstResponseAt, t.ResolvedAt, t.LastActivityAt, t.Preview, t.MessageCount, nullInt(t.MergedInto),
		string(m.Kind), string(m.Direction), string(m.Channel), nullInt(agentID), nullInt(contactID), m.Text, m.HTML, m.FullText, m.CreatedAt}
	b.WriteString(`WITH t AS (
		INSERT INTO tickets (number, search, subject, status, priority, channel, requester_id, assignee_id, team_id,
			custom_fields, created_at, updated_at, first_response_at, resolved_at, last_activity_at, preview,
			message_count, merged_into)
		VALUES (nextval('ticket_number_seq'), to_tsvector('simple', ?) || to_tsvector('simple', ?),
			?, ?, ?, ?, ?, ?::bigint, ?::bigint, ?, ?, ?, ?::timestamptz, ?::timestamptz, ?, ?, ?, ?::bigint)
		RETURNING id, number
	), m AS (
		INSERT INTO messages (ticket_id, kind, direction, channel, agent_id, contact_id, body_text, body_html, full_text, created_at)
		SELECT t.id, ?, ?, ?, ?::bigint, ?::bigint, ?, ?, ?, ?::timestamptz FROM t RETURNING id
	)`)
	if len(evs) > 0 {
		b.WriteString(`, e AS (
		INSERT INTO ticket_events (ticket_id, agent_id, actor, action, field, old_value, new_value, at)
		SELECT t.id, v.agent_id, v.actor, v.action, v.field, v.old_value, v.new_value, v.at FROM t, (VALUES `)
		for i, e := range evs {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?::bigint, ?, ?, ?, ?, ?, ?::timestamptz)")
			args = append(args, nullInt(e.AgentID), e.Actor, e.Action, e.Field, e.Old, e.New, e.At)
		}
		b.WriteString(`) AS v (agent_id, actor, action, field, old_value, new_value, at))`)
	}
	if len(tags) > 0 {
		// Missing tags are created in the same statement. A tag another
		// transaction creates concurrently is neither in this statement's
		// snapshot nor inserted by it; the count tells, and AddTicketTags
		// then adds what is missing.
		b.WriteString(`, nt AS (
		INSERT INTO tags (name) SELECT n FROM unnest(?::text[]) AS n
		WHERE NOT EXISTS (SELECT 1 FROM tags WHERE name = n) ON CONFLICT (name) DO NOTHING RETURNING id
	), g AS (
		INSERT INTO ticket_tags (ticket_id, tag_id)
		SELECT t.id, x.id FROM t, (SELECT id FROM tags WHERE name = ANY (?::text[]) UNION ALL SELECT id FROM nt) AS x
		RETURNING 1
	) SELECT t.id, t.number, m.id, (SELECT count(*) FROM g) FROM t, m`)
		args = append(args, tags, tags)
	} else {
		b.WriteString(" SELECT t.id, t.number, m.id, 0 FROM t, m")
	}
	var tagged int
	if err := tx.queryRow(ctx, b.String(), args...).Scan(&t.ID, &t.Number, &m.ID, &tagged); err != nil {
		return fmt.Errorf("store: create ticket: %w", mapErr(err))
	}
	if tagged < len(tags) {
		if err := tx.AddTicketTags(ctx, t.ID, tags); err != nil {
			return err
		}
	}
	m.TicketID = t.ID
	m.Attachments = []desk.Attachment{}
	for i := range evs {
		evs[i].TicketID = t.ID
	}
	return nil
}

// createTicketSteps is CreateTicket one statement at a time.
func (tx *Tx) createTicketSteps(ctx context.Context, t *desk.Ticket, text string, m *desk.Message, files []desk.NewAttachment, evs []desk.Event) error {
	if err := tx.InsertTicket(ctx, t, text); err != nil {
		return err
	}
	m.TicketID = t.ID
	if err := tx.InsertMessage(ctx, m, files); err != nil {
		return err
	}
	if err := tx.AddTicketTags(ctx, t.ID, t.Tags); err != nil {
		return err
	}
	for i := range evs {
		evs[i].TicketID = t.ID
	}
	return tx.InsertEvents(ctx, evs...)
}
