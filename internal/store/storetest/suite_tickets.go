package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// t0 is the base time of the suite's fixtures (with microseconds, to check precision).
func t0() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code desk.Code) {
	t.Helper()
	if got := desk.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// seed holds rows most cases need.
type seed struct {
	agent, agent2 int64
	team          int64
	contact       int64
}

func seedBasics(t *testing.T, st *store.Store) seed {
	t.Helper()
	ctx := context.Background()
	var s seed
	must(t, st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if s.agent, err = tx.InsertAgent(ctx, desk.Agent{Email: "Agent@Example.com", Name: "Agent", Role: desk.RoleAgent, Active: true, CreatedAt: t0()}, ""); err != nil {
			return err
		}
		if s.agent2, err = tx.InsertAgent(ctx, desk.Agent{Email: "two@example.com", Name: "Two", Role: desk.RoleAdmin, Active: true, CreatedAt: t0()}, ""); err != nil {
			return err
		}
		if s.team, err = tx.InsertTeam(ctx, "Support", t0()); err != nil {
			return err
		}
		s.contact, _, err = tx.FindOrCreateContact(ctx, "Cust@Example.com", "Cust", t0())
		return err
	}))
	return s
}

// insertTicket stores a ticket with one message through the store.
func insertTicket(t *testing.T, st *store.Store, tk desk.Ticket, body string) desk.Ticket {
	t.Helper()
	ctx := context.Background()
	if tk.Status == "" {
		tk.Status = desk.StatusNew
	}
	if tk.Priority == "" {
		tk.Priority = desk.PriorityNormal
	}
	if tk.Channel == "" {
		tk.Channel = desk.ChannelEmail
	}
	if tk.CreatedAt.IsZero() {
		tk.CreatedAt = t0()
	}
	tk.UpdatedAt, tk.LastActivityAt, tk.MessageCount = tk.CreatedAt, tk.CreatedAt, 1
	must(t, st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertTicket(ctx, &tk, body); err != nil {
			return err
		}
		m := desk.Message{TicketID: tk.ID, Kind: desk.KindReply, Direction: desk.Inbound, Channel: tk.Channel,
			Contact: &tk.Requester, Text: body, CreatedAt: tk.CreatedAt}
		if err := tx.InsertMessage(ctx, &m, nil); err != nil {
			return err
		}
		if len(tk.Tags) > 0 {
			return tx.SetTicketTags(ctx, tk.ID, tk.Tags)
		}
		return nil
	}))
	return tk
}

func testMigrateIdempotent(t *testing.T, st *store.Store) {
	ctx := context.Background()
	must(t, st.Migrate(ctx))
	must(t, st.Migrate(ctx))
	must(t, st.Ping(ctx))
	if e := st.Engine(); e != store.EngineSQLite && e != store.EnginePostgres {
		t.Fatalf("engine = %q", e)
	}
}

