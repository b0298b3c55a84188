// Package chat is live chat: chat channels (a website's widget and its
// settings), visitors and their page views, chats and their numbered logs,
// agents' chat status, ringing, accepting, transferring and ending chats,
// and the Hub that carries a chat's live events to the visitors' widgets
// connected to this process.
//
// A chat is a ticket with channel chat: every message in it is also a
// message of that ticket, so the chat shows in the inbox with the
// customer's history, and after the chat ends the ticket lives on like any
// other (a later reply goes by email). The visitor sees the chat's log
// (desk.ChatEntry): messages and events numbered 1, 2, 3... per chat, so a
// widget that reconnects asks for what came after the last number it has,
// and a resent message (same client id) is stored once.
package chat

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/mail"
	"reflect"
	"sync"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/ticket"
)

// Live event types published through the broker.
const (
	// EventEntry is a new entry in a chat's log (Data: EntryData).
	EventEntry = "chat.entry"
	// EventState is a change of a chat's status, agent or team (Data:
	// StateData); a queued chat rings the available agents of its team.
	EventState = "chat.state"
	// EventTyping says someone started or stopped typing (Data: TypingData).
	EventTyping = "chat.typing"
	// EventSeen says someone read a chat up to an entry (Data: SeenData).
	EventSeen = "chat.seen"
	// EventVisitor says a visitor arrived, moved to another page or gave
	// their name (Data: VisitorData).
	EventVisitor = "chat.visitor"
	// EventAgentStatus says an agent changed their chat status.
	EventAgentStatus = "chat.agent_status"
)

// EntryData is the Data of EventEntry. Entry may be missing when the event
// crossed instances without its data (too large): readers load the log.
type EntryData struct {
	ChatID    int64           `json:"chat_id"`
	VisitorID int64           `json:"visitor_id"`
	Seq       int64           `json:"seq"`
	Entry     *desk.ChatEntry `json:"entry,omitempty"`
}

// StateData is the Data of EventState.
type StateData struct {
	ChatID      int64           `json:"chat_id"`
	VisitorID   int64           `json:"visitor_id"`
	TicketID    int64           `json:"ticket_id"`
	Status      desk.ChatStatus `json:"status"`
	AgentID     int64           `json:"agent_id,omitempty"`
	AgentName   string          `json:"agent_name,omitempty"`
	TeamID      int64           `json:"team_id,omitempty"`
	VisitorName string          `json:"visitor_name,omitempty"`
}

// TypingData is the Data of EventTyping.
type TypingData struct {
	ChatID    int64  `json:"chat_id"`
	VisitorID int64  `json:"visitor_id"`
	Author    string `json:"author"` // visitor or agent
	Name      string `json:"name,omitempty"`
	On        bool   `json:"on"`
}

// SeenData is the Data of EventSeen.
type SeenData struct {
	ChatID    int64  `json:"chat_id"`
	VisitorID int64  `json:"visitor_id"`
	Author    string `json:"author"` // who read: visitor or agent
	Seq       int64  `json:"seq"`
}

// VisitorData is the Data of EventVisitor.
type VisitorData struct {
	VisitorID int64  `json:"visitor_id"`
	ChannelID int64  `json:"channel_id"`
	URL       string `json:"url,omitempty"`
}

// Decode reads an event's Data into dst, whether it is the publisher's
// own value (same process) or decoded JSON (another instance). It reports
// false when the event has no data of that shape.
func Decode(ev realtime.Event, dst any) bool {
	if ev.Data == nil {
		return false
	}
	// The publisher's own value (or one the hub decoded already) is
	// copied as it is; only JSON from elsewhere goes through encoding.
	if d := reflect.ValueOf(dst); d.Kind() == reflect.Pointer && !d.IsNil() {
		if v := reflect.ValueOf(ev.Data); v.Type() == d.Elem().Type() {
			d.Elem().Set(v)
			return true
		}
	}
	b, err := json.Marshal(ev.Data)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, dst) == nil
}

// Transcripts queues a chat's transcript by email (mailout.Mailer).
type Transcripts interface {
	EnqueueTranscript(ctx context.Context, tx *store.Tx, mailboxID *int64, t desk.Ticket, to mail.Address, subject, text string) error
}

