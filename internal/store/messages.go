package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"

	"switchboard/internal/desk"
)

// MaxAttachmentSize is the largest file the store accepts (25 MiB).
const MaxAttachmentSize = 25 << 20

// InsertMessage stores a message and its attachments (content stored once
// per SHA-256 in blobs), setting m.ID and the attachments' ids and hashes.
// It does not touch the ticket row or the search index.
func (tx *Tx) InsertMessage(ctx context.Context, m *desk.Message, files []desk.NewAttachment) error {
	var agentID, contactID *int64
	if m.Author != nil {
		agentID = &m.Author.ID
	}
	if m.Contact != nil {
		contactID = &m.Contact.ID
	}
	id, err := tx.insertID(ctx, `INSERT INTO messages (ticket_id, kind, direction, channel, agent_id, contact_id,
		body_text, body_html, full_text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.TicketID, string(m.Kind), string(m.Direction), string(m.Channel), nullInt(agentID), nullInt(contactID),
		m.Text, m.HTML, m.FullText, m.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: insert message on ticket %d: %w", m.TicketID, err)
	}
	m.ID = id
	m.Attachments = []desk.Attachment{}
	for _, f := range files {
		a, err := tx.insertAttachment(ctx, id, f, m.CreatedAt)
		if err != nil {
			return err
		}
		m.Attachments = append(m.Attachments, a)
	}
	return nil
}

func (tx *Tx) insertAttachment(ctx context.Context, messageID int64, f desk.NewAttachment, at time.Time) (desk.Attachment, error) {
	if len(f.Data) > MaxAttachmentSize {
		return desk.Attachment{}, &desk.Error{Code: desk.EInvalid, Message: "An attachment is larger than 25 MiB.",
			Fields: map[string]string{"attachments": f.Filename + " is larger than 25 MiB"}}
	}
	sum := sha256.Sum256(f.Data)
	hash := hex.EncodeToString(sum[:])
	if _, err := tx.exec(ctx, "INSERT INTO blobs (sha256, size, data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
		hash, int64(len(f.Data)), f.Data, at); err != nil {
		return desk.Attachment{}, fmt.Errorf("store: store blob: %w", err)
	}
	ct := f.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	a := desk.Attachment{Filename: f.Filename, ContentType: ct, Size: int64(len(f.Data)), SHA256: hash, Inline: f.Inline, ContentID: f.ContentID}
	id, err := tx.insertID(ctx, `INSERT INTO attachments (message_id, filename, content_type, size, sha256, inline, content_id)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, messageID, a.Filename, a.ContentType, a.Size, a.SHA256, a.Inline, a.ContentID)
	if err != nil {
		return a, fmt.Errorf("store: insert attachment: %w", err)
	}
	a.ID = id
	return a, nil
}

// Messages returns the messages of the given tickets, oldest first.
func (tx *Tx) Messages(ctx context.Context, ticketIDs ...int64) ([]desk.Message, error) {
	if len(ticketIDs) == 0 {
		return []desk.Message{}, nil
	}
	args := make([]any, len(ticketIDs))
	for i, id := range ticketIDs {
		args[i] = id
	}
	return tx.messages(ctx, "m.ticket_id IN ("+placeholders(len(args))+")", args)
}

// Message returns one message with its author and attachments.
func (tx *Tx) Message(ctx context.Context, id int64) (desk.Message, error) {
	ms, err := tx.messages(ctx, "m.id = ?", []any{id})
	if err != nil {
		return desk.Message{}, err
	}
	if len(ms) == 0 {
		return desk.Message{}, fmt.Errorf("store: get message %d: %w", id, notFound("Message"))
	}
	return ms[0], nil
}

