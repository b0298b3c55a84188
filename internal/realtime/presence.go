package realtime

import (
	"encoding/json"
	"sort"
	"sync"
	"time"

	"switchboard/internal/desk"
)

// PresenceState is what an agent is doing on a ticket.
type PresenceState string

// Presence states. Left is sent when an agent closes the ticket.
const (
	Viewing  PresenceState = "viewing"
	Replying PresenceState = "replying"
	Left     PresenceState = "left"
)

// DefaultPresenceTTL is how long a presence lasts without a heartbeat.
const DefaultPresenceTTL = 45 * time.Second

// Present is one agent on one ticket.
type Present struct {
	AgentID int64         `json:"agent_id"`
	Name    string        `json:"name"`
	State   PresenceState `json:"state"`
	Seen    time.Time     `json:"seen"`
}

// PresenceData is the Data of a Presence event published through the Broker,
// so trackers on every instance learn what agents on other instances do.
type PresenceData struct {
	Name  string        `json:"name"`
	State PresenceState `json:"state"`
	// Changed is true when the publisher's tracker saw a change (not just a
	// heartbeat); browsers refresh only then.
	Changed bool `json:"changed"`
}

type presenceKey struct{ ticket, agent int64 }

// Tracker remembers which agents view or reply to which tickets. Entries
// expire when their heartbeats stop. It is safe for concurrent use.
type Tracker struct {
	clock desk.Clock
	ttl   time.Duration
	mu    sync.Mutex
	seen  map[presenceKey]Present
}

// NewTracker returns a tracker whose entries last ttl after their last
// heartbeat (DefaultPresenceTTL if ttl <= 0).
func NewTracker(clock desk.Clock, ttl time.Duration) *Tracker {
	if ttl <= 0 {
		ttl = DefaultPresenceTTL
	}
	if clock == nil {
		clock = desk.SystemClock{}
	}
	return &Tracker{clock: clock, ttl: ttl, seen: map[presenceKey]Present{}}
}

// Beat records a heartbeat of an agent on a ticket. It reports whether
// anyone watching the ticket would see a difference: the agent is new (or
// had expired), changed state, or left.
func (t *Tracker) Beat(ticketID, agentID int64, name string, state PresenceState) bool {
	k := presenceKey{ticketID, agentID}
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	old, had := t.seen[k]
	if had && now.Sub(old.Seen) > t.ttl {
		had = false
	}
	if state == Left || state == "" {
		delete(t.seen, k)
		return had
	}
	t.seen[k] = Present{AgentID: agentID, Name: name, State: state, Seen: now}
	return !had || old.State != state || old.Name != name
}

// Who lists the agents currently on a ticket, by name, leaving out
// expired entries and the agent except (0 for nobody).
func (t *Tracker) Who(ticketID, except int64) []Present {
	now := t.clock.Now()
	t.mu.Lock()
	var out []Present
	for k, p := range t.seen {
		if k.ticket == ticketID && k.agent != except && now.Sub(p.Seen) <= t.ttl {
			out = append(out, p)
		}
	}
	t.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].AgentID < out[j].AgentID
	})
	return out
}

// Sweep forgets expired entries and returns the tickets whose presence
// changed because of it.
func (t *Tracker) Sweep() []int64 {
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	changed := map[int64]bool{}
	for k, p := range t.seen {
		if now.Sub(p.Seen) > t.ttl {
			delete(t.seen, k)
			changed[k.ticket] = true
		}
	}
	out := make([]int64, 0, len(changed))
	for id := range changed {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// PresenceEvent returns the Presence event to publish for a heartbeat.
func PresenceEvent(ticketID, agentID int64, name string, state PresenceState, changed bool) Event {
	return Event{Type: Presence, TicketID: ticketID, AgentID: agentID,
		Data: PresenceData{Name: name, State: state, Changed: changed}}
}

// DecodePresence extracts the PresenceData of a Presence event, whether it
// carries the struct (in-process) or decoded JSON (from another instance).
func DecodePresence(ev Event) (PresenceData, bool) {
	if ev.Type != Presence {
		return PresenceData{}, false
	}
	switch d := ev.Data.(type) {
	case PresenceData:
		return d, true
	case *PresenceData:
		return *d, d != nil
	}
	b, err := json.Marshal(ev.Data)
	if err != nil {
		return PresenceData{}, false
	}
	var d PresenceData
	if json.Unmarshal(b, &d) != nil || d.State == "" {
		return PresenceData{}, false
	}
	return d, true
}

// Apply records a Presence event from the broker (possibly published by
// another instance) and reports whether it changed what this tracker shows.
func (t *Tracker) Apply(ev Event) bool {
	d, ok := DecodePresence(ev)
	if !ok || ev.TicketID == 0 || ev.AgentID == 0 {
		return false
	}
	return t.Beat(ev.TicketID, ev.AgentID, d.Name, d.State)
}
