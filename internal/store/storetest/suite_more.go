package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

func testSearch(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	req := desk.ContactRef{ID: s.contact}
	hr := insertTicket(t, st, desk.Ticket{Subject: "Reklamacija računa", Requester: req}, "Poštovani, račun za ožujak nije točan.")
	el := insertTicket(t, st, desk.Ticket{Subject: "Ερώτηση", Requester: req}, "Η παραγγελία μου δεν έφτασε ακόμα.")
	lt := insertTicket(t, st, desk.Ticket{Subject: "Užsakymas", Requester: req}, "Laba diena, kur mano užsakymas?")
	sl := insertTicket(t, st, desk.Ticket{Subject: "Vprašanje", Requester: req}, "Kdaj bo paket prispel? Hvala.")
	en := insertTicket(t, st, desk.Ticket{Subject: "Running late", Requester: req}, "The courier was running late.")
	must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.IndexMessageText(ctx, en.ID, "added later: kangaroo") }))
	must(t, st.Write(ctx, func(tx *store.Tx) error {
		lt.Preview = "saved with text"
		return tx.SaveTicketText(ctx, lt, "Ačiū, wombat")
	}))
	cases := []struct {
		q    string
		want []int64
	}{
		{"računa", []int64{hr.ID}},
		{"ožujak", []int64{hr.ID}},
		{"TOČAN", []int64{hr.ID}}, // prefix, case-folded
		{"παραγγελία", []int64{el.ID}},
		{"ΠΑΡΑΓΓΕΛΊΑ", []int64{el.ID}},
		{"užsakymas", []int64{lt.ID}},
		{"prispel hvala", []int64{sl.ID}},
		{"running", []int64{en.ID}},
		{"run", []int64{en.ID}}, // prefix match, no stemming needed
		{"runs", nil},           // no English stemming
		{"kangaroo", []int64{en.ID}},
		{"wombat ačiū", []int64{lt.ID}},
		{"courier kangaroo", []int64{en.ID}},
		{"courier račun", nil},
		{fmt.Sprintf("#%d", sl.Number), []int64{sl.ID}},
		{fmt.Sprint(el.Number), []int64{el.ID}},
		{`"quotes" AND (OR) NEAR*`, nil}, // operators are words, not syntax
		{"!!!", nil},
	}
	for _, c := range cases {
		page, err := st.Read().ListTickets(ctx, desk.TicketFilter{Query: c.q})
		if err != nil {
			t.Errorf("query %q: %v", c.q, err)
			continue
		}
		var got []int64
		for _, it := range page.Items {
			got = append(got, it.ID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("query %q = %v, want %v", c.q, got, c.want)
		}
	}
}

func testCounts(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	req := desk.ContactRef{ID: s.contact}
	me := &desk.AgentRef{ID: s.agent}
	team := &desk.TeamRef{ID: s.team}
	for _, tk := range []desk.Ticket{
		{Status: desk.StatusNew, Assignee: me, Team: team},
		{Status: desk.StatusOpen, Assignee: me},
		{Status: desk.StatusPending, Assignee: me},
		{Status: desk.StatusNew},
		{Status: desk.StatusOpen, Team: team},
		{Status: desk.StatusPending},
		{Status: desk.StatusResolved, Assignee: me, Team: team},
		{Status: desk.StatusClosed},
		{Status: desk.StatusSpam},
	} {
		tk.Subject, tk.Requester = "c", req
		insertTicket(t, st, tk, "x")
	}
	c, err := st.Read().Counts(ctx, s.agent)
	must(t, err)
	if c.Mine != 2 || c.Unassigned != 2 || c.Open != 4 || c.Pending != 2 || c.Teams[s.team] != 2 {
		t.Fatalf("counts = %+v", c)
	}
	checkCounts(t, st, s.agent)
	// The running counters follow every kind of change.
	page, err := st.Read().ListTickets(ctx, desk.TicketFilter{Limit: 100})
	must(t, err)
	for i, tk := range page.Items {
		switch i % 4 {
		case 0:
			tk.Status = desk.StatusPending
		case 1:
			tk.Assignee = &desk.AgentRef{ID: s.agent2}
		case 2:
			tk.Team, tk.Status = nil, desk.StatusOpen
		case 3:
			tk.Assignee, tk.Team = nil, &desk.TeamRef{ID: s.team}
		}
		must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.SaveTicket(ctx, tk, false) }))
		checkCounts(t, st, s.agent)
		checkCounts(t, st, s.agent2)
	}
	must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.DeleteTeam(ctx, s.team) }))
	checkCounts(t, st, s.agent)
	c, err = st.Read().Counts(ctx, s.agent)
	must(t, err)
	if len(c.Teams) != 0 {
		t.Fatalf("deleted team still counted: %+v", c)
	}
}

