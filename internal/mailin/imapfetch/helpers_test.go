package imapfetch

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"switchboard/internal/desk"
	"switchboard/internal/mailin"
	"switchboard/internal/store"
)

// testServer is go-imap's in-memory IMAP server on 127.0.0.1.
type testServer struct {
	t    *testing.T
	mem  *imapmemserver.Server
	addr string
	mu   sync.Mutex
	user map[string]*imapmemserver.User
}

// newTestServer starts a plain IMAP server (TLS with cfg non-nil, i.e.
// imaps) with IDLE available.
func newTestServer(t *testing.T, cfg *tls.Config) *testServer {
	t.Helper()
	mem := imapmemserver.New()
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	var ln net.Listener
	var err error
	if cfg != nil {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", cfg)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &testServer{t: t, mem: mem, addr: ln.Addr().String(), user: map[string]*imapmemserver.User{}}
}

// addUser (re)creates a user with an empty INBOX.
func (s *testServer) addUser(name, pass string) {
	s.t.Helper()
	u := imapmemserver.NewUser(name, pass)
	if err := u.Create("INBOX", nil); err != nil {
		s.t.Fatal(err)
	}
	s.mem.AddUser(u)
	s.mu.Lock()
	s.user[name] = u
	s.mu.Unlock()
}

// url is the IMAP URL of a user's folder on this server.
func (s *testServer) url(scheme, name, pass, folder string) string {
	u := url.URL{Scheme: scheme, User: url.UserPassword(name, pass), Host: s.addr, Path: "/" + folder}
	return u.String()
}

// appendMsg adds a message (identified by n) to a user's folder.
func (s *testServer) appendMsg(name, folder string, n int, flags ...imap.Flag) {
	s.t.Helper()
	s.mu.Lock()
	u := s.user[name]
	s.mu.Unlock()
	raw := testMessage(n)
	if _, err := u.Append(folder, bytes.NewReader(raw), &imap.AppendOptions{Flags: flags}); err != nil {
		s.t.Fatal(err)
	}
}

// recreate deletes and re-creates a folder: it gets a new UIDVALIDITY and
// its messages restart at UID 1.
func (s *testServer) recreate(name, folder string) {
	s.t.Helper()
	s.mu.Lock()
	u := s.user[name]
	s.mu.Unlock()
	if err := u.Delete(folder); err != nil {
		s.t.Fatal(err)
	}
	if err := u.Create(folder, nil); err != nil {
		s.t.Fatal(err)
	}
}

// seen returns, by UID, whether each message of a folder is \Seen, read
// with a second client (EXAMINE, so it changes nothing).
func (s *testServer) seen(name, pass, folder string) map[imap.UID]bool {
	s.t.Helper()
	c, err := imapclient.DialInsecure(s.addr, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(name, pass).Wait(); err != nil {
		s.t.Fatal(err)
	}
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		s.t.Fatal(err)
	}
	var all imap.UIDSet
	all.AddRange(1, 0)
	msgs, err := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		s.t.Fatal(err)
	}
	out := map[imap.UID]bool{}
	for _, m := range msgs {
		out[m.UID] = slices.Contains(m.Flags, imap.FlagSeen)
	}
	return out
}

// testMessage is message number n: Message-ID <n@test>, Subject "msg n".
func testMessage(n int) []byte {
	return fmt.Appendf(nil, "From: Ann <ann@example.com>\r\nTo: support@example.com\r\nSubject: msg %d\r\nMessage-ID: <%d@test>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n\r\nBody of message %d.\r\n", n, n, n)
}

var subjectRE = regexp.MustCompile(`Subject: msg (\d+)`)

// msgNum returns the n of a testMessage.
func msgNum(raw []byte) int {
	m := subjectRE.FindSubmatch(raw)
	if m == nil {
		return -1
	}
	var n int
	fmt.Sscan(string(m[1]), &n)
	return n
}

// fakeDeliverer records deliveries; fail, when set, decides an error per
// message (called before recording).
type fakeDeliverer struct {
	mu    sync.Mutex
	calls []int // every call, in order
	got   []int // accepted messages, in order (duplicates included)
	fail  func(n, attempt int) error
	tries map[int]int
}

func (d *fakeDeliverer) Deliver(_ context.Context, _ desk.Mailbox, raw []byte, src mailin.Source) (mailin.Result, error) {
	if src != mailin.SourceIMAP {
		return mailin.Result{}, fmt.Errorf("source %q, want imap", src)
	}
	n := msgNum(raw)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tries == nil {
		d.tries = map[int]int{}
	}
	d.calls = append(d.calls, n)
	d.tries[n]++
	if d.fail != nil {
		if err := d.fail(n, d.tries[n]); err != nil {
			return mailin.Result{}, err
		}
	}
	d.got = append(d.got, n)
	return mailin.Result{Outcome: mailin.OutcomeTicket}, nil
}

// accepted returns the accepted messages so far.
func (d *fakeDeliverer) accepted() []int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.got)
}

// unique returns the distinct accepted messages, sorted (what a
// Message-ID dedupe would store).
func (d *fakeDeliverer) unique() []int {
	u := d.accepted()
	slices.Sort(u)
	return slices.Compact(u)
}

// eventually waits for cond, failing the test after the deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// addMailbox stores an active IMAP mailbox.
func addMailbox(t *testing.T, st *store.Store, address, imapURL string) desk.Mailbox {
	t.Helper()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	mb := desk.Mailbox{Address: address, Name: "Support", Inbound: desk.InboundIMAP, IMAPURL: imapURL,
		Active: true, ReopenDays: 30, CreatedAt: now, UpdatedAt: now}
	if err := st.Write(context.Background(), func(tx *store.Tx) error { return tx.InsertMailbox(context.Background(), &mb) }); err != nil {
		t.Fatal(err)
	}
	return mb
}

// state reads the stored IMAP state of a mailbox.
func state(t *testing.T, st *store.Store, id int64) desk.IMAPState {
	t.Helper()
	s, err := st.Read().IMAPState(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mailbox reads a mailbox back.
func mailbox(t *testing.T, st *store.Store, id int64) desk.Mailbox {
	t.Helper()
	mb, err := st.Read().Mailbox(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return mb
}

// testOptions are fast settings for tests: short backoff, IDLE on, and a
// poll interval long enough that only IDLE can explain prompt delivery.
func testOptions() Options {
	return Options{
		Reload:      20 * time.Millisecond,
		Poll:        time.Hour,
		IdleRestart: time.Hour,
		Backoff:     func(int) time.Duration { return 10 * time.Millisecond },
		Clock:       desk.NewFixedClock(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)),
	}
}

// testLogger discards logs unless -v.
func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(tWriter{t}, nil))
	}
	return slog.New(slog.DiscardHandler)
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimSpace(p)))
	return len(p), nil
}

// startFetcher runs a Fetcher until the test ends or stop is called.
func startFetcher(t *testing.T, st *store.Store, d Deliverer, mb desk.Mailbox, opts Options) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	f := NewFetcher(st, d, testLogger(t), mb, opts)
	go func() { defer close(done); f.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}
