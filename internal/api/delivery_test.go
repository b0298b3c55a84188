package api

import (
	"context"
	"strconv"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestMessageDeliveryAndFullText: the thread shows an emailed reply's
// delivery state and an email's full text, in the documented shape (do
// checks every answer against the OpenAPI document).
func TestMessageDeliveryAndFullText(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		ctx := context.Background()
		tk, err := e.cfg.Tickets.Create(ctx, desk.System, desk.NewTicket{Subject: "Lamp", Body: "Broken.", FullText: "Broken.\n\n> old quote",
			Requester: desk.ContactInput{Email: "ana@example.com"}, Channel: desk.ChannelEmail, Inbound: true})
		if err != nil {
			t.Fatal(err)
		}
		m, err := e.cfg.Tickets.AddMessage(ctx, desk.System, tk.ID, desk.NewMessage{Text: "A new one is on its way."})
		if err != nil {
			t.Fatal(err)
		}
		now := store.Now(time.Now())
		o := store.OutboundMail{TicketID: &tk.ID, MessageRow: &m.ID, MessageID: "x@acme.example", MailFrom: "help@acme.example",
			Rcpt: "ana@example.com", Raw: []byte("raw"), CreatedAt: now}
		if err := st.Write(ctx, func(tx *store.Tx) error {
			if err := tx.EnqueueOutbound(ctx, &o); err != nil {
				return err
			}
			return tx.FailOutbound(ctx, o.ID, "550 5.1.1 no such user")
		}); err != nil {
			t.Fatal(err)
		}
		res := e.do("GET", "/api/v1/tickets/"+strconv.FormatInt(tk.ID, 10)+"/messages", roleAgent, "", "")
		if res.Code != 200 {
			t.Fatalf("status %d: %s", res.Code, res.Body)
		}
		e.checkJSON("thread", res, map[string]any{
			"items.#":                   2,
			"items.0.full_text":         "Broken.\n\n> old quote",
			"items.0.delivery":          nil,
			"items.1.full_text":         "",
			"items.1.delivery.status":   "failed",
			"items.1.delivery.to":       "ana@example.com",
			"items.1.delivery.attempts": 0,
			"items.1.delivery.sent_at":  nil,
		})
	})
}