// checkCounts compares Counts with COUNT(*) over the tickets.
func checkCounts(t *testing.T, st *store.Store, agent int64) {
	t.Helper()
	ctx := context.Background()
	got, err := st.Read().Counts(ctx, agent)
	must(t, err)
	var want desk.ViewCounts
	db := st.DB()
	q := func(query string, args ...any) int {
		var n int
		if st.Engine() == store.EnginePostgres {
			query = strings.Replace(query, "?", "$1", 1)
		}
		must(t, db.QueryRowContext(ctx, query, args...).Scan(&n))
		return n
	}
	want.Mine = q("SELECT COUNT(*) FROM tickets WHERE assignee_id = ? AND status IN ('new', 'open')", agent)
	want.Unassigned = q("SELECT COUNT(*) FROM tickets WHERE assignee_id IS NULL AND status IN ('new', 'open')")
	want.Open = q("SELECT COUNT(*) FROM tickets WHERE status IN ('new', 'open')")
	want.Pending = q("SELECT COUNT(*) FROM tickets WHERE status = 'pending'")
	if got.Mine != want.Mine || got.Unassigned != want.Unassigned || got.Open != want.Open || got.Pending != want.Pending {
		t.Fatalf("counts = %+v, want %+v", got, want)
	}
	for team, n := range got.Teams {
		if w := q("SELECT COUNT(*) FROM tickets WHERE team_id = ? AND status IN ('new', 'open')", team); n != w {
			t.Fatalf("team %d count = %d, want %d", team, n, w)
		}
	}
}

