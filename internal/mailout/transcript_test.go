package mailout

import (
	"context"
	"net/mail"
	"strconv"
	"strings"
	"testing"

	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestTranscriptIsSent queues a chat transcript and checks what reaches
// the relay: to the address the visitor gave, marked Auto-Submitted, with
// the ticket's token in the subject so a reply threads onto the ticket.
func TestTranscriptIsSent(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		sk := newSink(t, sinkOptions{})
		f := newFixture(t, st, "smtp://"+sk.Addr, nil)
		go func() { _ = f.mailer.Run(ctx) }()
		tk := f.customerTicket(t, "Chat", "cust-9@customer.example")
		must(t, st.Write(ctx, func(tx *store.Tx) error {
			return f.mailer.EnqueueTranscript(ctx, tx, nil, tk, mail.Address{Name: "Jana", Address: "jana@other.example"},
				"Your chat with Acme", "[09:00] Jana:\n  Hello\n")
		}))
		waitFor(t, "the transcript to reach the relay", func() bool { return len(sk.accepted()) == 1 })
		got := sk.accepted()[0]
		if len(got.Rcpt) != 1 || got.Rcpt[0] != "jana@other.example" {
			t.Fatalf("rcpt %v", got.Rcpt)
		}
		p := parse(t, got.Raw)
		if p.Header.Get("Auto-Submitted") != "auto-replied" {
			t.Errorf("Auto-Submitted %q", p.Header.Get("Auto-Submitted"))
		}
		if s := p.decoded(t, "Subject"); s != "Your chat with Acme [#"+strconv.FormatInt(tk.Number, 10)+"]" {
			t.Errorf("subject %q", s)
		}
		if !strings.Contains(p.Text, "Hello") {
			t.Errorf("text %q", p.Text)
		}
	})
}
