package demo

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

var now = time.Date(2026, 11, 20, 15, 4, 5, 0, time.UTC)

func TestLoad(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		start := time.Now()
		res, err := Load(ctx, st, now)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %+v in %s", st.Engine(), res, time.Since(start).Round(time.Millisecond))
		if res.Agents != 6 || res.Teams != 3 || res.Companies < 10 || res.Contacts < 40 || res.Canned < 8 {
			t.Errorf("people: %+v", res)
		}
		if res.Tickets < 250 || res.Messages < 2*res.Tickets || res.Merged == 0 {
			t.Errorf("tickets: %+v", res)
		}

		svc := ticket.New(st, realtime.NewLocal(0), desk.NewFixedClock(now))
		var all []desk.Ticket
		cursor := ""
		for {
			page, err := svc.List(ctx, desk.System, desk.TicketFilter{Limit: 100, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page.Items...)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if len(all) != res.Tickets {
			t.Errorf("listed %d tickets, loaded %d", len(all), res.Tickets)
		}
		statuses, channels := map[desk.Status]int{}, map[desk.Channel]int{}
		assigned, oldest := 0, now
		for _, tk := range all {
			statuses[tk.Status]++
			channels[tk.Channel]++
			if tk.Assignee != nil {
				assigned++
			}
			if tk.CreatedAt.Before(oldest) {
				oldest = tk.CreatedAt
			}
			if tk.CreatedAt.After(now) || tk.UpdatedAt.After(now) {
				t.Errorf("ticket %d is in the future: %v", tk.ID, tk.UpdatedAt)
			}
		}
		for _, s := range desk.Statuses {
			if statuses[s] == 0 {
				t.Errorf("no %s tickets: %v", s, statuses)
			}
		}
		for _, c := range desk.Channels {
			if channels[c] == 0 {
				t.Errorf("no %s tickets: %v", c, channels)
			}
		}
		if assigned < len(all)/2 {
			t.Errorf("only %d of %d tickets assigned", assigned, len(all))
		}
		if now.Sub(oldest) < 20*24*time.Hour {
			t.Errorf("history starts only at %v", oldest)
		}

		// Customers write in their languages.
		for _, q := range []string{"prijaviti", "prisijungti", "Ευχαριστώ", "Pozdravljeni"} {
			page, err := svc.List(ctx, desk.System, desk.TicketFilter{Query: q, Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) == 0 {
				t.Errorf("no ticket found for %q", q)
			}
		}

		// Customers' email answers quote the reply they answer; the thread
		// keeps only what they wrote and the quote in the full text.
		quoted := 0
		for _, tk := range all {
			if tk.Channel != desk.ChannelEmail || tk.MessageCount < 3 || quoted > 0 {
				continue
			}
			ms, err := svc.Messages(ctx, desk.System, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if m.FullText != "" {
					if m.Direction != desk.Inbound || !strings.HasPrefix(m.FullText, m.Text) || !strings.Contains(m.FullText, "\n> ") {
						t.Errorf("ticket %d: quoted answer text=%q full=%q", tk.ID, m.Text, m.FullText)
					}
					quoted++
				}
			}
		}
		if quoted == 0 {
			t.Errorf("no email answer with quoted history in the demo")
		}

		checkChats(t, st)

		// The demo login works for the admin.
		ag, err := team.New(st, desk.SystemClock{}).AgentByEmail(ctx, desk.System, AdminEmail)
		if err != nil || ag.Role != desk.RoleAdmin {
			t.Errorf("admin: %+v, %v", ag, err)
		}
	})
}

func TestDeterministic(t *testing.T) {
	ctx := context.Background()
	var subjects [2][]string
	var results [2]Result
	for i := range 2 {
		st := storetest.NewSQLite(t)
		res, err := LoadWith(ctx, st, now, Options{Tickets: 60})
		if err != nil {
			t.Fatal(err)
		}
		results[i] = res
		page, err := ticket.New(st, realtime.NewLocal(0), desk.SystemClock{}).List(ctx, desk.System, desk.TicketFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range page.Items {
			subjects[i] = append(subjects[i], string(tk.Status)+" "+tk.Subject+" "+tk.UpdatedAt.String())
		}
	}
	if results[0] != results[1] || !slices.Equal(subjects[0], subjects[1]) {
		t.Errorf("two loads differ:\n%+v\n%+v", results[0], results[1])
	}
}

// checkChats checks the sample chats: the Website channel with its
// invitation, four ended and rated chats whose messages are their
// tickets' (channel chat, resolved, assigned), with visitors who looked at
// pages first (one signed in on the site), and one chat still ringing.
func checkChats(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	clk := desk.NewFixedClock(now)
	tickets := ticket.New(st, realtime.NewLocal(0), clk)
	svc := chat.New(st, tickets, realtime.NewLocal(0), clk, chat.Options{})
	chs, err := svc.Channels(ctx, desk.System)
	if err != nil || len(chs) != 1 {
		t.Fatalf("chat channels: %v %+v", err, chs)
	}
	ch := chs[0]
	if ch.Name != "Website" || !slices.Contains(ch.Origins, SiteURL) || !slices.Contains(ch.Origins, "http://127.0.0.1:8080") ||
		ch.Team == nil || ch.Greeting == "" || !ch.Active {
		t.Errorf("chat channel: %+v", ch)
	}
	if invs, err := svc.Invitations(ctx, desk.System, ch.ID); err != nil || len(invs) != 1 || !chat.MatchURL(invs[0].URLPattern, SiteURL+"/pricing") {
		t.Errorf("invitations: %v %+v", err, invs)
	}
	ended, err := svc.ListChats(ctx, desk.System, chat.ChatFilter{Status: desk.ChatEnded})
	if err != nil || len(ended.Items) != 4 {
		t.Fatalf("ended chats: %v %+v", err, ended)
	}
	for _, c := range ended.Items {
		c, es, err := svc.Chat(ctx, desk.System, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Rating == nil || c.Agent == nil || c.EndedAt == nil || c.EndedAt.After(now) || len(es) < 5 {
			t.Errorf("chat %d: %+v with %d entries", c.ID, c, len(es))
			continue
		}
		tk, err := tickets.Get(ctx, desk.System, c.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		msgs := 0
		for _, e := range es {
			if e.Kind == desk.EntryMessage {
				msgs++
			}
		}
		if tk.Channel != desk.ChannelChat || tk.Status != desk.StatusResolved || tk.Assignee == nil || tk.Assignee.ID != c.Agent.ID ||
			tk.MessageCount != msgs {
			t.Errorf("ticket of chat %d: %+v (%d messages in the chat)", c.ID, tk, msgs)
		}
		d, err := svc.Visitor(ctx, desk.System, c.VisitorID)
		if err != nil || len(d.PageViews) < 2 || d.Visitor.Contact == nil || d.Visitor.Contact.Email == "" {
			t.Errorf("visitor of chat %d: %v %+v", c.ID, err, d)
		}
	}
	// Hannah was signed in on the site: her identity is verified; the
	// others typed theirs.
	verified := 0
	for _, c := range ended.Items {
		if c.VisitorVerified {
			verified++
			if c.VisitorName != "Hannah Schmidt" {
				t.Errorf("verified chat visitor: %+v", c)
			}
		}
	}
	if verified != 1 {
		t.Errorf("%d chats with a verified visitor, want 1", verified)
	}
	// Emily came back a day after a first look.
	emily := ended.Items[len(ended.Items)-1]
	if d, _ := svc.Visitor(ctx, desk.System, emily.VisitorID); d.Visitor.Visits != 2 || d.Visitor.Name != "Emily Carter" || d.Visitor.TimeZone == "" {
		t.Errorf("Emily: %+v", d.Visitor)
	}
	queued, err := svc.ListChats(ctx, desk.System, chat.ChatFilter{Status: desk.ChatQueued})
	if err != nil || len(queued.Items) != 1 || queued.Items[0].VisitorName != "Lena" || queued.Items[0].StartedAt.After(now) {
		t.Errorf("queued chats: %v %+v", err, queued)
	}
}

// TestChatOrigin checks the demo's chat channel allows the address the
// demo is served at.
func TestChatOrigin(t *testing.T) {
	st := storetest.NewSQLite(t)
	if _, err := LoadWith(context.Background(), st, now, Options{Tickets: 40, BaseURL: "http://demo.example:9000/"}); err != nil {
		t.Fatal(err)
	}
	chs, err := chat.New(st, ticket.New(st, nil, nil), nil, nil, chat.Options{}).Channels(context.Background(), desk.System)
	if err != nil || len(chs) != 1 || chs[0].Origins[0] != "http://demo.example:9000" || !chat.OriginAllowed(chs[0], "http://localhost:8080") {
		t.Fatalf("channel: %v %+v", err, chs)
	}
}
