package chat

import (
	"context"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// Send implements ticket.Outbox. A public reply on a ticket whose chat is
// open goes to the visitor: it becomes the next entry of the chat's log
// (published after the commit). A queued chat answered this way is taken
// by the replying agent. Any other reply goes on to Options.Next (email).
func (s *Service) Send(ctx context.Context, tx *store.Tx, t desk.Ticket, m desk.Message) error {
	if t.Channel == desk.ChannelChat && m.Channel == desk.ChannelChat {
		c, err := tx.ChatByTicket(ctx, t.ID)
		if err != nil && !desk.IsNotFound(err) {
			return err
		}
		if err == nil && c.Open() {
			return s.toChat(ctx, tx, c, m)
		}
	}
	if s.o.Next == nil {
		return nil
	}
	return s.o.Next.Send(ctx, tx, t, m)
}

func (s *Service) toChat(ctx context.Context, tx *store.Tx, c desk.Chat, m desk.Message) error {
	c, err := tx.ChatForUpdate(ctx, c.ID)
	if err != nil {
		return err
	}
	var agentID int64
	name := ""
	if m.Author != nil {
		agentID, name = m.Author.ID, m.Author.Name
	}
	var joined *desk.ChatEntry
	if c.Status == desk.ChatQueued && agentID != 0 {
		ok, err := tx.ClaimQueuedChat(ctx, c.ID, agentID, s.now())
		if err != nil {
			return err
		}
		if ok {
			if c, err = tx.Chat(ctx, c.ID); err != nil {
				return err
			}
			e := eventEntry(desk.ChatEventAccepted, name, agentID)
			if err := s.appendEntry(ctx, tx, c, &e); err != nil {
				return err
			}
			joined = &e
		}
	}
	e := desk.ChatEntry{Kind: desk.EntryMessage, Author: desk.AuthorAgent, AgentID: agentID, Name: firstName(name),
		MessageID: m.ID, Body: m.Text, Files: m.Attachments, CreatedAt: m.CreatedAt}
	if err := s.appendEntry(ctx, tx, c, &e); err != nil {
		return err
	}
	c.LastSeq = e.Seq
	tx.AfterCommit(func() {
		ctx := context.WithoutCancel(ctx)
		if joined != nil {
			s.publishEntry(ctx, c, *joined)
			s.publishState(ctx, c, agentID)
		}
		s.publishEntry(ctx, c, e)
	})
	return nil
}
