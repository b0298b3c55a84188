package mailin_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/desk/desktest"
	"switchboard/internal/mailin"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

var must = desktest.Must

type fixture struct {
	st   *store.Store
	clk  *desk.FixedClock
	tk   *ticket.Service
	in   *mailin.Ingester
	mb   desk.Mailbox
	team desk.Team
	acks *fakeAcker
}

type fakeAcker struct {
	mu    sync.Mutex
	calls []string // ticket subject
}

func (a *fakeAcker) EnqueueAck(_ context.Context, _ *store.Tx, _ desk.Mailbox, t desk.Ticket, _ string, _ []string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, t.Subject)
	return nil
}

func (a *fakeAcker) count() int { a.mu.Lock(); defer a.mu.Unlock(); return len(a.calls) }

func newFixture(t testing.TB, st *store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	clk := desk.NewFixedClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	f := &fixture{st: st, clk: clk, tk: ticket.New(st, nil, clk), acks: &fakeAcker{}}
	tm := team.New(st, clk)
	var err error
	f.team, err = tm.CreateTeam(ctx, desk.System, "Support", nil)
	must(t, err)
	f.mb = desk.Mailbox{Address: "support@acme.example", Name: "Acme Support", Team: &desk.TeamRef{ID: f.team.ID},
		Inbound: desk.InboundSMTP, AckEnabled: true, ReopenDays: 14, Active: true, CreatedAt: clk.Now(), UpdatedAt: clk.Now()}
	must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.InsertMailbox(ctx, &f.mb) }))
	f.mb, err = st.Read().MailboxByAddress(ctx, f.mb.Address)
	must(t, err)
	f.in = mailin.New(st, f.tk, clk, mailin.Options{Acker: f.acks})
	return f
}

func (f *fixture) deliver(t *testing.T, raw string) mailin.Result {
	t.Helper()
	res, err := f.in.Deliver(context.Background(), f.mb, []byte(strings.ReplaceAll(raw, "\n", "\r\n")), mailin.SourceSMTP)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	return res
}

func (f *fixture) messages(t *testing.T, ticketID int64) []desk.Message {
	t.Helper()
	ms, err := f.tk.Messages(context.Background(), desk.System, ticketID)
	must(t, err)
	return ms
}

func (f *fixture) ticket(t *testing.T, id int64) desk.Ticket {
	t.Helper()
	tk, err := f.tk.Get(context.Background(), desk.System, id)
	must(t, err)
	return tk
}

func msg(from, subject, id, extra, body string) string {
	h := "From: " + from + "\nTo: Acme Support <support@acme.example>\nSubject: " + subject +
		"\nDate: Sun, 01 Mar 2026 08:00:00 +0000\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
	if id != "" {
		h += "Message-ID: <" + id + ">\n"
	}
	return h + extra + "\n" + body + "\n"
}

func TestNewTicketAndDuplicates(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		raw := msg("Ana Kovač <Ana@Example.com>", "Printer on fire", "m1@example.com", "", "It is smoking.\n\nAna")
		res := f.deliver(t, raw)
		if res.Outcome != mailin.OutcomeTicket || res.TicketID == 0 || res.Duplicate {
			t.Fatalf("first delivery = %+v", res)
		}
		tk := f.ticket(t, res.TicketID)
		if tk.Channel != desk.ChannelEmail || tk.Requester.Email != "ana@example.com" || tk.Requester.Name != "Ana Kovač" ||
			tk.Team == nil || tk.Team.ID != f.team.ID || tk.Status != desk.StatusNew || tk.Subject != "Printer on fire" {
			t.Fatalf("ticket = %+v", tk)
		}
		if f.acks.count() != 1 {
			t.Fatalf("acks = %d, want 1", f.acks.count())
		}
		// The same bytes again, and the same message through another
		// route (other trace headers): nothing new.
		again := f.deliver(t, raw)
		rerouted := f.deliver(t, "Received: from mx2.example.com by us; Sun, 01 Mar 2026 08:01:00 +0000\nDelivered-To: support@acme.example\n"+raw)
		for _, r := range []mailin.Result{again, rerouted} {
			if !r.Duplicate || r.TicketID != res.TicketID || r.MessageID != res.MessageID {
				t.Fatalf("redelivery = %+v, want duplicate of %+v", r, res)
			}
		}
		if n := len(f.messages(t, res.TicketID)); n != 1 {
			t.Fatalf("messages = %d, want 1", n)
		}
		if f.acks.count() != 1 {
			t.Fatalf("acks after redelivery = %d, want 1", f.acks.count())
		}
		// No Message-ID: the same content is the same message; a reused
		// Message-ID with other content is another message.
		noID := msg("bob@example.com", "Hello", "", "", "Question one")
		r1, r2 := f.deliver(t, noID), f.deliver(t, noID)
		if r1.Duplicate || !r2.Duplicate || r2.TicketID != r1.TicketID {
			t.Fatalf("no Message-ID: %+v then %+v", r1, r2)
		}
		reused := f.deliver(t, msg("carl@example.com", "Other", "m1@example.com", "", "Different words"))
		if reused.Duplicate || reused.TicketID == res.TicketID && reused.MessageID == res.MessageID {
			t.Fatalf("reused Message-ID with other content was dropped: %+v", reused)
		}
	})
}

