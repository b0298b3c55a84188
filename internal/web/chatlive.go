package web

import (
	"context"
	"net/http"
	"time"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/realtime"
)

// chatBeat is how often an open event stream tells the chat service that
// the agent's app is still connected (the service counts an online agent
// as available for 90 seconds after the last beat).
const chatBeat = 30 * time.Second

// visitorsEvery is the shortest gap between two "visitors moved" events
// on one stream: a busy site's page views arrive in bursts.
const visitorsEvery = 2 * time.Second

// maxWatched bounds the chats one stream remembers.
const maxWatched = 5000

// liveChat is what the browser gets for a chat event (SSE event "chat").
// Ring says the top bar's ringing notice or chat count may have changed.
type liveChat struct {
	Type     string  `json:"type"` // chat.entry, chat.state, chat.typing, chat.seen, chat.visitor, chat.agent_status
	ChatID   int64   `json:"chat_id,omitempty"`
	TicketID int64   `json:"ticket_id,omitempty"`
	Status   string  `json:"status,omitempty"`    // the chat's
	MyStatus string  `json:"my_status,omitempty"` // the agent's chat status (chat.agent_status)
	Seq      int64   `json:"seq,omitempty"`
	Author   string  `json:"author,omitempty"`
	Name     string  `json:"name,omitempty"`
	On       bool    `json:"on,omitempty"`
	Visitors []int64 `json:"visitors,omitempty"`
	Self     bool    `json:"self,omitempty"`
	Ring     bool    `json:"ring,omitempty"`
}

// chatWatch decides which chat events one agent's stream carries, so an
// agent hears about the chats of their teams (and of no team), the chats
// they are in, and their own status, not every chat of the desk:
//
//   - chat.state of a chat of their teams, of no team, or that is or was
//     theirs (it rings, stops ringing, moves to or from them);
//   - chat.entry, chat.typing (the visitor's) and chat.seen of such chats;
//   - chat.visitor, gathered into one event per visitorsEvery;
//   - chat.agent_status, their own only (another tab changed it).
//
// Agents watching a chat of another team still see its messages through
// the ticket events every agent gets.
type chatWatch struct {
	a     *app
	actor desk.Actor
	teams map[int64]bool
	known map[int64]bool // chats this agent hears about
	mine  map[int64]bool // chats this agent is in (active)

	visitors map[int64]bool // visitors moved since the last event
	due      *time.Timer
}

func (a *app) newChatWatch(r *http.Request, rq *request) *chatWatch {
	cw := &chatWatch{a: a, actor: rq.actor, known: map[int64]bool{}, mine: map[int64]bool{}, visitors: map[int64]bool{}}
	if a.cfg.Chat == nil {
		return cw
	}
	cw.beat(r.Context())
	if open, err := a.cfg.Chat.OpenChats(r.Context(), rq.actor); err == nil {
		for _, c := range open {
			cw.known[c.ID] = true
			if c.Status == desk.ChatActive && c.Agent != nil && c.Agent.ID == rq.actor.AgentID {
				cw.mine[c.ID] = true
			}
		}
	}
	return cw
}

// beat records the agent's heartbeat and reloads their teams.
func (cw *chatWatch) beat(ctx context.Context) {
	if teams, ok := cw.heartbeat(ctx); ok {
		cw.teams = teams
	}
}

// heartbeat records the agent's heartbeat and returns their teams (ok
// false when they could not be read). It touches no state of the watch,
// so the stream runs it beside its event loop, which must keep draining
// the broker while the database is slow.
func (cw *chatWatch) heartbeat(ctx context.Context) (map[int64]bool, bool) {
	if cw.a.cfg.Chat == nil {
		return nil, false
	}
	if err := cw.a.cfg.Chat.Heartbeat(ctx, cw.actor); err != nil && ctx.Err() == nil {
		cw.a.log.WarnContext(ctx, "web: chat heartbeat", "agent", cw.actor.AgentID, "err", err)
	}
	ag, err := cw.a.cfg.Team.Agent(ctx, cw.actor, cw.actor.AgentID)
	if err != nil {
		return nil, false
	}
	teams := map[int64]bool{}
	for _, id := range ag.TeamIDs {
		teams[id] = true
	}
	return teams, true
}

