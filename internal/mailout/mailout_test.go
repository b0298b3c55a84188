package mailout

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/mail"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

func decodeBase64(t *testing.T, data []byte) []byte {
	t.Helper()
	out, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(data)))
	must(t, err)
	return out
}

// TestReplyIsSentThreaded runs the worker as serve does: an agent's reply
// reaches the relay once, threaded, with both bodies and the attachment.
func TestReplyIsSentThreaded(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		sk := newSink(t, sinkOptions{})
		f := newFixture(t, st, "smtp://"+sk.Addr, nil)
		done := make(chan error, 1)
		go func() { done <- f.mailer.Run(ctx) }()

		tk := f.customerTicket(t, "Pisač ne radi", "cust-1@customer.example")
		pdf := []byte("%PDF-1.4\n" + strings.Repeat("binary\x00\xff", 300))
		m := f.reply(t, tk.ID, desk.NewMessage{Text: "Hello Jana,\n\nplease see https://help.acme.example/printers for the fix.\nRegards",
			Attachments: []desk.NewAttachment{{Filename: "račun.pdf", ContentType: "application/pdf", Data: pdf}}})
		waitFor(t, "the reply to reach the relay", func() bool { return len(sk.accepted()) == 1 })
		waitFor(t, "the delivery to be recorded", func() bool {
			d := f.message(t, m.ID).Delivery
			return d != nil && d.Status == desk.DeliverySent
		})
		got := sk.accepted()[0]
		if got.From != "support@acme.example" || len(got.Rcpt) != 1 || got.Rcpt[0] != "jana@customer.example" {
			t.Fatalf("envelope from %q to %v", got.From, got.Rcpt)
		}
		p := parse(t, got.Raw)
		h := p.Header
		ids, err := st.Read().TicketMailIDs(ctx, tk.ID)
		must(t, err)
		if len(ids) != 2 || ids[1].Direction != desk.Outbound {
			t.Fatalf("mail ids of the ticket: %+v", ids)
		}
		if want := "<" + ids[1].MessageID + ">"; h.Get("Message-ID") != want {
			t.Errorf("Message-ID %q, recorded %q", h.Get("Message-ID"), want)
		}
		prefix := "<sb." + strconv.FormatInt(tk.Number, 10) + "." + strconv.FormatInt(m.ID, 10) + "."
		if !strings.HasPrefix(h.Get("Message-ID"), prefix) || !strings.HasSuffix(h.Get("Message-ID"), "@acme.example>") {
			t.Errorf("Message-ID %q, want %s<hex>@acme.example>", h.Get("Message-ID"), prefix)
		}
		if h.Get("In-Reply-To") != "<cust-1@customer.example>" || h.Get("References") != "<cust-1@customer.example>" {
			t.Errorf("In-Reply-To %q References %q", h.Get("In-Reply-To"), h.Get("References"))
		}
		if s := p.decoded(t, "Subject"); s != "Re: Pisač ne radi [#"+strconv.FormatInt(tk.Number, 10)+"]" {
			t.Errorf("subject %q", s)
		}
		if strings.Contains(h.Get("Subject"), "č") || strings.Contains(h.Get("From"), "Ž") || strings.Contains(h.Get("To"), "Š") {
			t.Errorf("raw headers not encoded: %q %q %q", h.Get("Subject"), h.Get("From"), h.Get("To"))
		}
		from, err := h.AddressList("From")
		must(t, err)
		if from[0].Name != "Željka Horvat (Acme Support)" || from[0].Address != "support@acme.example" {
			t.Errorf("From %+v", from[0])
		}
		to, err := h.AddressList("To")
		must(t, err)
		if to[0].Name != "Jana Šimić" || to[0].Address != "jana@customer.example" {
			t.Errorf("To %+v", to[0])
		}
		if h.Get("Auto-Submitted") != "" {
			t.Errorf("an agent's reply is marked Auto-Submitted")
		}
		if h.Get("X-Switchboard-Ticket") != strconv.FormatInt(tk.Number, 10) || h.Get("MIME-Version") != "1.0" {
			t.Errorf("X-Switchboard-Ticket %q MIME-Version %q", h.Get("X-Switchboard-Ticket"), h.Get("MIME-Version"))
		}
		if _, err := h.Date(); err != nil {
			t.Errorf("Date: %v", err)
		}
		if strings.Join(p.Types, ",") != "multipart/mixed,multipart/alternative,text/plain,text/html,application/pdf" {
			t.Errorf("structure %v", p.Types)
		}
		if !strings.Contains(p.Text, "please see https://help.acme.example/printers") || !strings.Contains(p.Text, "Ticket #"+strconv.FormatInt(tk.Number, 10)) ||
			!strings.Contains(p.Text, "https://desk.acme.example/") {
			t.Errorf("text part %q", p.Text)
		}
		if !strings.Contains(p.HTML, `<a href="https://help.acme.example/printers">`) || !strings.Contains(p.HTML, "<p>Hello Jana,</p>") ||
			!strings.Contains(p.HTML, "Ticket #") {
			t.Errorf("html part %q", p.HTML)
		}
		if !bytes.Equal(p.Files["račun.pdf"], pdf) {
			t.Errorf("attachment did not round-trip: files %v", len(p.Files))
		}
		for i, line := range strings.Split(string(got.Raw), "\r\n") {
			if len(line) > 78 {
				t.Errorf("line %d is %d characters: %q", i, len(line), line)
			}
		}
		d := f.message(t, m.ID).Delivery
		if d.To != "jana@customer.example" || d.Attempts != 1 || d.SentAt == nil {
			t.Errorf("delivery %+v", d)
		}

		// A second reply threads under the first: References oldest first.
		m2 := f.reply(t, tk.ID, desk.NewMessage{Text: "Did it help?"})
		waitFor(t, "the second reply", func() bool { return len(sk.accepted()) == 2 })
		h2 := parse(t, sk.accepted()[1].Raw).Header
		if h2.Get("In-Reply-To") != "<cust-1@customer.example>" ||
			h2.Get("References") != "<cust-1@customer.example> "+h.Get("Message-ID") {
			t.Errorf("second reply In-Reply-To %q References %q", h2.Get("In-Reply-To"), h2.Get("References"))
		}
		if s := parse(t, sk.accepted()[1].Raw).decoded(t, "Subject"); strings.Count(s, "[#") != 1 || strings.Count(s, "Re:") != 1 {
			t.Errorf("second subject %q", s)
		}
		waitFor(t, "the second delivery", func() bool {
			d := f.message(t, m2.ID).Delivery
			return d != nil && d.Status == desk.DeliverySent
		})

		// An internal note sends nothing.
		f.reply(t, tk.ID, desk.NewMessage{Text: "note to self", Internal: true})
		if n := len(f.outbound(t, tk.ID)); n != 2 {
			t.Errorf("%d emails queued after a note, want 2", n)
		}
		cancel()
		select {
		case err := <-done:
			must(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not stop")
		}
		if n := len(sk.all()); n != 2 {
			t.Errorf("the relay saw %d messages, want 2", n)
		}
	})
}

