package chat

import (
	"context"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// ChatFilter selects a page of the chat history.
type ChatFilter struct {
	Status desk.ChatStatus // queued, active, ended, or "" for all
	Cursor string
	Limit  int // 1 to 100 (default 25)
}

// ChatPage is one page of chats, newest first; NextCursor is "" on the
// last page.
type ChatPage struct {
	Items      []desk.Chat
	NextCursor string
}

// ListChats returns chats newest first, of one status or all (any agent:
// chats are tickets, which every agent may work).
func (s *Service) ListChats(ctx context.Context, a desk.Actor, f ChatFilter) (ChatPage, error) {
	if err := a.RequireAgent(); err != nil {
		return ChatPage{}, err
	}
	switch f.Status {
	case "", desk.ChatQueued, desk.ChatActive, desk.ChatEnded:
	default:
		return ChatPage{}, &desk.Error{Code: desk.EInvalid, Message: "A chat's status is queued, active or ended.",
			Fields: map[string]string{"status": "queued, active or ended"}}
	}
	if f.Limit < 0 || f.Limit > store.MaxLimit {
		return ChatPage{}, &desk.Error{Code: desk.EInvalid, Message: "Ask for 1 to 100 chats at a time.",
			Fields: map[string]string{"limit": "1 to 100"}}
	}
	items, next, err := s.st.Read().ListChats(ctx, store.ChatFilter{Status: f.Status, Cursor: f.Cursor, Limit: f.Limit})
	return ChatPage{Items: items, NextCursor: next}, err
}