// beating sends the agent's heartbeat every chatBeat until ctx ends, in
// its own goroutine, and hands each fresh set of teams to the stream's
// loop through the returned channel.
func (cw *chatWatch) beating(ctx context.Context) <-chan map[int64]bool {
	out := make(chan map[int64]bool, 1)
	if cw.a.cfg.Chat == nil {
		return out
	}
	go func() {
		t := time.NewTicker(chatBeat)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if teams, ok := cw.heartbeat(ctx); ok {
					select {
					case <-out: // the loop has not taken the last set: this one is newer
					default:
					}
					out <- teams
				}
			}
		}
	}()
	return out
}

// visitorsDue fires when gathered visitor moves are due (nil: none).
func (cw *chatWatch) visitorsDue() <-chan time.Time {
	if cw.due == nil {
		return nil
	}
	return cw.due.C
}

func (cw *chatWatch) flushVisitors() liveChat {
	lc := liveChat{Type: chat.EventVisitor}
	if len(cw.visitors) <= 50 { // more: the page reloads all of them anyway
		for id := range cw.visitors {
			lc.Visitors = append(lc.Visitors, id)
		}
	}
	clear(cw.visitors)
	cw.due = nil
	return lc
}

func (cw *chatWatch) remember(id int64) {
	if len(cw.known) >= maxWatched {
		clear(cw.known)
		for m := range cw.mine {
			cw.known[m] = true
		}
	}
	cw.known[id] = true
}

// translate turns a chat event into what this agent's browser gets, if
// anything.
func (cw *chatWatch) translate(ev realtime.Event) (liveChat, bool) {
	me := cw.actor.AgentID
	lc := liveChat{Type: ev.Type, TicketID: ev.TicketID, Self: ev.AgentID != 0 && ev.AgentID == me}
	switch ev.Type {
	case chat.EventState:
		var d chat.StateData
		if !chat.Decode(ev, &d) {
			return lc, false
		}
		if !(d.TeamID == 0 || cw.teams[d.TeamID] || d.AgentID == me || lc.Self || cw.known[d.ChatID]) {
			return lc, false
		}
		lc.ChatID, lc.Status, lc.Name, lc.Ring = d.ChatID, string(d.Status), d.AgentName, true
		delete(cw.mine, d.ChatID)
		switch {
		case d.Status == desk.ChatEnded:
			delete(cw.known, d.ChatID)
		case d.Status == desk.ChatActive && d.AgentID == me:
			cw.mine[d.ChatID] = true
			cw.remember(d.ChatID)
		default:
			cw.remember(d.ChatID)
		}
		return lc, true
	case chat.EventEntry:
		var d chat.EntryData
		if !chat.Decode(ev, &d) || !cw.known[d.ChatID] {
			return lc, false
		}
		// Someone else's line in the agent's chat may make it unread.
		lc.ChatID, lc.Seq, lc.Ring = d.ChatID, d.Seq, cw.mine[d.ChatID] && !lc.Self
		if d.Entry != nil {
			lc.Author = d.Entry.Author
		}
		return lc, true
	case chat.EventTyping:
		var d chat.TypingData
		if !chat.Decode(ev, &d) || d.Author != desk.AuthorVisitor || !cw.known[d.ChatID] {
			return lc, false
		}
		lc.ChatID, lc.Author, lc.Name, lc.On = d.ChatID, d.Author, d.Name, d.On
		return lc, true
	case chat.EventSeen:
		var d chat.SeenData
		if !chat.Decode(ev, &d) || !cw.known[d.ChatID] {
			return lc, false
		}
		lc.ChatID, lc.Author, lc.Seq = d.ChatID, d.Author, d.Seq
		lc.Ring = d.Author == desk.AuthorAgent && cw.mine[d.ChatID] // read in another tab
		return lc, true
	case chat.EventVisitor:
		var d chat.VisitorData
		if chat.Decode(ev, &d) {
			cw.visitors[d.VisitorID] = true
		}
		if cw.due == nil {
			cw.due = time.NewTimer(visitorsEvery)
		}
		return lc, false
	case chat.EventAgentStatus:
		var d struct {
			Status string `json:"status"`
		}
		if !lc.Self || !chat.Decode(ev, &d) {
			return lc, false
		}
		lc.MyStatus, lc.Ring = d.Status, true
		return lc, true
	}
	return lc, false
}
