package ticket_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestConcurrentWork has several agents change, answer and merge the same
// few tickets at once: no deadlocks, no lost updates of the counters, no
// errors but the expected refusals.
func TestConcurrentWork(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		var ids []int64
		for i := range 6 {
			ids = append(ids, f.create(t, fmt.Sprint("busy ", i), "busy@example.com").ID)
		}
		statuses := []desk.Status{desk.StatusOpen, desk.StatusPending, desk.StatusNew, desk.StatusResolved}
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for w := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 15 {
					id := ids[(w+i)%len(ids)]
					var err error
					switch i % 5 {
					case 0:
						st := statuses[(w+i)%len(statuses)]
						_, err = f.svc.Update(ctx, f.agent, id, desk.TicketUpdate{Status: &st})
					case 1:
						_, err = f.svc.Update(ctx, f.agent, id, desk.TicketUpdate{AssigneeID: &f.admin.AgentID, TeamID: &f.sales.ID})
					case 2:
						_, err = f.svc.AddMessage(ctx, f.agent, id, desk.NewMessage{Text: "reply", Inbound: w%2 == 0})
					case 3:
						_, err = f.svc.Update(ctx, f.agent, id, desk.TicketUpdate{ClearAssignee: true, AddTags: []string{fmt.Sprint("w", w)}})
					case 4:
						if w == 0 && i == 4 {
							_, err = f.svc.Merge(ctx, f.agent, ids[5], ids[4])
						}
					}
					if err != nil {
						errs <- fmt.Errorf("worker %d step %d: %w", w, i, err)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		c, err := f.svc.Counts(ctx, f.agent)
		must(t, err)
		var open, pending int
		for _, id := range ids {
			tk, err := f.svc.Get(ctx, f.agent, id)
			must(t, err)
			switch tk.Status {
			case desk.StatusNew, desk.StatusOpen:
				open++
			case desk.StatusPending:
				pending++
			}
		}
		if c.Open != open || c.Pending != pending {
			t.Fatalf("counts %+v, tickets say open %d pending %d", c, open, pending)
		}
	})
}
