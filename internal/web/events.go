package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/realtime"
)

// liveEvent is what the browser gets for a change: which ticket, whether
// the agent caused it, and a sentence for screen readers.
type liveEvent struct {
	Type     string `json:"type"`
	TicketID int64  `json:"ticket_id"`
	Self     bool   `json:"self"`
	Text     string `json:"text,omitempty"`
}

// events is the Server-Sent Events stream of one browser tab: ticket
// changes ("ticket"), presence changes ("presence") and live chat
// ("chat", see chatWatch); "resync" when the tab fell behind and should
// refresh everything. While it is open the agent counts as connected for
// chat: it records a heartbeat when it opens and every chatBeat.
func (a *app) events(w http.ResponseWriter, r *http.Request, rq *request) error {
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	ch, cancel := a.cfg.Broker.Subscribe()
	defer cancel()
	cw := a.newChatWatch(r, rq)
	bctx, stopBeat := context.WithCancel(r.Context())
	defer stopBeat()
	teams := cw.beating(bctx)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 3000\n: hello\n\n"); err != nil {
		return nil
	}
	_ = rc.Flush()
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-a.cfg.Context.Done(): // shutting down: the browser reconnects elsewhere
			return nil
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return nil
			}
		case t := <-teams:
			cw.teams = t
			continue
		case <-cw.visitorsDue():
			if err := writeEvent(w, "chat", cw.flushVisitors()); err != nil {
				return nil
			}
		case ev, ok := <-ch:
			if !ok {
				_, _ = fmt.Fprint(w, "event: resync\ndata: {}\n\n")
				_ = rc.Flush()
				return nil
			}
			var name string
			var data any
			if strings.HasPrefix(ev.Type, "chat.") {
				lc, send := cw.translate(ev)
				if !send {
					continue
				}
				name, data = "chat", lc
			} else {
				le, send := liveEvent{}, false
				if name, le, send = a.liveEvent(rq, ev); !send {
					continue
				}
				data = le
			}
			if err := writeEvent(w, name, data); err != nil {
				return nil
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

func writeEvent(w http.ResponseWriter, name string, data any) error {
	b, _ := json.Marshal(data)
	_, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
	return err
}

// liveEvent translates a broker event for this agent's browser.
func (a *app) liveEvent(rq *request, ev realtime.Event) (string, liveEvent, bool) {
	le := liveEvent{Type: ev.Type, TicketID: ev.TicketID, Self: ev.AgentID != 0 && ev.AgentID == rq.actor.AgentID}
	switch ev.Type {
	case realtime.Presence:
		d, ok := realtime.DecodePresence(ev)
		if !ok || !d.Changed || le.Self {
			return "", le, false
		}
		a.presence.Apply(ev) // idempotent; makes sure this instance shows it
		return "presence", le, true
	case realtime.TicketCreated, realtime.TicketUpdated, realtime.MessageCreated:
		if !le.Self {
			key := map[string]string{realtime.TicketCreated: "live.created",
				realtime.MessageCreated: "live.message", realtime.TicketUpdated: "live.updated"}[ev.Type]
			if num := ticketNumber(ev); num != "" {
				le.Text = rq.loc.T(key, "number", num)
			} else {
				le.Text = rq.loc.T(key + "_any")
			}
		}
		return "ticket", le, true
	}
	return "", le, false
}

// ticketNumber finds the human number of the ticket an event is about, if
// the event carries the ticket.
func ticketNumber(ev realtime.Event) string {
	switch d := ev.Data.(type) {
	case desk.Ticket:
		return strconv.FormatInt(d.Number, 10)
	case *desk.Ticket:
		if d != nil {
			return strconv.FormatInt(d.Number, 10)
		}
	case map[string]any:
		if n, ok := d["number"].(float64); ok {
			return strconv.FormatInt(int64(n), 10)
		}
	}
	return ""
}

// presenceBeat records that the agent views or replies to a ticket (or
// left it) and publishes the change through the broker.
func (a *app) presenceBeat(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	state := realtime.PresenceState(r.PostFormValue("state"))
	switch state {
	case realtime.Viewing, realtime.Replying, realtime.Left:
	default:
		return desk.Errorf(desk.EInvalid, "%s", rq.loc.T("error.bad_form"))
	}
	changed := a.presence.Beat(id, rq.actor.AgentID, rq.actor.Name, state)
	a.cfg.Broker.Publish(r.Context(), realtime.PresenceEvent(id, rq.actor.AgentID, rq.actor.Name, state, changed))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// presenceFragment shows who else is on the ticket.
func (a *app) presenceFragment(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d := &ticketData{T: desk.Ticket{ID: id}, Present: a.presence.Who(id, rq.actor.AgentID)}
	a.render(w, r, rq, http.StatusOK, "presence", a.pageData(r, rq, "", d))
	return nil
}
