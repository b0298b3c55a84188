package chat

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/realtime"
)

// Frame is one message to a visitor's widget, sent as JSON over the
// WebSocket, an SSE stream or a long-poll answer. T says what it is:
//
//	hello   the visitor's chat now (Chat, nil for none) and whether an agent is Online
//	entry   one entry of the chat's log (Entry), in seq order without gaps
//	state   the chat's status and agent changed (Status, Agent)
//	typing  the agent started or stopped typing (On, Name)
//	seen    the agent read the chat up to Seq
//	ack     the visitor's message CID is stored as Seq (answer to msg/start)
//	ok      a request (Req) succeeded
//	error   a request failed (Req, CID, Code, Message, Fields)
//	pong    answer to ping
type Frame struct {
	T       string            `json:"t"`
	Chat    *WireChat         `json:"chat,omitempty"`
	Online  *bool             `json:"online,omitempty"`
	Entry   *desk.ChatEntry   `json:"entry,omitempty"`
	Status  desk.ChatStatus   `json:"status,omitempty"`
	Agent   string            `json:"agent,omitempty"`
	On      *bool             `json:"on,omitempty"`
	Name    string            `json:"name,omitempty"`
	Seq     int64             `json:"seq,omitempty"`
	CID     string            `json:"cid,omitempty"`
	Req     string            `json:"req,omitempty"`
	Code    string            `json:"code,omitempty"`
	Message string            `json:"message,omitempty"`
	Fields  map[string]string `json:"fields,omitempty"`
	Ticket  int64             `json:"ticket,omitempty"`
}

// WireChat is what the widget knows of a chat.
type WireChat struct {
	ID         int64           `json:"id"`
	TicketID   int64           `json:"ticket_id"` // the visitor's own ticket
	Number     int64           `json:"number"`    // its number, e.g. for "Ticket #1234"
	Status     desk.ChatStatus `json:"status"`
	Agent      string          `json:"agent,omitempty"`
	LastSeq    int64           `json:"last_seq"`
	AgentSeen  int64           `json:"agent_seen"`
	Rating     *int            `json:"rating,omitempty"`
	Transcript bool            `json:"transcript,omitempty"`
}

// Wire returns what the widget may know of c.
func Wire(c *desk.Chat) *WireChat {
	if c == nil {
		return nil
	}
	w := &WireChat{ID: c.ID, TicketID: c.TicketID, Number: c.TicketNumber, Status: c.Status, LastSeq: c.LastSeq, AgentSeen: c.AgentSeen, Rating: c.Rating, Transcript: c.TranscriptTo != ""}
	if c.Agent != nil {
		w.Agent = firstName(c.Agent.Name)
	}
	return w
}

// ErrFrame turns an error into an error frame for request req.
func ErrFrame(req, cid string, err error) Frame {
	f := Frame{T: "error", Req: req, CID: cid, Code: string(desk.ErrorCode(err)), Message: "Something went wrong; please try again."}
	var de *desk.Error
	if errors.As(err, &de) {
		f.Message, f.Fields = de.Message, de.Fields
	}
	return f
}

// Hub carries live chat events to the widgets connected to this process.
// It holds one broker subscription for all of them and routes each event
// by visitor, so ten thousand widgets cost one subscriber, not ten
// thousand. Run it for the life of the server.
type Hub struct {
	svc *Service
	br  realtime.Broker

	mu    sync.Mutex
	conns map[int64]map[*Conn]struct{} // by visitor
	n     atomic.Int64
}

// NewHub returns a hub over the service's broker.
func NewHub(svc *Service) *Hub {
	return &Hub{svc: svc, br: svc.br, conns: map[int64]map[*Conn]struct{}{}}
}

// Connections returns how many widget connections the hub holds.
func (h *Hub) Connections() int64 { return h.n.Load() }

// connBuffer is how many events a connection may have waiting; a
// connection that falls further behind catches up from the database. A
// widget's events come a few at a time (an entry, a state, typing) and
// its transport takes them at once, so a small buffer does: each slot
// costs every connection the size of a realtime.Event (72 bytes), 1.1
// KiB with 16 slots, 4.5 KiB with 64 (45 MiB at 10,000 widgets).
const connBuffer = 16

