// Package mailout sends email: it composes the complete message of an
// agent's reply or a new ticket's acknowledgement inside the transaction
// that adds it, queues it durably (store outbound_mail), and a worker
// delivers the queue through each mailbox's SMTP relay with retries, so a
// reply is never lost, never sent twice with different ids, and always
// threaded on the customer's side.
package mailout

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// Publisher announces ticket changes after commit; ticket.Service
// implements it.
type Publisher interface {
	Publish(ctx context.Context, typ string, ticketID int64, a desk.Actor)
}

// Options configure a Mailer. Zero values are sensible defaults.
type Options struct {
	// PortalURL is where customers follow their tickets, linked in the
	// footer of every email; "" links nothing (the agent app's URL is no
	// place to send a customer, so serve leaves this empty until the
	// customer portal exists).
	PortalURL string
	// Logger receives delivery logs (never secrets); nil is slog.Default.
	Logger *slog.Logger
	// TLSConfig is used for STARTTLS and smtps:// (tests trust a
	// self-signed certificate with it); nil verifies against the system
	// roots. ServerName is filled in per relay.
	TLSConfig *tls.Config
	// Publisher announces a reply that failed for good; nil publishes
	// nothing.
	Publisher Publisher
	// HelloName is the name given in EHLO; "" uses the mailbox's domain.
	HelloName string
	// Lease is how long a claimed email is reserved for one attempt
	// (default 1 minute; renewed when its turn in the batch comes): an
	// instance that died mid-attempt delays the email by at most this.
	// Batch is how many are claimed at once (default 10); MaxAttempts how
	// many temporary failures are tried (default 10).
	Lease       time.Duration
	Batch       int
	MaxAttempts int
	// Timeout bounds one SMTP delivery (default 45 seconds, and always
	// less than Lease so no other worker starts the same email meanwhile).
	Timeout time.Duration
}

// Mailer queues outgoing email (it implements ticket.Outbox) and delivers
// the queue (Run). Construct with New.
type Mailer struct {
	st   *store.Store
	clk  desk.Clock
	opt  Options
	log  *slog.Logger
	wake chan struct{}
}

// New returns a Mailer. A nil clock is the system clock.
func New(st *store.Store, clk desk.Clock, opts Options) *Mailer {
	if clk == nil {
		clk = desk.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Minute
	}
	if opts.Batch <= 0 {
		opts.Batch = 10
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 10
	}
	if opts.Timeout <= 0 || opts.Timeout > opts.Lease*3/4 {
		opts.Timeout = min(45*time.Second, opts.Lease*3/4)
	}
	opts.PortalURL = strings.TrimRight(opts.PortalURL, "/")
	return &Mailer{st: st, clk: clk, opt: opts, log: opts.Logger.With("component", "mailout"), wake: make(chan struct{}, 1)}
}

// Wake makes the worker look at the queue now (after a commit, or after
// a test moved the clock).
func (m *Mailer) Wake() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *Mailer) now() time.Time { return store.Now(m.clk.Now()) }

// ticketMailbox returns the mailbox a ticket's mail goes through: the one
// recorded for it, else the first active mailbox by id (then recorded).
// ok is false when there is no mailbox at all.
func ticketMailbox(ctx context.Context, tx *store.Tx, ticketID int64) (desk.Mailbox, bool, error) {
	id, err := tx.TicketMailbox(ctx, ticketID)
	if err == nil {
		mb, err := tx.Mailbox(ctx, id)
		if err == nil {
			return mb, true, nil
		}
		if !desk.IsNotFound(err) {
			return desk.Mailbox{}, false, err
		}
	} else if !desk.IsNotFound(err) {
		return desk.Mailbox{}, false, err
	}
	all, err := tx.Mailboxes(ctx)
	if err != nil {
		return desk.Mailbox{}, false, err
	}
	var pick *desk.Mailbox
	for i := range all {
		if all[i].Active && (pick == nil || all[i].ID < pick.ID) {
			pick = &all[i]
		}
	}
	if pick == nil {
		return desk.Mailbox{}, false, nil
	}
	if err := tx.SetTicketMailbox(ctx, ticketID, pick.ID); err != nil {
		return desk.Mailbox{}, false, err
	}
	return *pick, true, nil
}

