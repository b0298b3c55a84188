package ticket_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"switchboard/internal/desk/desktest"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

var (
	must     = desktest.Must
	wantCode = desktest.WantCode
)

// fixture is a fresh store with services, an admin, an agent and a team.
type fixture struct {
	st    *store.Store
	svc   *ticket.Service
	team  *team.Service
	clk   *desk.FixedClock
	br    *realtime.Local
	admin desk.Actor
	agent desk.Actor
	other desk.Agent // an inactive agent
	sales desk.Team
}

func newFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	clk := desk.NewFixedClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	br := realtime.NewLocal(1024)
	f := &fixture{st: st, clk: clk, br: br, svc: ticket.New(st, br, clk), team: team.New(st, clk)}
	ad, err := f.team.CreateAgent(ctx, desk.System, team.NewAgent{Email: "Admin@Example.com", Name: "Ana Admin", Role: desk.RoleAdmin})
	must(t, err)
	ag, err := f.team.CreateAgent(ctx, desk.System, team.NewAgent{Email: "bo@example.com", Name: "Bo Agent", Role: desk.RoleAgent})
	must(t, err)
	f.admin = desk.Actor{Kind: desk.ActorAgent, AgentID: ad.ID, Name: ad.Name, Role: ad.Role}
	f.agent = desk.Actor{Kind: desk.ActorAgent, AgentID: ag.ID, Name: ag.Name, Role: ag.Role}
	f.other, err = f.team.CreateAgent(ctx, desk.System, team.NewAgent{Email: "gone@example.com", Name: "Gone", Role: desk.RoleAgent})
	must(t, err)
	inactive := false
	f.other, err = f.team.UpdateAgent(ctx, desk.System, f.other.ID, team.AgentUpdate{Active: &inactive})
	must(t, err)
	f.sales, err = f.team.CreateTeam(ctx, desk.System, "Sales", []int64{ag.ID})
	must(t, err)
	return f
}

func (f *fixture) create(t *testing.T, subject, email string) desk.Ticket {
	t.Helper()
	tk, err := f.svc.Create(context.Background(), f.agent, desk.NewTicket{
		Subject: subject, Body: "Body of " + subject, Requester: desk.ContactInput{Email: email, Name: "Cust"}, Inbound: true,
	})
	must(t, err)
	return tk
}

func TestCreateAndGet(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		events, cancel := f.br.Subscribe()
		defer cancel()
		tk, err := f.svc.Create(ctx, f.agent, desk.NewTicket{
			Subject: "  Printer on fire ", HTML: `<p>Help <b>now</b></p><script>alert(1)</script>`,
			Requester: desk.ContactInput{Email: "Jane@Example.COM", Name: "Jane"}, Tags: []string{" Urgent", "urgent", "Billing"},
			TeamID: &f.sales.ID, AssigneeID: &f.agent.AgentID, CustomFields: map[string]string{"order": "42"}, Inbound: true,
		})
		must(t, err)
		if tk.Number != 1000 || tk.Subject != "Printer on fire" || tk.Status != desk.StatusNew || tk.Priority != desk.PriorityNormal || tk.Channel != desk.ChannelAPI {
			t.Fatalf("ticket = %+v", tk)
		}
		if tk.Requester.Email != "jane@example.com" || tk.Requester.Name != "Jane" {
			t.Fatalf("requester = %+v", tk.Requester)
		}
		if !slices.Equal(tk.Tags, []string{"billing", "urgent"}) || tk.Team.Name != "Sales" || tk.Assignee.Name != "Bo Agent" || tk.CustomFields["order"] != "42" {
			t.Fatalf("ticket = %+v", tk)
		}
		if tk.Preview != "Help now" || tk.MessageCount != 1 || !tk.CreatedAt.Equal(f.clk.Now()) {
			t.Fatalf("preview %q count %d created %v", tk.Preview, tk.MessageCount, tk.CreatedAt)
		}
		if ev := <-events; ev.Type != realtime.TicketCreated || ev.TicketID != tk.ID || ev.AgentID != f.agent.AgentID {
			t.Fatalf("event = %+v", ev)
		}
		msgs, err := f.svc.Messages(ctx, f.agent, tk.ID)
		must(t, err)
		if len(msgs) != 1 || strings.Contains(msgs[0].HTML, "script") || msgs[0].Text != "Help now" || msgs[0].Direction != desk.Inbound || msgs[0].Contact == nil {
			t.Fatalf("messages = %+v", msgs)
		}
		got, err := f.svc.GetByNumber(ctx, f.agent, 1000)
		must(t, err)
		if got.ID != tk.ID {
			t.Fatal("GetByNumber returned another ticket")
		}
		tk2 := f.create(t, "Second", "JANE@example.com")
		if tk2.Requester.ID != tk.Requester.ID || tk2.Number != 1001 {
			t.Fatalf("second ticket requester %d number %d", tk2.Requester.ID, tk2.Number)
		}
		_, err = f.svc.Get(ctx, f.agent, 999999)
		wantCode(t, err, desk.ENotFound)
		_, err = f.svc.Get(ctx, desk.Actor{}, tk.ID)
		wantCode(t, err, desk.EForbidden)
	})
}

