package imapfetch

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// Manager runs one Fetcher per active IMAP mailbox, following the store:
// it re-reads the mailboxes every Options.Reload, starts fetchers for new
// ones, restarts a fetcher whose IMAP URL changed and stops those removed,
// deactivated or switched to another inbound mode.
type Manager struct {
	st   *store.Store
	d    Deliverer
	log  *slog.Logger
	opts Options

	mu      sync.Mutex
	running map[int64]*runningFetcher
}

// runningFetcher is a started Fetcher and how to stop it.
type runningFetcher struct {
	f      *Fetcher
	url    string
	cancel context.CancelFunc
	done   chan struct{}
	unlock func() // releases the mailbox's cluster-wide lock
}

// lockKey names the lock that lets one instance (of several sharing a
// PostgreSQL database) fetch a mailbox.
func lockKey(mailboxID int64) int64 { return 0x5b1a_0000_0000 + mailboxID }

// NewManager returns a Manager delivering through d.
func NewManager(st *store.Store, d Deliverer, log *slog.Logger, opts Options) *Manager {
	if log == nil {
		log = slog.Default()
	}
	return &Manager{st: st, d: d, log: log, opts: opts.withDefaults(), running: map[int64]*runningFetcher{}}
}

// Run follows the mailboxes until ctx ends, then stops every fetcher and
// returns nil. A failing read of the mailboxes is logged and retried at
// the next reload; running fetchers go on.
func (m *Manager) Run(ctx context.Context) error {
	defer m.stopAll()
	t := time.NewTicker(m.opts.Reload)
	defer t.Stop()
	for {
		m.sync(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Running returns the ids of the mailboxes being fetched, in order.
func (m *Manager) Running() []int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]int64, 0, len(m.running))
	for id := range m.running {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// sync brings the running fetchers in line with the store.
func (m *Manager) sync(ctx context.Context) {
	mbs, err := m.st.Read().Mailboxes(ctx)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Error("imap: read mailboxes", "err", err)
		}
		return
	}
	want := map[int64]desk.Mailbox{}
	for _, mb := range mbs {
		if mb.Active && mb.Inbound == desk.InboundIMAP && mb.IMAPURL != "" {
			want[mb.ID] = mb
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, r := range m.running {
		mb, ok := want[id]
		if ok && mb.IMAPURL == r.url {
			r.f.Update(mb)
			continue
		}
		reason := "removed or inactive"
		if ok {
			reason = "IMAP URL changed"
		}
		m.log.Info("imap: stopping fetcher", "mailbox_id", id, "reason", reason)
		r.cancel()
		<-r.done // never two fetchers on one mailbox
		r.unlock()
		delete(m.running, id)
	}
	for id, mb := range want {
		if _, ok := m.running[id]; ok || ctx.Err() != nil {
			continue
		}
		// Another instance may be fetching it: then this one tries again
		// at the next reload, and takes over if that instance went away.
		unlock, ok, err := m.st.TryLock(ctx, lockKey(id))
		if err != nil {
			m.log.Error("imap: lock mailbox", "mailbox_id", id, "err", err)
			continue
		}
		if !ok {
			continue
		}
		f := NewFetcher(m.st, m.d, m.log, mb, m.opts)
		fctx, cancel := context.WithCancel(ctx)
		r := &runningFetcher{f: f, url: mb.IMAPURL, cancel: cancel, done: make(chan struct{}), unlock: unlock}
		m.running[id] = r
		m.log.Info("imap: starting fetcher", "mailbox_id", id, "mailbox", mb.Address, "imap", desk.RedactURL(mb.IMAPURL))
		go func() {
			defer close(r.done)
			f.Run(fctx)
		}()
	}
}

// stopAll stops every fetcher and waits for them.
func (m *Manager) stopAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, r := range m.running {
		r.cancel()
		<-r.done
		r.unlock()
		delete(m.running, id)
	}
}
