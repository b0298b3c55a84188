package mailin

import (
	"context"
	"fmt"
	netmail "net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/mail"
	"switchboard/internal/mail/classify"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
)

// delivery is one message being stored, inside the ingest transaction.
type delivery struct {
	in         *Ingester
	tx         *store.Tx
	mb         desk.Mailbox
	msg        *mail.Message
	raw        []byte
	src        Source
	unreadable bool
	now        time.Time

	own    map[string]bool // our mailboxes' addresses
	rawSHA string
	detail string
	res    Result
	events []func()
}

// record is the inbound_mail row of this delivery.
func (d *delivery) record(key string) store.InboundMail {
	r := store.InboundMail{
		MailboxID: &d.mb.ID, DedupeKey: key, MessageID: desk.Clip(d.msg.MessageID, 500),
		FromAddr: strings.ToLower(desk.Clip(d.msg.From.Address, 320)), Subject: desk.Clip(d.msg.Subject, 500),
		Kind: d.msg.Kind, Outcome: d.res.Outcome, RawSHA256: d.rawSHA, Size: int64(len(d.raw)),
		Source: string(d.src), Detail: desk.Clip(d.detail, 1000), ReceivedAt: d.now,
	}
	if r.Kind == "" {
		r.Kind = mail.KindNormal
	}
	if d.res.TicketID != 0 {
		id := d.res.TicketID
		r.TicketID = &id
	}
	if d.res.MessageID != 0 {
		id := d.res.MessageID
		r.MessageRow = &id
	}
	return r
}

func (d *delivery) run(ctx context.Context) error {
	// The original is kept once, content-addressed: the audit trail and
	// what "view original" and reprocessing read.
	sha, err := d.tx.PutBlob(ctx, d.raw, d.now)
	if err != nil {
		return err
	}
	d.rawSHA = sha
	if d.unreadable {
		d.detail = "the MIME structure could not be parsed; the original is attached"
	}
	if d.own, err = d.ownAddresses(ctx); err != nil {
		return err
	}
	from := strings.ToLower(d.msg.From.Address)
	switch {
	case d.own[from]:
		d.res.Outcome = OutcomeOwn
		return nil
	case d.msg.Kind == mail.KindBounce:
		return d.bounce(ctx)
	case d.msg.Kind == mail.KindAutoReply:
		return d.autoReply(ctx)
	}
	return d.normal(ctx)
}

// ownAddresses are the addresses of every mailbox: mail from them is ours.
func (d *delivery) ownAddresses(ctx context.Context) (map[string]bool, error) {
	mbs, err := d.tx.Mailboxes(ctx)
	if err != nil {
		return nil, err
	}
	own := make(map[string]bool, len(mbs))
	for _, m := range mbs {
		own[m.Address] = true
	}
	return own, nil
}

// requester is who the conversation is with: the From address, or the
// Reply-To of a form or notification robot that writes on someone's behalf.
func (d *delivery) requester() mail.Address {
	from := d.msg.From
	if len(d.msg.ReplyTo) == 1 && d.msg.ReplyTo[0].Address != "" && !strings.EqualFold(d.msg.ReplyTo[0].Address, from.Address) {
		local, _, _ := strings.Cut(strings.ToLower(from.Address), "@")
		if from.Address == "" || reRobot.MatchString(local) {
			return d.msg.ReplyTo[0]
		}
	}
	return from
}

var reRobot = regexp.MustCompile(`^(no-?reply|do-?not-?reply|noreply\w*|wordpress|forms?|mailer|notifications?|webmaster)$`)

var reToken = regexp.MustCompile(`\[#(\d{1,12})\]`)

// normal threads a customer's message onto its ticket or opens one.
func (d *delivery) normal(ctx context.Context) error {
	sender := d.requester()
	if a, err := netmail.ParseAddress(sender.Address); err != nil || !strings.EqualFold(a.Address, sender.Address) {
		sender.Address = ""
	}
	if sender.Address == "" {
		// No usable sender: keep the message on a ticket of its own with a
		// placeholder requester, so it is read and nothing is lost.
		sender = mail.Address{Name: "Unknown sender", Address: "unknown-sender@invalid"}
		d.detail = strings.TrimSpace(d.detail + "; no sender address")
	}
	t, found, err := d.thread(ctx, sender.Address)
	if err != nil {
		return err
	}
	if found {
		reopen := t.Status != desk.StatusResolved && t.Status != desk.StatusClosed ||
			d.mb.ReopenDays > 0 && t.ResolvedAt != nil && d.now.Sub(*t.ResolvedAt) <= time.Duration(d.mb.ReopenDays)*24*time.Hour
		if reopen || t.Status == desk.StatusSpam {
			return d.reply(ctx, t, sender)
		}
		return d.open(ctx, sender, &t)
	}
	return d.open(ctx, sender, nil)
}