// Conn is one widget connection (a WebSocket, an SSE stream, or one long
// poll). Its transport reads Events and writes the frames Translate makes
// of them; after Behind fires it calls CatchUp.
type Conn struct {
	h       *Hub
	Visitor Visitor
	events  chan realtime.Event
	behind  chan struct{}
	once    sync.Once

	// chat and last are the chat the widget shows and the last entry it
	// was sent; only the transport's goroutine uses them.
	chat, last int64
}

// Register adds a connection for a visitor who has chat (0: none yet) up
// to entry after.
func (h *Hub) Register(v Visitor, chat, after int64) *Conn {
	c := &Conn{h: h, Visitor: v, events: make(chan realtime.Event, connBuffer), behind: make(chan struct{}, 1), chat: chat, last: after}
	h.mu.Lock()
	set := h.conns[v.VisitorID]
	if set == nil {
		set = map[*Conn]struct{}{}
		h.conns[v.VisitorID] = set
	}
	set[c] = struct{}{}
	h.mu.Unlock()
	h.n.Add(1)
	return c
}

// Close removes the connection from the hub.
func (c *Conn) Close() {
	c.once.Do(func() {
		h := c.h
		h.mu.Lock()
		if set := h.conns[c.Visitor.VisitorID]; set != nil {
			delete(set, c)
			if len(set) == 0 {
				delete(h.conns, c.Visitor.VisitorID)
			}
		}
		h.mu.Unlock()
		h.n.Add(-1)
	})
}

// Events are the live events for this visitor.
func (c *Conn) Events() <-chan realtime.Event { return c.events }

// Behind fires when events were dropped for this connection: call CatchUp.
func (c *Conn) Behind() <-chan struct{} { return c.behind }

// Last returns the chat the connection shows and the last entry sent.
func (c *Conn) Last() (chat, seq int64) { return c.chat, c.last }

// Hello returns the frames a new connection starts with: the chat's
// state and every entry after the one the widget has.
func (c *Conn) Hello(ctx context.Context) ([]Frame, error) {
	ch, err := c.h.svc.channelFor(ctx, c.Visitor)
	if err != nil {
		return nil, err
	}
	online, err := c.h.svc.available(ctx, ch)
	if err != nil {
		return nil, err
	}
	frames, chat, err := c.catchUp(ctx)
	if err != nil {
		return nil, err
	}
	return append([]Frame{{T: "hello", Chat: Wire(chat), Online: &online}}, frames...), nil
}

// CatchUp returns the entries the widget has not been sent, from the
// database (after a gap, dropped events or a long poll).
func (c *Conn) CatchUp(ctx context.Context) ([]Frame, error) {
	frames, _, err := c.catchUp(ctx)
	return frames, err
}

func (c *Conn) catchUp(ctx context.Context) ([]Frame, *desk.Chat, error) {
	chat, es, err := c.h.svc.Entries(ctx, c.Visitor, 0, 0)
	if desk.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if chat.ID != c.chat { // a new chat since (or another tab started one)
		c.chat, c.last = chat.ID, 0
	}
	var out []Frame
	for i := range es {
		if es[i].Seq > c.last {
			out = append(out, Frame{T: "entry", Entry: &es[i]})
			c.last = es[i].Seq
		}
	}
	return out, &chat, nil
}

// Translate turns a live event into frames for this widget: entries in
// order (catching up from the database after a gap), the state, the
// agent's typing and read marks. The visitor's own typing and marks are
// not echoed.
func (c *Conn) Translate(ctx context.Context, ev realtime.Event) ([]Frame, error) {
	switch ev.Type {
	case EventEntry:
		var d EntryData
		if !Decode(ev, &d) {
			return nil, nil
		}
		if d.ChatID == c.chat && d.Seq <= c.last {
			return nil, nil // sent already
		}
		if d.Entry != nil && d.ChatID == c.chat && d.Seq == c.last+1 {
			c.last = d.Seq
			return []Frame{{T: "entry", Entry: d.Entry}}, nil
		}
		return c.CatchUp(ctx)
	case EventState:
		var d StateData
		if !Decode(ev, &d) {
			return nil, nil
		}
		return []Frame{{T: "state", Status: d.Status, Agent: firstName(d.AgentName)}}, nil
	case EventTyping:
		var d TypingData
		if !Decode(ev, &d) || d.Author != desk.AuthorAgent {
			return nil, nil
		}
		on := d.On
		return []Frame{{T: "typing", On: &on, Name: d.Name}}, nil
	case EventSeen:
		var d SeenData
		if !Decode(ev, &d) || d.Author != desk.AuthorAgent {
			return nil, nil
		}
		return []Frame{{T: "seen", Seq: d.Seq}}, nil
	}
	return nil, nil
}

