package ticket_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

func TestListPaginationAndFilters(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		var all []int64
		for i := range 23 {
			if i%5 == 0 {
				// Same timestamp for several tickets exercises the id tie-break.
				f.clk.Advance(time.Second)
			}
			in := desk.NewTicket{Subject: fmt.Sprintf("Ticket %d", i), Body: "body", Requester: desk.ContactInput{Email: fmt.Sprintf("c%d@example.com", i%4)}, Inbound: true}
			if i%3 == 0 {
				in.AssigneeID = &f.agent.AgentID
			}
			if i%2 == 0 {
				in.TeamID = &f.sales.ID
				in.Tags = []string{"even"}
			}
			if i%4 == 0 {
				in.Priority = desk.PriorityUrgent
			}
			tk, err := f.svc.Create(ctx, f.agent, in)
			must(t, err)
			all = append(all, tk.ID)
			if i%7 == 0 {
				p := desk.StatusPending
				_, err := f.svc.Update(ctx, f.agent, tk.ID, desk.TicketUpdate{Status: &p})
				must(t, err)
			}
		}
		slices.Reverse(all)
		collect := func(fl desk.TicketFilter) []int64 {
			var ids []int64
			for range 50 {
				page, err := f.svc.List(ctx, f.agent, fl)
				must(t, err)
				for _, it := range page.Items {
					ids = append(ids, it.ID)
				}
				if page.NextCursor == "" {
					return ids
				}
				fl.Cursor = page.NextCursor
			}
			t.Fatal("pagination does not end")
			return nil
		}
		if got := collect(desk.TicketFilter{Limit: 4}); !slices.Equal(got, all) {
			t.Fatalf("all pages\n got %v\nwant %v", got, all)
		}
		multi := collect(desk.TicketFilter{Limit: 3, Statuses: []desk.Status{desk.StatusNew, desk.StatusPending}})
		if !slices.Equal(multi, all) {
			t.Fatalf("multi-status pages\n got %v\nwant %v", multi, all)
		}
		if got := collect(desk.TicketFilter{Limit: 2, Statuses: []desk.Status{desk.StatusPending}}); len(got) != 4 {
			t.Fatalf("pending = %v", got)
		}
		if got := collect(desk.TicketFilter{AssigneeID: &f.agent.AgentID, Limit: 100}); len(got) != 8 {
			t.Fatalf("mine = %d", len(got))
		}
		if got := collect(desk.TicketFilter{Unassigned: true}); len(got) != 15 {
			t.Fatalf("unassigned = %d", len(got))
		}
		if got := collect(desk.TicketFilter{TeamID: &f.sales.ID, Tag: "EVEN", Limit: 5}); len(got) != 12 {
			t.Fatalf("team+tag = %d", len(got))
		}
		if got := collect(desk.TicketFilter{Priority: desk.PriorityUrgent}); len(got) != 6 {
			t.Fatalf("urgent = %d", len(got))
		}
		if got := collect(desk.TicketFilter{Channel: desk.ChannelAPI}); len(got) != 23 {
			t.Fatalf("channel = %d", len(got))
		}
		c0, err := st.Read().ContactIDByEmail(ctx, "c0@example.com")
		must(t, err)
		if got := collect(desk.TicketFilter{RequesterID: &c0}); len(got) != 6 {
			t.Fatalf("requester = %d", len(got))
		}
		_, err = f.svc.List(ctx, f.agent, desk.TicketFilter{Cursor: "!!"})
		wantCode(t, err, desk.EInvalid)
		page, err := f.svc.List(ctx, f.agent, desk.TicketFilter{Limit: 1000})
		must(t, err)
		if len(page.Items) != 23 {
			t.Fatalf("limit 1000 = %d", len(page.Items))
		}
		counts, err := f.svc.Counts(ctx, f.agent)
		must(t, err)
		if counts.Pending != 4 || counts.Open != 19 || counts.Mine+counts.Unassigned != 19 || counts.Teams[f.sales.ID] == 0 {
			t.Fatalf("counts = %+v", counts)
		}
	})
}

func TestSearchMultilingual(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		hr := f.create(t, "Račun za ožujak", "hr@example.com")
		_, err := f.svc.AddMessage(ctx, f.agent, hr.ID, desk.NewMessage{Text: "Poštovani, šaljem vam ispravljeni račun.", Inbound: true})
		must(t, err)
		el := f.create(t, "Πρόβλημα με την παραγγελία", "el@example.com")
		f.create(t, "Unrelated", "en@example.com")
		cases := []struct {
			q    string
			want []int64
		}{
			{"račun", []int64{hr.ID}},
			{"ŠALJEM", []int64{hr.ID}},
			{"ispravljeni račun", []int64{hr.ID}},
			{"παραγγελία", []int64{el.ID}},
			{"Πρόβλημα", []int64{el.ID}},
			{"παραγ", []int64{el.ID}}, // prefix
			{fmt.Sprintf("#%d", el.Number), []int64{el.ID}},
			{fmt.Sprint(hr.Number), []int64{hr.ID}},
			{"nothing-matches-this", nil},
		}
		for _, c := range cases {
			page, err := f.svc.List(ctx, f.agent, desk.TicketFilter{Query: c.q})
			must(t, err)
			var got []int64
			for _, it := range page.Items {
				got = append(got, it.ID)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("query %q = %v, want %v", c.q, got, c.want)
			}
		}
	})
}