func TestThreading(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		first := f.deliver(t, msg("ana@example.com", "Login broken", "a1@example.com", "", "I cannot log in."))
		// A reply by In-Reply-To, quoting the first: stripped, full text kept.
		reply := f.deliver(t, msg("ana@example.com", "Re: Login broken", "a2@example.com",
			"In-Reply-To: <a1@example.com>\nReferences: <a1@example.com>\n",
			"Still broken today.\n\nOn Sun, Mar 1, 2026 at 8:00 AM Ana <ana@example.com> wrote:\n> I cannot log in.\n"))
		if reply.Outcome != mailin.OutcomeReply || reply.TicketID != first.TicketID {
			t.Fatalf("reply = %+v, want on ticket %d", reply, first.TicketID)
		}
		ms := f.messages(t, first.TicketID)
		last := ms[len(ms)-1]
		if last.Text != "Still broken today." || !strings.Contains(last.FullText, "> I cannot log in.") || last.Direction != desk.Inbound {
			t.Fatalf("reply message text=%q full=%q", last.Text, last.FullText)
		}
		// Our own outgoing Message-ID threads a reply (References only).
		must(t, st.Write(ctx, func(tx *store.Tx) error {
			return tx.AddMailIDs(ctx, first.TicketID, nil, desk.Outbound, f.clk.Now(), "sb.1000.5.abc@acme.example")
		}))
		viaOurs := f.deliver(t, msg("ana@example.com", "Re: something else", "a3@example.com",
			"References: <unknown@x> <sb.1000.5.abc@acme.example>\n", "Thanks!"))
		if viaOurs.TicketID != first.TicketID {
			t.Fatalf("reply to our Message-ID went to %d, want %d", viaOurs.TicketID, first.TicketID)
		}
		// The subject token threads only for the ticket's requester.
		number := f.ticket(t, first.TicketID).Number
		tokenSubject := fmt.Sprintf("Re: Login broken [#%d]", number)
		byToken := f.deliver(t, msg("ANA@example.com", tokenSubject, "a4@example.com", "", "One more thing."))
		if byToken.TicketID != first.TicketID {
			t.Fatalf("token reply went to %d, want %d", byToken.TicketID, first.TicketID)
		}
		stranger := f.deliver(t, msg("mallory@evil.example", tokenSubject, "e1@evil.example", "", "Let me in."))
		if stranger.TicketID == first.TicketID || stranger.Outcome != mailin.OutcomeTicket {
			t.Fatalf("a stranger's token joined the ticket: %+v", stranger)
		}
		// A colleague replying on the thread is its own author.
		colleague := f.deliver(t, msg("Dino <dino@example.com>", "Re: Login broken", "d1@example.com",
			"In-Reply-To: <a2@example.com>\n", "Same here."))
		if colleague.TicketID != first.TicketID {
			t.Fatalf("colleague went to %d", colleague.TicketID)
		}
		ms = f.messages(t, first.TicketID)
		if c := ms[len(ms)-1].Contact; c == nil || c.Email != "dino@example.com" {
			t.Fatalf("colleague's message author = %+v", c)
		}
		// Plus-addressing finds the mailbox.
		res, err := f.in.DeliverTo(ctx, "Support+billing@Acme.Example", []byte(msg("eve@example.com", "Invoice", "i1@example.com", "", "Where is it?")), mailin.SourcePipe)
		must(t, err)
		if res.Outcome != mailin.OutcomeTicket {
			t.Fatalf("plus address: %+v", res)
		}
		if _, err := f.in.DeliverTo(ctx, "nobody@acme.example", []byte("x"), mailin.SourcePipe); desk.ErrorCode(err) != desk.ENotFound {
			t.Fatalf("unknown mailbox: %v", err)
		}
	})
}

