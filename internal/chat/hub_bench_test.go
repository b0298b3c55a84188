package chat_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store/storetest"
	"switchboard/internal/ticket"
)

// hubBench is a hub with many widget connections, each read by its own
// goroutine as a transport would: events in, frames out.
type hubBench struct {
	br        *realtime.Local
	hub       *chat.Hub
	conns     []*chat.Conn
	seq       []int64 // the next entry of each visitor's chat
	delivered atomic.Int64
	inflight  chan struct{} // bounds the events on their way
	wg        sync.WaitGroup
}

// hubInFlight keeps the events on their way below the hub's subscription
// buffer, so the broker never drops the hub in a benchmark.
const hubInFlight = 4096

func newHubBench(b *testing.B, conns int) *hubBench {
	b.Helper()
	st := storetest.NewSQLite(b)
	br := realtime.NewLocal(0)
	svc := chat.New(st, ticket.New(st, br, nil), br, nil, chat.Options{})
	h := &hubBench{br: br, hub: chat.NewHub(svc), seq: make([]int64, conns), inflight: make(chan struct{}, hubInFlight)}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(func() { cancel(); h.wg.Wait() })
	go func() { _ = h.hub.Run(ctx) }()
	for br.Subscribers() == 0 {
		time.Sleep(time.Millisecond)
	}
	for i := range conns {
		// Visitor i+1 shows chat i+1 and has none of its entries yet.
		c := h.hub.Register(chat.Visitor{ChannelID: 1, VisitorID: int64(i + 1)}, int64(i+1), 0)
		h.conns = append(h.conns, c)
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			defer c.Close()
			for {
				select {
				case <-ctx.Done():
					return
				case <-c.Behind():
					b.Error("a connection fell behind")
					return
				case ev := <-c.Events():
					frames, err := c.Translate(ctx, ev)
					if err != nil || len(frames) != 1 || frames[0].T != "entry" {
						b.Errorf("translate: %v %+v", err, frames)
						return
					}
					h.delivered.Add(1)
					<-h.inflight
				}
			}
		}()
	}
	if n := h.hub.Connections(); n != int64(conns) {
		b.Fatalf("hub holds %d connections", n)
	}
	return h
}

// publish sends visitor i's next chat entry, as this process publishes it
// (remote false) or as it arrives from another instance through
// PostgreSQL, decoded from JSON (remote true).
func (h *hubBench) publish(i int, remote bool) {
	h.inflight <- struct{}{}
	h.seq[i]++
	id, seq := int64(i+1), h.seq[i]
	var data any = chat.EntryData{ChatID: id, VisitorID: id, Seq: seq, Entry: &desk.ChatEntry{ChatID: id, Seq: seq,
		Kind: desk.EntryMessage, Author: desk.AuthorAgent, Name: "Ana", Body: "Your order left the warehouse this morning.",
		CreatedAt: time.Unix(1_800_000_000, 0).UTC()}}
	if remote {
		data = map[string]any{"chat_id": float64(id), "visitor_id": float64(id), "seq": float64(seq),
			"entry": map[string]any{"chat_id": float64(id), "seq": float64(seq), "kind": "message", "author": "agent",
				"name": "Ana", "text": "Your order left the warehouse this morning.", "at": "2027-01-15T08:00:00Z"}}
	}
	h.br.Publish(context.Background(), realtime.Event{Type: chat.EventEntry, TicketID: id, Data: data})
}

// BenchmarkHubRoute is one chat entry published and delivered, as a frame,
// to the one widget (of 10,000 connected) it is for: broker, hub routing
// by visitor, the connection's queue and Translate. "remote" events came
// from another instance (their data decoded JSON).
func BenchmarkHubRoute(b *testing.B) {
	for _, remote := range []bool{false, true} {
		b.Run(map[bool]string{false: "local", true: "remote"}[remote], func(b *testing.B) {
			const conns = 10_000
			h := newHubBench(b, conns)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				h.publish(i%conns, remote)
			}
			for h.delivered.Load() < int64(b.N) {
				time.Sleep(10 * time.Microsecond)
			}
		})
	}
}

// BenchmarkHubRegister is a widget connecting and leaving while 10,000
// others are connected.
func BenchmarkHubRegister(b *testing.B) {
	h := newHubBench(b, 10_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		h.hub.Register(chat.Visitor{ChannelID: 1, VisitorID: int64(20_000 + i%1000)}, 0, 0).Close()
	}
	if n := h.hub.Connections(); n != 10_000 {
		b.Fatalf("hub holds %d connections", n)
	}
}