// TestTemporaryFailureRetriesSameBytes: a 451 is retried after the
// backoff with the very same message.
func TestTemporaryFailureRetriesSameBytes(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		sk := newSink(t, sinkOptions{Reply: func(n int) error {
			if n == 0 {
				return smtpCode(451, "greylisted, try later")
			}
			return nil
		}})
		f := newFixture(t, st, "smtp://"+sk.Addr, nil)
		tk := f.customerTicket(t, "Greylisted", "c@customer.example")
		m := f.reply(t, tk.ID, desk.NewMessage{Text: "Answer"})
		if f.process(t) != 1 {
			t.Fatal("nothing claimed")
		}
		d := f.message(t, m.ID).Delivery
		if d.Status != desk.DeliveryQueued || d.Attempts != 1 || !strings.Contains(d.LastError, "451") {
			t.Fatalf("after a 451: %+v", d)
		}
		if f.process(t) != 0 {
			t.Fatal("retried before the backoff")
		}
		f.clk.Advance(73 * time.Second) // 1 minute + at most 20% jitter
		if f.process(t) != 1 {
			t.Fatal("not retried after the backoff")
		}
		if d := f.message(t, m.ID).Delivery; d.Status != desk.DeliverySent || d.Attempts != 2 {
			t.Fatalf("after the retry: %+v", d)
		}
		all := sk.all()
		if len(all) != 2 || all[0].Accepted || !all[1].Accepted || !bytes.Equal(all[0].Raw, all[1].Raw) {
			t.Fatalf("the relay saw %d attempts (same bytes: %v)", len(all), len(all) == 2 && bytes.Equal(all[0].Raw, all[1].Raw))
		}
	})
}