func TestCreateValidation(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		ok := desk.NewTicket{Subject: "S", Body: "B", Requester: desk.ContactInput{Email: "a@b.example"}}
		missing := int64(99999)
		cases := []struct {
			name  string
			edit  func(*desk.NewTicket)
			field string
		}{
			{"no subject", func(n *desk.NewTicket) { n.Subject = "  " }, "subject"},
			{"long subject", func(n *desk.NewTicket) { n.Subject = strings.Repeat("x", 501) }, "subject"},
			{"no body", func(n *desk.NewTicket) { n.Body = "" }, "body"},
			{"bad email", func(n *desk.NewTicket) { n.Requester.Email = "nope" }, "requester.email"},
			{"bad priority", func(n *desk.NewTicket) { n.Priority = "meh" }, "priority"},
			{"bad channel", func(n *desk.NewTicket) { n.Channel = "fax" }, "channel"},
			{"long tag", func(n *desk.NewTicket) { n.Tags = []string{strings.Repeat("t", 51)} }, "tags"},
			{"big file", func(n *desk.NewTicket) {
				n.Attachments = []desk.NewAttachment{{Filename: "big", Data: make([]byte, store.MaxAttachmentSize+1)}}
			}, "attachments"},
			{"unknown team", func(n *desk.NewTicket) { n.TeamID = &missing }, "team"},
			{"inactive assignee", func(n *desk.NewTicket) { n.AssigneeID = &f.other.ID }, "assignee"},
			{"unknown assignee", func(n *desk.NewTicket) { n.AssigneeID = &missing }, "assignee"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := ok
				c.edit(&in)
				_, err := f.svc.Create(ctx, f.agent, in)
				wantCode(t, err, desk.EInvalid)
				var de *desk.Error
				if !errorsAs(err, &de) || de.Fields[c.field] == "" {
					t.Fatalf("fields = %v, want %s", de, c.field)
				}
			})
		}
	})
}

