package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

func TestMailboxesAndIMAPState(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := store.Now(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		mb := desk.Mailbox{Address: "help@acme.example", Name: "Help", Inbound: desk.InboundIMAP,
			IMAPURL: "imaps://u:p@imap.acme.example/INBOX", Active: true, ReopenDays: 30, CreatedAt: now, UpdatedAt: now}
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.InsertMailbox(ctx, &mb) }); err != nil {
			t.Fatal(err)
		}
		dup := mb
		err := st.Write(ctx, func(tx *store.Tx) error { return tx.InsertMailbox(ctx, &dup) })
		if desk.ErrorCode(err) != desk.EConflict {
			t.Fatalf("duplicate address: %v, want conflict", err)
		}
		set := func(s desk.IMAPState) {
			t.Helper()
			if err := st.Write(ctx, func(tx *store.Tx) error { return tx.SetIMAPState(ctx, mb.ID, s) }); err != nil {
				t.Fatal(err)
			}
		}
		get := func() desk.IMAPState {
			t.Helper()
			s, err := st.Read().IMAPState(ctx, mb.ID)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		set(desk.IMAPState{UIDValidity: 7, LastUID: 10})
		set(desk.IMAPState{UIDValidity: 7, LastUID: 4}) // never backwards for the same UIDVALIDITY
		if s := get(); s != (desk.IMAPState{UIDValidity: 7, LastUID: 10}) {
			t.Fatalf("state = %+v, want 7/10", s)
		}
		set(desk.IMAPState{UIDValidity: 8, LastUID: 2}) // a new UIDVALIDITY starts over
		if s := get(); s != (desk.IMAPState{UIDValidity: 8, LastUID: 2}) {
			t.Fatalf("state = %+v, want 8/2", s)
		}
		// Another IMAP URL starts the new folder from its beginning.
		mb.IMAPURL = "imaps://u:p@imap.acme.example/Support"
		mb.UpdatedAt = now
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.UpdateMailbox(ctx, mb) }); err != nil {
			t.Fatal(err)
		}
		if s := get(); s != (desk.IMAPState{}) {
			t.Fatalf("state after a new URL = %+v, want zero", s)
		}
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.SetMailboxStatus(ctx, mb.ID, "login failed", false, now) }); err != nil {
			t.Fatal(err)
		}
		got, err := st.Read().MailboxByAddress(ctx, "HELP@acme.example")
		if err != nil || got.Status != desk.MailboxFailing || got.LastError != "login failed" || got.LastErrorAt == nil {
			t.Fatalf("failing mailbox = %+v, %v", got, err)
		}
	})
}

func TestOutboundQueue(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := store.Now(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		var ids []int64
		for i, mid := range []string{"a@x", "b@x", "c@x"} {
			o := store.OutboundMail{MessageID: mid, MailFrom: "help@acme.example", Rcpt: "ana@example.com",
				Raw: []byte("raw"), CreatedAt: now.Add(time.Duration(i) * time.Second)}
			if err := st.Write(ctx, func(tx *store.Tx) error { return tx.EnqueueOutbound(ctx, &o) }); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, o.ID)
		}
		claim := func(at time.Time, n int) []store.OutboundMail {
			t.Helper()
			var got []store.OutboundMail
			if err := st.Write(ctx, func(tx *store.Tx) error {
				var err error
				got, err = tx.ClaimOutbound(ctx, at, time.Minute, n)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return got
		}
		at := now.Add(5 * time.Second)
		first := claim(at, 2)
		if len(first) != 2 || first[0].ID != ids[0] || first[0].Attempts != 1 || first[0].Status != "sending" {
			t.Fatalf("first claim = %+v", first)
		}
		second := claim(at, 5) // the leased two are not taken again
		if len(second) != 1 || second[0].ID != ids[2] {
			t.Fatalf("second claim = %+v", second)
		}
		// A sender that died: after the lease the email is due again, with
		// the same Message-ID and bytes.
		again := claim(at.Add(2*time.Minute), 5)
		if len(again) != 3 || again[0].MessageID != "a@x" || again[0].Attempts != 2 || string(again[0].Raw) != "raw" {
			t.Fatalf("after the lease = %+v", again)
		}
		if err := st.Write(ctx, func(tx *store.Tx) error {
			if err := tx.MarkOutboundSent(ctx, ids[0], at); err != nil {
				return err
			}
			if err := tx.RetryOutbound(ctx, ids[1], at.Add(time.Hour), "451 try later"); err != nil {
				return err
			}
			return tx.FailOutbound(ctx, ids[2], "550 no such user")
		}); err != nil {
			t.Fatal(err)
		}
		due, ok, err := st.Read().NextQueuedDue(ctx)
		if err != nil || !ok || !due.Equal(at.Add(time.Hour)) {
			t.Fatalf("next due = %v %v %v", due, ok, err)
		}
		if got := claim(at.Add(3*time.Minute), 5); len(got) != 0 {
			t.Fatalf("claimed %+v before the retry time", got)
		}
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.RequeueOutbound(ctx, ids[0], at) }); desk.ErrorCode(err) != desk.ENotFound {
			t.Fatalf("requeue of a sent email: %v, want not found", err)
		}
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.RequeueOutbound(ctx, ids[2], at) }); err != nil {
			t.Fatal(err)
		}
		o, err := st.Read().OutboundByMessageID(ctx, "c@x")
		if err != nil || o.Status != "queued" || o.Attempts != 0 {
			t.Fatalf("requeued = %+v, %v", o, err)
		}
	})
}

func TestWriteDurable(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := store.Now(time.Now())
		boom := errors.New("boom")
		err := st.WriteDurable(ctx, func(tx *store.Tx) error {
			if _, err := tx.PutBlob(ctx, []byte("rolled back"), now); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		var sha string
		if err := st.WriteDurable(ctx, func(tx *store.Tx) error {
			var err error
			sha, err = tx.PutBlob(ctx, []byte("kept"), now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if b, err := st.Read().Blob(ctx, sha); err != nil || string(b) != "kept" {
			t.Fatalf("blob = %q, %v", b, err)
		}
		// Ordinary writes still work afterwards on the same connection.
		if err := st.Write(ctx, func(tx *store.Tx) error { _, err := tx.PutBlob(ctx, []byte("x"), now); return err }); err != nil {
			t.Fatal(err)
		}
	})
}
