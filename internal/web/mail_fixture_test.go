package web

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/ticket"
)

// fakeRetrier stands in for the outbound mail sender: it requeues the
// email in the real store, as the sender will, and records each call.
type fakeRetrier struct {
	st    *store.Store
	pub   *ticket.Service // announces the change, as mailout.Mailer does
	mu    sync.Mutex
	calls []retryCall
}

type retryCall struct {
	actor desk.Actor
	id    int64
}

// Retry checks, as mailout.Mailer does, that the email is a reply of the
// ticket's thread before it counts the call and requeues it.
func (f *fakeRetrier) Retry(ctx context.Context, a desk.Actor, ticketID, id int64) error {
	if err := a.RequireAgent(); err != nil {
		return err
	}
	o, err := f.st.Read().Outbound(ctx, id)
	if err != nil {
		return err
	}
	merged, err := f.st.Read().MergedTicketIDs(ctx, ticketID)
	if err != nil {
		return err
	}
	if o.TicketID == nil || *o.TicketID != ticketID && !slices.Contains(merged, *o.TicketID) {
		return desk.Errorf(desk.ENotFound, "no such email on this ticket")
	}
	f.mu.Lock()
	f.calls = append(f.calls, retryCall{a, id})
	f.mu.Unlock()
	if err := f.st.Write(ctx, func(tx *store.Tx) error { return tx.RequeueOutbound(ctx, id, time.Now()) }); err != nil {
		return err
	}
	if f.pub != nil {
		f.pub.Publish(ctx, realtime.TicketUpdated, *o.TicketID, a)
	}
	return nil
}

func (f *fakeRetrier) called() []retryCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]retryCall(nil), f.calls...)
}

// emailReply adds Bo's reply to a ticket and queues the email carrying
// it; then, in the same transaction, moves the email to its state.
// It returns the message and outbound ids.
func (e *env) emailReply(t testing.TB, ticketID int64, text string, state func(tx *store.Tx, id int64) error) (int64, int64) {
	t.Helper()
	ctx := context.Background()
	m, err := e.tickets.AddMessage(ctx, e.actors["agent"], ticketID, desk.NewMessage{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := e.tickets.Get(ctx, desk.System, ticketID)
	if err != nil {
		t.Fatal(err)
	}
	var oid int64
	err = e.st.Write(ctx, func(tx *store.Tx) error {
		o := &store.OutboundMail{TicketID: &ticketID, MessageRow: &m.ID, MessageID: fmt.Sprintf("r%d@desk.example", m.ID),
			MailFrom: "support@desk.example", Rcpt: tk.Requester.Email, Raw: []byte("raw"), CreatedAt: time.Now().Add(-time.Minute)}
		if err := tx.EnqueueOutbound(ctx, o); err != nil {
			return err
		}
		oid = o.ID
		if state != nil {
			return state(tx, o.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m.ID, oid
}

// failDelivery gives up on an email with a permanent error.
func failDelivery(tx *store.Tx, id int64) error {
	return tx.FailOutbound(context.Background(), id, "550 5.1.1 mailbox unavailable")
}