func TestStatusRules(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		resolved, pending := desk.StatusResolved, desk.StatusPending
		tk := f.create(t, "Rules", "r@example.com")

		f.clk.Advance(time.Minute)
		_, err := f.svc.AddMessage(ctx, f.agent, tk.ID, desk.NewMessage{Text: "internal", Internal: true})
		must(t, err)
		tk, _ = f.svc.Get(ctx, f.agent, tk.ID)
		if tk.Status != desk.StatusNew || tk.FirstResponseAt != nil || tk.Preview != "Body of Rules" {
			t.Fatalf("after note: %+v", tk)
		}
		f.clk.Advance(time.Minute)
		m, err := f.svc.AddMessage(ctx, f.agent, tk.ID, desk.NewMessage{Text: "We are on it"})
		must(t, err)
		if m.Author == nil || m.Author.ID != f.agent.AgentID || m.Direction != desk.Outbound || m.Kind != desk.KindReply {
			t.Fatalf("reply = %+v", m)
		}
		tk, _ = f.svc.Get(ctx, f.agent, tk.ID)
		if tk.Status != desk.StatusOpen || tk.FirstResponseAt == nil || !tk.FirstResponseAt.Equal(f.clk.Now()) || tk.MessageCount != 3 || tk.Preview != "We are on it" {
			t.Fatalf("after reply: %+v", tk)
		}
		first := *tk.FirstResponseAt
		f.clk.Advance(time.Minute)
		_, err = f.svc.AddMessage(ctx, f.agent, tk.ID, desk.NewMessage{Text: "Fixed", Status: &resolved})
		must(t, err)
		tk, _ = f.svc.Get(ctx, f.agent, tk.ID)
		if tk.Status != resolved || tk.ResolvedAt == nil || !tk.FirstResponseAt.Equal(first) {
			t.Fatalf("after resolve: %+v", tk)
		}
		f.clk.Advance(time.Minute)
		_, err = f.svc.AddMessage(ctx, f.agent, tk.ID, desk.NewMessage{Text: "Still broken", Inbound: true})
		must(t, err)
		tk, _ = f.svc.Get(ctx, f.agent, tk.ID)
		if tk.Status != desk.StatusOpen || tk.ResolvedAt != nil || !tk.LastActivityAt.Equal(f.clk.Now()) {
			t.Fatalf("after inbound: %+v", tk)
		}
		tk, err = f.svc.Update(ctx, f.agent, tk.ID, desk.TicketUpdate{Status: &pending})
		must(t, err)
		_, err = f.svc.AddMessage(ctx, f.agent, tk.ID, desk.NewMessage{HTML: "<p>Thanks &amp; bye</p>", Inbound: true})
		must(t, err)
		tk, _ = f.svc.Get(ctx, f.agent, tk.ID)
		if tk.Status != desk.StatusOpen || tk.Preview != "Thanks & bye" {
			t.Fatalf("after inbound on pending: %+v", tk)
		}
		_, err = f.svc.AddMessage(ctx, f.agent, tk.ID, desk.NewMessage{})
		wantCode(t, err, desk.EInvalid)
		_, err = f.svc.AddMessage(ctx, f.agent, 424242, desk.NewMessage{Text: "x"})
		wantCode(t, err, desk.ENotFound)

		tl, err := f.svc.Timeline(ctx, f.agent, tk.ID)
		must(t, err)
		var got []string
		for _, e := range tl {
			got = append(got, e.Action+":"+e.Old+">"+e.New)
		}
		want := []string{"created:>Rules", "note:>", "reply:>", "status:new>open", "reply:>", "status:open>resolved",
			"reply:>", "status:resolved>open", "status:open>pending", "reply:>", "status:pending>open"}
		for i := range got {
			if strings.HasPrefix(got[i], "reply:") || strings.HasPrefix(got[i], "note:") {
				got[i] = strings.SplitN(got[i], ":", 2)[0] + ":>"
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("timeline\n got %v\nwant %v", got, want)
		}
	})
}

func TestUpdate(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		tk := f.create(t, "Update me", "u@example.com")
		high := desk.PriorityHigh
		subj := "Updated"
		tags := []string{"a", "B"}
		tk, err := f.svc.Update(ctx, f.agent, tk.ID, desk.TicketUpdate{Priority: &high, AssigneeID: &f.admin.AgentID, TeamID: &f.sales.ID,
			Subject: &subj, Tags: &tags, CustomFields: map[string]string{"k": "v"}})
		must(t, err)
		if tk.Priority != high || tk.Assignee.ID != f.admin.AgentID || tk.Team.ID != f.sales.ID || tk.Subject != subj || !slices.Equal(tk.Tags, []string{"a", "b"}) {
			t.Fatalf("updated = %+v", tk)
		}
		tk, err = f.svc.Update(ctx, f.agent, tk.ID, desk.TicketUpdate{AddTags: []string{"c"}, RemoveTags: []string{"A"}, ClearAssignee: true, ClearTeam: true,
			CustomFields: map[string]string{"k": ""}})
		must(t, err)
		if tk.Assignee != nil || tk.Team != nil || !slices.Equal(tk.Tags, []string{"b", "c"}) || len(tk.CustomFields) != 0 {
			t.Fatalf("updated = %+v", tk)
		}
		bad := desk.Status("weird")
		_, err = f.svc.Update(ctx, f.agent, tk.ID, desk.TicketUpdate{Status: &bad})
		wantCode(t, err, desk.EInvalid)
		_, err = f.svc.Update(ctx, f.agent, tk.ID, desk.TicketUpdate{AssigneeID: &f.other.ID})
		wantCode(t, err, desk.EInvalid)
		_, err = f.svc.Update(ctx, f.agent, 123456, desk.TicketUpdate{Priority: &high})
		wantCode(t, err, desk.ENotFound)
		// Custom field limits: name and value length, and the count after merging.
		for _, cf := range []map[string]string{
			{strings.Repeat("k", ticket.MaxCustomFieldKey+1): "v"},
			{"k": strings.Repeat("v", ticket.MaxCustomFieldValue+1)},
		} {
			_, err = f.svc.Update(ctx, f.agent, tk.ID, desk.TicketUpdate{CustomFields: cf})
			wantCode(t, err, desk.EInvalid)
		}
		many := map[string]string{}
		for i := range ticket.MaxCustomFields {
			many[fmt.Sprintf("f%02d", i)] = "x"
		}
		_, err = f.svc.Update(ctx, f.agent, tk.ID, desk.TicketUpdate{CustomFields: many})
		must(t, err)
		_, err = f.svc.Update(ctx, f.agent, tk.ID, desk.TicketUpdate{CustomFields: map[string]string{"one-too-many": "x"}})
		wantCode(t, err, desk.EInvalid)
		many = map[string]string{}
		for i := range ticket.MaxCustomFields {
			many[fmt.Sprintf("f%02d", i)] = ""
		}
		_, err = f.svc.Update(ctx, f.agent, tk.ID, desk.TicketUpdate{CustomFields: many})
		must(t, err)
		_, err = f.svc.Create(ctx, f.agent, desk.NewTicket{Subject: "s", Body: "b", Requester: desk.ContactInput{Email: "cf@example.com"},
			CustomFields: map[string]string{"k": strings.Repeat("v", ticket.MaxCustomFieldValue+1)}})
		wantCode(t, err, desk.EInvalid)
		tl, err := f.svc.Timeline(ctx, f.agent, tk.ID)
		must(t, err)
		actions := map[string]int{}
		for _, e := range tl {
			actions[e.Action]++
			if e.Action != "created" && (e.AgentID == nil || *e.AgentID != f.agent.AgentID || e.Actor != "Bo Agent") {
				t.Fatalf("event without actor: %+v", e)
			}
		}
		for _, a := range []string{"priority", "assignee", "team", "subject", "tags", "custom_field"} {
			if actions[a] == 0 {
				t.Errorf("timeline lacks %s: %v", a, actions)
			}
		}
		// Search finds the new subject, not the old.
		page, err := f.svc.List(ctx, f.agent, desk.TicketFilter{Query: "updated"})
		must(t, err)
		if len(page.Items) != 1 {
			t.Fatalf("search after subject change: %d items", len(page.Items))
		}
	})
}

