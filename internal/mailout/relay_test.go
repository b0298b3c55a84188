package mailout

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/mail/mailtest"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestStartTLSAndAuth: STARTTLS with a self-signed certificate the
// Mailer is told to trust, then AUTH PLAIN; a wrong password fails for
// good without the password showing anywhere.
func TestStartTLSAndAuth(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		srvTLS, cliTLS := mailtest.SelfSignedTLS(t)
		sk := newSink(t, sinkOptions{TLS: srvTLS, User: "relayuser", Pass: "s3cret-pw"})
		f := newFixture(t, st, "smtp://relayuser:s3cret-pw@"+sk.Addr, cliTLS)
		tk := f.customerTicket(t, "Secure", "s@customer.example")
		m := f.reply(t, tk.ID, desk.NewMessage{Text: "Over TLS"})
		f.process(t)
		if d := f.message(t, m.ID).Delivery; d.Status != desk.DeliverySent {
			t.Fatalf("delivery %+v", d)
		}
		got := sk.accepted()
		if len(got) != 1 || !got[0].TLS || got[0].User != "relayuser" {
			t.Fatalf("relay got %+v", got)
		}

		// The same relay with a wrong password: 535 is permanent.
		bad := f.addMailbox(t, "billing@acme.example", "Billing", "smtp://relayuser:wrong-pw@"+sk.Addr)
		tk2 := f.customerTicket(t, "Secure 2", "s2@customer.example")
		must(t, st.Write(context.Background(), func(tx *store.Tx) error { return tx.SetTicketMailbox(context.Background(), tk2.ID, bad.ID) }))
		m2 := f.reply(t, tk2.ID, desk.NewMessage{Text: "Over TLS"})
		f.process(t)
		d := f.message(t, m2.ID).Delivery
		if d.Status != desk.DeliveryFailed || !strings.Contains(d.LastError, "535") || strings.Contains(d.LastError, "wrong-pw") {
			t.Fatalf("wrong password: %+v", d)
		}
	})
}

// TestImplicitTLS: smtps:// speaks TLS from the first byte.
func TestImplicitTLS(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		srvTLS, cliTLS := mailtest.SelfSignedTLS(t)
		sk := newSink(t, sinkOptions{TLS: srvTLS, Implicit: true, User: "u", Pass: "p"})
		f := newFixture(t, st, "smtps://u:p@"+sk.Addr, cliTLS)
		tk := f.customerTicket(t, "Implicit", "i@customer.example")
		m := f.reply(t, tk.ID, desk.NewMessage{Text: "hi"})
		f.process(t)
		if d := f.message(t, m.ID).Delivery; d.Status != desk.DeliverySent {
			t.Fatalf("delivery %+v", d)
		}
		if got := sk.accepted(); len(got) != 1 || !got[0].TLS || got[0].User != "u" {
			t.Fatalf("relay got %+v", got)
		}
	})
}

// TestUntrustedCertificateIsTemporary: a certificate that does not
// verify is not accepted (and retried later: it may be fixed).
func TestUntrustedCertificateIsTemporary(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		srvTLS, _ := mailtest.SelfSignedTLS(t)
		sk := newSink(t, sinkOptions{TLS: srvTLS, User: "u", Pass: "p"})
		f := newFixture(t, st, "smtp://u:p@"+sk.Addr, nil)
		tk := f.customerTicket(t, "Untrusted", "x@customer.example")
		m := f.reply(t, tk.ID, desk.NewMessage{Text: "hi"})
		f.process(t)
		d := f.message(t, m.ID).Delivery
		if d.Status != desk.DeliveryQueued || !strings.Contains(d.LastError, "certificate") || len(sk.all()) != 0 {
			t.Fatalf("delivery %+v, relay saw %d", d, len(sk.all()))
		}
	})
}

// TestPlainLoopbackAuth: without STARTTLS credentials still go to a
// loopback relay (a local MTA).
func TestPlainLoopbackAuth(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		sk := newSink(t, sinkOptions{User: "u", Pass: "p", Plaintext: true})
		f := newFixture(t, st, "smtp://u:p@"+sk.Addr, nil)
		tk := f.customerTicket(t, "Local", "l@customer.example")
		m := f.reply(t, tk.ID, desk.NewMessage{Text: "hi"})
		f.process(t)
		if d := f.message(t, m.ID).Delivery; d.Status != desk.DeliverySent {
			t.Fatalf("delivery %+v", d)
		}
		if got := sk.accepted(); len(got) != 1 || got[0].TLS || got[0].User != "u" {
			t.Fatalf("relay got %+v", got)
		}
	})
}

