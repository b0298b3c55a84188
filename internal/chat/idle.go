package chat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
)

// SweepInterval is how often serve looks for chats that end by themselves.
const SweepInterval = 30 * time.Second

// idle is what happens to an open chat left alone.
type idle int

const (
	notIdle     idle = iota
	missedQueue      // rang longer than the channel's queue timeout
	missedLeft       // the visitor left while it rang
	abandoned        // the visitor left an ongoing chat long enough ago
)

// idleness says whether chat c of channel ch ends by itself at now, its
// visitor last seen at seen: a visitor with no sign of life for
// visitorTimeout has left. It is the rule ChatsToSweep preselects by.
func idleness(c desk.Chat, ch desk.ChatChannel, seen, now time.Time, visitorTimeout time.Duration) idle {
	gone := now.Sub(seen) > visitorTimeout
	switch c.Status {
	case desk.ChatQueued:
		queued := c.StartedAt
		if c.QueuedAt != nil {
			queued = *c.QueuedAt
		}
		switch {
		case gone:
			return missedLeft
		case ch.QueueTimeout > 0 && now.Sub(queued) >= ch.QueueTimeout:
			return missedQueue
		}
	case desk.ChatActive:
		if gone && ch.EndAfterLeft > 0 && now.Sub(seen) >= ch.EndAfterLeft {
			return abandoned
		}
	}
	return notIdle
}

// Sweep ends the chats that end by themselves now, and returns how many
// it ended each way:
//
//   - missed: a queued chat that has rung for longer than its channel's
//     queue timeout, or whose visitor has left (no sign of the widget for
//     Options.VisitorTimeout). Its log says it was missed, the ringing
//     stops, and its ticket stays open to be answered by email; a visitor
//     still there is told so (and asked for an email address if they gave
//     none, see LeaveEmail).
//   - ended: an active chat whose visitor left longer ago than the
//     channel's end-after-left setting, ended by the system; its ticket
//     goes on as after any chat. A visitor back before then keeps it.
//
// Candidates come from one indexed query; each ends in its own
// transaction after its state is checked again under its row lock, so
// several processes sweeping one database at once end each chat once.
func (s *Service) Sweep(ctx context.Context) (missed, ended int, err error) {
	now := s.now()
	ids, err := s.st.Read().ChatsToSweep(ctx, now, now.Add(-s.o.VisitorTimeout))
	if err != nil {
		return 0, 0, err
	}
	var errs []error
	for _, id := range ids {
		what, err := s.sweepOne(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return missed, ended, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("chat %d: %w", id, err))
			continue
		}
		switch what {
		case missedQueue, missedLeft:
			missed++
		case abandoned:
			ended++
		}
	}
	return missed, ended, errors.Join(errs...)
}

// sweepOne ends chat id if it is still idle, and says how.
func (s *Service) sweepOne(ctx context.Context, id int64) (idle, error) {
	var c desk.Chat
	var e desk.ChatEntry
	what := notIdle
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.ChatForUpdate(ctx, id); desk.IsNotFound(err) {
			return nil // its channel was deleted meanwhile
		} else if err != nil {
			return err
		}
		if !c.Open() {
			return nil // ended meanwhile (by another process, an agent, the visitor)
		}
		ch, err := tx.ChatChannel(ctx, c.ChannelID)
		if err != nil {
			return err
		}
		v, err := tx.ChatVisitor(ctx, c.VisitorID)
		if err != nil {
			return err
		}
		switch what = idleness(c, ch, v.LastSeenAt, s.now(), s.o.VisitorTimeout); what {
		case missedQueue:
			e, err = s.miss(ctx, tx, &c, desk.MissedTimeout)
		case missedLeft:
			e, err = s.miss(ctx, tx, &c, desk.MissedLeft)
		case abandoned:
			e, err = s.end(ctx, tx, &c, desk.EndedLeft, desk.System.Name, 0)
		}
		return err
	})
	if err != nil || what == notIdle {
		return notIdle, err
	}
	ctx = context.WithoutCancel(ctx)
	s.publishEntry(ctx, c, e)
	s.publishState(ctx, c, 0) // the ringing stops everywhere
	s.tickets.Publish(ctx, realtime.TicketUpdated, c.TicketID, desk.Actor{})
	return what, nil
}

// miss ends queued chat c as missed (inside tx) and logs why.
func (s *Service) miss(ctx context.Context, tx *store.Tx, c *desk.Chat, why string) (desk.ChatEntry, error) {
	e := eventEntry(desk.ChatEventMissed, "", 0)
	e.Body = why
	return s.finish(ctx, tx, c, e, desk.Event{Actor: desk.System.Name, Action: "chat_missed", Field: why})
}

// RunSweeper runs Sweep every interval until ctx is done, logging how many
// chats it ended. serve runs it beside the Hub.
func (s *Service) RunSweeper(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			missed, ended, err := s.Sweep(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Warn("chat: end idle chats", "err", err)
			}
			if missed+ended > 0 {
				s.log.Info("chat: ended idle chats", "missed", missed, "ended", ended)
			}
		}
	}
}

// LeaveEmail records the address a visitor gives to be answered by email,
// which the widget asks for when their chat was missed and they gave none.
// As the offline form and the transcript request do, it joins the visitor
// to the contact with that address (giving it to their anonymous contact
// when no one has it); that contact becomes the requester of the chat's
// ticket. A ticket whose requester has an address keeps it (desk.EConflict).
func (s *Service) LeaveEmail(ctx context.Context, v Visitor, email string) error {
	addr, ok := normalizeEmail(email)
	if !ok {
		return badEmail()
	}
	var c desk.Chat
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = s.chatOf(ctx, tx, v); err != nil {
			return err
		}
		t, err := tx.TicketForUpdate(ctx, c.TicketID)
		if err != nil {
			return err
		}
		if t.Requester.Email != "" {
			return desk.Errorf(desk.EConflict, "We already have an email address for this conversation.")
		}
		vis, err := tx.ChatVisitor(ctx, v.VisitorID)
		if err != nil {
			return err
		}
		if _, err := s.giveEmail(ctx, tx, &vis, c, addr); err != nil {
			return err
		}
		// The answer goes by email to that address, so the ticket's
		// requester (without an address, checked above) becomes its
		// contact, whether or not follow moved it.
		cur, err := tx.Ticket(ctx, t.ID)
		if err != nil {
			return err
		}
		if vis.Contact != nil && cur.Requester.ID != vis.Contact.ID && cur.Requester.Email == "" {
			a := desk.Actor{Kind: desk.ActorSystem, Name: orName(vis.Name, "Visitor"), Role: desk.RoleAdmin}
			if _, _, err := s.tickets.UpdateTx(ctx, tx, a, t.ID, desk.TicketUpdate{RequesterID: &vis.Contact.ID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.tickets.Publish(ctx, realtime.TicketUpdated, c.TicketID, desk.Actor{})
	return nil
}
