package chat

import (
	"context"
	"strings"

	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
)

// SetStatus sets whether the agent takes chats: online (rung for new
// chats), away or offline.
func (s *Service) SetStatus(ctx context.Context, a desk.Actor, st desk.AgentChatStatus) error {
	if err := a.RequireAgent(); err != nil {
		return err
	}
	if a.AgentID == 0 {
		return desk.Errorf(desk.EForbidden, "Only an agent has a chat status.")
	}
	if !st.Valid() {
		return &desk.Error{Code: desk.EInvalid, Message: "Choose online, away or offline.", Fields: map[string]string{"status": "online, away or offline"}}
	}
	err := s.st.Write(ctx, func(tx *store.Tx) error { return tx.SetAgentChatStatus(ctx, a.AgentID, st, s.now()) })
	if err != nil {
		return err
	}
	s.forgetAvailability()
	s.publish(ctx, EventAgentStatus, 0, a.AgentID, map[string]string{"status": string(st)})
	return nil
}

// Status returns the agent's chat status.
func (s *Service) Status(ctx context.Context, a desk.Actor) (desk.AgentChatStatus, error) {
	if a.AgentID == 0 {
		return desk.AgentOffline, nil
	}
	st, _, err := s.st.Read().AgentChatStatus(ctx, a.AgentID)
	return st, err
}

// Heartbeat records that the agent's app is connected (its event stream
// calls it every half minute): an online agent counts as available only
// while it does.
func (s *Service) Heartbeat(ctx context.Context, a desk.Actor) error {
	if a.AgentID == 0 {
		return nil
	}
	return s.st.Write(ctx, func(tx *store.Tx) error { return tx.TouchAgentChat(ctx, a.AgentID, s.now()) })
}

// AgentLoad is an agent available for chat and how many chats they are in.
type AgentLoad struct {
	Agent desk.AgentRef
	Chats int
}

// AvailableAgents returns the agents who are online for chat and connected
// now, fewest chats first: whom a chat can be handed to (any agent may ask).
func (s *Service) AvailableAgents(ctx context.Context, a desk.Actor) ([]AgentLoad, error) {
	if err := a.RequireAgent(); err != nil {
		return nil, err
	}
	agents, load, err := s.st.Read().AvailableChatAgents(ctx, nil, s.now().Add(-s.o.AgentTimeout))
	if err != nil {
		return nil, err
	}
	out := make([]AgentLoad, len(agents))
	for i := range agents {
		out[i] = AgentLoad{Agent: agents[i], Chats: load[i]}
	}
	return out, nil
}

// OpenChats returns what the agent's chat side shows: the chats they are
// in, and the queued chats of their teams (and of no team) that ring.
func (s *Service) OpenChats(ctx context.Context, a desk.Actor) ([]desk.Chat, error) {
	if err := a.RequireAgent(); err != nil {
		return nil, err
	}
	tx := s.st.Read()
	if a.AgentID == 0 {
		return tx.OpenChats(ctx, 0, nil, true)
	}
	ag, err := tx.Agent(ctx, a.AgentID)
	if err != nil {
		return nil, err
	}
	return tx.OpenChats(ctx, a.AgentID, ag.TeamIDs, false)
}

// Chat returns a chat and its whole log for the agent side.
func (s *Service) Chat(ctx context.Context, a desk.Actor, id int64) (desk.Chat, []desk.ChatEntry, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Chat{}, nil, err
	}
	tx := s.st.Read()
	c, err := tx.Chat(ctx, id)
	if err != nil {
		return c, nil, err
	}
	es, err := tx.ChatEntries(ctx, id, 0, 10000)
	return c, es, err
}

// ChatOfTicket returns the chat of a ticket (desk.ENotFound for a ticket
// that did not come from a chat).
func (s *Service) ChatOfTicket(ctx context.Context, a desk.Actor, ticketID int64) (desk.Chat, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Chat{}, err
	}
	return s.st.Read().ChatByTicket(ctx, ticketID)
}