func testTicketRoundTrip(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	fr := t0().Add(time.Minute)
	in := insertTicket(t, st, desk.Ticket{
		Subject: "Ünïcode subject ✓", Status: desk.StatusOpen, Priority: desk.PriorityUrgent, Channel: desk.ChannelChat,
		Requester: desk.ContactRef{ID: s.contact}, Assignee: &desk.AgentRef{ID: s.agent}, Team: &desk.TeamRef{ID: s.team},
		CustomFields: map[string]string{"order": "A-1", "lang": "hr"}, FirstResponseAt: &fr, Preview: "preview text",
		Tags: []string{"b", "a"},
	}, "hello")
	got, err := st.Read().Ticket(ctx, in.ID)
	must(t, err)
	if got.Number != in.Number || got.Subject != in.Subject || got.Status != desk.StatusOpen || got.Priority != desk.PriorityUrgent || got.Channel != desk.ChannelChat {
		t.Fatalf("ticket = %+v", got)
	}
	if got.Requester.Email != "cust@example.com" || got.Requester.Name != "Cust" || got.Assignee.Name != "Agent" || got.Assignee.Email != "agent@example.com" || got.Team.Name != "Support" {
		t.Fatalf("refs = %+v %+v %+v", got.Requester, got.Assignee, got.Team)
	}
	if !got.CreatedAt.Equal(t0()) || got.CreatedAt.Location() != time.UTC || got.FirstResponseAt == nil || !got.FirstResponseAt.Equal(fr) || got.ResolvedAt != nil {
		t.Fatalf("times = %v %v %v", got.CreatedAt, got.FirstResponseAt, got.ResolvedAt)
	}
	if got.CustomFields["order"] != "A-1" || len(got.CustomFields) != 2 || !slices.Equal(got.Tags, []string{"a", "b"}) || got.Preview != "preview text" || got.MessageCount != 1 {
		t.Fatalf("ticket = %+v", got)
	}
	// Save clears nullable columns and changes fields.
	got.Assignee, got.Team, got.FirstResponseAt = nil, nil, nil
	res := t0().Add(time.Hour)
	got.ResolvedAt, got.Status, got.Subject = &res, desk.StatusResolved, "Changed"
	must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.SaveTicket(ctx, got, true) }))
	again, err := st.Read().TicketByNumber(ctx, got.Number)
	must(t, err)
	if again.Assignee != nil || again.Team != nil || again.FirstResponseAt != nil || again.ResolvedAt == nil || !again.ResolvedAt.Equal(res) || again.Subject != "Changed" {
		t.Fatalf("after save = %+v", again)
	}
	msgs, err := st.Read().Messages(ctx, got.ID)
	must(t, err)
	if len(msgs) != 1 || msgs[0].Text != "hello" || msgs[0].Contact.Email != "cust@example.com" || !msgs[0].CreatedAt.Equal(t0()) {
		t.Fatalf("messages = %+v", msgs)
	}
}

func testTicketNumbers(t *testing.T, st *store.Store) {
	s := seedBasics(t, st)
	var nums []int64
	for range 3 {
		nums = append(nums, insertTicket(t, st, desk.Ticket{Subject: "n", Requester: desk.ContactRef{ID: s.contact}}, "x").Number)
	}
	if !slices.Equal(nums, []int64{1000, 1001, 1002}) {
		t.Fatalf("numbers = %v", nums)
	}
}

func testNotFound(t *testing.T, st *store.Store) {
	ctx := context.Background()
	r := st.Read()
	_, err := r.Ticket(ctx, 4242)
	wantCode(t, err, desk.ENotFound)
	_, err = r.TicketByNumber(ctx, 4242)
	wantCode(t, err, desk.ENotFound)
	_, err = r.Agent(ctx, 4242)
	wantCode(t, err, desk.ENotFound)
	_, err = r.Team(ctx, 4242)
	wantCode(t, err, desk.ENotFound)
	_, err = r.Contact(ctx, 4242)
	wantCode(t, err, desk.ENotFound)
	_, err = r.ContactIDByEmail(ctx, "nobody@example.com")
	wantCode(t, err, desk.ENotFound)
	_, _, _, err = r.Attachment(ctx, 4242)
	wantCode(t, err, desk.ENotFound)
	_, err = r.Message(ctx, 4242)
	wantCode(t, err, desk.ENotFound)
	err = st.Write(ctx, func(tx *store.Tx) error {
		return tx.SaveTicket(ctx, desk.Ticket{ID: 4242, Status: desk.StatusNew, Priority: desk.PriorityLow}, false)
	})
	wantCode(t, err, desk.ENotFound)
	err = st.Write(ctx, func(tx *store.Tx) error { return tx.DeleteTeam(ctx, 4242) })
	wantCode(t, err, desk.ENotFound)
}

func testTags(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	a := insertTicket(t, st, desk.Ticket{Subject: "a", Requester: desk.ContactRef{ID: s.contact}, Tags: []string{"vip", "billing"}}, "x")
	b := insertTicket(t, st, desk.Ticket{Subject: "b", Requester: desk.ContactRef{ID: s.contact}, Tags: []string{"vip"}}, "x")
	must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.SetTicketTags(ctx, a.ID, []string{"refund", "refund"}) }))
	got, err := st.Read().Ticket(ctx, a.ID)
	must(t, err)
	if !slices.Equal(got.Tags, []string{"refund"}) {
		t.Fatalf("tags = %v", got.Tags)
	}
	page, err := st.Read().ListTickets(ctx, desk.TicketFilter{Tag: "vip"})
	must(t, err)
	if len(page.Items) != 1 || page.Items[0].ID != b.ID {
		t.Fatalf("tag filter = %+v", page.Items)
	}
	all, err := st.Read().Tags(ctx)
	must(t, err)
	if !slices.Equal(all, []string{"billing", "refund", "vip"}) {
		t.Fatalf("tags = %v", all)
	}
}

