// Package mailin turns inbound email into tickets, whatever brought it
// (the SMTP listener, an IMAP fetcher or an MTA pipe): it parses the
// message, recognises a redelivery, threads a reply onto its ticket (by
// In-Reply-To/References, then by the [#number] token in the subject from
// a sender of that ticket), applies the reopen policy to closed tickets,
// attaches bounces to the ticket whose reply bounced and marks the address,
// keeps auto-replies out of the conversation, refuses to loop on our own
// mail, rate-limits flooding senders and queues the acknowledgement of a
// new ticket. Everything a message causes is written in one transaction,
// together with the record that makes a second delivery a no-op; Deliver
// returns only after that transaction committed.
package mailin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"switchboard/internal/desk"
	"switchboard/internal/mail"
	"switchboard/internal/store"
	"switchboard/internal/ticket"
)

// MaxMessageSize is the largest message accepted, in bytes (25 MiB of
// attachments grow by a third in base64).
const MaxMessageSize = 35 << 20

// Source tells what brought a message in.
type Source string

// Sources.
const (
	SourceSMTP Source = "smtp"
	SourceIMAP Source = "imap"
	SourcePipe Source = "pipe"
)

// Outcomes reported in Result.Outcome and recorded in inbound_mail.
const (
	OutcomeTicket    = "ticket"     // opened a new ticket
	OutcomeFollowUp  = "follow_up"  // a reply to a ticket closed too long ago: a new linked ticket
	OutcomeReply     = "reply"      // added to an existing ticket
	OutcomeBounce    = "bounce"     // a bounce, attached to the ticket whose reply bounced
	OutcomeAutoReply = "auto_reply" // an auto-reply, noted on its ticket
	OutcomeIgnored   = "ignored"    // an auto-reply or bounce that matches no ticket
	OutcomeOwn       = "own"        // mail from one of our own addresses: never a ticket
	OutcomeFlood     = "flood"      // over the sender's rate: stored as spam
	OutcomeDuplicate = "duplicate"  // already accepted (not recorded again)
)

// Result says what Deliver did with a message.
type Result struct {
	Outcome   string
	TicketID  int64 // 0 when no ticket was touched
	Number    int64 // the ticket's number
	MessageID int64 // the stored message, 0 when none
	Duplicate bool  // the message had been accepted before; nothing changed
}

// Acker queues the acknowledgement of a new ticket (package mailout); it
// runs inside the ingest transaction.
type Acker interface {
	EnqueueAck(ctx context.Context, tx *store.Tx, mb desk.Mailbox, t desk.Ticket, inReplyTo string, refs []string) error
}

// Options tune an Ingester. Zero values take the defaults.
type Options struct {
	// Acker sends acknowledgements of new tickets; nil sends none.
	Acker Acker
	// FloodLimit is how many messages one sender may send per hour before
	// further new tickets from them are filed as spam (default 30).
	FloodLimit int
	// AckLimit is how many messages one sender may send per hour and still
	// get acknowledgements (default 5), so two robots cannot ping-pong.
	AckLimit int
	Logger   *slog.Logger
}

// Ingester delivers inbound mail into tickets. Construct with New; it is
// safe for concurrent use.
type Ingester struct {
	st      *store.Store
	tickets *ticket.Service
	clk     desk.Clock
	opt     Options
	log     *slog.Logger
}

