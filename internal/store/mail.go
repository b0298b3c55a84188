package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/desk"
)

const mailboxColumns = `mb.id, mb.address, mb.name, mb.team_id, t.name, mb.inbound, mb.imap_url, mb.smtp_url,
	mb.ack_enabled, mb.ack_subject, mb.ack_body, mb.reopen_days, mb.active, mb.status, mb.last_error,
	mb.last_error_at, mb.last_fetch_at, mb.created_at, mb.updated_at`

func scanMailbox(sc interface{ Scan(...any) error }, m *desk.Mailbox) error {
	var teamID sql.NullInt64
	var teamName sql.NullString
	if err := sc.Scan(&m.ID, &m.Address, &m.Name, &teamID, &teamName, &m.Inbound, &m.IMAPURL, &m.SMTPURL,
		&m.AckEnabled, &m.AckSubject, &m.AckBody, &m.ReopenDays, &m.Active, &m.Status, &m.LastError,
		nts{&m.LastErrorAt}, nts{&m.LastFetchAt}, ts{&m.CreatedAt}, ts{&m.UpdatedAt}); err != nil {
		return err
	}
	m.Team = nil
	if teamID.Valid {
		m.Team = &desk.TeamRef{ID: teamID.Int64, Name: teamName.String}
	}
	return nil
}

