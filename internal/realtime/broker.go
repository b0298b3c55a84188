// Package realtime carries events from services to agents' browsers: a
// Broker interface that services publish to after their transaction
// commits, an in-process implementation for a single instance (Local), one
// for several instances sharing a PostgreSQL database (Postgres: LISTEN/
// NOTIFY, delivering through a Local), and a presence tracker for
// collision warnings (who views or replies to a ticket).
package realtime

import (
	"context"
	"sync"
	"time"
)

// Event types.
const (
	TicketCreated  = "ticket.created"
	TicketUpdated  = "ticket.updated"
	MessageCreated = "message.created"
	Presence       = "presence"
)

// Event is one thing that happened, published after it was committed.
type Event struct {
	Type     string    `json:"type"`
	TicketID int64     `json:"ticket_id,omitempty"`
	AgentID  int64     `json:"agent_id,omitempty"` // who caused it (0 for system/customer)
	Data     any       `json:"data,omitempty"`
	At       time.Time `json:"at"`
}

// Broker fans events out to subscribers. Implementations: Local (one
// process) and Postgres (several processes on one PostgreSQL database).
type Broker interface {
	// Publish delivers ev to every current subscriber. It never blocks on a
	// slow subscriber: that subscriber misses events and is told to resync.
	Publish(ctx context.Context, ev Event)
	// Subscribe returns a channel of events and a cancel function. The
	// channel is closed after cancel or when the subscriber fell behind.
	Subscribe() (<-chan Event, func())
}

// Local is the in-process Broker.
type Local struct {
	mu   sync.Mutex
	subs map[chan Event]struct{}
	buf  int
}

// NewLocal returns an in-process broker whose subscribers buffer buf events.
func NewLocal(buf int) *Local {
	if buf <= 0 {
		buf = 64
	}
	return &Local{subs: map[chan Event]struct{}{}, buf: buf}
}

// Publish implements Broker.
func (b *Local) Publish(_ context.Context, ev Event) {
	if ev.At.IsZero() {
		ev.At = time.Now().UTC()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- ev:
		default: // too slow: drop the subscriber; its client reconnects and reloads
			delete(b.subs, ch)
			close(ch)
		}
	}
}

// Subscribe implements Broker.
func (b *Local) Subscribe() (<-chan Event, func()) { return b.SubscribeN(b.buf) }

// SubscribeN is Subscribe with a buffer of n events, for a subscriber that
// fans out to many (the chat hub) and must not fall behind in a burst.
func (b *Local) SubscribeN(n int) (<-chan Event, func()) {
	ch := make(chan Event, max(n, 1))
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			if _, ok := b.subs[ch]; ok {
				delete(b.subs, ch)
				close(ch)
			}
			b.mu.Unlock()
		})
	}
}

// Resync tells every current subscriber it missed events: each channel is
// closed (as for a subscriber that fell behind), so an SSE stream sends its
// browser "resync" and a background listener subscribes again. The
// PostgreSQL broker calls it after its listening connection was lost.
func (b *Local) Resync() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		delete(b.subs, ch)
		close(ch)
	}
}

// Subscribers returns how many subscribers are connected (for metrics).
func (b *Local) Subscribers() int { b.mu.Lock(); defer b.mu.Unlock(); return len(b.subs) }