func testAttachments(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	tk := insertTicket(t, st, desk.Ticket{Subject: "files", Requester: desk.ContactRef{ID: s.contact}}, "x")
	data := []byte("same content")
	var m desk.Message
	must(t, st.Write(ctx, func(tx *store.Tx) error {
		m = desk.Message{TicketID: tk.ID, Kind: desk.KindNote, Direction: desk.Outbound, Channel: desk.ChannelEmail, Author: &desk.AgentRef{ID: s.agent}, Text: "n", CreatedAt: t0()}
		return tx.InsertMessage(ctx, &m, []desk.NewAttachment{{Filename: "a.txt", ContentType: "text/plain", Data: data}, {Filename: "b.txt", Data: data}})
	}))
	if len(m.Attachments) != 2 || m.Attachments[0].SHA256 != m.Attachments[1].SHA256 || len(m.Attachments[0].SHA256) != 64 {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	var blobs int
	must(t, st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM blobs").Scan(&blobs))
	if blobs != 1 {
		t.Fatalf("content stored %d times", blobs)
	}
	a, got, ticketID, err := st.Read().Attachment(ctx, m.Attachments[1].ID)
	must(t, err)
	if string(got) != string(data) || ticketID != tk.ID || a.Filename != "b.txt" {
		t.Fatalf("attachment = %+v %q %d", a, got, ticketID)
	}
	msgs, err := st.Read().Messages(ctx, tk.ID)
	must(t, err)
	if len(msgs) != 2 || len(msgs[1].Attachments) != 2 || !msgs[1].Internal || msgs[1].Author.Name != "Agent" {
		t.Fatalf("messages = %+v", msgs)
	}
	err = st.Write(ctx, func(tx *store.Tx) error {
		m := desk.Message{TicketID: tk.ID, Kind: desk.KindNote, Direction: desk.Outbound, Channel: desk.ChannelEmail, Text: "big", CreatedAt: t0()}
		return tx.InsertMessage(ctx, &m, []desk.NewAttachment{{Filename: "big.bin", Data: make([]byte, store.MaxAttachmentSize+1)}})
	})
	wantCode(t, err, desk.EInvalid)
}

func testEvents(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	tk := insertTicket(t, st, desk.Ticket{Subject: "ev", Requester: desk.ContactRef{ID: s.contact}}, "x")
	must(t, st.Write(ctx, func(tx *store.Tx) error {
		for i, a := range []string{"created", "status", "assignee"} {
			e := desk.Event{TicketID: tk.ID, Actor: "Agent", AgentID: &s.agent, Action: a, Field: a, Old: "o", New: fmt.Sprint(i), At: t0().Add(time.Duration(i) * time.Second)}
			if a == "created" {
				e.AgentID = nil
			}
			if err := tx.InsertEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	}))
	evs, err := st.Read().Events(ctx, tk.ID)
	must(t, err)
	if len(evs) != 3 || evs[0].Action != "created" || evs[0].AgentID != nil || *evs[2].AgentID != s.agent || evs[2].New != "2" || !evs[1].At.Equal(t0().Add(time.Second)) {
		t.Fatalf("events = %+v", evs)
	}
}

func testConflicts(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	cases := map[string]func(tx *store.Tx) error{
		"agent email": func(tx *store.Tx) error {
			_, err := tx.InsertAgent(ctx, desk.Agent{Email: "AGENT@example.com", Name: "x", Role: desk.RoleAgent, CreatedAt: t0()}, "")
			return err
		},
		"team name": func(tx *store.Tx) error { _, err := tx.InsertTeam(ctx, "support", t0()); return err },
		"contact email": func(tx *store.Tx) error {
			_, err := tx.InsertContact(ctx, desk.Contact{Name: "dup", Emails: []string{"cust@EXAMPLE.com"}, CreatedAt: t0()})
			return err
		},
		"company": func(tx *store.Tx) error {
			if _, err := tx.InsertCompany(ctx, "Acme", "", t0()); err != nil {
				return err
			}
			_, err := tx.InsertCompany(ctx, "ACME", "", t0())
			return err
		},
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) { wantCode(t, st.Write(ctx, fn), desk.EConflict) })
	}
	_ = s
}

func testForeignKey(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	tk := desk.Ticket{Subject: "fk", Status: desk.StatusNew, Priority: desk.PriorityNormal, Channel: desk.ChannelEmail,
		Requester: desk.ContactRef{ID: s.contact}, Assignee: &desk.AgentRef{ID: 4242}, CreatedAt: t0(), UpdatedAt: t0(), LastActivityAt: t0()}
	err := st.Write(ctx, func(tx *store.Tx) error { return tx.InsertTicket(ctx, &tk, "") })
	wantCode(t, err, desk.EInvalid)
}

func testRollback(t *testing.T, st *store.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := st.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.InsertTeam(ctx, "Ghost", t0()); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	teams, err := st.Read().Teams(ctx)
	must(t, err)
	if len(teams) != 0 {
		t.Fatalf("rolled-back team visible: %+v", teams)
	}
}

func testConcurrentWriters(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				tk := desk.Ticket{Subject: fmt.Sprintf("w%d-%d", w, i), Status: desk.StatusNew, Priority: desk.PriorityNormal, Channel: desk.ChannelAPI,
					Requester: desk.ContactRef{ID: s.contact}, CreatedAt: t0(), UpdatedAt: t0(), LastActivityAt: t0()}
				err := st.Write(ctx, func(tx *store.Tx) error {
					if _, _, err := tx.FindOrCreateContact(ctx, fmt.Sprintf("same%d@example.com", i), "Same", t0()); err != nil {
						return err
					}
					return tx.InsertTicket(ctx, &tk, "")
				})
				if err != nil {
					errs <- err
					return
				}
				if _, err := st.Read().ListTickets(ctx, desk.TicketFilter{Limit: 5}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n, distinct int
	must(t, st.DB().QueryRowContext(ctx, "SELECT COUNT(*), COUNT(DISTINCT number) FROM tickets").Scan(&n, &distinct))
	if n != 80 || distinct != 80 {
		t.Fatalf("tickets %d, distinct numbers %d", n, distinct)
	}
	must(t, st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM contacts").Scan(&n))
	if n != 11 {
		t.Fatalf("contacts = %d, want 11 (one per address)", n)
	}
}

func testFindOrCreate(t *testing.T, st *store.Store) {
	ctx := context.Background()
	var a, b int64
	var createdA, createdB bool
	must(t, st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if a, createdA, err = tx.FindOrCreateContact(ctx, " Mixed@Case.Example ", "Mixed", t0()); err != nil {
			return err
		}
		b, createdB, err = tx.FindOrCreateContact(ctx, "mixed@case.example", "Other", t0())
		return err
	}))
	if a != b || !createdA || createdB {
		t.Fatalf("a=%d b=%d created %v %v", a, b, createdA, createdB)
	}
	c, err := st.Read().Contact(ctx, a)
	must(t, err)
	if c.Name != "Mixed" || !slices.Equal(c.Emails, []string{"mixed@case.example"}) {
		t.Fatalf("contact = %+v", c)
	}
}

func testSessionsTokens(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	exp := t0().Add(time.Hour)
	must(t, st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertSession(ctx, store.SessionRecord{TokenHash: "h1", AgentID: s.agent, CSRF: "c", CreatedAt: t0(), ExpiresAt: exp}); err != nil {
			return err
		}
		return tx.InsertSession(ctx, store.SessionRecord{TokenHash: "h2", AgentID: s.agent, CSRF: "c", CreatedAt: t0(), ExpiresAt: t0()})
	}))
	rec, ag, err := st.Read().SessionAgent(ctx, "h1")
	must(t, err)
	if rec.AgentID != s.agent || !rec.ExpiresAt.Equal(exp) || ag.Name != "Agent" || !ag.Active {
		t.Fatalf("session = %+v %+v", rec, ag)
	}
	must(t, st.Write(ctx, func(tx *store.Tx) error {
		n, err := tx.DeleteExpiredSessions(ctx, t0().Add(time.Minute))
		if n != 1 {
			t.Errorf("expired deleted = %d", n)
		}
		return err
	}))
	_, _, err = st.Read().SessionAgent(ctx, "h2")
	wantCode(t, err, desk.ENotFound)
	var id int64
	must(t, st.Write(ctx, func(tx *store.Tx) error {
		var err error
		id, err = tx.InsertToken(ctx, desk.APIToken{AgentID: s.agent, Name: "ci", Prefix: "sb_abc", CreatedAt: t0()}, "tokhash")
		return err
	}))
	tok, ag, err := st.Read().TokenAgent(ctx, "tokhash")
	must(t, err)
	if tok.ID != id || tok.LastUsedAt != nil || ag.ID != s.agent {
		t.Fatalf("token = %+v", tok)
	}
	must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.TouchToken(ctx, id, exp) }))
	toks, err := st.Read().Tokens(ctx)
	must(t, err)
	if len(toks) != 1 || toks[0].LastUsedAt == nil || !toks[0].LastUsedAt.Equal(exp) {
		t.Fatalf("tokens = %+v", toks)
	}
	err = st.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.InsertToken(ctx, desk.APIToken{AgentID: s.agent, Name: "dup", CreatedAt: t0()}, "tokhash")
		return err
	})
	wantCode(t, err, desk.EConflict)
}

