package chat

import (
	"context"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// ChannelPatch is a partial change of a channel's settings (the REST
// API's PATCH): nil fields stay as they are. TeamID and MailboxID 0 remove
// the team or the mailbox; an empty mode in Prechat keeps that field's.
type ChannelPatch struct {
	Name      *string
	TeamID    *int64
	MailboxID *int64
	Origins   *[]string
	Color     *string
	Greeting  *string
	Position  *string
	Languages *[]string
	Prechat   *desk.Prechat
	MaxUpload *int64
	// QueueTimeout and EndAfterLeft: 0 is never.
	QueueTimeout *time.Duration
	EndAfterLeft *time.Duration
	Active       *bool
}

// inputOf is a channel's settings as an input, to change some of them.
func inputOf(c desk.ChatChannel) ChannelInput {
	in := ChannelInput{Name: c.Name, MailboxID: c.MailboxID, Origins: c.Origins, Color: c.Color, Greeting: c.Greeting,
		Position: c.Position, Languages: c.Languages, Prechat: c.Prechat, MaxUpload: c.MaxUpload, Active: c.Active,
		QueueTimeout: &c.QueueTimeout, EndAfterLeft: &c.EndAfterLeft}
	if c.Team != nil {
		id := c.Team.ID
		in.TeamID = &id
	}
	return in
}

func (p ChannelPatch) apply(in *ChannelInput) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Name, p.Name)
	set(&in.Color, p.Color)
	set(&in.Greeting, p.Greeting)
	set(&in.Position, p.Position)
	if p.TeamID != nil {
		in.TeamID = nil
		if *p.TeamID != 0 {
			in.TeamID = p.TeamID
		}
	}
	if p.MailboxID != nil {
		in.MailboxID = nil
		if *p.MailboxID != 0 {
			in.MailboxID = p.MailboxID
		}
	}
	if p.Origins != nil {
		in.Origins = *p.Origins
	}
	if p.Languages != nil {
		in.Languages = *p.Languages
	}
	if p.Prechat != nil {
		if p.Prechat.Name != "" {
			in.Prechat.Name = p.Prechat.Name
		}
		if p.Prechat.Email != "" {
			in.Prechat.Email = p.Prechat.Email
		}
	}
	if p.MaxUpload != nil {
		in.MaxUpload = *p.MaxUpload
		if in.MaxUpload == 0 {
			in.MaxUpload = -1 // refused: zero would mean the default
		}
	}
	if p.QueueTimeout != nil {
		in.QueueTimeout = p.QueueTimeout
	}
	if p.EndAfterLeft != nil {
		in.EndAfterLeft = p.EndAfterLeft
	}
	if p.Active != nil {
		in.Active = *p.Active
	}
}

// PatchChannel changes some of a channel's settings (admins only), read
// and written in one transaction.
func (s *Service) PatchChannel(ctx context.Context, a desk.Actor, id int64, p ChannelPatch) (desk.ChatChannel, error) {
	if err := a.RequireAdmin(); err != nil {
		return desk.ChatChannel{}, err
	}
	var c desk.ChatChannel
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		old, err := tx.ChatChannel(ctx, id)
		if err != nil {
			return err
		}
		in := inputOf(old)
		p.apply(&in)
		if c, err = s.checkChannel(ctx, tx, &in); err != nil {
			return err
		}
		c.ID, c.PublicKey, c.TokenSecret, c.IdentitySecret, c.CreatedAt = old.ID, old.PublicKey, old.TokenSecret, old.IdentitySecret, old.CreatedAt
		c.UpdatedAt = s.now()
		return tx.UpdateChatChannel(ctx, c)
	})
	if err == nil {
		s.forget(c.PublicKey)
	}
	return c, err
}