// TestPermanentFailure: a 550 fails at once, shows on the message and
// the timeline, and an agent's retry sends it.
func TestPermanentFailure(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var reject atomic.Bool
		reject.Store(true)
		sk := newSink(t, sinkOptions{Reply: func(int) error {
			if reject.Load() {
				return smtpCode(550, "no such user")
			}
			return nil
		}})
		f := newFixture(t, st, "smtp://"+sk.Addr, nil)
		tk := f.customerTicket(t, "Unknown user", "u@customer.example")
		m := f.reply(t, tk.ID, desk.NewMessage{Text: "Answer"})
		events, stop := f.br.Subscribe()
		defer stop()
		f.process(t)
		d := f.message(t, m.ID).Delivery
		if d.Status != desk.DeliveryFailed || d.Attempts != 1 || !strings.Contains(d.LastError, "550") || !strings.Contains(d.LastError, "no such user") {
			t.Fatalf("after a 550: %+v", d)
		}
		tl, err := f.svc.Timeline(ctx, f.agent, tk.ID)
		must(t, err)
		last := tl[len(tl)-1]
		if last.Action != "delivery_failed" || last.Field != "email" || !strings.Contains(last.New, "550") {
			t.Errorf("last timeline event %+v", last)
		}
		select {
		case ev := <-events:
			if ev.Type != realtime.TicketUpdated || ev.TicketID != tk.ID {
				t.Errorf("event %+v", ev)
			}
		case <-time.After(5 * time.Second):
			t.Error("no realtime event for the failure")
		}

		out := f.outbound(t, tk.ID)
		wantCode := func(err error, code desk.Code) {
			t.Helper()
			if desk.ErrorCode(err) != code {
				t.Errorf("got %v, want %s", err, code)
			}
		}
		wantCode(f.mailer.Retry(ctx, desk.Actor{Kind: desk.ActorAgent}, tk.ID, out[0].ID), desk.EForbidden)
		reject.Store(false)
		wantCode(f.mailer.Retry(ctx, f.agent, tk.ID+1000, out[0].ID), desk.ENotFound)
		must(t, f.mailer.Retry(ctx, f.agent, tk.ID, out[0].ID))
		wantCode(f.mailer.Retry(ctx, f.agent, tk.ID, out[0].ID), desk.EConflict)
		f.process(t)
		if d := f.message(t, m.ID).Delivery; d.Status != desk.DeliverySent {
			t.Fatalf("after retry: %+v", d)
		}
		if n := len(sk.accepted()); n != 1 {
			t.Fatalf("relay accepted %d", n)
		}
	})
}

// TestGivesUpAfterMaxAttempts: temporary failures stop after the limit.
func TestGivesUpAfterMaxAttempts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		sk := newSink(t, sinkOptions{Reply: func(int) error { return smtpCode(421, "busy") }})
		f := newFixture(t, st, "smtp://"+sk.Addr, nil)
		tk := f.customerTicket(t, "Busy", "b@customer.example")
		m := f.reply(t, tk.ID, desk.NewMessage{Text: "Answer"})
		for i := 0; i < 10; i++ {
			if f.process(t) != 1 {
				t.Fatalf("attempt %d not due", i+1)
			}
			f.clk.Advance(73 * time.Minute)
		}
		d := f.message(t, m.ID).Delivery
		if d.Status != desk.DeliveryFailed || d.Attempts != 10 {
			t.Fatalf("after 10 temporary failures: %+v", d)
		}
		if n := len(sk.all()); n != 10 {
			t.Fatalf("relay saw %d attempts", n)
		}
	})
}