// emailed reports whether replies on a channel go out by email.
func emailed(c desk.Channel) bool { return c != desk.ChannelPhone && c != desk.ChannelSocial }

// Send implements ticket.Outbox: it composes the email carrying msg and
// queues it in tx, recording its Message-ID on the ticket. It does nothing
// when there is no mailbox, the channel is not email-like, or the
// requester has no address.
func (m *Mailer) Send(ctx context.Context, tx *store.Tx, t desk.Ticket, msg desk.Message) error {
	if !emailed(msg.Channel) || strings.TrimSpace(t.Requester.Email) == "" {
		return nil
	}
	mb, ok, err := ticketMailbox(ctx, tx, t.ID)
	if err != nil || !ok {
		return err
	}
	known, err := tx.TicketMailIDs(ctx, t.ID)
	if err != nil {
		return err
	}
	var inReplyTo, newest string
	refs := make([]string, 0, len(known))
	for _, k := range known {
		refs = append(refs, k.MessageID)
		newest = k.MessageID
		if k.Direction == desk.Inbound {
			inReplyTo = k.MessageID
		}
	}
	if inReplyTo == "" {
		inReplyTo = newest // no customer mail yet: thread under our own
	}
	fromName := mb.Name // no agent (the system): the mailbox alone
	if msg.Author != nil && strings.TrimSpace(msg.Author.Name) != "" {
		fromName = strings.TrimSpace(msg.Author.Name)
		if mb.Name != "" {
			fromName += " (" + mb.Name + ")"
		}
	}
	var files []part
	for _, a := range msg.Attachments {
		data, err := tx.Blob(ctx, a.SHA256)
		if err != nil {
			return fmt.Errorf("mailout: attachment %d of message %d: %w", a.ID, msg.ID, err)
		}
		files = append(files, part{Filename: a.Filename, ContentType: a.ContentType, Data: data, Inline: a.Inline, ContentID: a.ContentID})
	}
	msgID, err := newMessageID(t.Number, msg.ID, domainOf(mb.Address))
	if err != nil {
		return err
	}
	now := m.now()
	d := draft{
		From:    mail.Address{Name: validUTF8(fromName), Address: mb.Address},
		To:      mail.Address{Name: validUTF8(t.Requester.Name), Address: t.Requester.Email},
		Subject: validUTF8(replySubject(t.Subject, t.Number, t.MessageCount > 1)),
		Date:    now, MessageID: msgID, InReplyTo: inReplyTo, References: refs,
		Text: validUTF8(msg.Text), HTML: validUTF8(msg.HTML), TicketNum: t.Number, Files: files,
		Footer: m.footer(t),
	}
	return m.enqueue(ctx, tx, mb, t, &msg.ID, store.PurposeReply, d)
}

func (m *Mailer) footer(t desk.Ticket) footer {
	f := footer{Ticket: t.Number}
	if m.opt.PortalURL != "" {
		f.URL = m.opt.PortalURL + "/"
	}
	return f
}

// enqueue builds d and queues it with its threading record.
func (m *Mailer) enqueue(ctx context.Context, tx *store.Tx, mb desk.Mailbox, t desk.Ticket, row *int64, purpose string, d draft) error {
	raw, err := d.build()
	if err != nil {
		return err
	}
	now := d.Date
	o := store.OutboundMail{
		MailboxID: &mb.ID, TicketID: &t.ID, MessageRow: row, Purpose: purpose, MessageID: d.MessageID,
		MailFrom: mb.Address, Rcpt: d.To.Address, Raw: raw, CreatedAt: now,
	}
	if err := tx.EnqueueOutbound(ctx, &o); err != nil {
		return err
	}
	if err := tx.AddMailIDs(ctx, t.ID, row, desk.Outbound, now, d.MessageID); err != nil {
		return err
	}
	tx.AfterCommit(m.Wake)
	return nil
}

// Default acknowledgement texts, used when a mailbox leaves them empty.
const (
	DefaultAckSubject = "Re: {{ticket.subject}}"
	DefaultAckBody    = `Hello {{customer.name}},

thank you for contacting us. We have received your request "{{ticket.subject}}" and opened ticket #{{ticket.number}} for it. We will get back to you as soon as we can.

To add anything, simply reply to this email and keep the ticket number in the subject.`
)

