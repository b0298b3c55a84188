package chat_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// A visitor writing while the agent replies, ends or transfers the same
// chat never deadlocks: every path takes the ticket's lock before the
// chat's (on PostgreSQL a deadlock aborts one of the two writes).
func TestConcurrentWritesOnOneChat(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		if err := f.svc.SetStatus(ctx, f.ana, desk.AgentOnline); err != nil {
			t.Fatal(err)
		}
		v := f.visitor(t, f.connect(t, ""))
		sent, err := f.svc.Start(ctx, v, chat.StartInput{Name: "Iva", Text: "Hi", ClientID: "c0"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Accept(ctx, f.ana, sent.Chat.ID); err != nil {
			t.Fatal(err)
		}
		const rounds = 150
		var wg sync.WaitGroup
		errs := make(chan error, 3*rounds)
		wg.Add(3)
		go func() { // the visitor
			defer wg.Done()
			for i := range rounds {
				if _, err := f.svc.Post(ctx, v, fmt.Sprintf("visitor %d", i), fmt.Sprintf("v%d", i), nil); err != nil {
					errs <- fmt.Errorf("visitor message %d: %w", i, err)
				}
			}
		}()
		go func() { // the agent's replies go through the ticket, then the chat
			defer wg.Done()
			for i := range rounds {
				if _, err := f.tickets.AddMessage(ctx, f.ana, sent.Chat.TicketID, desk.NewMessage{Text: fmt.Sprintf("agent %d", i)}); err != nil {
					errs <- fmt.Errorf("agent reply %d: %w", i, err)
				}
			}
		}()
		go func() { // read marks and typing, both ways
			defer wg.Done()
			for i := range rounds {
				if err := f.svc.AgentSeen(ctx, f.ana, sent.Chat.ID, int64(i+1)); err != nil {
					errs <- fmt.Errorf("agent seen %d: %w", i, err)
				}
			}
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		_, entries, err := f.svc.Entries(ctx, v, sent.Chat.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		msgs := 0
		for i, e := range entries {
			if e.Seq != int64(i+1) {
				t.Fatalf("entry %d has seq %d: gaps or doubles", i, e.Seq)
			}
			if e.Kind == desk.EntryMessage {
				msgs++
			}
		}
		if msgs != 1+2*rounds {
			t.Errorf("%d messages in the chat log, want %d", msgs, 1+2*rounds)
		}
	})
}
