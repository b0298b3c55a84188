package imapfetch

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"switchboard/internal/desk"
	"switchboard/internal/mail/mailtest"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

func TestFetchOnceInOrderSeenRestartIdle(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, nil)
		srv.addUser("bob", "pw")
		srv.appendMsg("bob", "INBOX", 1, imap.FlagSeen) // already read in a mail client
		srv.appendMsg("bob", "INBOX", 2)
		srv.appendMsg("bob", "INBOX", 3, imap.FlagSeen, imap.FlagFlagged)
		mb := addMailbox(t, st, "support@example.com", srv.url("imap", "bob", "pw", "INBOX"))
		d := &fakeDeliverer{}

		stop := startFetcher(t, st, d, mb, testOptions())
		eventually(t, "messages 1-3", func() bool { return len(d.accepted()) >= 3 })
		if got := d.accepted(); !slices.Equal(got, []int{1, 2, 3}) {
			t.Fatalf("delivered %v, want [1 2 3] once each in UID order", got)
		}
		eventually(t, "all seen", func() bool {
			s := srv.seen("bob", "pw", "INBOX")
			return len(s) == 3 && s[1] && s[2] && s[3]
		})
		if s := state(t, st, mb.ID); s.LastUID != 3 || s.UIDValidity == 0 {
			t.Errorf("state %+v, want last uid 3", s)
		}
		eventually(t, "status ok with a fetch time", func() bool {
			m := mailbox(t, st, mb.ID)
			return m.Status == desk.MailboxOK && m.LastFetchAt != nil
		})

		// New mail while idling: Poll is an hour, so only IDLE fetches it.
		srv.appendMsg("bob", "INBOX", 4)
		eventually(t, "message 4 via IDLE", func() bool { return len(d.accepted()) >= 4 })

		// A restart delivers nothing twice (UID 5:* also matches UID 4,
		// the newest, which must be filtered out).
		stop()
		startFetcher(t, st, d, mb, testOptions())
		srv.appendMsg("bob", "INBOX", 5)
		eventually(t, "message 5 after restart", func() bool { return len(d.accepted()) >= 5 })
		if got := d.accepted(); !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
			t.Fatalf("delivered %v, want [1 2 3 4 5]", got)
		}
		if s := state(t, st, mb.ID); s.LastUID != 5 {
			t.Errorf("state %+v, want last uid 5", s)
		}
	})
}

func TestRestartWithNothingNewDeliversNothing(t *testing.T) {
	st := storetest.NewSQLite(t)
	srv := newTestServer(t, nil)
	srv.addUser("bob", "pw")
	srv.appendMsg("bob", "INBOX", 1)
	srv.appendMsg("bob", "INBOX", 2)
	mb := addMailbox(t, st, "support@example.com", srv.url("imap", "bob", "pw", ""))
	d := &fakeDeliverer{}
	stop := startFetcher(t, st, d, mb, testOptions())
	eventually(t, "messages 1-2", func() bool { return len(d.accepted()) >= 2 })
	stop()
	// The second fetcher's round ends with an ok status and a newer fetch
	// time: by then it has seen UID 2 again through "3:*" and skipped it.
	opts := testOptions()
	clk := desk.NewFixedClock(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	opts.Clock = clk
	startFetcher(t, st, d, mb, opts)
	eventually(t, "second round", func() bool {
		m := mailbox(t, st, mb.ID)
		return m.LastFetchAt != nil && m.LastFetchAt.Equal(clk.Now())
	})
	if got := d.accepted(); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("delivered %v, want [1 2]", got)
	}
}

func TestPollWithoutIdle(t *testing.T) {
	st := storetest.NewSQLite(t)
	srv := newTestServer(t, nil)
	srv.addUser("bob", "pw")
	mb := addMailbox(t, st, "support@example.com", srv.url("imap", "bob", "pw", "INBOX"))
	d := &fakeDeliverer{}
	opts := testOptions()
	opts.NoIdle = true
	opts.Poll = 20 * time.Millisecond
	startFetcher(t, st, d, mb, opts)
	srv.appendMsg("bob", "INBOX", 1)
	eventually(t, "polled message", func() bool { return len(d.accepted()) >= 1 })
	srv.appendMsg("bob", "INBOX", 2)
	eventually(t, "second polled message", func() bool { return len(d.accepted()) >= 2 })
	if got := d.accepted(); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("delivered %v, want [1 2]", got)
	}
}