// InsertMailbox stores a new mailbox (address lower-cased by the caller),
// setting m.ID. A taken address is desk.EConflict.
func (tx *Tx) InsertMailbox(ctx context.Context, m *desk.Mailbox) error {
	if m.Status == "" {
		m.Status = desk.MailboxOK
	}
	id, err := tx.insertID(ctx, `INSERT INTO mailboxes (address, name, team_id, inbound, imap_url, smtp_url,
		ack_enabled, ack_subject, ack_body, reopen_days, active, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.Address, m.Name, teamID(m.Team), string(m.Inbound), m.IMAPURL, m.SMTPURL,
		m.AckEnabled, m.AckSubject, m.AckBody, m.ReopenDays, m.Active, m.Status, m.CreatedAt, m.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: insert mailbox %s: %w", m.Address, err)
	}
	m.ID = id
	return nil
}

// UpdateMailbox saves a mailbox's settings (not its fetch status or IMAP
// state). Changing the IMAP URL resets the IMAP state, so the new folder
// is read from its start.
func (tx *Tx) UpdateMailbox(ctx context.Context, m desk.Mailbox) error {
	res, err := tx.exec(ctx, `UPDATE mailboxes SET address = ?, name = ?, team_id = ?, inbound = ?,
		imap_uidvalidity = CASE WHEN imap_url = ? THEN imap_uidvalidity ELSE 0 END,
		imap_last_uid = CASE WHEN imap_url = ? THEN imap_last_uid ELSE 0 END,
		imap_url = ?, smtp_url = ?, ack_enabled = ?, ack_subject = ?, ack_body = ?, reopen_days = ?, active = ?, updated_at = ?
		WHERE id = ?`,
		m.Address, m.Name, teamID(m.Team), string(m.Inbound), m.IMAPURL, m.IMAPURL, m.IMAPURL, m.SMTPURL,
		m.AckEnabled, m.AckSubject, m.AckBody, m.ReopenDays, m.Active, m.UpdatedAt, m.ID)
	if err != nil {
		return fmt.Errorf("store: update mailbox %d: %w", m.ID, err)
	}
	return mustAffect(res, "Mailbox", "update mailbox %d", m.ID)
}

// DeleteMailbox removes a mailbox. Tickets keep their messages; queued
// mail from it loses its mailbox and fails when due.
func (tx *Tx) DeleteMailbox(ctx context.Context, id int64) error {
	res, err := tx.exec(ctx, "DELETE FROM mailboxes WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("store: delete mailbox %d: %w", id, err)
	}
	return mustAffect(res, "Mailbox", "delete mailbox %d", id)
}

// Mailbox returns one mailbox by id.
func (tx *Tx) Mailbox(ctx context.Context, id int64) (desk.Mailbox, error) {
	var m desk.Mailbox
	err := scanMailbox(tx.queryRow(ctx, "SELECT "+mailboxColumns+
		" FROM mailboxes mb LEFT JOIN teams t ON t.id = mb.team_id WHERE mb.id = ?", id), &m)
	return m, wrap(err, "Mailbox", "get mailbox %d", id)
}

// MailboxByAddress returns the mailbox with this address (compared
// lower-cased).
func (tx *Tx) MailboxByAddress(ctx context.Context, address string) (desk.Mailbox, error) {
	var m desk.Mailbox
	err := scanMailbox(tx.queryRow(ctx, "SELECT "+mailboxColumns+
		" FROM mailboxes mb LEFT JOIN teams t ON t.id = mb.team_id WHERE mb.address = ?", strings.ToLower(address)), &m)
	return m, wrap(err, "Mailbox", "get mailbox %s", address)
}

// Mailboxes returns every mailbox, by address.
func (tx *Tx) Mailboxes(ctx context.Context) ([]desk.Mailbox, error) {
	rows, err := tx.query(ctx, "SELECT "+mailboxColumns+
		" FROM mailboxes mb LEFT JOIN teams t ON t.id = mb.team_id ORDER BY mb.address")
	if err != nil {
		return nil, fmt.Errorf("store: list mailboxes: %w", err)
	}
	defer rows.Close()
	out := []desk.Mailbox{}
	for rows.Next() {
		var m desk.Mailbox
		if err := scanMailbox(rows, &m); err != nil {
			return nil, fmt.Errorf("store: list mailboxes: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// SetMailboxStatus records the outcome of a fetch or delivery attempt:
// lastErr "" marks the mailbox ok (and sets last_fetch_at when fetched),
// anything else marks it failing with that error.
func (tx *Tx) SetMailboxStatus(ctx context.Context, id int64, lastErr string, fetched bool, at time.Time) error {
	var err error
	if lastErr == "" {
		q := "UPDATE mailboxes SET status = 'ok', last_error = '' WHERE id = ?"
		args := []any{id}
		if fetched {
			q = "UPDATE mailboxes SET status = 'ok', last_error = '', last_fetch_at = ? WHERE id = ?"
			args = []any{at, id}
		}
		_, err = tx.exec(ctx, q, args...)
	} else {
		lastErr = desk.Clip(lastErr, 1000)
		_, err = tx.exec(ctx, "UPDATE mailboxes SET status = 'failing', last_error = ?, last_error_at = ? WHERE id = ?", lastErr, at, id)
	}
	if err != nil {
		return fmt.Errorf("store: set status of mailbox %d: %w", id, err)
	}
	return nil
}

// IMAPState returns where the IMAP fetcher of a mailbox stands.
func (tx *Tx) IMAPState(ctx context.Context, mailboxID int64) (desk.IMAPState, error) {
	var v, u int64
	err := tx.queryRow(ctx, "SELECT imap_uidvalidity, imap_last_uid FROM mailboxes WHERE id = ?", mailboxID).Scan(&v, &u)
	return desk.IMAPState{UIDValidity: uint32(v), LastUID: uint32(u)}, wrap(err, "Mailbox", "get imap state of mailbox %d", mailboxID)
}

// SetIMAPState records the IMAP folder's UIDVALIDITY and the highest UID
// stored. The UID only moves forward for the same UIDVALIDITY.
func (tx *Tx) SetIMAPState(ctx context.Context, mailboxID int64, s desk.IMAPState) error {
	_, err := tx.exec(ctx, `UPDATE mailboxes SET
		imap_last_uid = CASE WHEN imap_uidvalidity = ? AND imap_last_uid > ? THEN imap_last_uid ELSE ? END,
		imap_uidvalidity = ? WHERE id = ?`,
		int64(s.UIDValidity), int64(s.LastUID), int64(s.LastUID), int64(s.UIDValidity), mailboxID)
	if err != nil {
		return fmt.Errorf("store: set imap state of mailbox %d: %w", mailboxID, err)
	}
	return nil
}

// PutBlob stores data once under its SHA-256 and returns the hex hash.
func (tx *Tx) PutBlob(ctx context.Context, data []byte, at time.Time) (string, error) {
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	if _, err := tx.exec(ctx, "INSERT INTO blobs (sha256, size, data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
		hash, int64(len(data)), data, at); err != nil {
		return "", fmt.Errorf("store: store blob: %w", err)
	}
	return hash, nil
}

// Blob returns the data stored under a SHA-256.
func (tx *Tx) Blob(ctx context.Context, sha string) ([]byte, error) {
	var data []byte
	err := tx.queryRow(ctx, "SELECT data FROM blobs WHERE sha256 = ?", sha).Scan(&data)
	return data, wrap(err, "Blob", "get blob %s", sha)
}

// InboundMail is the record of one message accepted for a mailbox.
type InboundMail struct {
	ID         int64
	MailboxID  *int64
	DedupeKey  string
	MessageID  string
	FromAddr   string
	Subject    string
	Kind       string
	Outcome    string
	TicketID   *int64
	MessageRow *int64
	RawSHA256  string
	Size       int64
	Source     string
	Detail     string
	ReceivedAt time.Time
}

// InboundByKey returns the record with this dedupe key (ENotFound if the
// message was never accepted).
func (tx *Tx) InboundByKey(ctx context.Context, key string) (InboundMail, error) {
	var r InboundMail
	var raw sql.NullString
	err := tx.queryRow(ctx, `SELECT id, mailbox_id, dedupe_key, message_id, from_addr, subject, kind, outcome,
		ticket_id, message_row, raw_sha256, size, source, detail, received_at FROM inbound_mail WHERE dedupe_key = ?`, key).
		Scan(&r.ID, nint{&r.MailboxID}, &r.DedupeKey, &r.MessageID, &r.FromAddr, &r.Subject, &r.Kind, &r.Outcome,
			nint{&r.TicketID}, nint{&r.MessageRow}, &raw, &r.Size, &r.Source, &r.Detail, ts{&r.ReceivedAt})
	r.RawSHA256 = raw.String
	return r, wrap(err, "Inbound mail", "get inbound mail")
}

// InsertInbound records an accepted message, setting r.ID. A second
// record with the same dedupe key is desk.EConflict.
func (tx *Tx) InsertInbound(ctx context.Context, r *InboundMail) error {
	var raw any
	if r.RawSHA256 != "" {
		raw = r.RawSHA256
	}
	id, err := tx.insertID(ctx, `INSERT INTO inbound_mail (mailbox_id, dedupe_key, message_id, from_addr, subject, kind,
		outcome, ticket_id, message_row, raw_sha256, size, source, detail, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		nullInt(r.MailboxID), r.DedupeKey, r.MessageID, r.FromAddr, r.Subject, r.Kind, r.Outcome,
		nullInt(r.TicketID), nullInt(r.MessageRow), raw, r.Size, r.Source, r.Detail, r.ReceivedAt)
	if err != nil {
		return fmt.Errorf("store: insert inbound mail: %w", err)
	}
	r.ID = id
	return nil
}

// CountInboundSince counts messages accepted from an address since t.
func (tx *Tx) CountInboundSince(ctx context.Context, fromAddr string, since time.Time) (int, error) {
	var n int
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM inbound_mail WHERE from_addr = ? AND received_at >= ?",
		strings.ToLower(fromAddr), since).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count inbound mail from %s: %w", fromAddr, err)
	}
	return n, nil
}

