package smtpd

import (
	"context"
	"strings"
	"sync"
	"testing"

	"switchboard/internal/desk"
	"switchboard/internal/mailin"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

// recorder passes deliveries to the real Ingester and keeps the results.
type recorder struct {
	*mailin.Ingester
	mu  sync.Mutex
	res []mailin.Result
}

func (r *recorder) Deliver(ctx context.Context, mb desk.Mailbox, raw []byte, src mailin.Source) (mailin.Result, error) {
	res, err := r.Ingester.Deliver(ctx, mb, raw, src)
	if err == nil {
		r.mu.Lock()
		r.res = append(r.res, res)
		r.mu.Unlock()
	}
	return res, err
}

func (r *recorder) last() mailin.Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.res[len(r.res)-1]
}

// realIngester sets up a team and the mailbox support@acme.example (and
// an inactive old@acme.example) and returns the Ingester over st.
func realIngester(t testing.TB, st *store.Store) (*mailin.Ingester, *ticket.Service, desk.Mailbox) {
	t.Helper()
	ctx := context.Background()
	clk := desk.NewFixedClock(when)
	tk := ticket.New(st, nil, clk)
	tm, err := team.New(st, clk).CreateTeam(ctx, desk.System, "Support", nil)
	if err != nil {
		t.Fatal(err)
	}
	mb := desk.Mailbox{Address: "support@acme.example", Name: "Acme Support", Team: &desk.TeamRef{ID: tm.ID},
		Inbound: desk.InboundSMTP, ReopenDays: 14, Active: true, CreatedAt: clk.Now(), UpdatedAt: clk.Now()}
	old := desk.Mailbox{Address: "old@acme.example", Name: "Old", Team: &desk.TeamRef{ID: tm.ID},
		Inbound: desk.InboundSMTP, ReopenDays: 14, Active: false, CreatedAt: clk.Now(), UpdatedAt: clk.Now()}
	if err := st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertMailbox(ctx, &mb); err != nil {
			return err
		}
		return tx.InsertMailbox(ctx, &old)
	}); err != nil {
		t.Fatal(err)
	}
	return mailin.New(st, tk, clk, mailin.Options{}), tk, mb
}

// TestIngester delivers through the real Ingester on both engines: a
// plus-address in any case finds the mailbox, the ticket holds the
// message, a redelivery (new trace headers) is a duplicate, and an
// inactive mailbox is refused.
func TestIngester(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		in, tk, mb := realIngester(t, st)
		rec := &recorder{Ingester: in}
		addr, _ := start(t, rec, in, Options{})

		if err := send(t, addr, "ana@example.com", []string{"Support+Billing@Acme.Example"}, body); err != nil {
			t.Fatalf("send: %v", err)
		}
		res := rec.last()
		if res.Outcome != mailin.OutcomeTicket || res.TicketID == 0 {
			t.Fatalf("result %+v, want a new ticket", res)
		}
		tkt, err := tk.Get(ctx, desk.System, res.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		if tkt.Subject != "Invoice" {
			t.Errorf("ticket subject %q", tkt.Subject)
		}
		ms, err := tk.Messages(ctx, desk.System, res.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 1 || !strings.Contains(ms[0].Text, "a line starting with a dot") {
			t.Errorf("messages %+v", ms)
		}
		recent, err := st.Read().RecentInbound(ctx, mb.ID, 10)
		if err != nil || len(recent) != 1 || recent[0].Source != string(mailin.SourceSMTP) {
			t.Fatalf("inbound records %+v, %v", recent, err)
		}
		raw, err := st.Read().Blob(ctx, recent[0].RawSHA256)
		if err != nil || !strings.HasPrefix(string(raw), "Return-Path: <ana@example.com>\r\nReceived: from mail.example.com ([127.0.0.1])") {
			t.Errorf("stored original %.120q, %v", raw, err)
		}

		// The MTA did not see the 250 and sends again: one ticket still.
		if err := send(t, addr, "ana@example.com", []string{"support@acme.example"}, body); err != nil {
			t.Fatalf("resend: %v", err)
		}
		if r := rec.last(); !r.Duplicate || r.TicketID != res.TicketID {
			t.Errorf("redelivery %+v, want a duplicate of ticket %d", r, res.TicketID)
		}
		if err := send(t, addr, "ana@example.com", []string{"old@acme.example"}, body); code(err) != 550 {
			t.Errorf("inactive mailbox: %v, want 550", err)
		}

		// A bounce from the null sender (Return-Path: <> added by the
		// listener) opens no ticket.
		bounce := "From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>\r\nTo: support@acme.example\r\n" +
			"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-1@mx.customer.example>\r\n\r\n" +
			"This is the mail system at host mx.customer.example.\r\n\r\nI'm sorry to have to inform you that your message could not\r\n" +
			"be delivered to one or more recipients.\r\n\r\n<nobody@customer.example>: host mx.customer.example said: 550 5.1.1 User unknown\r\n"
		if err := send(t, addr, "", []string{"support@acme.example"}, bounce); err != nil {
			t.Fatalf("send bounce: %v", err)
		}
		if r := rec.last(); r.Outcome != mailin.OutcomeIgnored && r.Outcome != mailin.OutcomeBounce {
			t.Errorf("bounce delivered as %+v, want a bounce (ignored: it matches no reply of ours)", r)
		}
	})
}