func TestUIDValidityChangeRefetches(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, nil)
		srv.addUser("bob", "pw")
		srv.appendMsg("bob", "INBOX", 1)
		srv.appendMsg("bob", "INBOX", 2)
		mb := addMailbox(t, st, "support@example.com", srv.url("imap", "bob", "pw", "INBOX"))
		d := &fakeDeliverer{}
		stop := startFetcher(t, st, d, mb, testOptions())
		eventually(t, "messages 1-2", func() bool { return len(d.accepted()) >= 2 })
		stop()
		before := state(t, st, mb.ID)

		// The folder is rebuilt (e.g. restored): new UIDVALIDITY, UIDs from 1.
		srv.recreate("bob", "INBOX")
		srv.appendMsg("bob", "INBOX", 1)
		srv.appendMsg("bob", "INBOX", 2)
		srv.appendMsg("bob", "INBOX", 3)
		startFetcher(t, st, d, mb, testOptions())
		eventually(t, "message 3", func() bool { return slices.Contains(d.accepted(), 3) })
		if got := d.accepted(); !slices.Equal(got, []int{1, 2, 1, 2, 3}) {
			t.Fatalf("delivered %v, want [1 2] then the whole new folder [1 2 3]", got)
		}
		if got := d.unique(); !slices.Equal(got, []int{1, 2, 3}) {
			t.Errorf("after dedupe %v, want [1 2 3]", got)
		}
		after := state(t, st, mb.ID)
		if after.UIDValidity == before.UIDValidity || after.LastUID != 3 {
			t.Errorf("state %+v after %+v: want the new UIDVALIDITY at uid 3", after, before)
		}
	})
}

func TestTemporaryErrorRetriesWithoutAdvancing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, nil)
		srv.addUser("bob", "pw")
		for n := 1; n <= 3; n++ {
			srv.appendMsg("bob", "INBOX", n)
		}
		mb := addMailbox(t, st, "support@example.com", srv.url("imap", "bob", "pw", "INBOX"))
		var atRetry desk.IMAPState
		var statusAtRetry string
		d := &fakeDeliverer{fail: func(n, attempt int) error {
			if n != 2 {
				return nil
			}
			if attempt == 1 {
				return errors.New("database is busy")
			}
			atRetry = state(t, st, mb.ID)
			statusAtRetry = mailbox(t, st, mb.ID).LastError
			return nil
		}}
		startFetcher(t, st, d, mb, testOptions())
		eventually(t, "messages 1-3", func() bool { return len(d.accepted()) >= 3 })
		if got := d.accepted(); !slices.Equal(got, []int{1, 2, 3}) {
			t.Fatalf("accepted %v, want [1 2 3]", got)
		}
		d.mu.Lock()
		calls := slices.Clone(d.calls)
		d.mu.Unlock()
		if !slices.Equal(calls, []int{1, 2, 2, 3}) {
			t.Errorf("calls %v, want [1 2 2 3]", calls)
		}
		if atRetry.LastUID != 1 {
			t.Errorf("state at the retry %+v, want last uid 1 (not advanced past the failed message)", atRetry)
		}
		if !strings.Contains(statusAtRetry, "database is busy") {
			t.Errorf("last error at the retry %q, want the delivery error", statusAtRetry)
		}
		eventually(t, "status ok", func() bool { return mailbox(t, st, mb.ID).Status == desk.MailboxOK })
	})
}