func TestAuthPolicy(t *testing.T) {
	for _, c := range []struct {
		host string
		tls  bool
		ok   bool
	}{
		{"smtp.example.com", false, false},
		{"10.0.0.5", false, false},
		{"smtp.example.com", true, true},
		{"127.0.0.1", false, true},
		{"127.0.0.53", false, true},
		{"::1", false, true},
		{"localhost", false, true},
		{"localhost.evil.example", false, false},
	} {
		err := authAllowed(c.host, c.tls)
		if (err == nil) != c.ok {
			t.Errorf("authAllowed(%q, tls=%v) = %v, want ok=%v", c.host, c.tls, err, c.ok)
		}
		if err != nil && (!isPermanent(err) || !strings.Contains(err.Error(), "refusing to send the SMTP password")) {
			t.Errorf("policy error %v is not a clear permanent error", err)
		}
	}
}

func TestParseRelay(t *testing.T) {
	for _, c := range []struct {
		url  string
		want relay
		bad  bool
	}{
		{url: "smtp://mail.example.com", want: relay{Host: "mail.example.com", Port: "587"}},
		{url: "smtp://u%40x:p%3Aw@mail.example.com:25", want: relay{Host: "mail.example.com", Port: "25", User: "u@x", Pass: "p:w"}},
		{url: "smtps://u:p@mail.example.com", want: relay{Host: "mail.example.com", Port: "465", Implicit: true, User: "u", Pass: "p"}},
		{url: "imap://u:p@mail.example.com", bad: true},
		{url: "smtp://u:topsecret@mail.example.com:99999", bad: true},
		{url: "smtp://u:topsecret@:25", bad: true},
		{url: "smtp://u:top secret%zz@host", bad: true},
	} {
		got, err := parseRelay(c.url)
		if c.bad {
			if err == nil || strings.Contains(err.Error(), "secret") {
				t.Errorf("parseRelay(%q) error %v", c.url, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("parseRelay(%q) = %+v, %v", c.url, got, err)
		}
	}
	if r := desk.RedactURL("smtp://u:topsecret@host:25"); strings.Contains(r, "topsecret") {
		t.Errorf("RedactURL kept the password: %s", r)
	}
}

// TestNoMailboxNoSMTP: without a mailbox nothing is queued; a mailbox
// without a relay, or one deleted meanwhile, fails readably.
func TestNoMailboxNoSMTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, "", nil)
		tk := f.customerTicket(t, "No mailbox", "n@customer.example")
		m := f.reply(t, tk.ID, desk.NewMessage{Text: "hi"})
		if f.message(t, m.ID).Delivery != nil || len(f.outbound(t, tk.ID)) != 0 {
			t.Fatal("queued without a mailbox")
		}

		// The first active mailbox by id is taken and recorded.
		f.addMailbox(t, "zzz@acme.example", "Z", "")
		inactive := f.addMailbox(t, "aaa@acme.example", "A", "")
		inactive.Active = false
		must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.UpdateMailbox(ctx, inactive) }))
		m = f.reply(t, tk.ID, desk.NewMessage{Text: "hi again"})
		out := f.outbound(t, tk.ID)
		if len(out) != 1 || out[0].MailFrom != "zzz@acme.example" {
			t.Fatalf("queued %+v", out)
		}
		mbID, err := st.Read().TicketMailbox(ctx, tk.ID)
		must(t, err)
		if mbID != *out[0].MailboxID {
			t.Errorf("ticket mailbox %d, queued from %d", mbID, *out[0].MailboxID)
		}
		f.process(t)
		if d := f.message(t, m.ID).Delivery; d.Status != desk.DeliveryFailed || !strings.Contains(d.LastError, "no outgoing SMTP server") {
			t.Fatalf("no relay: %+v", d)
		}

		// Phone tickets are not emailed.
		m = f.reply(t, tk.ID, desk.NewMessage{Text: "called them", Channel: desk.ChannelPhone})
		if f.message(t, m.ID).Delivery != nil {
			t.Error("a phone reply was emailed")
		}

		// A deleted mailbox.
		other := f.addMailbox(t, "gone@acme.example", "Gone", "smtp://127.0.0.1:1")
		must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.SetTicketMailbox(ctx, tk.ID, other.ID) }))
		m = f.reply(t, tk.ID, desk.NewMessage{Text: "from gone"})
		must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.DeleteMailbox(ctx, other.ID) }))
		f.process(t)
		if d := f.message(t, m.ID).Delivery; d.Status != desk.DeliveryFailed || !strings.Contains(d.LastError, "deleted") {
			t.Fatalf("deleted mailbox: %+v", d)
		}
	})
}

