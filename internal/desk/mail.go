package desk

import (
	"slices"
	"time"
)

// InboundMode is how mail reaches a mailbox.
type InboundMode string

// Inbound modes.
const (
	InboundSMTP InboundMode = "smtp" // the built-in SMTP listener
	InboundIMAP InboundMode = "imap" // fetched from an IMAP account
	InboundPipe InboundMode = "pipe" // an MTA pipes it to `switchboard mail ingest`
)

// InboundModes lists every inbound mode.
var InboundModes = []InboundMode{InboundSMTP, InboundIMAP, InboundPipe}

// Valid reports whether m is a known inbound mode.
func (m InboundMode) Valid() bool { return slices.Contains(InboundModes, m) }

// Mailbox statuses.
const (
	MailboxOK      = "ok"
	MailboxFailing = "failing"
)

// Mailbox is one support address: mail to it becomes tickets, replies on
// those tickets go out from it.
type Mailbox struct {
	ID      int64       `json:"id"`
	Address string      `json:"address"` // lower-cased
	Name    string      `json:"name"`    // display name on outgoing mail
	Team    *TeamRef    `json:"team"`    // new tickets go to this team
	Inbound InboundMode `json:"inbound"`
	// IMAPURL is imaps://user:pass@host[:993]/FOLDER (or imap:// with
	// STARTTLS); SMTPURL is the outbound relay, smtp://[user:pass@]host:port
	// or smtps://. Both hold secrets: show them only through RedactURL.
	IMAPURL string `json:"-"`
	SMTPURL string `json:"-"`
	// AckEnabled sends AckSubject/AckBody to the customer when a new ticket
	// is opened by mail.
	AckEnabled bool   `json:"ack_enabled"`
	AckSubject string `json:"ack_subject"`
	AckBody    string `json:"ack_body"`
	// ReopenDays: a reply to a resolved or closed ticket within this many
	// days of its resolution reopens it; later, it opens a new ticket
	// linked to the old one.
	ReopenDays  int        `json:"reopen_days"`
	Active      bool       `json:"active"`
	Status      string     `json:"status"` // MailboxOK or MailboxFailing
	LastError   string     `json:"last_error"`
	LastErrorAt *time.Time `json:"last_error_at"`
	LastFetchAt *time.Time `json:"last_fetch_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// IMAPState is where an IMAP fetcher stands in a mailbox's folder: the
// folder's UIDVALIDITY and the highest UID stored.
type IMAPState struct {
	UIDValidity uint32
	LastUID     uint32
}

// Delivery states of an outgoing email.
const (
	DeliveryQueued  = "queued"
	DeliverySending = "sending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// Delivery is the state of the email that carries an outbound reply.
type Delivery struct {
	ID        int64      `json:"id"`     // the outbound_mail row, for a retry
	Status    string     `json:"status"` // DeliveryQueued, DeliverySending, DeliverySent or DeliveryFailed
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error"`
	SentAt    *time.Time `json:"sent_at"`
	To        string     `json:"to"`
}

// InboundMail is the record of one message a mailbox accepted and what
// became of it (for the admins' log of a mailbox).
type InboundMail struct {
	ID         int64     `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	Source     string    `json:"source"`  // smtp, imap or pipe
	From       string    `json:"from"`    // the sender's address
	Subject    string    `json:"subject"` // as written in the header
	Kind       string    `json:"kind"`    // normal, auto_reply or bounce
	// Outcome is what ingest did: ticket, follow_up, reply, bounce,
	// auto_reply, ignored, own or flood.
	Outcome  string `json:"outcome"`
	Detail   string `json:"detail"`
	TicketID *int64 `json:"ticket_id"`
	Size     int64  `json:"size"`
}