// thread finds the ticket a message answers: first by the Message-IDs it
// names (In-Reply-To, then References newest first) against every id we
// received or sent, then by the [#number] token in its subject when the
// sender is that ticket's requester.
func (d *delivery) thread(ctx context.Context, sender string) (desk.Ticket, bool, error) {
	ids := append([]string{}, d.msg.References...)
	if d.msg.InReplyTo != "" {
		ids = append(ids, d.msg.InReplyTo)
	}
	if len(ids) > 0 {
		matches, err := d.tx.TicketsByMailIDs(ctx, ids)
		if err != nil {
			return desk.Ticket{}, false, err
		}
		// The last of ids is the most direct parent (In-Reply-To, else the
		// newest reference); TicketsByMailIDs keeps the order of ids.
		for i := len(matches) - 1; i >= 0; i-- {
			t, err := d.tx.TicketForUpdate(ctx, matches[i].TicketID)
			if desk.IsNotFound(err) {
				continue
			}
			if err != nil {
				return desk.Ticket{}, false, err
			}
			return d.followMerge(ctx, t)
		}
	}
	for _, sm := range reToken.FindAllStringSubmatch(d.msg.Subject, 3) {
		n, err := strconv.ParseInt(sm[1], 10, 64)
		if err != nil {
			continue
		}
		t, err := d.tx.TicketByNumber(ctx, n)
		if desk.IsNotFound(err) {
			continue
		}
		if err != nil {
			return desk.Ticket{}, false, err
		}
		cid, err := d.tx.ContactIDByEmail(ctx, sender)
		if desk.IsNotFound(err) {
			continue // a stranger quoting a ticket number does not join it
		}
		if err != nil {
			return desk.Ticket{}, false, err
		}
		if cid == t.Requester.ID {
			t, err = d.tx.TicketForUpdate(ctx, t.ID)
			if err != nil {
				return desk.Ticket{}, false, err
			}
			return d.followMerge(ctx, t)
		}
	}
	return desk.Ticket{}, false, nil
}

// followMerge returns the ticket t was merged into, if it was.
func (d *delivery) followMerge(ctx context.Context, t desk.Ticket) (desk.Ticket, bool, error) {
	for hops := 0; t.MergedInto != nil && hops < 10; hops++ {
		next, err := d.tx.TicketForUpdate(ctx, *t.MergedInto)
		if err != nil {
			return desk.Ticket{}, false, err
		}
		t = next
	}
	return t, true, nil
}

// body returns what the ticket shows (the reply text), the whole text when
// something was stripped, and the sanitized HTML.
func (d *delivery) body() (text, full, html string) {
	text = strings.TrimSpace(d.msg.ReplyText)
	whole := strings.TrimSpace(d.msg.Text)
	if text == "" {
		text = whole
	}
	if whole != text {
		full = whole
	}
	html = d.msg.HTML
	if text == "" && len(d.attachments()) == 0 {
		text = "(empty message)"
	}
	for _, a := range d.msg.Attachments {
		if a.Data == nil {
			text += fmt.Sprintf("\n\n[%s (%d bytes) was too large to store]", a.Filename, a.Size)
		}
	}
	return text, full, html
}

func (d *delivery) attachments() []desk.NewAttachment {
	var out []desk.NewAttachment
	for _, a := range d.msg.Attachments {
		if a.Data == nil {
			continue
		}
		name := a.Filename
		if name == "" {
			name = "attachment"
		}
		out = append(out, desk.NewAttachment{Filename: desk.Clip(name, 255), ContentType: a.ContentType, Data: a.Data, Inline: a.Inline, ContentID: a.ContentID})
	}
	return out
}

// reply adds the message to ticket t (reopening it per the ticket rules).
func (d *delivery) reply(ctx context.Context, t desk.Ticket, sender mail.Address) error {
	text, full, html := d.body()
	in := desk.NewMessage{Text: text, HTML: html, FullText: full, Inbound: true, Channel: desk.ChannelEmail,
		Attachments: d.attachments(), Quiet: true}
	if !strings.EqualFold(sender.Address, t.Requester.Email) {
		ref, _, err := d.tx.FindOrCreateRequester(ctx, sender.Address, desk.Clip(sender.Name, 200), d.now)
		if err != nil {
			return err
		}
		if ref.ID != t.Requester.ID {
			in.From = &ref
		}
	}
	return d.addToTicket(ctx, t, in, OutcomeReply)
}