func testKeyset(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	var want []int64
	statuses := []desk.Status{desk.StatusNew, desk.StatusOpen, desk.StatusPending}
	for i := range 37 {
		// Groups of equal timestamps exercise the id tie-break.
		tk := insertTicket(t, st, desk.Ticket{Subject: fmt.Sprint("t", i), Status: statuses[i%3], Requester: desk.ContactRef{ID: s.contact},
			CreatedAt: t0().Add(time.Duration(i/4) * time.Second)}, "x")
		want = append(want, tk.ID)
	}
	slices.Reverse(want)
	for _, f := range []desk.TicketFilter{
		{Limit: 5},
		{Limit: 1},
		{Limit: 7, Statuses: statuses},
		{Limit: 4, Statuses: []desk.Status{desk.StatusPending, desk.StatusNew, desk.StatusOpen, desk.StatusOpen}},
	} {
		var got []int64
		seen := map[int64]bool{}
		for pages := 0; ; pages++ {
			if pages > 100 {
				t.Fatal("pagination does not end")
			}
			page, err := st.Read().ListTickets(ctx, f)
			must(t, err)
			if len(page.Items) > f.Limit {
				t.Fatalf("page of %d > limit %d", len(page.Items), f.Limit)
			}
			for _, it := range page.Items {
				if seen[it.ID] {
					t.Fatalf("duplicate %d", it.ID)
				}
				seen[it.ID] = true
				got = append(got, it.ID)
			}
			if page.NextCursor == "" {
				break
			}
			f.Cursor = page.NextCursor
		}
		if !slices.Equal(got, want) {
			t.Fatalf("filter %+v\n got %v\nwant %v", f, got, want)
		}
	}
	page, err := st.Read().ListTickets(ctx, desk.TicketFilter{})
	must(t, err)
	if len(page.Items) != store.DefaultLimit {
		t.Fatalf("default limit = %d", len(page.Items))
	}
	_, err = st.Read().ListTickets(ctx, desk.TicketFilter{Cursor: "bm90IGEgY3Vyc29y"})
	wantCode(t, err, desk.EInvalid)
	_, err = st.Read().ListTickets(ctx, desk.TicketFilter{Statuses: []desk.Status{"bogus"}})
	wantCode(t, err, desk.EInvalid)
}

