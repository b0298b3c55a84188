package ticket

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strconv"
	"strings"

	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
)

// AddMessage adds a public reply or internal note. The first public
// outbound reply sets first_response_at; a reply to a new ticket opens it;
// an inbound message on a pending/resolved/closed ticket reopens it. If
// in.Status is set, the status changes in the same transaction. Every
// message moves last_activity_at; public ones also set the preview. A
// message for a merged ticket is added to the ticket it was merged into
// (the returned message's TicketID tells which). It publishes
// realtime.MessageCreated (the ticket row changed too).
func (s *Service) AddMessage(ctx context.Context, a desk.Actor, ticketID int64, in desk.NewMessage) (desk.Message, error) {
	var m desk.Message
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		m, err = s.AddMessageTx(ctx, tx, a, ticketID, in)
		return err
	})
	if err != nil {
		return desk.Message{}, err
	}
	s.publish(ctx, realtime.MessageCreated, m.TicketID, a)
	return m, nil
}

// AddMessageTx is AddMessage inside the caller's write transaction; the
// caller publishes realtime.MessageCreated (Publish) after it commits.
// A public outbound reply is handed to the outbox in the same transaction
// unless in.Quiet.
func (s *Service) AddMessageTx(ctx context.Context, tx *store.Tx, a desk.Actor, ticketID int64, in desk.NewMessage) (desk.Message, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Message{}, err
	}
	fields := map[string]string{}
	text, html := s.body(in.Text, in.HTML)
	if text == "" && len(in.Attachments) == 0 {
		fields["body"] = "required"
	}
	if in.Inbound && in.Internal {
		fields["internal"] = "a customer message cannot be an internal note"
	}
	if in.Status != nil && !in.Status.Valid() {
		fields["status"] = "unknown status"
	}
	for _, f := range in.Attachments {
		if len(f.Data) > store.MaxAttachmentSize {
			fields["attachments"] = "at most 25 MiB per file"
		}
	}
	if len(fields) > 0 {
		return desk.Message{}, &desk.Error{Code: desk.EInvalid, Message: "Please correct the highlighted fields.", Fields: fields}
	}
	if in.Channel != "" && !in.Channel.Valid() {
		return desk.Message{}, invalid("channel", "unknown channel")
	}
	now := s.now()
	var m desk.Message
	err := func() error {
		t, err := tx.TicketForUpdate(ctx, ticketID)
		if err != nil {
			return err
		}
		// A message for a merged ticket goes to the ticket it was merged into.
		for hops := 0; t.MergedInto != nil && hops < 10; hops++ {
			if t, err = tx.TicketForUpdate(ctx, *t.MergedInto); err != nil {
				return err
			}
		}
		ticketID = t.ID
		m = desk.Message{TicketID: t.ID, Kind: desk.KindReply, Channel: t.Channel, Text: text, HTML: html, FullText: in.FullText, CreatedAt: now}
		if in.Channel != "" {
			m.Channel = in.Channel
		}
		if in.Internal {
			m.Kind, m.Internal = desk.KindNote, true
		}
		if in.Inbound {
			m.Direction, m.Contact = desk.Inbound, &t.Requester
			if in.From != nil {
				m.Contact = in.From
			}
		} else {
			m.Direction = desk.Outbound
			if a.AgentID != 0 {
				m.Author = &desk.AgentRef{ID: a.AgentID, Name: a.Name}
			}
		}
		if err := tx.InsertMessage(ctx, &m, in.Attachments); err != nil {
			return err
		}
		var evs []desk.Event
		action := "reply"
		if in.Internal {
			action = "note"
		}
		evs = append(evs, event(a, t.ID, now, action, "message", "", strconv.FormatInt(m.ID, 10)))
		if in.Inbound {
			evs[0].Actor, evs[0].AgentID = "Customer", nil
			if m.Contact.Name != "" {
				evs[0].Actor = m.Contact.Name
			}
		}
		status := t.Status
		switch {
		case in.Inbound && (status == desk.StatusPending || status == desk.StatusResolved || status == desk.StatusClosed):
			status = desk.StatusOpen
		case !in.Inbound && !in.Internal:
			if t.FirstResponseAt == nil {
				t.FirstResponseAt = &now
			}
			if status == desk.StatusNew {
				status = desk.StatusOpen
			}
		}
		if in.Status != nil {
			status = *in.Status
		}
		if status != t.Status {
			evs = append(evs, event(a, t.ID, now, "status", "status", string(t.Status), string(status)))
			setStatus(&t, status, now)
		}
		t.MessageCount++
		t.LastActivityAt, t.UpdatedAt = now, now
		if !in.Internal {
			t.Preview = Preview(text)
		}
		if err := tx.SaveTicketText(ctx, t, text); err != nil {
			return err
		}
		if err := tx.InsertEvents(ctx, evs...); err != nil {
			return err
		}
		if !in.Inbound && !in.Internal && !in.Quiet && s.outbox != nil {
			if err := s.outbox.Send(ctx, tx, t, m); err != nil {
				return err
			}
		}
		m, err = tx.Message(ctx, m.ID)
		return err
	}()
	if err != nil {
		return desk.Message{}, err
	}
	return m, nil
}

