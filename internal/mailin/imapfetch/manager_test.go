package imapfetch

import (
	"context"
	"slices"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

func TestManagerFollowsMailboxes(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		srv := newTestServer(t, nil)
		srv.addUser("bob", "pw")
		srv.appendMsg("bob", "INBOX", 1)
		d := &fakeDeliverer{}
		m := NewManager(st, d, testLogger(t), testOptions())
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- m.Run(runCtx) }()
		defer func() {
			cancel()
			<-done
		}()

		// Mailboxes that are not active IMAP ones are left alone.
		smtp := desk.Mailbox{Address: "smtp@example.com", Inbound: desk.InboundSMTP, Active: true}
		off := desk.Mailbox{Address: "off@example.com", Inbound: desk.InboundIMAP, IMAPURL: srv.url("imap", "bob", "pw", "INBOX")}
		for _, mb := range []*desk.Mailbox{&smtp, &off} {
			if err := st.Write(ctx, func(tx *store.Tx) error { return tx.InsertMailbox(ctx, mb) }); err != nil {
				t.Fatal(err)
			}
		}

		// A mailbox added while running is picked up.
		mb := addMailbox(t, st, "support@example.com", srv.url("imap", "bob", "pw", "INBOX"))
		eventually(t, "the new mailbox fetched", func() bool { return len(d.accepted()) == 1 })
		if got := m.Running(); !slices.Equal(got, []int64{mb.ID}) {
			t.Errorf("running %v, want only [%d]", got, mb.ID)
		}

		// A changed IMAP URL restarts the fetcher on the new folder.
		if err := srv.user["bob"].Create("Support", nil); err != nil {
			t.Fatal(err)
		}
		srv.appendMsg("bob", "Support", 2)
		mb = mailbox(t, st, mb.ID)
		mb.IMAPURL = srv.url("imap", "bob", "pw", "Support")
		mb.UpdatedAt = time.Now()
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.UpdateMailbox(ctx, mb) }); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the new folder fetched", func() bool { return len(d.accepted()) == 2 })
		if got := d.accepted(); !slices.Equal(got, []int{1, 2}) {
			t.Errorf("delivered %v, want [1 2]", got)
		}

		// A deactivated mailbox is stopped.
		mb.Active = false
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.UpdateMailbox(ctx, mb) }); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the fetcher stopped", func() bool { return len(m.Running()) == 0 })

		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return")
		}
		done <- nil // for the deferred wait
	})
}

// TestOneFetcherPerMailboxAcrossInstances: two Managers sharing a
// PostgreSQL database (two instances of serve) fetch a mailbox from one of
// them only; when that one stops, the other takes over.
func TestOneFetcherPerMailboxAcrossInstances(t *testing.T) {
	st := storetest.NewPostgres(t)
	srv := newTestServer(t, nil)
	srv.addUser("bob", "pw")
	srv.appendMsg("bob", "INBOX", 1)
	mb := addMailbox(t, st, "support@example.com", srv.url("imap", "bob", "pw", "INBOX"))
	d := &fakeDeliverer{}
	start := func() (*Manager, context.CancelFunc, chan error) {
		m := NewManager(st, d, testLogger(t), testOptions())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- m.Run(ctx) }()
		return m, cancel, done
	}
	m1, stop1, done1 := start()
	eventually(t, "the mailbox fetched", func() bool { return len(d.accepted()) == 1 })
	m2, stop2, done2 := start()
	defer func() { stop2(); <-done2 }()
	// m2 has had several reloads to try; it must not have started.
	time.Sleep(3 * testOptions().Reload)
	if len(m1.Running()) != 1 || len(m2.Running()) != 0 {
		t.Fatalf("running: first %v, second %v; want the mailbox on the first only", m1.Running(), m2.Running())
	}
	stop1()
	<-done1
	eventually(t, "the second instance takes over", func() bool { return slices.Equal(m2.Running(), []int64{mb.ID}) })
	srv.appendMsg("bob", "INBOX", 2)
	eventually(t, "new mail fetched by the second", func() bool { return len(d.accepted()) == 2 })
	if got := d.accepted(); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("delivered %v, want [1 2] (each once)", got)
	}
}