func testBulkInsert(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	statuses := []desk.Status{desk.StatusNew, desk.StatusOpen, desk.StatusPending, desk.StatusResolved, desk.StatusClosed}
	rows := make([]store.BulkTicket, 2500)
	for i := range rows {
		r := store.BulkTicket{Subject: fmt.Sprintf("Bulk %d", i), Body: fmt.Sprintf("Body number%d račun", i),
			RequesterEmail: fmt.Sprintf("bulk%d@example.com", i%300), RequesterName: "Bulk", Status: statuses[i%5],
			CreatedAt: t0().Add(time.Duration(i) * time.Second), Inbound: i%2 == 0, Tags: []string{fmt.Sprint("t", i%3), "every"}}
		if i%4 == 0 {
			r.AssigneeID = &s.agent
		}
		if i%3 == 0 {
			r.TeamID = &s.team
		}
		if i == 7 {
			r.RequesterEmail = "CUST@example.com" // an existing contact
		}
		rows[i] = r
	}
	must(t, st.BulkInsertTickets(ctx, rows))
	must(t, st.Analyze(ctx))
	checkCounts(t, st, s.agent)
	var tickets, msgs, contacts, events int
	db := st.DB()
	must(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM tickets").Scan(&tickets))
	must(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM messages").Scan(&msgs))
	must(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM contacts").Scan(&contacts))
	must(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM ticket_events").Scan(&events))
	if tickets != 2500 || msgs != 2500 || contacts != 301 || events != 2500 {
		t.Fatalf("tickets %d messages %d contacts %d events %d", tickets, msgs, contacts, events)
	}
	page, err := st.Read().ListTickets(ctx, desk.TicketFilter{Query: "number1234"})
	must(t, err)
	if len(page.Items) != 1 || page.Items[0].Subject != "Bulk 1234" || page.Items[0].Status != desk.StatusClosed || !slices.Equal(page.Items[0].Tags, []string{"every", "t1"}) {
		t.Fatalf("search bulk = %+v", page.Items)
	}
	page, err = st.Read().ListTickets(ctx, desk.TicketFilter{AssigneeID: &s.agent, Statuses: []desk.Status{desk.StatusNew}, Limit: 100})
	must(t, err)
	if len(page.Items) != 100 || page.NextCursor == "" || page.Items[0].Number != 1000+2480 {
		t.Fatalf("list bulk: %d items, first %+v", len(page.Items), page.Items[0])
	}
	tk := page.Items[0]
	if tk.MessageCount != 1 || tk.Preview == "" || tk.FirstResponseAt != nil || tk.Assignee == nil || tk.Requester.Email == "" {
		t.Fatalf("bulk ticket = %+v", tk)
	}
	// A common tag (SQLite walks the inbox order) and a rarer one (collects).
	for _, tag := range []string{"every", "t1"} {
		page, err = st.Read().ListTickets(ctx, desk.TicketFilter{Tag: tag, Statuses: []desk.Status{desk.StatusOpen}, Limit: 10})
		must(t, err)
		want := 2496 // the last open ticket (i%5 == 1)...
		for want%3 != 1 && tag == "t1" {
			want -= 5 // ...with tag t1
		}
		if len(page.Items) != 10 || page.Items[0].Number != int64(1000+want) || !slices.Contains(page.Items[9].Tags, tag) {
			t.Fatalf("tag %s: %d items, first #%d", tag, len(page.Items), page.Items[0].Number)
		}
	}
	// A common word (SQLite walks the inbox order, testing each ticket).
	page, err = st.Read().ListTickets(ctx, desk.TicketFilter{Query: "RAČUN", Statuses: []desk.Status{desk.StatusOpen}, Limit: 10})
	must(t, err)
	if len(page.Items) != 10 || page.Items[0].Number != 1000+2496 || page.NextCursor == "" {
		t.Fatalf("common word: %d items, first #%d", len(page.Items), page.Items[0].Number)
	}
	// Numbering continues after a bulk load.
	next := insertTicket(t, st, desk.Ticket{Subject: "after", Requester: desk.ContactRef{ID: s.contact}}, "x")
	if next.Number != 3500 {
		t.Fatalf("number after bulk = %d", next.Number)
	}
}