// TestAck: the acknowledgement is automatic, threaded under the
// customer's message, with the placeholders filled.
func TestAck(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		sk := newSink(t, sinkOptions{})
		f := newFixture(t, st, "smtp://"+sk.Addr, nil)
		tk := f.customerTicket(t, "Re: Kvar na pisaču", "first@customer.example")
		must(t, st.Write(ctx, func(tx *store.Tx) error {
			return f.mailer.EnqueueAck(ctx, tx, f.mb, tk, "<first@customer.example>", []string{"older@customer.example"})
		}))
		mb := f.mb
		mb.AckSubject = "We got it: {{ ticket.subject }} [#{{ticket.number}}]"
		mb.AckBody = "Dear {{customer.name}}, ticket {{ticket.number}} ({{ticket.subject}}) is open."
		must(t, st.Write(ctx, func(tx *store.Tx) error { return f.mailer.EnqueueAck(ctx, tx, mb, tk, "first@customer.example", nil) }))
		if f.process(t) != 2 {
			t.Fatal("acks not sent")
		}
		got := sk.accepted()
		if len(got) != 2 {
			t.Fatalf("relay got %d", len(got))
		}
		num := strconv.FormatInt(tk.Number, 10)
		p := parse(t, got[0].Raw)
		h := p.Header
		if h.Get("Auto-Submitted") != "auto-replied" || h.Get("In-Reply-To") != "<first@customer.example>" ||
			h.Get("References") != "<older@customer.example> <first@customer.example>" {
			t.Errorf("ack headers: %v", h)
		}
		if s := p.decoded(t, "Subject"); s != "Re: Kvar na pisaču [#"+num+"]" {
			t.Errorf("default ack subject %q", s)
		}
		if !strings.Contains(p.Text, "Hello Jana Šimić,") || !strings.Contains(p.Text, "ticket #"+num) || strings.Contains(p.Text, "{{") {
			t.Errorf("default ack text %q", p.Text)
		}
		from, err := h.AddressList("From")
		must(t, err)
		if from[0].Name != "Acme Support" {
			t.Errorf("ack From %+v", from[0])
		}
		p = parse(t, got[1].Raw)
		if s := p.decoded(t, "Subject"); s != "We got it: Re: Kvar na pisaču [#"+num+"]" {
			t.Errorf("custom ack subject %q", s)
		}
		if want := "Dear Jana Šimić, ticket " + num + " (Re: Kvar na pisaču) is open."; !strings.Contains(p.Text, want) {
			t.Errorf("custom ack text %q, want %q", p.Text, want)
		}
		out := f.outbound(t, tk.ID)
		if len(out) != 2 || out[0].Purpose != store.PurposeAck || out[0].MessageRow != nil {
			t.Errorf("queued acks %+v", out)
		}
		// Acks are threading ids of the ticket too.
		ids, err := st.Read().TicketMailIDs(ctx, tk.ID)
		must(t, err)
		if len(ids) != 3 {
			t.Errorf("mail ids %+v", ids)
		}
	})
}

// TestRunStops: Run returns promptly when its context ends, even idle.
func TestRunStops(t *testing.T) {
	f := newFixture(t, storetest.NewSQLite(t), "", nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.mailer.Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		must(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}

// TestOutboundTicket: an agent-started email ticket sends its first
// message without "Re:" and without In-Reply-To, from the first mailbox.
func TestOutboundTicket(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		sk := newSink(t, sinkOptions{})
		f := newFixture(t, st, "smtp://"+sk.Addr, nil)
		tk, err := f.svc.Create(ctx, f.agent, desk.NewTicket{Subject: "Your order", Body: "It has shipped.",
			Requester: desk.ContactInput{Email: "o@customer.example", Name: "Olga"}, Channel: desk.ChannelEmail})
		must(t, err)
		if f.process(t) != 1 {
			t.Fatal("the first message was not queued")
		}
		got := sk.accepted()
		if len(got) != 1 {
			t.Fatalf("relay got %d", len(got))
		}
		p := parse(t, got[0].Raw)
		if s := p.decoded(t, "Subject"); s != "Your order [#"+strconv.FormatInt(tk.Number, 10)+"]" {
			t.Errorf("subject %q", s)
		}
		if p.Header.Get("In-Reply-To") != "" || p.Header.Get("References") != "" {
			t.Errorf("In-Reply-To %q References %q", p.Header.Get("In-Reply-To"), p.Header.Get("References"))
		}
		from, err := p.Header.AddressList("From")
		must(t, err)
		if from[0].Name != "Željka Horvat (Acme Support)" {
			t.Errorf("From %+v", from[0])
		}
		if id, err := st.Read().TicketMailbox(ctx, tk.ID); err != nil || id != f.mb.ID {
			t.Errorf("ticket mailbox %d, %v", id, err)
		}
	})
}