func TestRefusedMessageSkippedAndLeftUnseen(t *testing.T) {
	st := storetest.NewSQLite(t)
	srv := newTestServer(t, nil)
	srv.addUser("bob", "pw")
	for n := 1; n <= 3; n++ {
		srv.appendMsg("bob", "INBOX", n)
	}
	mb := addMailbox(t, st, "support@example.com", srv.url("imap", "bob", "pw", "INBOX"))
	d := &fakeDeliverer{fail: func(n, _ int) error {
		if n == 2 {
			return desk.Errorf(desk.EInvalid, "Unusable message.")
		}
		return nil
	}}
	startFetcher(t, st, d, mb, testOptions())
	eventually(t, "state at uid 3", func() bool { return state(t, st, mb.ID).LastUID == 3 })
	eventually(t, "1 and 3 seen", func() bool {
		s := srv.seen("bob", "pw", "INBOX")
		return s[1] && s[3]
	})
	if s := srv.seen("bob", "pw", "INBOX"); s[2] {
		t.Error("the refused message was marked seen")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !slices.Equal(d.calls, []int{1, 2, 3}) || !slices.Equal(d.got, []int{1, 3}) {
		t.Errorf("calls %v accepted %v, want calls [1 2 3] accepted [1 3]", d.calls, d.got)
	}
}

func TestWrongPasswordMarksFailingThenOK(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		const pass = "hunter2 p@ss/w:rd"
		srv := newTestServer(t, nil)
		srv.addUser("bob", "another password")
		mb := addMailbox(t, st, "support@example.com", srv.url("imap", "bob", pass, "INBOX"))
		d := &fakeDeliverer{}
		startFetcher(t, st, d, mb, testOptions())
		var failing desk.Mailbox
		eventually(t, "failing status", func() bool {
			failing = mailbox(t, st, mb.ID)
			return failing.Status == desk.MailboxFailing
		})
		if failing.LastError == "" || failing.LastErrorAt == nil {
			t.Errorf("failing mailbox without error or time: %+v", failing)
		}
		if !strings.Contains(failing.LastError, "log in") {
			t.Errorf("last error %q does not say the login failed", failing.LastError)
		}
		if strings.Contains(failing.LastError, "hunter2") || strings.Contains(failing.LastError, "p%40ss") {
			t.Errorf("last error %q contains the password", failing.LastError)
		}
		// The account is fixed on the server: the retry succeeds.
		srv.addUser("bob", pass)
		srv.appendMsg("bob", "INBOX", 1)
		eventually(t, "delivery after the fix", func() bool { return len(d.accepted()) == 1 })
		eventually(t, "ok status", func() bool {
			m := mailbox(t, st, mb.ID)
			return m.Status == desk.MailboxOK && m.LastError == ""
		})
	})
}

func TestImplicitTLS(t *testing.T) {
	st := storetest.NewSQLite(t)
	srvTLS, cliTLS := mailtest.SelfSignedTLS(t)
	srv := newTestServer(t, srvTLS)
	srv.addUser("bob", "pw")
	srv.appendMsg("bob", "INBOX", 1)

	// Without the root pool the self-signed certificate is refused.
	bad := addMailbox(t, st, "untrusted@example.com", srv.url("imaps", "bob", "pw", "INBOX"))
	d0 := &fakeDeliverer{}
	startFetcher(t, st, d0, bad, testOptions())
	eventually(t, "certificate failure", func() bool {
		m := mailbox(t, st, bad.ID)
		return m.Status == desk.MailboxFailing && strings.Contains(m.LastError, "certificate")
	})

	mb := addMailbox(t, st, "support@example.com", srv.url("imaps", "bob", "pw", "INBOX"))
	opts := testOptions()
	opts.TLSConfig = cliTLS
	d := &fakeDeliverer{}
	startFetcher(t, st, d, mb, opts)
	eventually(t, "message over imaps", func() bool { return len(d.accepted()) == 1 })
	if len(d0.accepted()) != 0 {
		t.Error("delivered over an untrusted connection")
	}
}

func TestStopsWhenContextEnds(t *testing.T) {
	st := storetest.NewSQLite(t)
	srv := newTestServer(t, nil)
	srv.addUser("bob", "pw")
	mb := addMailbox(t, st, "support@example.com", srv.url("imap", "bob", "pw", "INBOX"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	d := &fakeDeliverer{}
	go func() { defer close(done); NewFetcher(st, d, testLogger(t), mb, testOptions()).Run(ctx) }()
	eventually(t, "first round", func() bool { return mailbox(t, st, mb.ID).LastFetchAt != nil })
	cancel() // while idling
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("fetcher did not stop")
	}
}