// Accept gives a ringing chat to the agent: the first to accept gets it
// (the others get desk.EConflict naming who did), the ticket is assigned
// to them, and the visitor sees them join.
func (s *Service) Accept(ctx context.Context, a desk.Actor, chatID int64) (desk.Chat, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Chat{}, err
	}
	if a.AgentID == 0 {
		return desk.Chat{}, desk.Errorf(desk.EForbidden, "Only an agent can accept a chat.")
	}
	var c desk.Chat
	var e desk.ChatEntry
	var ticketChanged bool
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.ChatForUpdate(ctx, chatID); err != nil {
			return err
		}
		switch {
		case c.Status == desk.ChatEnded:
			return desk.Errorf(desk.EConflict, "The visitor has left: this chat has ended.")
		case c.Status == desk.ChatActive && c.Agent != nil && c.Agent.ID == a.AgentID:
			return nil // accepted already (a double click)
		case c.Status == desk.ChatActive:
			return desk.Errorf(desk.EConflict, "%s has already accepted this chat.", orName(c.Agent.Name, "Another agent"))
		}
		ok, err := tx.ClaimQueuedChat(ctx, chatID, a.AgentID, s.now())
		if err != nil {
			return err
		}
		if !ok {
			return desk.Errorf(desk.EConflict, "Another agent has already accepted this chat.")
		}
		if c, err = tx.Chat(ctx, chatID); err != nil {
			return err
		}
		e = eventEntry(desk.ChatEventAccepted, a.Name, a.AgentID)
		if err := s.appendEntry(ctx, tx, c, &e); err != nil {
			return err
		}
		c.LastSeq = e.Seq
		me := a.AgentID
		open := desk.StatusOpen
		_, ticketChanged, err = s.tickets.UpdateTx(ctx, tx, a, c.TicketID, desk.TicketUpdate{AssigneeID: &me, Status: &open})
		return err
	})
	if err != nil {
		return desk.Chat{}, err
	}
	if e.Seq != 0 {
		s.publishEntry(ctx, c, e)
		s.publishState(ctx, c, a.AgentID)
	}
	if ticketChanged {
		s.tickets.Publish(ctx, realtime.TicketUpdated, c.TicketID, a)
	}
	return c, nil
}

// MayManage reports whether the actor may transfer or end chat c: its
// agent, anyone while no agent has it, or an administrator. (Whether the
// chat is still open is checked apart.)
func MayManage(a desk.Actor, c desk.Chat) bool {
	return c.Agent == nil || c.Agent.ID == a.AgentID || a.IsAdmin()
}

// Transfer hands an open chat to another agent (toAgent) or back to a
// team's queue (toTeam), where it rings that team. Only the chat's agent
// or an admin may transfer it.
func (s *Service) Transfer(ctx context.Context, a desk.Actor, chatID int64, toAgent, toTeam *int64) (desk.Chat, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Chat{}, err
	}
	if (toAgent == nil) == (toTeam == nil) {
		return desk.Chat{}, &desk.Error{Code: desk.EInvalid, Message: "Choose an agent or a team to transfer to.", Fields: map[string]string{"to": "an agent or a team"}}
	}
	var c desk.Chat
	var e desk.ChatEntry
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.ChatForUpdate(ctx, chatID); err != nil {
			return err
		}
		if !c.Open() {
			return desk.Errorf(desk.EConflict, "This chat has ended.")
		}
		if !MayManage(a, c) {
			return desk.Errorf(desk.EForbidden, "Only %s or an administrator can transfer this chat.", c.Agent.Name)
		}
		u := desk.TicketUpdate{}
		if toAgent != nil {
			ref, active, err := tx.AgentRef(ctx, *toAgent)
			if desk.IsNotFound(err) || err == nil && !active {
				return &desk.Error{Code: desk.EInvalid, Message: "Choose an active agent.", Fields: map[string]string{"agent": "not an active agent"}}
			}
			if err != nil {
				return err
			}
			now := s.now()
			c.Agent, c.Status = &ref, desk.ChatActive
			if c.AcceptedAt == nil {
				c.AcceptedAt = &now
			}
			e = eventEntry(desk.ChatEventTransferred, ref.Name, ref.ID)
			u.AssigneeID = toAgent
		} else {
			ref, err := tx.TeamRef(ctx, *toTeam)
			if desk.IsNotFound(err) {
				return &desk.Error{Code: desk.EInvalid, Message: "Choose a team.", Fields: map[string]string{"team": "no such team"}}
			}
			if err != nil {
				return err
			}
			now := s.now()
			c.Team, c.Agent, c.Status, c.QueuedAt = &ref, nil, desk.ChatQueued, &now // it rings afresh
			e = eventEntry(desk.ChatEventTransferred, ref.Name, 0)
			u.TeamID, u.ClearAssignee = toTeam, true
		}
		if err := tx.SaveChatState(ctx, c); err != nil {
			return err
		}
		if err := s.appendEntry(ctx, tx, c, &e); err != nil {
			return err
		}
		c.LastSeq = e.Seq
		_, _, err = s.tickets.UpdateTx(ctx, tx, a, c.TicketID, u)
		return err
	})
	if err != nil {
		return desk.Chat{}, err
	}
	s.publishEntry(ctx, c, e)
	s.publishState(ctx, c, a.AgentID)
	s.tickets.Publish(ctx, realtime.TicketUpdated, c.TicketID, a)
	return c, nil
}