func TestMerge(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		target := f.create(t, "Target", "m@example.com")
		f.clk.Advance(time.Minute)
		source := f.create(t, "Source zebra", "m@example.com")
		other := f.create(t, "Other", "x@example.com")
		_, err := f.svc.Merge(ctx, f.agent, source.ID, other.ID)
		wantCode(t, err, desk.EInvalid)
		_, err = f.svc.Merge(ctx, f.agent, source.ID, source.ID)
		wantCode(t, err, desk.EInvalid)
		got, err := f.svc.Merge(ctx, f.agent, source.ID, target.ID)
		must(t, err)
		if got.MessageCount != 2 || !got.LastActivityAt.Equal(source.LastActivityAt) {
			t.Fatalf("target after merge: %+v", got)
		}
		src, _ := f.svc.Get(ctx, f.agent, source.ID)
		if src.Status != desk.StatusClosed || src.MergedInto == nil || *src.MergedInto != target.ID {
			t.Fatalf("source after merge: %+v", src)
		}
		msgs, err := f.svc.Messages(ctx, f.agent, target.ID)
		must(t, err)
		if len(msgs) != 2 || msgs[1].TicketID != source.ID {
			t.Fatalf("thread = %+v", msgs)
		}
		_, err = f.svc.Merge(ctx, f.agent, source.ID, target.ID)
		wantCode(t, err, desk.EConflict)
		// A late reply to the merged ticket lands on the target.
		late, err := f.svc.AddMessage(ctx, f.agent, source.ID, desk.NewMessage{Text: "late reply", Inbound: true})
		must(t, err)
		if late.TicketID != target.ID {
			t.Fatalf("late reply went to %d, want %d", late.TicketID, target.ID)
		}
		if src, _ := f.svc.Get(ctx, f.agent, source.ID); src.Status != desk.StatusClosed {
			t.Fatalf("merged source reopened: %s", src.Status)
		}
		page, err := f.svc.List(ctx, f.agent, desk.TicketFilter{Query: "zebra", Statuses: []desk.Status{desk.StatusNew}})
		must(t, err)
		if len(page.Items) != 1 || page.Items[0].ID != target.ID {
			t.Fatalf("search of merged text: %+v", page.Items)
		}
		for id, want := range map[int64]string{source.ID: "merged", target.ID: "merged_from"} {
			tl, err := f.svc.Timeline(ctx, f.agent, id)
			must(t, err)
			found := false
			for _, e := range tl {
				found = found || e.Action == want
			}
			if !found {
				t.Errorf("ticket %d timeline lacks %s", id, want)
			}
		}
	})
}