// New returns an Ingester over the store and ticket service.
func New(st *store.Store, tickets *ticket.Service, clk desk.Clock, opt Options) *Ingester {
	if clk == nil {
		clk = desk.SystemClock{}
	}
	if opt.FloodLimit <= 0 {
		opt.FloodLimit = 30
	}
	if opt.AckLimit <= 0 {
		opt.AckLimit = 5
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Ingester{st: st, tickets: tickets, clk: clk, opt: opt, log: log}
}

// SetAcker installs the acknowledgement sender (before delivering).
func (in *Ingester) SetAcker(a Acker) { in.opt.Acker = a }

// DeliverTo delivers raw to the mailbox with this address (plus-addressing
// "support+x@" finds "support@"). An unknown or inactive mailbox is
// desk.ENotFound.
func (in *Ingester) DeliverTo(ctx context.Context, address string, raw []byte, src Source) (Result, error) {
	mb, err := in.Mailbox(ctx, address)
	if err != nil {
		return Result{}, err
	}
	return in.Deliver(ctx, mb, raw, src)
}

// Mailbox finds the active mailbox mail to address belongs to, ignoring a
// "+tag" in the local part; desk.ENotFound when there is none.
func (in *Ingester) Mailbox(ctx context.Context, address string) (desk.Mailbox, error) {
	address = strings.ToLower(strings.Trim(strings.TrimSpace(address), "<>"))
	mb, err := in.st.Read().MailboxByAddress(ctx, address)
	if desk.IsNotFound(err) {
		if local, domain, ok := strings.Cut(address, "@"); ok {
			if base, _, plus := strings.Cut(local, "+"); plus {
				mb, err = in.st.Read().MailboxByAddress(ctx, base+"@"+domain)
			}
		}
	}
	if err != nil {
		if desk.IsNotFound(err) {
			return desk.Mailbox{}, desk.Errorf(desk.ENotFound, "No mailbox %s here.", address)
		}
		return desk.Mailbox{}, err
	}
	if !mb.Active {
		return desk.Mailbox{}, desk.Errorf(desk.ENotFound, "The mailbox %s is not active.", address)
	}
	return mb, nil
}

// Deliver stores one message for mailbox mb: it returns once everything
// the message causes has committed, or the message was accepted before
// (Result.Duplicate). desk.EInvalid means the message is refused for good
// (too large); any other error is temporary and nothing was stored.
func (in *Ingester) Deliver(ctx context.Context, mb desk.Mailbox, raw []byte, src Source) (Result, error) {
	if len(raw) > MaxMessageSize {
		return Result{}, &desk.Error{Code: desk.EInvalid, Message: fmt.Sprintf("The message is larger than %d MiB.", MaxMessageSize>>20)}
	}
	msg, unreadable := parse(raw)
	key := dedupeKey(msg, raw, unreadable)
	if rec, err := in.st.Read().InboundByKey(ctx, key); err == nil {
		return duplicate(rec), nil
	} else if !desk.IsNotFound(err) {
		return Result{}, fmt.Errorf("mailin: check for a redelivery: %w", err)
	}
	var res Result
	var events []func()
	err := in.st.WriteDurable(ctx, func(tx *store.Tx) error {
		events = events[:0]
		// Inside the transaction again: another delivery of the same
		// message may have committed since the check above.
		if rec, err := tx.InboundByKey(ctx, key); err == nil {
			res = duplicate(rec)
			return nil
		} else if !desk.IsNotFound(err) {
			return err
		}
		d := &delivery{in: in, tx: tx, mb: mb, msg: msg, raw: raw, src: src, unreadable: unreadable, now: store.Now(in.clk.Now())}
		if err := d.run(ctx); err != nil {
			return err
		}
		rec := d.record(key)
		if err := tx.InsertInbound(ctx, &rec); err != nil {
			return err
		}
		res, events = d.res, d.events
		return nil
	})
	if err != nil {
		if desk.ErrorCode(err) == desk.EConflict {
			// A concurrent delivery of the same message won (PostgreSQL).
			if rec, err2 := in.st.Read().InboundByKey(ctx, key); err2 == nil {
				return duplicate(rec), nil
			}
		}
		if desk.ErrorCode(err) == desk.EInvalid {
			// A validation failure of the message itself must not bounce a
			// customer's mail: it is a bug, so report it as temporary.
			in.log.Error("inbound mail rejected by validation", "mailbox", mb.Address, "err", err)
			return Result{}, fmt.Errorf("mailin: store message for %s: %s", mb.Address, err.Error())
		}
		return Result{}, fmt.Errorf("mailin: store message for %s: %w", mb.Address, err)
	}
	for _, f := range events {
		f()
	}
	in.log.Info("inbound mail", "mailbox", mb.Address, "source", string(src), "outcome", res.Outcome,
		"ticket", res.Number, "duplicate", res.Duplicate, "size", len(raw))
	return res, nil
}

func duplicate(rec store.InboundMail) Result {
	r := Result{Outcome: OutcomeDuplicate, Duplicate: true}
	if rec.TicketID != nil {
		r.TicketID = *rec.TicketID
	}
	if rec.MessageRow != nil {
		r.MessageID = *rec.MessageRow
	}
	return r
}

// parse reads the message; MIME too broken to parse (or a parser panic)
// yields a stand-in message that keeps the raw bytes as an attachment, so
// nothing accepted is ever lost.
func parse(raw []byte) (m *mail.Message, unreadable bool) {
	defer func() {
		if r := recover(); r != nil {
			m, unreadable = standIn(raw), true
		}
	}()
	m, err := mail.Parse(bytes.NewReader(raw), mail.Options{MaxSize: MaxMessageSize, MaxAttachmentSize: store.MaxAttachmentSize, Classify: mail.Analyze})
	if err != nil || m == nil {
		return standIn(raw), true
	}
	return m, false
}

func standIn(raw []byte) *mail.Message {
	text := strings.ToValidUTF8(string(raw[:min(len(raw), 64<<10)]), "\uFFFD")
	m := &mail.Message{Subject: "(unreadable message)", Text: text, ReplyText: text, Kind: mail.KindNormal, Header: mail.Header{}}
	sum := sha256.Sum256(raw)
	m.Attachments = []mail.Attachment{{Filename: "original.eml", ContentType: "message/rfc822", Size: int64(len(raw)),
		SHA256: hex.EncodeToString(sum[:]), Data: raw}}
	if idx := bytes.Index(raw, []byte("\nFrom:")); idx >= 0 || bytes.HasPrefix(raw, []byte("From:")) {
		line := raw[idx+1:]
		if idx < 0 {
			line = raw
		}
		if end := bytes.IndexByte(line, '\n'); end > 0 {
			if a := extractAddr(string(line[5:end])); a != "" {
				m.From = mail.Address{Address: a}
			}
		}
	}
	return m
}

// dedupeKey identifies a message across redeliveries: its Message-ID and
// what it says — the sender, date, subject and recipients as they appear
// in the header, and the body bytes with line endings normalised — never
// the trace headers that differ between two deliveries of the same message
// (Received, Return-Path, Delivered-To) nor anything decoding could vary.
// The same Message-ID with other content (a sender that reuses ids) is
// another message; the same content without a Message-ID is the same one.
func dedupeKey(m *mail.Message, raw []byte, unreadable bool) string {
	h := sha256.New()
	body := raw
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		body = raw[i+4:]
	} else if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		body = raw[i+2:]
	}
	if unreadable || m.Header == nil {
		h.Write([]byte("raw\x00"))
		body = raw
	} else {
		for _, k := range []string{"Message-Id", "From", "Date", "Subject", "To", "Cc"} {
			for _, v := range m.Header.Values(k) {
				h.Write([]byte(strings.Join(strings.Fields(v), " ")))
				h.Write([]byte{0})
			}
			h.Write([]byte{1})
		}
	}
	body = bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))
	h.Write(bytes.TrimRight(body, " \t\r\n"))
	return hex.EncodeToString(h.Sum(nil))
}

// publish announces a change once the ingest transaction committed.
func (d *delivery) publish(typ string, ticketID int64) {
	svc := d.in.tickets
	d.events = append(d.events, func() { svc.Publish(context.Background(), typ, ticketID, desk.System) })
}
