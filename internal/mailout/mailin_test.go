package mailout

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"switchboard/internal/desk"
	"switchboard/internal/mailin"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestWithIngester: the whole conversation through the real ingest. The
// customer's mail opens a ticket and is acknowledged; the agent's reply
// threads under it; the customer's answer to that reply lands on the same
// ticket; our own reply coming back never becomes a ticket.
func TestWithIngester(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		sk := newSink(t, sinkOptions{})
		f := newFixture(t, st, "smtp://"+sk.Addr, nil)
		f.mb.AckEnabled = true
		must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.UpdateMailbox(ctx, f.mb) }))
		in := mailin.New(st, f.svc, f.clk, mailin.Options{Acker: f.mailer})
		deliver := func(raw string) mailin.Result {
			t.Helper()
			res, err := in.Deliver(ctx, f.mb, []byte(strings.ReplaceAll(raw, "\n", "\r\n")), mailin.SourceSMTP)
			must(t, err)
			return res
		}
		res := deliver(`From: =?utf-8?q?Jana_=C5=A0imi=C4=87?= <jana@customer.example>
To: support@acme.example
Subject: Printer broken
Message-ID: <c1@customer.example>
Date: Sun, 01 Mar 2026 08:59:00 +0000
Content-Type: text/plain; charset=utf-8

It prints nothing.
`)
		if res.Outcome != mailin.OutcomeTicket {
			t.Fatalf("first mail: %+v", res)
		}
		reply := f.reply(t, res.TicketID, desk.NewMessage{Text: "Please check the cable."})
		if f.process(t) != 2 {
			t.Fatal("ack and reply not both sent")
		}
		got := sk.accepted()
		if len(got) != 2 {
			t.Fatalf("relay got %d", len(got))
		}
		ack, rep := parse(t, got[0].Raw), parse(t, got[1].Raw)
		if ack.Header.Get("Auto-Submitted") != "auto-replied" {
			ack, rep = rep, ack
		}
		num := strconv.FormatInt(res.Number, 10)
		if ack.Header.Get("Auto-Submitted") != "auto-replied" || ack.Header.Get("In-Reply-To") != "<c1@customer.example>" ||
			!strings.Contains(ack.Text, "Jana Šimić") || !strings.Contains(ack.Text, "#"+num) {
			t.Errorf("ack: %v\n%s", ack.Header, ack.Text)
		}
		if rep.Header.Get("Auto-Submitted") != "" || rep.Header.Get("In-Reply-To") != "<c1@customer.example>" ||
			!strings.HasPrefix(rep.Header.Get("References"), "<c1@customer.example>") {
			t.Errorf("reply: %v", rep.Header)
		}
		if d := f.message(t, reply.ID).Delivery; d == nil || d.Status != desk.DeliverySent {
			t.Errorf("reply delivery %+v", d)
		}

		// The customer answers our reply (their client keeps the thread).
		res2 := deliver(`From: jana@customer.example
To: support@acme.example
Subject: Re: ` + rep.decoded(t, "Subject") + `
Message-ID: <c2@customer.example>
In-Reply-To: ` + rep.Header.Get("Message-ID") + `
References: ` + rep.Header.Get("References") + ` ` + rep.Header.Get("Message-ID") + `
Date: Sun, 01 Mar 2026 09:10:00 +0000
Content-Type: text/plain; charset=utf-8

Still nothing.
`)
		if res2.TicketID != res.TicketID || res2.Outcome != mailin.OutcomeReply {
			t.Fatalf("answer went to %+v, want ticket %d", res2, res.TicketID)
		}
		// Our own reply looping back is never a new ticket.
		res3, err := in.Deliver(ctx, f.mb, got[1].Raw, mailin.SourceSMTP)
		must(t, err)
		if res3.Outcome == mailin.OutcomeTicket || res3.Outcome == mailin.OutcomeFollowUp {
			t.Errorf("own reply became %+v", res3)
		}
		// The next reply threads under the customer's newest message.
		f.reply(t, res.TicketID, desk.NewMessage{Text: "Try turning it off and on."})
		f.process(t)
		h := parse(t, sk.accepted()[2].Raw).Header
		if h.Get("In-Reply-To") != "<c2@customer.example>" {
			t.Errorf("third reply In-Reply-To %q", h.Get("In-Reply-To"))
		}
	})
}