func testFilters(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	var other int64
	must(t, st.Write(ctx, func(tx *store.Tx) error {
		var err error
		other, _, err = tx.FindOrCreateContact(ctx, "other@example.com", "Other", t0())
		return err
	}))
	mk := func(tk desk.Ticket) int64 {
		if tk.Requester.ID == 0 {
			tk.Requester.ID = s.contact
		}
		tk.Subject = "f"
		return insertTicket(t, st, tk, "x").ID
	}
	mine := mk(desk.Ticket{Assignee: &desk.AgentRef{ID: s.agent}, Status: desk.StatusOpen})
	teamT := mk(desk.Ticket{Team: &desk.TeamRef{ID: s.team}, Priority: desk.PriorityHigh})
	chat := mk(desk.Ticket{Channel: desk.ChannelChat, Requester: desk.ContactRef{ID: other}, Status: desk.StatusPending})
	cases := []struct {
		name string
		f    desk.TicketFilter
		want []int64
	}{
		{"assignee", desk.TicketFilter{AssigneeID: &s.agent}, []int64{mine}},
		{"unassigned", desk.TicketFilter{Unassigned: true}, []int64{chat, teamT}},
		{"team", desk.TicketFilter{TeamID: &s.team}, []int64{teamT}},
		{"priority", desk.TicketFilter{Priority: desk.PriorityHigh}, []int64{teamT}},
		{"channel", desk.TicketFilter{Channel: desk.ChannelChat}, []int64{chat}},
		{"requester", desk.TicketFilter{RequesterID: &other}, []int64{chat}},
		{"status", desk.TicketFilter{Statuses: []desk.Status{desk.StatusOpen}}, []int64{mine}},
		{"statuses", desk.TicketFilter{Statuses: []desk.Status{desk.StatusOpen, desk.StatusPending}}, []int64{chat, mine}},
		{"combined", desk.TicketFilter{Unassigned: true, Statuses: []desk.Status{desk.StatusNew}, TeamID: &s.team}, []int64{teamT}},
		{"none", desk.TicketFilter{AssigneeID: &s.agent2}, nil},
	}
	for _, c := range cases {
		page, err := st.Read().ListTickets(ctx, c.f)
		must(t, err)
		var got []int64
		for _, it := range page.Items {
			got = append(got, it.ID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v want %v", c.name, got, c.want)
		}
	}
}

func testCreateTicket(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	for _, files := range [][]desk.NewAttachment{nil, {{Filename: "f.txt", Data: []byte("f")}}} {
		tk := desk.Ticket{Subject: "Created whole", Status: desk.StatusNew, Priority: desk.PriorityHigh, Channel: desk.ChannelForm,
			Requester: desk.ContactRef{ID: s.contact}, Assignee: &desk.AgentRef{ID: s.agent}, Team: &desk.TeamRef{ID: s.team},
			Tags: []string{"x", "y"}, CreatedAt: t0(), UpdatedAt: t0(), LastActivityAt: t0(), MessageCount: 1, Preview: "p"}
		m := desk.Message{Kind: desk.KindReply, Direction: desk.Outbound, Channel: desk.ChannelForm, Author: &desk.AgentRef{ID: s.agent},
			Text: "whole body", HTML: "<p>whole body</p>", CreatedAt: t0()}
		evs := []desk.Event{{Actor: "Agent", AgentID: &s.agent, Action: "created", New: "Created whole", At: t0()},
			{Actor: "Agent", Action: "tags", Field: "tags", New: "x, y", At: t0()}}
		must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.CreateTicket(ctx, &tk, m.Text, &m, files, evs) }))
		got, err := st.Read().Ticket(ctx, tk.ID)
		must(t, err)
		if got.Number != tk.Number || got.Team.ID != s.team || got.Assignee.ID != s.agent || !slices.Equal(got.Tags, []string{"x", "y"}) || got.Channel != desk.ChannelForm {
			t.Fatalf("ticket = %+v", got)
		}
		msgs, err := st.Read().Messages(ctx, tk.ID)
		must(t, err)
		if len(msgs) != 1 || msgs[0].ID != m.ID || msgs[0].HTML != m.HTML || msgs[0].Author.ID != s.agent || len(msgs[0].Attachments) != len(files) {
			t.Fatalf("messages = %+v", msgs)
		}
		tl, err := st.Read().Events(ctx, tk.ID)
		must(t, err)
		if len(tl) != 2 || tl[0].Action != "created" || *tl[0].AgentID != s.agent || tl[1].AgentID != nil || tl[1].New != "x, y" {
			t.Fatalf("events = %+v", tl)
		}
		page, err := st.Read().ListTickets(ctx, desk.TicketFilter{Query: "whole body"})
		must(t, err)
		if len(page.Items) == 0 || page.Items[0].ID != tk.ID {
			t.Fatalf("search = %+v", page.Items)
		}
	}
}