// Options tune New.
type Options struct {
	// Next is the outbox public replies go through when they do not go to
	// a live chat (the mailer); nil sends them nowhere.
	Next ticket.Outbox
	// Transcripts sends transcripts by email; nil refuses the request.
	Transcripts Transcripts
	// Logger receives the service's logs; nil discards them.
	Logger *slog.Logger
	// AgentTimeout is how long after the agent app's last sign of life an
	// online agent still counts as available (default 90s).
	AgentTimeout time.Duration
	// VisitorTimeout is how long after the widget's last sign of life a
	// visitor still counts as on the site (default 90s).
	VisitorTimeout time.Duration
	// VisitGap is the quiet time after which a visitor's return counts as
	// a new visit (default 30 minutes).
	VisitGap time.Duration
}

// Service implements live chat. It installs itself as the ticket service's
// outbox (see Send), so a public reply on a ticket whose chat is open goes
// to the visitor, and any other reply goes on to Options.Next.
type Service struct {
	st      *store.Store
	tickets *ticket.Service
	br      realtime.Broker
	clk     desk.Clock
	o       Options
	log     *slog.Logger

	mu           sync.Mutex
	channels     map[string]cachedChannel // by public key
	channelsByID map[int64]cachedChannel
	avail        map[int64]cachedAvail // by team id (0: no team)
}

type cachedChannel struct {
	ch  desk.ChatChannel
	inv []desk.ChatInvitation
	at  time.Time
}

type cachedAvail struct {
	ok bool
	at time.Time
}

// channelTTL is how long a channel's settings are cached for the widget's
// requests; a change made on this instance clears the cache at once.
const channelTTL = 10 * time.Second

// availTTL is how long "is anyone available" is cached per team.
const availTTL = 2 * time.Second

// New returns the chat service and installs it as tickets' outbox.
func New(st *store.Store, tickets *ticket.Service, br realtime.Broker, clk desk.Clock, o Options) *Service {
	if clk == nil {
		clk = desk.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.AgentTimeout <= 0 {
		o.AgentTimeout = 90 * time.Second
	}
	if o.VisitorTimeout <= 0 {
		o.VisitorTimeout = 90 * time.Second
	}
	if o.VisitGap <= 0 {
		o.VisitGap = 30 * time.Minute
	}
	s := &Service{st: st, tickets: tickets, br: br, clk: clk, o: o, log: o.Logger,
		channels: map[string]cachedChannel{}, channelsByID: map[int64]cachedChannel{}, avail: map[int64]cachedAvail{}}
	tickets.SetOutbox(s)
	return s
}

func (s *Service) now() time.Time { return store.Now(s.clk.Now()) }

// publish sends a live event (after the commit that made it true).
func (s *Service) publish(ctx context.Context, typ string, ticketID, agentID int64, data any) {
	if s.br == nil {
		return
	}
	s.br.Publish(ctx, realtime.Event{Type: typ, TicketID: ticketID, AgentID: agentID, Data: data, At: s.clk.Now().UTC()})
}

func (s *Service) publishEntry(ctx context.Context, c desk.Chat, e desk.ChatEntry) {
	e2 := e
	s.publish(ctx, EventEntry, c.TicketID, e.AgentID, EntryData{ChatID: c.ID, VisitorID: c.VisitorID, Seq: e.Seq, Entry: &e2})
}

func (s *Service) publishState(ctx context.Context, c desk.Chat, agentID int64) {
	d := StateData{ChatID: c.ID, VisitorID: c.VisitorID, TicketID: c.TicketID, Status: c.Status, VisitorName: c.VisitorName}
	if c.Agent != nil {
		d.AgentID, d.AgentName = c.Agent.ID, c.Agent.Name
	}
	if c.Team != nil {
		d.TeamID = c.Team.ID
	}
	s.publish(ctx, EventState, c.TicketID, agentID, d)
}

// appendEntry numbers e and stores it in chat c's log (inside tx).
func (s *Service) appendEntry(ctx context.Context, tx *store.Tx, c desk.Chat, e *desk.ChatEntry) error {
	seq, err := tx.NextChatSeq(ctx, c.ID)
	if err != nil {
		return err
	}
	e.ChatID, e.Seq = c.ID, seq
	if e.CreatedAt.IsZero() {
		e.CreatedAt = s.now()
	}
	return tx.InsertChatEntry(ctx, *e)
}

// eventEntry is a system line of the log, e.g. "Ana joined".
func eventEntry(event, name string, agentID int64) desk.ChatEntry {
	return desk.ChatEntry{Kind: desk.EntryEvent, Author: desk.AuthorSystem, Event: event, Name: name, AgentID: agentID}
}

// forget drops the cached settings of a channel after a change here.
func (s *Service) forget(key string) {
	s.mu.Lock()
	delete(s.channels, key)
	clear(s.channelsByID) // changes are rare: no need to find its id
	s.mu.Unlock()
}