// RecentInbound returns the newest inbound records of a mailbox (all
// mailboxes when mailboxID is 0), newest first.
func (tx *Tx) RecentInbound(ctx context.Context, mailboxID int64, limit int) ([]InboundMail, error) {
	q := `SELECT id, mailbox_id, dedupe_key, message_id, from_addr, subject, kind, outcome,
		ticket_id, message_row, raw_sha256, size, source, detail, received_at FROM inbound_mail`
	args := []any{}
	if mailboxID != 0 {
		q += " WHERE mailbox_id = ?"
		args = append(args, mailboxID)
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: recent inbound mail: %w", err)
	}
	defer rows.Close()
	var out []InboundMail
	for rows.Next() {
		var r InboundMail
		var raw sql.NullString
		if err := rows.Scan(&r.ID, nint{&r.MailboxID}, &r.DedupeKey, &r.MessageID, &r.FromAddr, &r.Subject, &r.Kind, &r.Outcome,
			nint{&r.TicketID}, nint{&r.MessageRow}, &raw, &r.Size, &r.Source, &r.Detail, ts{&r.ReceivedAt}); err != nil {
			return nil, fmt.Errorf("store: recent inbound mail: %w", err)
		}
		r.RawSHA256 = raw.String
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddMailIDs records Message-IDs (without angle brackets) of a message on
// a ticket, for threading later replies.
func (tx *Tx) AddMailIDs(ctx context.Context, ticketID int64, messageRow *int64, dir desk.Direction, at time.Time, ids ...string) error {
	for _, id := range ids {
		if id == "" {
			continue
		}
		if _, err := tx.exec(ctx, `INSERT INTO mail_ids (message_id, ticket_id, message_row, direction, created_at)
			VALUES (?, ?, ?, ?, ?)`, id, ticketID, nullInt(messageRow), string(dir), at); err != nil {
			return fmt.Errorf("store: add mail id to ticket %d: %w", ticketID, err)
		}
	}
	return nil
}

// MailIDMatch is a ticket found by one of the Message-IDs it knows.
type MailIDMatch struct {
	TicketID  int64
	MessageID string
	Direction desk.Direction
}

// TicketsByMailIDs returns, for each of ids that is known, the ticket
// that most recently recorded it, in the order of ids.
func (tx *Tx) TicketsByMailIDs(ctx context.Context, ids []string) ([]MailIDMatch, error) {
	var out []MailIDMatch
	if len(ids) == 0 {
		return out, nil
	}
	if len(ids) > 200 {
		ids = ids[len(ids)-200:] // the newest references matter most
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.query(ctx, `SELECT message_id, ticket_id, direction, id FROM mail_ids
		WHERE message_id IN (`+placeholders(len(ids))+`) ORDER BY id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: tickets by mail ids: %w", err)
	}
	defer rows.Close()
	found := map[string]MailIDMatch{}
	for rows.Next() {
		var m MailIDMatch
		var rowID int64
		if err := rows.Scan(&m.MessageID, &m.TicketID, &m.Direction, &rowID); err != nil {
			return nil, fmt.Errorf("store: tickets by mail ids: %w", err)
		}
		if _, ok := found[m.MessageID]; !ok {
			found[m.MessageID] = m
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if m, ok := found[id]; ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// TicketMailIDs returns the Message-IDs recorded on a ticket, oldest
// first (for the References header of a reply).
func (tx *Tx) TicketMailIDs(ctx context.Context, ticketID int64) ([]MailIDMatch, error) {
	rows, err := tx.query(ctx, "SELECT message_id, direction FROM mail_ids WHERE ticket_id = ? ORDER BY id", ticketID)
	if err != nil {
		return nil, fmt.Errorf("store: mail ids of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	var out []MailIDMatch
	for rows.Next() {
		m := MailIDMatch{TicketID: ticketID}
		if err := rows.Scan(&m.MessageID, &m.Direction); err != nil {
			return nil, fmt.Errorf("store: mail ids of ticket %d: %w", ticketID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// SetTicketMailbox records the mailbox a ticket's conversation runs through.
func (tx *Tx) SetTicketMailbox(ctx context.Context, ticketID, mailboxID int64) error {
	_, err := tx.exec(ctx, `INSERT INTO ticket_mailboxes (ticket_id, mailbox_id) VALUES (?, ?)
		ON CONFLICT (ticket_id) DO UPDATE SET mailbox_id = excluded.mailbox_id`, ticketID, mailboxID)
	if err != nil {
		return fmt.Errorf("store: set mailbox of ticket %d: %w", ticketID, err)
	}
	return nil
}

// TicketMailbox returns the id of the mailbox a ticket runs through
// (ENotFound when it has none).
func (tx *Tx) TicketMailbox(ctx context.Context, ticketID int64) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, "SELECT mailbox_id FROM ticket_mailboxes WHERE ticket_id = ?", ticketID).Scan(&id)
	return id, wrap(err, "Mailbox", "get mailbox of ticket %d", ticketID)
}

// MarkEmailBounced records that mail to an address bounced (status is the
// DSN status, e.g. 5.1.1; "" clears the mark).
func (tx *Tx) MarkEmailBounced(ctx context.Context, email, status string, at time.Time) (bool, error) {
	var res sql.Result
	var err error
	if status == "" {
		res, err = tx.exec(ctx, "UPDATE contact_emails SET bounce_status = '', bounced_at = NULL WHERE email = ?", strings.ToLower(email))
	} else {
		res, err = tx.exec(ctx, "UPDATE contact_emails SET bounce_status = ?, bounced_at = ? WHERE email = ?", status, at, strings.ToLower(email))
	}
	if err != nil {
		return false, fmt.Errorf("store: mark %s bounced: %w", email, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// EmailBounce returns the bounce mark of an address ("" when none).
func (tx *Tx) EmailBounce(ctx context.Context, email string) (string, *time.Time, error) {
	var status string
	var at *time.Time
	err := tx.queryRow(ctx, "SELECT bounce_status, bounced_at FROM contact_emails WHERE email = ?", strings.ToLower(email)).Scan(&status, nts{&at})
	if err == sql.ErrNoRows {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("store: bounce of %s: %w", email, err)
	}
	return status, at, nil
}