// route delivers an event to the visitor's connections. An event from
// another instance carries its data as decoded JSON: it is decoded into
// its type here, once, rather than by every connection it goes to.
func (h *Hub) route(ev realtime.Event) {
	var vid int64
	switch ev.Type {
	case EventEntry:
		vid = typed[EntryData](&ev).VisitorID
	case EventState:
		vid = typed[StateData](&ev).VisitorID
	case EventTyping:
		vid = typed[TypingData](&ev).VisitorID
	case EventSeen:
		vid = typed[SeenData](&ev).VisitorID
	default:
		return
	}
	if vid == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.conns[vid] {
		select {
		case c.events <- ev:
		default:
			select { // full: the transport catches up from the database
			case c.behind <- struct{}{}:
			default:
			}
		}
	}
}

// typed returns the event's data as a T, replacing decoded JSON in ev
// with it (the zero T when the data has another shape).
func typed[T any](ev *realtime.Event) T {
	if d, ok := ev.Data.(T); ok {
		return d
	}
	var d T
	if Decode(*ev, &d) {
		ev.Data = d
	}
	return d
}

// resyncAll tells every connection it may have missed events.
func (h *Hub) resyncAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.conns {
		for c := range set {
			select {
			case c.behind <- struct{}{}:
			default:
			}
		}
	}
}

// visitorIDs returns the visitors with a connection here.
func (h *Hub) visitorIDs() []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	ids := make([]int64, 0, len(h.conns))
	for id := range h.conns {
		ids = append(ids, id)
	}
	return ids
}

// TouchInterval is how often the hub records that its visitors are still
// on the site.
const TouchInterval = 30 * time.Second

// hubBuffer is the hub's subscription buffer: it serves every widget of
// the process, so it gets room for bursts.
const hubBuffer = 8192

// Run routes broker events to connections until ctx is done, and every
// TouchInterval records which visitors are connected. When the broker
// drops the hub's subscription (it fell behind, or the PostgreSQL
// listener reconnected) it subscribes again and every connection
// catches up from the database.
func (h *Hub) Run(ctx context.Context) error {
	// Recording who is connected takes a write transaction per 500
	// visitors, which may wait for the database: it runs beside the
	// routing, which must never wait for it (at 10,000 widgets it held
	// every delivery up for 300-800 ms every TouchInterval).
	touched := make(chan struct{})
	go func() {
		defer close(touched)
		h.touch(ctx)
	}()
	defer func() { <-touched }()
	for {
		var ch <-chan realtime.Event
		var cancel func()
		if b, ok := h.br.(interface {
			SubscribeN(int) (<-chan realtime.Event, func())
		}); ok {
			ch, cancel = b.SubscribeN(hubBuffer)
		} else {
			ch, cancel = h.br.Subscribe()
		}
		err := func() error {
			defer cancel()
			for {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case ev, ok := <-ch:
					if !ok {
						return nil
					}
					h.route(ev)
				}
			}
		}()
		if err != nil {
			return nil
		}
		h.resyncAll()
	}
}

// touch records every TouchInterval which visitors are connected, until
// ctx is done.
func (h *Hub) touch(ctx context.Context) {
	t := time.NewTicker(TouchInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := h.svc.TouchVisitors(ctx, h.visitorIDs()); err != nil && ctx.Err() == nil {
				h.svc.log.Warn("chat: record connected visitors", "err", err)
			}
		}
	}
}