// End ends an open chat from the agent side; resolve also resolves its
// ticket (otherwise it stays open, e.g. for a follow-up by email).
func (s *Service) End(ctx context.Context, a desk.Actor, chatID int64, resolve bool) (desk.Chat, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Chat{}, err
	}
	var c desk.Chat
	var e desk.ChatEntry
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.ChatForUpdate(ctx, chatID); err != nil {
			return err
		}
		if !c.Open() {
			return desk.Errorf(desk.EConflict, "This chat has already ended.")
		}
		if !MayManage(a, c) {
			return desk.Errorf(desk.EForbidden, "Only %s or an administrator can end this chat.", c.Agent.Name)
		}
		if e, err = s.end(ctx, tx, &c, desk.AuthorAgent, a.Name, a.AgentID); err != nil {
			return err
		}
		if resolve {
			st := desk.StatusResolved
			_, _, err = s.tickets.UpdateTx(ctx, tx, a, c.TicketID, desk.TicketUpdate{Status: &st})
		}
		return err
	})
	if err != nil {
		return desk.Chat{}, err
	}
	s.publishEntry(ctx, c, e)
	s.publishState(ctx, c, a.AgentID)
	s.tickets.Publish(ctx, realtime.TicketUpdated, c.TicketID, a)
	return c, nil
}

// AgentTyping tells the visitor that the agent started or stopped typing.
func (s *Service) AgentTyping(ctx context.Context, a desk.Actor, chatID int64, on bool) error {
	if err := a.RequireAgent(); err != nil {
		return err
	}
	c, err := s.st.Read().Chat(ctx, chatID)
	if err != nil || !c.Open() {
		return err
	}
	s.publish(ctx, EventTyping, c.TicketID, a.AgentID, TypingData{ChatID: c.ID, VisitorID: c.VisitorID, Author: desk.AuthorAgent, Name: firstName(a.Name), On: on})
	return nil
}

// AgentSeen records that the agent has read the chat up to seq (the
// visitor sees "Read" under their messages).
func (s *Service) AgentSeen(ctx context.Context, a desk.Actor, chatID, seq int64) error {
	if err := a.RequireAgent(); err != nil {
		return err
	}
	var c desk.Chat
	changed := false
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.Chat(ctx, chatID); err != nil {
			return err
		}
		changed, err = tx.SetChatSeen(ctx, chatID, false, seq)
		return err
	})
	if err != nil || !changed {
		return err
	}
	s.publish(ctx, EventSeen, c.TicketID, a.AgentID, SeenData{ChatID: c.ID, VisitorID: c.VisitorID, Author: desk.AuthorAgent, Seq: seq})
	return nil
}

func firstName(n string) string {
	f, _, _ := strings.Cut(strings.TrimSpace(n), " ")
	return f
}
