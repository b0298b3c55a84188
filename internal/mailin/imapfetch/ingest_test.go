package imapfetch

import (
	"context"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/mailin"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

// TestWithIngester fetches into the real ingest core: each message becomes
// one ticket, and refetching a rebuilt folder (new UIDVALIDITY) stores no
// second copy.
func TestWithIngester(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := desk.NewFixedClock(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
		tm, err := team.New(st, clk).CreateTeam(ctx, desk.System, "Support", nil)
		if err != nil {
			t.Fatal(err)
		}
		tickets := ticket.New(st, nil, clk)
		in := mailin.New(st, tickets, clk, mailin.Options{})

		srv := newTestServer(t, nil)
		srv.addUser("bob", "pw")
		srv.appendMsg("bob", "INBOX", 1)
		srv.appendMsg("bob", "INBOX", 2)
		mb := addMailbox(t, st, "support@example.com", srv.url("imap", "bob", "pw", "INBOX"))
		mb.Team = &desk.TeamRef{ID: tm.ID}
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.UpdateMailbox(ctx, mb) }); err != nil {
			t.Fatal(err)
		}
		mb = mailbox(t, st, mb.ID)

		inbound := func() []store.InboundMail {
			recs, err := st.Read().RecentInbound(ctx, mb.ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			return recs
		}
		stop := startFetcher(t, st, in, mb, testOptions())
		eventually(t, "two messages in", func() bool { return state(t, st, mb.ID).LastUID == 2 })
		stop()
		first := state(t, st, mb.ID)
		if recs := inbound(); len(recs) != 2 {
			t.Fatalf("%d inbound records, want 2", len(recs))
		}

		srv.recreate("bob", "INBOX")
		srv.appendMsg("bob", "INBOX", 1)
		srv.appendMsg("bob", "INBOX", 2)
		srv.appendMsg("bob", "INBOX", 3)
		startFetcher(t, st, in, mb, testOptions())
		eventually(t, "the rebuilt folder read", func() bool {
			s := state(t, st, mb.ID)
			return s.UIDValidity != first.UIDValidity && s.LastUID == 3
		})
		recs := inbound()
		if len(recs) != 3 {
			t.Fatalf("%d inbound records, want 3 (one per message)", len(recs))
		}
		seenTicket := map[int64]bool{}
		for _, r := range recs {
			if r.Source != string(mailin.SourceIMAP) || r.TicketID == nil || seenTicket[*r.TicketID] {
				t.Fatalf("inbound record %+v: want source imap and its own ticket", r)
			}
			seenTicket[*r.TicketID] = true
			ms, err := tickets.Messages(ctx, desk.System, *r.TicketID)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 1 {
				t.Errorf("ticket %d has %d messages, want 1", *r.TicketID, len(ms))
			}
			tk, err := tickets.Get(ctx, desk.System, *r.TicketID)
			if err != nil {
				t.Fatal(err)
			}
			if tk.Team == nil || tk.Team.ID != tm.ID || tk.Channel != desk.ChannelEmail {
				t.Errorf("ticket %+v: want the mailbox's team and the email channel", tk)
			}
		}
		eventually(t, "all seen", func() bool {
			s := srv.seen("bob", "pw", "INBOX")
			return s[1] && s[2] && s[3]
		})
	})
}