// addToTicket adds the message (as in) to ticket t, records its Message-ID
// there for threading, and reports outcome.
func (d *delivery) addToTicket(ctx context.Context, t desk.Ticket, in desk.NewMessage, outcome string) error {
	m, err := d.in.tickets.AddMessageTx(ctx, d.tx, desk.System, t.ID, in)
	if err != nil {
		return err
	}
	if err := d.tx.AddMailIDs(ctx, m.TicketID, &m.ID, desk.Inbound, d.now, d.msg.MessageID); err != nil {
		return err
	}
	d.res = Result{Outcome: outcome, TicketID: m.TicketID, Number: t.Number, MessageID: m.ID}
	d.publish(realtime.MessageCreated, m.TicketID)
	return nil
}

// open creates a new ticket for the message; prev is the closed ticket it
// follows up, if any.
func (d *delivery) open(ctx context.Context, sender mail.Address, prev *desk.Ticket) error {
	text, full, html := d.body()
	subject := strings.TrimSpace(d.msg.Subject)
	if subject == "" {
		subject = "(no subject)"
	}
	nt := desk.NewTicket{Subject: clipRunes(subject, 500), Body: text, HTML: html, FullText: full,
		Requester: desk.ContactInput{Email: sender.Address, Name: desk.Clip(sender.Name, 200)},
		Channel:   desk.ChannelEmail, Inbound: true, Attachments: d.attachments()}
	if d.mb.Team != nil {
		id := d.mb.Team.ID
		nt.TeamID = &id
	}
	n, err := d.tx.CountInboundSince(ctx, sender.Address, d.now.Add(-time.Hour))
	if err != nil {
		return err
	}
	flood := n >= d.in.opt.FloodLimit
	if flood {
		nt.Status, nt.Tags = desk.StatusSpam, []string{"flood"}
	}
	t, first, err := d.in.tickets.CreateTx(ctx, d.tx, desk.System, nt)
	if err != nil {
		return err
	}
	if err := d.tx.SetTicketMailbox(ctx, t.ID, d.mb.ID); err != nil {
		return err
	}
	d.res.MessageID = first.ID
	if err := d.tx.AddMailIDs(ctx, t.ID, &first.ID, desk.Inbound, d.now, d.msg.MessageID); err != nil {
		return err
	}
	d.res.Outcome, d.res.TicketID, d.res.Number = OutcomeTicket, t.ID, t.Number
	if prev != nil {
		d.res.Outcome = OutcomeFollowUp
		evs := []desk.Event{
			{TicketID: t.ID, Actor: "System", Action: "follow_up_of", Field: "linked", New: "#" + strconv.FormatInt(prev.Number, 10), At: d.now},
			{TicketID: prev.ID, Actor: "System", Action: "follow_up", Field: "linked", New: "#" + strconv.FormatInt(t.Number, 10), At: d.now},
		}
		if err := d.tx.InsertEvents(ctx, evs...); err != nil {
			return err
		}
		d.publish(realtime.TicketUpdated, prev.ID)
	}
	if flood {
		d.res.Outcome = OutcomeFlood
		d.detail = fmt.Sprintf("%d messages from %s in the last hour", n+1, sender.Address)
	}
	d.publish(realtime.TicketCreated, t.ID)
	if flood || d.unreadable || d.in.opt.Acker == nil || !d.mb.AckEnabled || n >= d.in.opt.AckLimit {
		return nil
	}
	ours := make([]string, 0, len(d.own))
	for a := range d.own {
		ours = append(ours, a)
	}
	if !classify.ShouldAutoRespond(d.msg.Header, ours...) {
		return nil
	}
	return d.in.opt.Acker.EnqueueAck(ctx, d.tx, d.mb, t, d.msg.MessageID, d.msg.References)
}

// autoReply notes an out-of-office or similar automatic answer on the
// ticket it answers, without reopening it or answering it; one that
// matches nothing is only recorded.
func (d *delivery) autoReply(ctx context.Context) error {
	t, found, err := d.thread(ctx, d.msg.From.Address)
	if err != nil {
		return err
	}
	if !found {
		d.res.Outcome, d.detail = OutcomeIgnored, "an automatic reply that answers no ticket"
		return nil
	}
	text, _, _ := d.body()
	note := fmt.Sprintf("Automatic reply from %s (%s):\n\n%s", addrText(d.msg.From), d.msg.Subject, clipRunes(text, 4000))
	return d.addToTicket(ctx, t, desk.NewMessage{Text: note, Internal: true, Quiet: true, Channel: desk.ChannelEmail}, OutcomeAutoReply)
}

var reMsgID = regexp.MustCompile(`(?im)^(?:message-id|in-reply-to|references):\s*(.*)$`)
var reAngle = regexp.MustCompile(`<([^<>\s]+)>`)