func TestReopenPolicy(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		first := f.deliver(t, msg("ana@example.com", "Refund", "r1@example.com", "", "Please refund."))
		resolved := desk.StatusResolved
		_, err := f.tk.Update(ctx, desk.System, first.TicketID, desk.TicketUpdate{Status: &resolved})
		must(t, err)
		f.clk.Advance(3 * 24 * time.Hour)
		within := f.deliver(t, msg("ana@example.com", "Re: Refund", "r2@example.com", "In-Reply-To: <r1@example.com>\n", "Not received."))
		if within.TicketID != first.TicketID || f.ticket(t, first.TicketID).Status != desk.StatusOpen {
			t.Fatalf("reply within the window: %+v, status %s", within, f.ticket(t, first.TicketID).Status)
		}
		_, err = f.tk.Update(ctx, desk.System, first.TicketID, desk.TicketUpdate{Status: &resolved})
		must(t, err)
		f.clk.Advance(15 * 24 * time.Hour)
		late := f.deliver(t, msg("ana@example.com", "Re: Refund", "r3@example.com", "In-Reply-To: <r2@example.com>\n", "Again?"))
		if late.Outcome != mailin.OutcomeFollowUp || late.TicketID == first.TicketID {
			t.Fatalf("late reply = %+v, want a follow-up ticket", late)
		}
		if f.ticket(t, first.TicketID).Status != desk.StatusResolved {
			t.Fatalf("old ticket reopened")
		}
		evs, err := f.tk.Timeline(ctx, desk.System, late.TicketID)
		must(t, err)
		oldNumber := f.ticket(t, first.TicketID).Number
		found := false
		for _, e := range evs {
			found = found || e.Action == "follow_up_of" && e.New == fmt.Sprintf("#%d", oldNumber)
		}
		if !found {
			t.Fatalf("follow-up ticket has no link to #%d: %+v", oldNumber, evs)
		}
	})
}

func TestOwnMailAutoRepliesAndFlood(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		own := f.deliver(t, msg("Acme Support <SUPPORT@acme.example>", "Loop?", "o1@acme.example", "", "Ours."))
		if own.Outcome != mailin.OutcomeOwn || own.TicketID != 0 {
			t.Fatalf("own mail = %+v", own)
		}
		first := f.deliver(t, msg("ana@example.com", "Help", "h1@example.com", "", "Help me."))
		ooo := f.deliver(t, msg("ana@example.com", "Out of office: Help", "v1@example.com",
			"Auto-Submitted: auto-replied\nIn-Reply-To: <h1@example.com>\n", "I am away until Monday."))
		if ooo.Outcome != mailin.OutcomeAutoReply || ooo.TicketID != first.TicketID {
			t.Fatalf("auto-reply = %+v", ooo)
		}
		ms := f.messages(t, first.TicketID)
		if last := ms[len(ms)-1]; !last.Internal {
			t.Fatalf("auto-reply is not an internal note: %+v", last)
		}
		if f.acks.count() != 1 {
			t.Fatalf("acks = %d, want 1 (auto-replies are never answered)", f.acks.count())
		}
		stray := f.deliver(t, msg("robot@example.com", "Automatic reply", "v2@example.com", "Auto-Submitted: auto-replied\n", "Away."))
		if stray.Outcome != mailin.OutcomeIgnored || stray.TicketID != 0 {
			t.Fatalf("unmatched auto-reply = %+v", stray)
		}
		// A flooding sender: acknowledgements stop after 5 an hour, new
		// tickets go to spam after 30.
		var last mailin.Result
		for i := 0; i < 32; i++ {
			last = f.deliver(t, msg("flood@example.com", fmt.Sprintf("Spam %d", i), fmt.Sprintf("f%d@example.com", i), "", "Buy now"))
		}
		if last.Outcome != mailin.OutcomeFlood || f.ticket(t, last.TicketID).Status != desk.StatusSpam {
			t.Fatalf("flood = %+v", last)
		}
		if got := f.acks.count(); got != 1+5 {
			t.Fatalf("acks = %d, want 6", got)
		}
		// An hour later the sender is welcome again.
		f.clk.Advance(61 * time.Minute)
		if r := f.deliver(t, msg("flood@example.com", "Real question", "f99@example.com", "", "Sorry.")); r.Outcome != mailin.OutcomeTicket {
			t.Fatalf("after the hour = %+v", r)
		}
	})
}