func TestAttachments(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		tk := f.create(t, "Files", "f@example.com")
		data := []byte("hello file")
		m, err := f.svc.AddMessage(ctx, f.agent, tk.ID, desk.NewMessage{Text: "see attached", Attachments: []desk.NewAttachment{
			{Filename: "a.txt", ContentType: "text/plain", Data: data}, {Filename: "b.txt", Data: data, Inline: true, ContentID: "cid1"}}})
		must(t, err)
		if len(m.Attachments) != 2 || m.Attachments[0].SHA256 != m.Attachments[1].SHA256 || m.Attachments[1].ContentType != "application/octet-stream" {
			t.Fatalf("attachments = %+v", m.Attachments)
		}
		att, rc, err := f.svc.Attachment(ctx, f.agent, m.Attachments[1].ID)
		must(t, err)
		defer rc.Close()
		buf := make([]byte, 100)
		n, _ := rc.Read(buf)
		if string(buf[:n]) != "hello file" || att.Size != int64(len(data)) || !att.Inline || att.ContentID != "cid1" {
			t.Fatalf("attachment = %+v %q", att, buf[:n])
		}
		_, _, err = f.svc.Attachment(ctx, f.agent, 99999)
		wantCode(t, err, desk.ENotFound)
		_, err = f.svc.AddMessage(ctx, f.agent, tk.ID, desk.NewMessage{Text: "x", Attachments: []desk.NewAttachment{{Filename: "big", Data: make([]byte, store.MaxAttachmentSize+1)}}})
		wantCode(t, err, desk.EInvalid)
	})
}

func TestForbidden(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		anon := desk.Actor{}
		tk := f.create(t, "x", "x@example.com")
		_, err := f.svc.Create(ctx, anon, desk.NewTicket{Subject: "s", Body: "b", Requester: desk.ContactInput{Email: "a@b.c"}})
		wantCode(t, err, desk.EForbidden)
		_, err = f.svc.List(ctx, anon, desk.TicketFilter{})
		wantCode(t, err, desk.EForbidden)
		_, err = f.svc.Update(ctx, anon, tk.ID, desk.TicketUpdate{})
		wantCode(t, err, desk.EForbidden)
		_, err = f.svc.AddMessage(ctx, anon, tk.ID, desk.NewMessage{Text: "x"})
		wantCode(t, err, desk.EForbidden)
		_, err = f.svc.Merge(ctx, anon, tk.ID, tk.ID)
		wantCode(t, err, desk.EForbidden)
		_, err = f.svc.Counts(ctx, anon)
		wantCode(t, err, desk.EForbidden)
		_, err = f.svc.Messages(ctx, anon, tk.ID)
		wantCode(t, err, desk.EForbidden)
		_, err = f.svc.Timeline(ctx, anon, tk.ID)
		wantCode(t, err, desk.EForbidden)
	})
}

func TestEventsPublishedAfterCommit(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		a := f.create(t, "A", "ev@example.com")
		b := f.create(t, "B", "ev@example.com")
		ch, cancel := f.br.Subscribe()
		defer cancel()
		high := desk.PriorityHigh
		_, err := f.svc.Update(ctx, f.agent, a.ID, desk.TicketUpdate{Priority: &high})
		must(t, err)
		_, err = f.svc.Update(ctx, f.agent, a.ID, desk.TicketUpdate{Priority: &high}) // no change: no event
		must(t, err)
		_, err = f.svc.AddMessage(ctx, f.agent, a.ID, desk.NewMessage{Text: "hi"})
		must(t, err)
		_, err = f.svc.Update(ctx, f.agent, a.ID, desk.TicketUpdate{AssigneeID: &f.other.ID}) // refused: no event
		wantCode(t, err, desk.EInvalid)
		_, err = f.svc.Merge(ctx, f.agent, b.ID, a.ID)
		must(t, err)
		want := []realtime.Event{
			{Type: realtime.TicketUpdated, TicketID: a.ID}, {Type: realtime.MessageCreated, TicketID: a.ID},
			{Type: realtime.TicketUpdated, TicketID: b.ID}, {Type: realtime.TicketUpdated, TicketID: a.ID},
		}
		for i, w := range want {
			select {
			case ev := <-ch:
				if ev.Type != w.Type || ev.TicketID != w.TicketID || ev.AgentID != f.agent.AgentID {
					t.Fatalf("event %d = %+v, want %s on %d", i, ev, w.Type, w.TicketID)
				}
			default:
				t.Fatalf("event %d missing", i)
			}
		}
		select {
		case ev := <-ch:
			t.Fatalf("unexpected event %+v", ev)
		default:
		}
	})
}
