package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"switchboard/internal/desk"
)

// ChatFilter selects a page of chats for ListChats.
type ChatFilter struct {
	Status desk.ChatStatus // "" for every status
	Cursor string          // from the previous page's next cursor
	Limit  int             // 1 to MaxLimit (default DefaultLimit)
}

// ListChats returns chats newest first (by id), keyset paged: next is the
// cursor of the following page, "" on the last one.
func (tx *Tx) ListChats(ctx context.Context, f ChatFilter) ([]desk.Chat, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	var conds []string
	var args []any
	if f.Status != "" {
		conds, args = append(conds, "ch.status = ?"), append(args, string(f.Status))
	}
	if f.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(f.Cursor)
		id, perr := strconv.ParseInt(strings.TrimPrefix(string(raw), "c"), 10, 64)
		if err != nil || perr != nil || !strings.HasPrefix(string(raw), "c") || id <= 0 {
			return nil, "", desk.Errorf(desk.EInvalid, "Invalid cursor.")
		}
		conds, args = append(conds, "ch.id < ?"), append(args, id)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := tx.query(ctx, "SELECT "+chatColumns+chatFrom+where+" ORDER BY ch.id DESC LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("store: list chats: %w", err)
	}
	defer rows.Close()
	out := []desk.Chat{}
	for rows.Next() {
		var c desk.Chat
		if err := scanChat(rows, &c); err != nil {
			return nil, "", fmt.Errorf("store: list chats: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: list chats: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = base64.RawURLEncoding.EncodeToString([]byte("c" + strconv.FormatInt(out[limit-1].ID, 10)))
	}
	return out, next, nil
}