func TestBounceMarksReplyAndAddress(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		first := f.deliver(t, msg("ana@example.com", "Help", "h1@example.com", "", "Help me."))
		// Our reply went out with this Message-ID.
		now := f.clk.Now()
		out := store.OutboundMail{MailboxID: &f.mb.ID, TicketID: &first.TicketID, MessageID: "sb.1000.9.ff@acme.example",
			MailFrom: "support@acme.example", Rcpt: "ana@example.com", Raw: []byte("x"), CreatedAt: now}
		must(t, st.Write(ctx, func(tx *store.Tx) error {
			if err := tx.EnqueueOutbound(ctx, &out); err != nil {
				return err
			}
			if err := tx.MarkOutboundSent(ctx, out.ID, now); err != nil {
				return err
			}
			return tx.AddMailIDs(ctx, first.TicketID, nil, desk.Outbound, now, out.MessageID)
		}))
		dsn := `From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: support@acme.example
Subject: Undelivered Mail Returned to Sender
Date: Sun, 01 Mar 2026 09:00:00 +0000
Message-ID: <bounce1@mx.example.com>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

This is the mail system at host mx.example.com.
I'm sorry to have to inform you that your message could not be delivered.

<ana@example.com>: host mx.example.com said: 550 5.1.1 User unknown

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; ana@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--B
Content-Type: text/rfc822-headers

From: Acme Support <support@acme.example>
To: ana@example.com
Subject: Re: Help [#1000]
Message-ID: <sb.1000.9.ff@acme.example>

--B--
`
		res := f.deliver(t, dsn)
		if res.Outcome != mailin.OutcomeBounce || res.TicketID != first.TicketID {
			t.Fatalf("bounce = %+v", res)
		}
		o, err := st.Read().Outbound(ctx, out.ID)
		must(t, err)
		if o.Status != desk.DeliveryFailed || !strings.Contains(o.LastError, "5.1.1") {
			t.Fatalf("bounced email = %s %q", o.Status, o.LastError)
		}
		status, at, err := st.Read().EmailBounce(ctx, "ana@example.com")
		must(t, err)
		if status != "5.1.1" || at == nil {
			t.Fatalf("address bounce mark = %q %v", status, at)
		}
		ms := f.messages(t, first.TicketID)
		if last := ms[len(ms)-1]; !last.Internal || !strings.Contains(last.Text, "5.1.1") {
			t.Fatalf("bounce note = %+v", last)
		}
		if tk := f.ticket(t, first.TicketID); tk.Status != desk.StatusNew {
			t.Fatalf("a bounce changed the status to %s", tk.Status)
		}
		if f.acks.count() != 1 {
			t.Fatalf("a bounce was acknowledged")
		}
	})
}

func TestUnreadableAndOversize(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		big := make([]byte, mailin.MaxMessageSize+1)
		if _, err := f.in.Deliver(context.Background(), f.mb, big, mailin.SourceSMTP); desk.ErrorCode(err) != desk.EInvalid {
			t.Fatalf("oversize: %v", err)
		}
		// Headers only, binary garbage, a body without a blank line: each
		// is stored somewhere a person will see it.
		for i, raw := range []string{
			"From: x@example.com\nSubject: only headers\n",
			"\x00\x01\x02\xff\xfe garbage",
			"From: y@example.com\nContent-Type: multipart/mixed; boundary=\"\"\n\n--\n--\n",
		} {
			res := f.deliver(t, raw)
			if res.TicketID == 0 {
				t.Fatalf("case %d: nothing stored: %+v", i, res)
			}
		}
	})
}

func TestConcurrentRedelivery(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		raw := []byte(strings.ReplaceAll(msg("ana@example.com", "Twice", "t1@example.com", "", "Hello"), "\n", "\r\n"))
		var wg sync.WaitGroup
		results := make([]mailin.Result, 6)
		errs := make([]error, 6)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = f.in.Deliver(context.Background(), f.mb, raw, mailin.SourceIMAP)
			}()
		}
		wg.Wait()
		fresh := 0
		for i, r := range results {
			must(t, errs[i])
			if !r.Duplicate {
				fresh++
			}
			if r.TicketID != results[0].TicketID {
				t.Fatalf("deliveries on different tickets: %+v", results)
			}
		}
		if fresh != 1 || len(f.messages(t, results[0].TicketID)) != 1 {
			t.Fatalf("%d fresh deliveries, want 1", fresh)
		}
	})
}