// Messages returns the whole thread, oldest first, including messages of
// tickets merged into this one.
func (s *Service) Messages(ctx context.Context, a desk.Actor, ticketID int64) ([]desk.Message, error) {
	if err := a.RequireAgent(); err != nil {
		return nil, err
	}
	r := s.st.Read()
	if _, err := r.Ticket(ctx, ticketID); err != nil {
		return nil, err
	}
	ids, err := r.MergedTicketIDs(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	return r.Messages(ctx, append([]int64{ticketID}, ids...)...)
}

// Timeline returns every change to the ticket, oldest first.
func (s *Service) Timeline(ctx context.Context, a desk.Actor, ticketID int64) ([]desk.Event, error) {
	if err := a.RequireAgent(); err != nil {
		return nil, err
	}
	r := s.st.Read()
	if _, err := r.Ticket(ctx, ticketID); err != nil {
		return nil, err
	}
	return r.Events(ctx, ticketID)
}

// Merge moves source's messages into target (both must have the same
// requester), closes source with merged_into set, and records both sides in
// the timelines. It returns the updated target. Source keeps its own
// messages; target's thread (Messages) shows them, its search index,
// counts, tags and last activity include them.
func (s *Service) Merge(ctx context.Context, a desk.Actor, sourceID, targetID int64) (desk.Ticket, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Ticket{}, err
	}
	if sourceID == targetID {
		return desk.Ticket{}, invalid("target", "a ticket cannot be merged into itself")
	}
	now := s.now()
	var target desk.Ticket
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		// Lock in id order so two opposite merges cannot deadlock.
		first, second := min(sourceID, targetID), max(sourceID, targetID)
		t1, err := tx.TicketForUpdate(ctx, first)
		if err != nil {
			return err
		}
		t2, err := tx.TicketForUpdate(ctx, second)
		if err != nil {
			return err
		}
		source, tgt := t1, t2
		if first != sourceID {
			source, tgt = t2, t1
		}
		switch {
		case source.MergedInto != nil:
			return desk.Errorf(desk.EConflict, "Ticket #%d was already merged.", source.Number)
		case tgt.MergedInto != nil:
			return invalid("target", "the target ticket was itself merged into another")
		case source.Requester.ID != tgt.Requester.ID:
			return invalid("target", "both tickets must have the same requester")
		}
		texts, err := tx.MessageTexts(ctx, source.ID)
		if err != nil {
			return err
		}
		if err := tx.IndexMessageText(ctx, tgt.ID, source.Subject+"\n"+strings.Join(texts, "\n")); err != nil {
			return err
		}
		tgt.MessageCount += source.MessageCount
		if source.LastActivityAt.After(tgt.LastActivityAt) {
			tgt.LastActivityAt = source.LastActivityAt
			if source.Preview != "" {
				tgt.Preview = source.Preview
			}
		}
		tgt.UpdatedAt = now
		if err := tx.SaveTicket(ctx, tgt, false); err != nil {
			return err
		}
		tags := slices.Clone(tgt.Tags)
		for _, x := range source.Tags {
			if !slices.Contains(tags, x) {
				tags = append(tags, x)
			}
		}
		if len(tags) != len(tgt.Tags) {
			if err := tx.SetTicketTags(ctx, tgt.ID, tags); err != nil {
				return err
			}
		}
		oldStatus := source.Status
		setStatus(&source, desk.StatusClosed, now)
		source.MergedInto, source.UpdatedAt = &tgt.ID, now
		if err := tx.SaveTicket(ctx, source, false); err != nil {
			return err
		}
		evs := []desk.Event{
			event(a, source.ID, now, "merged", "merged_into", "", "#"+strconv.FormatInt(tgt.Number, 10)),
			event(a, tgt.ID, now, "merged_from", "merged_from", "", "#"+strconv.FormatInt(source.Number, 10)),
		}
		if oldStatus != desk.StatusClosed {
			evs = append(evs, event(a, source.ID, now, "status", "status", string(oldStatus), string(desk.StatusClosed)))
		}
		if err := tx.InsertEvents(ctx, evs...); err != nil {
			return err
		}
		target, err = tx.Ticket(ctx, tgt.ID)
		return err
	})
	if err != nil {
		return desk.Ticket{}, err
	}
	s.publish(ctx, realtime.TicketUpdated, sourceID, a)
	s.publish(ctx, realtime.TicketUpdated, targetID, a)
	return target, nil
}

// Attachment opens a stored attachment's content.
func (s *Service) Attachment(ctx context.Context, a desk.Actor, id int64) (desk.Attachment, io.ReadCloser, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Attachment{}, nil, err
	}
	att, data, _, err := s.st.Read().Attachment(ctx, id)
	if err != nil {
		return desk.Attachment{}, nil, err
	}
	return att, io.NopCloser(bytes.NewReader(data)), nil
}