// TestKilledWorker: an email claimed by a worker that died is sent by the
// next one after the lease, with the same Message-ID, even when the dead
// worker had already handed it to the relay.
func TestKilledWorker(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		sk := newSink(t, sinkOptions{})
		f := newFixture(t, st, "smtp://"+sk.Addr, nil)
		tk := f.customerTicket(t, "Crash", "k@customer.example")
		m1 := f.reply(t, tk.ID, desk.NewMessage{Text: "first"})
		m2 := f.reply(t, tk.ID, desk.NewMessage{Text: "second"})
		var claimed []store.OutboundMail
		must(t, st.Write(ctx, func(tx *store.Tx) error {
			var err error
			claimed, err = tx.ClaimOutbound(ctx, f.clk.Now(), 2*time.Minute, 10)
			return err
		}))
		if len(claimed) != 2 {
			t.Fatalf("claimed %d", len(claimed))
		}
		// The dead worker got the first email out but never recorded it.
		r, err := parseRelay("smtp://" + sk.Addr)
		must(t, err)
		must(t, f.mailer.deliver(ctx, r, "", claimed[0].MailFrom, []string{claimed[0].Rcpt}, claimed[0].Raw))
		if f.process(t) != 0 {
			t.Fatal("a leased email was claimed again")
		}
		f.clk.Advance(2*time.Minute + time.Second)
		if f.process(t) != 2 {
			t.Fatal("the expired leases were not taken over")
		}
		for _, id := range []int64{m1.ID, m2.ID} {
			if d := f.message(t, id).Delivery; d.Status != desk.DeliverySent {
				t.Errorf("message %d: %+v", id, d)
			}
		}
		distinct := map[string]bool{}
		for _, r := range sk.accepted() {
			msg, err := mail.ReadMessage(bytes.NewReader(r.Raw))
			must(t, err)
			distinct[msg.Header.Get("Message-ID")] = true
		}
		if len(sk.accepted()) != 3 || len(distinct) != 2 {
			t.Fatalf("relay got %d messages with %d Message-IDs, want 3 with 2", len(sk.accepted()), len(distinct))
		}
	})
}

// TestStaleClaimIsFenced: a worker that lost its lease (another took the
// email over) does not send it.
func TestStaleClaimIsFenced(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		sk := newSink(t, sinkOptions{})
		f := newFixture(t, st, "smtp://"+sk.Addr, nil)
		tk := f.customerTicket(t, "Slow", "s@customer.example")
		m := f.reply(t, tk.ID, desk.NewMessage{Text: "hi"})
		claim := func() store.OutboundMail {
			var c []store.OutboundMail
			must(t, st.Write(ctx, func(tx *store.Tx) error {
				var err error
				c, err = tx.ClaimOutbound(ctx, f.clk.Now(), time.Minute, 10)
				return err
			}))
			if len(c) != 1 {
				t.Fatalf("claimed %d", len(c))
			}
			return c[0]
		}
		stale := claim()
		f.clk.Advance(61 * time.Second)
		fresh := claim()
		must(t, f.mailer.attempt(ctx, stale))
		if n := len(sk.all()); n != 0 {
			t.Fatalf("the stale claim sent %d", n)
		}
		must(t, f.mailer.attempt(ctx, fresh))
		if d := f.message(t, m.ID).Delivery; d.Status != desk.DeliverySent || len(sk.accepted()) != 1 {
			t.Fatalf("delivery %+v, relay %d", d, len(sk.accepted()))
		}
	})
}