// testKeysetFilters pages through the filters whose plans differ (tag on
// many or few tickets, unassigned, a team or assignee without a status)
// and checks every page against the tickets filtered here: the same
// order, no duplicates, nothing skipped.
func testKeysetFilters(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	rows := make([]store.BulkTicket, 300)
	for i := range rows {
		r := store.BulkTicket{Subject: fmt.Sprint("k", i), Body: "x", RequesterEmail: "cust@example.com",
			Status: desk.Statuses[i%len(desk.Statuses)], Inbound: true,
			// Groups of equal timestamps exercise the id tie-break.
			CreatedAt: t0().Add(time.Duration(i/3) * time.Second)}
		if i%4 != 0 {
			r.AssigneeID = &s.agent
		}
		if i%3 == 0 {
			r.TeamID = &s.team
		}
		if i%5 != 0 {
			r.Tags = append(r.Tags, "common") // 240 tickets: SQLite walks the inbox order
		}
		if i == 3 || i == 150 || i == 297 {
			r.Tags = append(r.Tags, "rare") // SQLite starts from the tag
		}
		rows[i] = r
	}
	must(t, st.BulkInsertTickets(ctx, rows))
	active := []desk.Status{desk.StatusNew, desk.StatusOpen}
	cases := []struct {
		name string
		f    desk.TicketFilter
		keep func(i int, r store.BulkTicket) bool
	}{
		{"common tag", desk.TicketFilter{Tag: "common"}, func(i int, r store.BulkTicket) bool { return slices.Contains(r.Tags, "common") }},
		{"rare tag", desk.TicketFilter{Tag: "rare"}, func(i int, r store.BulkTicket) bool { return slices.Contains(r.Tags, "rare") }},
		{"unknown tag", desk.TicketFilter{Tag: "nowhere"}, func(i int, r store.BulkTicket) bool { return false }},
		{"common tag active", desk.TicketFilter{Tag: "Common ", Statuses: active}, func(i int, r store.BulkTicket) bool {
			return slices.Contains(r.Tags, "common") && r.Status.Active()
		}},
		{"rare tag team", desk.TicketFilter{Tag: "rare", TeamID: &s.team}, func(i int, r store.BulkTicket) bool {
			return slices.Contains(r.Tags, "rare") && r.TeamID != nil
		}},
		{"common tag team new", desk.TicketFilter{Tag: "common", TeamID: &s.team, Statuses: []desk.Status{desk.StatusNew}},
			func(i int, r store.BulkTicket) bool {
				return slices.Contains(r.Tags, "common") && r.TeamID != nil && r.Status == desk.StatusNew
			}},
		{"unassigned", desk.TicketFilter{Unassigned: true}, func(i int, r store.BulkTicket) bool { return r.AssigneeID == nil }},
		{"unassigned active", desk.TicketFilter{Unassigned: true, Statuses: active}, func(i int, r store.BulkTicket) bool {
			return r.AssigneeID == nil && r.Status.Active()
		}},
		{"unassigned common tag", desk.TicketFilter{Unassigned: true, Tag: "common"}, func(i int, r store.BulkTicket) bool {
			return r.AssigneeID == nil && slices.Contains(r.Tags, "common")
		}},
		{"team", desk.TicketFilter{TeamID: &s.team}, func(i int, r store.BulkTicket) bool { return r.TeamID != nil }},
		{"assignee", desk.TicketFilter{AssigneeID: &s.agent}, func(i int, r store.BulkTicket) bool { return r.AssigneeID != nil }},
	}
	for _, c := range cases {
		var want []int64
		for i := len(rows) - 1; i >= 0; i-- {
			if c.keep(i, rows[i]) {
				want = append(want, int64(1000+i))
			}
		}
		for _, limit := range []int{1, 7, 25} {
			f := c.f
			f.Limit = limit
			var got []int64
			seen := map[int64]bool{}
			for pages := 0; ; pages++ {
				if pages > 400 {
					t.Fatalf("%s: pagination does not end", c.name)
				}
				page, err := st.Read().ListTickets(ctx, f)
				must(t, err)
				if len(page.Items) > limit {
					t.Fatalf("%s: page of %d > limit %d", c.name, len(page.Items), limit)
				}
				for _, it := range page.Items {
					if seen[it.Number] {
						t.Fatalf("%s limit %d: duplicate #%d", c.name, limit, it.Number)
					}
					seen[it.Number] = true
					got = append(got, it.Number)
				}
				if page.NextCursor == "" {
					break
				}
				f.Cursor = page.NextCursor
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s limit %d\n got %v\nwant %v", c.name, limit, got, want)
			}
		}
	}
}