// messages loads the messages matching where (on messages m), oldest first.
func (tx *Tx) messages(ctx context.Context, where string, args []any) ([]desk.Message, error) {
	out := []desk.Message{}
	rows, err := tx.query(ctx, `SELECT m.id, m.ticket_id, m.kind, m.direction, m.channel,
		m.agent_id, a.name, a.email, m.contact_id, c.name, c.email, m.body_text, m.body_html, m.full_text, m.created_at,
		o.id, o.status, o.attempts, o.last_error, o.sent_at, o.rcpt
		FROM messages m LEFT JOIN agents a ON a.id = m.agent_id LEFT JOIN contacts c ON c.id = m.contact_id
		LEFT JOIN outbound_mail o ON o.message_row = m.id AND o.purpose = 'reply'
		WHERE `+where+` ORDER BY m.created_at, m.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list messages: %w", err)
	}
	defer rows.Close()
	idx := map[int64]int{}
	for rows.Next() {
		var m desk.Message
		var aID, cID sql.NullInt64
		var aName, aEmail, cName, cEmail sql.NullString
		var oStatus, oErr, oRcpt sql.NullString
		var oID, oAttempts sql.NullInt64
		var oSent *time.Time
		if err := rows.Scan(&m.ID, &m.TicketID, &m.Kind, &m.Direction, &m.Channel, &aID, &aName, &aEmail,
			&cID, &cName, &cEmail, &m.Text, &m.HTML, &m.FullText, ts{&m.CreatedAt},
			&oID, &oStatus, &oAttempts, &oErr, nts{&oSent}, &oRcpt); err != nil {
			return nil, fmt.Errorf("store: list messages: %w", err)
		}
		if oStatus.Valid {
			m.Delivery = &desk.Delivery{ID: oID.Int64, Status: oStatus.String, Attempts: int(oAttempts.Int64), LastError: oErr.String, SentAt: oSent, To: oRcpt.String}
		}
		if aID.Valid {
			m.Author = &desk.AgentRef{ID: aID.Int64, Name: aName.String, Email: aEmail.String}
		}
		if cID.Valid {
			m.Contact = &desk.ContactRef{ID: cID.Int64, Name: cName.String, Email: cEmail.String}
		}
		m.Internal = m.Kind == desk.KindNote
		m.Attachments = []desk.Attachment{}
		idx[m.ID] = len(out)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list messages: %w", err)
	}
	rows.Close()
	arows, err := tx.query(ctx, `SELECT at.id, at.message_id, at.filename, at.content_type, at.size, at.sha256, at.inline, at.content_id
		FROM attachments at JOIN messages m ON m.id = at.message_id
		WHERE `+where+` ORDER BY at.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list attachments: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var a desk.Attachment
		var mid int64
		if err := arows.Scan(&a.ID, &mid, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, &a.Inline, &a.ContentID); err != nil {
			return nil, fmt.Errorf("store: list attachments: %w", err)
		}
		if i, ok := idx[mid]; ok {
			out[i].Attachments = append(out[i].Attachments, a)
		}
	}
	return out, arows.Err()
}

// MessageTexts returns the text of every message of a ticket (for
// re-indexing after a merge).
func (tx *Tx) MessageTexts(ctx context.Context, ticketID int64) ([]string, error) {
	rows, err := tx.query(ctx, "SELECT body_text FROM messages WHERE ticket_id = ? ORDER BY id", ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: message texts of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("store: message texts of ticket %d: %w", ticketID, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Attachment returns an attachment's metadata, its content and the id of
// the ticket whose message carries it.
func (tx *Tx) Attachment(ctx context.Context, id int64) (desk.Attachment, []byte, int64, error) {
	var a desk.Attachment
	var data []byte
	var ticketID int64
	err := tx.queryRow(ctx, `SELECT at.id, at.filename, at.content_type, at.size, at.sha256, at.inline, at.content_id, b.data, m.ticket_id
		FROM attachments at JOIN blobs b ON b.sha256 = at.sha256 JOIN messages m ON m.id = at.message_id
		WHERE at.id = ?`, id).Scan(&a.ID, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, &a.Inline, &a.ContentID, &data, &ticketID)
	if err != nil {
		return a, nil, 0, wrap(err, "Attachment", "get attachment %d", id)
	}
	return a, data, ticketID, nil
}

// InsertEvent appends an entry to a ticket's timeline.
func (tx *Tx) InsertEvent(ctx context.Context, e desk.Event) error { return tx.InsertEvents(ctx, e) }

// InsertEvents appends entries to tickets' timelines in one statement.
func (tx *Tx) InsertEvents(ctx context.Context, evs ...desk.Event) error {
	if len(evs) == 0 {
		return nil
	}
	args := make([]any, 0, len(evs)*8)
	for _, e := range evs {
		args = append(args, e.TicketID, nullInt(e.AgentID), e.Actor, e.Action, e.Field, e.Old, e.New, e.At)
	}
	_, err := tx.exec(ctx, `INSERT INTO ticket_events (ticket_id, agent_id, actor, action, field, old_value, new_value, at)
		VALUES `+tuples(len(evs), 8), args...)
	if err != nil {
		return fmt.Errorf("store: insert events on ticket %d: %w", evs[0].TicketID, err)
	}
	return nil
}

// Events returns a ticket's timeline, oldest first.
func (tx *Tx) Events(ctx context.Context, ticketID int64) ([]desk.Event, error) {
	rows, err := tx.query(ctx, `SELECT id, ticket_id, agent_id, actor, action, field, old_value, new_value, at
		FROM ticket_events WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: events of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	out := []desk.Event{}
	for rows.Next() {
		var e desk.Event
		if err := rows.Scan(&e.ID, &e.TicketID, nint{&e.AgentID}, &e.Actor, &e.Action, &e.Field, &e.Old, &e.New, ts{&e.At}); err != nil {
			return nil, fmt.Errorf("store: events of ticket %d: %w", ticketID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