var placeholder = regexp.MustCompile(`\{\{\s*([a-z.]+)\s*\}\}`)

// fill replaces the acknowledgement placeholders.
func fill(tmpl string, t desk.Ticket) string {
	return placeholder.ReplaceAllStringFunc(tmpl, func(s string) string {
		switch placeholder.FindStringSubmatch(s)[1] {
		case "ticket.number":
			return strconv.FormatInt(t.Number, 10)
		case "ticket.subject":
			return t.Subject
		case "customer.name":
			if n := strings.TrimSpace(t.Requester.Name); n != "" {
				return n
			}
			return "there"
		case "customer.email":
			return t.Requester.Email
		}
		return s
	})
}

// EnqueueAck queues the acknowledgement of a new ticket opened by mail to
// mb, in reply to the customer's message inReplyTo (refs are that
// message's References, oldest first). It is marked Auto-Submitted so
// auto-responders do not answer it.
func (m *Mailer) EnqueueAck(ctx context.Context, tx *store.Tx, mb desk.Mailbox, t desk.Ticket, inReplyTo string, refs []string) error {
	if strings.TrimSpace(t.Requester.Email) == "" {
		return nil
	}
	subj, body := mb.AckSubject, mb.AckBody
	if strings.TrimSpace(subj) == "" {
		subj = DefaultAckSubject
	}
	if strings.TrimSpace(body) == "" {
		body = DefaultAckBody
	}
	msgID, err := newMessageID(t.Number, 0, domainOf(mb.Address))
	if err != nil {
		return err
	}
	inReplyTo = strings.Trim(inReplyTo, "<> ")
	all := append([]string{}, refs...)
	if inReplyTo != "" {
		all = append(all, inReplyTo)
	}
	// replySubject keeps the admin's text but makes sure of one token.
	subject := fill(subj, t)
	reply := strings.HasPrefix(strings.ToLower(strings.TrimSpace(subject)), "re:")
	d := draft{
		From:    mail.Address{Name: validUTF8(mb.Name), Address: mb.Address},
		To:      mail.Address{Name: validUTF8(t.Requester.Name), Address: t.Requester.Email},
		Subject: validUTF8(replySubject(subject, t.Number, reply)),
		Date:    m.now(), MessageID: msgID, InReplyTo: inReplyTo, References: all,
		Text: validUTF8(fill(body, t)), TicketNum: t.Number, Auto: true, Footer: m.footer(t),
	}
	return m.enqueue(ctx, tx, mb, t, nil, store.PurposeAck, d)
}

// EnqueueTranscript queues the transcript of a chat on ticket t to the
// address to (what the visitor asked for), from the mailbox with id
// mailboxID or, when nil, the ticket's. It is marked Auto-Submitted: no
// one should answer it automatically, though a person's reply threads onto
// the ticket. It does nothing when there is no mailbox.
func (m *Mailer) EnqueueTranscript(ctx context.Context, tx *store.Tx, mailboxID *int64, t desk.Ticket, to mail.Address, subject, text string) error {
	var mb desk.Mailbox
	var ok bool
	var err error
	if mailboxID != nil {
		mb, err = tx.Mailbox(ctx, *mailboxID)
		ok = err == nil && mb.Active
		if desk.IsNotFound(err) {
			err = nil
		}
	}
	if err == nil && !ok {
		mb, ok, err = ticketMailbox(ctx, tx, t.ID)
	}
	if err != nil || !ok {
		return err
	}
	msgID, err := newMessageID(t.Number, 0, domainOf(mb.Address))
	if err != nil {
		return err
	}
	d := draft{
		From:    mail.Address{Name: validUTF8(mb.Name), Address: mb.Address},
		To:      mail.Address{Name: validUTF8(to.Name), Address: to.Address},
		Subject: validUTF8(replySubject(subject, t.Number, false)),
		Date:    m.now(), MessageID: msgID,
		Text: validUTF8(text), TicketNum: t.Number, Auto: true, Footer: m.footer(t),
	}
	return m.enqueue(ctx, tx, mb, t, nil, store.PurposeTranscript, d)
}