// bounce attaches a delivery failure to the ticket whose reply bounced,
// marks that reply's email as not delivered and the address as failing.
func (d *delivery) bounce(ctx context.Context) error {
	b := d.msg.Bounce
	// The bounced message's ids: from the returned original (or its
	// headers) first, then the report's own threading headers.
	var ids []string
	for _, a := range d.msg.Attachments {
		switch a.ContentType {
		case "message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers":
			head := string(a.Data[:min(len(a.Data), 64<<10)])
			if i := strings.Index(head, "\r\n\r\n"); i > 0 {
				head = head[:i]
			} else if i := strings.Index(head, "\n\n"); i > 0 {
				head = head[:i]
			}
			for _, m := range reMsgID.FindAllStringSubmatch(head, -1) {
				for _, id := range reAngle.FindAllStringSubmatch(m[1], -1) {
					ids = append(ids, id[1])
				}
			}
		}
	}
	// Non-standard bounces quote the original in the text.
	for _, m := range reMsgID.FindAllStringSubmatch(d.msg.Text, 20) {
		for _, id := range reAngle.FindAllStringSubmatch(m[1], -1) {
			ids = append(ids, id[1])
		}
	}
	ids = append(ids, d.msg.References...)
	if d.msg.InReplyTo != "" {
		ids = append(ids, d.msg.InReplyTo)
	}
	recipient := strings.ToLower(b.Recipient)
	reason := b.Status
	if reason == "" {
		reason = "unknown status"
	}
	// Our own outgoing Message-IDs name the exact email that bounced.
	var t desk.Ticket
	found := false
	for _, id := range ids {
		o, err := d.tx.OutboundByMessageID(ctx, id)
		if desk.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if recipient == "" {
			recipient = strings.ToLower(strings.Split(o.Rcpt, ",")[0])
		}
		if b.Hard || b.Status == "" || strings.HasPrefix(b.Status, "5") {
			if err := d.tx.FailOutbound(ctx, o.ID, "Bounced: "+bounceText(b, recipient)); err != nil {
				return err
			}
		}
		if o.TicketID != nil {
			if t, err = d.tx.TicketForUpdate(ctx, *o.TicketID); err != nil {
				return err
			}
			found = true
		}
		break
	}
	if !found && len(ids) > 0 {
		var err error
		t, found, err = d.threadByIDs(ctx, ids)
		if err != nil {
			return err
		}
	}
	if recipient != "" && (b.Hard || strings.HasPrefix(b.Status, "5")) {
		status := b.Status
		if status == "" {
			status = "5.0.0"
		}
		if _, err := d.tx.MarkEmailBounced(ctx, recipient, status, d.now); err != nil {
			return err
		}
	}
	if !found {
		d.res.Outcome, d.detail = OutcomeIgnored, "a bounce for no message of ours: "+bounceText(b, recipient)
		return nil
	}
	note := "Delivery failed: " + bounceText(b, recipient)
	if diag := diagnostic(d.msg.Text); diag != "" {
		note += "\n\n" + diag
	}
	m, err := d.in.tickets.AddMessageTx(ctx, d.tx, desk.System, t.ID, desk.NewMessage{Text: note, Internal: true, Quiet: true, Channel: desk.ChannelEmail})
	if err != nil {
		return err
	}
	if err := d.tx.InsertEvents(ctx, desk.Event{TicketID: t.ID, Actor: "System", Action: "delivery_failed", Field: "email", New: desk.Clip(bounceText(b, recipient), 500), At: d.now}); err != nil {
		return err
	}
	d.res = Result{Outcome: OutcomeBounce, TicketID: t.ID, Number: t.Number, MessageID: m.ID}
	d.detail = bounceText(b, recipient)
	d.publish(realtime.MessageCreated, t.ID)
	return nil
}

func (d *delivery) threadByIDs(ctx context.Context, ids []string) (desk.Ticket, bool, error) {
	matches, err := d.tx.TicketsByMailIDs(ctx, ids)
	if err != nil || len(matches) == 0 {
		return desk.Ticket{}, false, err
	}
	t, err := d.tx.TicketForUpdate(ctx, matches[len(matches)-1].TicketID)
	if err != nil {
		return desk.Ticket{}, false, err
	}
	return d.followMerge(ctx, t)
}

func bounceText(b mail.Bounce, recipient string) string {
	kind := "temporary failure"
	if b.Hard {
		kind = "permanent failure"
	}
	s := kind
	if b.Status != "" {
		s += " " + b.Status
	}
	if recipient != "" {
		s += " for " + recipient
	}
	return s
}

// diagnostic picks the human part of a bounce: its first paragraph or so.
func diagnostic(text string) string {
	text = strings.TrimSpace(text)
	if text == "" {
		return ""
	}
	return clipRunes(text, 1500)
}

func addrText(a mail.Address) string {
	if a.Name != "" {
		return a.Name + " <" + a.Address + ">"
	}
	return a.Address
}

var reAddr = regexp.MustCompile(`[A-Za-z0-9._%+'=-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)

func extractAddr(s string) string { return strings.ToLower(reAddr.FindString(s)) }

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
