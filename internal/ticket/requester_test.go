package ticket_test

import (
	"context"
	"testing"

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestUpdateRequester moves a ticket to another existing contact: the
// timeline records who it was and who it is, the contact's ticket list
// follows, and an unknown contact is refused.
func TestUpdateRequester(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		tk := f.create(t, "Whose is it", "first@example.com")
		other := f.create(t, "Another", "second@example.com")
		to := other.Requester.ID
		got, err := f.svc.Update(ctx, f.agent, tk.ID, desk.TicketUpdate{RequesterID: &to})
		must(t, err)
		if got.Requester.ID != to || got.Requester.Email != "second@example.com" || got.Requester.Name != "Cust" {
			t.Fatalf("requester after the change: %+v", got.Requester)
		}
		if again, _ := f.svc.Get(ctx, f.agent, tk.ID); again.Requester.ID != to {
			t.Fatalf("stored requester: %+v", again.Requester)
		}
		tl, err := f.svc.Timeline(ctx, f.agent, tk.ID)
		must(t, err)
		var ev *desk.Event
		for i := range tl {
			if tl[i].Action == "requester" {
				ev = &tl[i]
			}
		}
		if ev == nil || ev.Field != "requester" || ev.Old != "Cust <first@example.com>" || ev.New != "Cust <second@example.com>" ||
			ev.Actor != "Bo Agent" || ev.AgentID == nil || *ev.AgentID != f.agent.AgentID {
			t.Fatalf("requester event: %+v", ev)
		}
		page, err := f.svc.List(ctx, f.agent, desk.TicketFilter{RequesterID: &to})
		must(t, err)
		if len(page.Items) != 2 {
			t.Errorf("the new requester's tickets: %d", len(page.Items))
		}
		// The same requester again changes nothing and records nothing.
		same, err := f.svc.Update(ctx, f.agent, tk.ID, desk.TicketUpdate{RequesterID: &to})
		must(t, err)
		if tl2, _ := f.svc.Timeline(ctx, f.agent, tk.ID); len(tl2) != len(tl) || !same.UpdatedAt.Equal(got.UpdatedAt) {
			t.Errorf("a no-op change wrote: %d events, was %d", len(tl2), len(tl))
		}
		missing := int64(987654)
		_, err = f.svc.Update(ctx, f.agent, tk.ID, desk.TicketUpdate{RequesterID: &missing})
		wantCode(t, err, desk.EInvalid)
	})
}
