package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// testChatList pages through chats newest first, with and without a
// status, and refuses a forged cursor.
func testChatList(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	ch := desk.ChatChannel{PublicKey: "k1", Name: "Site", Color: "#2563eb", Position: "right",
		TokenSecret: "t", IdentitySecret: "i", Active: true, CreatedAt: t0(), UpdatedAt: t0()}
	var vis desk.ChatVisitor
	must(t, st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertChatChannel(ctx, &ch); err != nil {
			return err
		}
		vis = desk.ChatVisitor{ChannelID: ch.ID, Name: "Vera", Visits: 1, FirstSeenAt: t0(), VisitAt: t0(), LastSeenAt: t0()}
		return tx.InsertChatVisitor(ctx, &vis)
	}))
	statuses := []desk.ChatStatus{desk.ChatEnded, desk.ChatEnded, desk.ChatActive, desk.ChatEnded, desk.ChatQueued, desk.ChatEnded, desk.ChatEnded}
	var ids []int64
	for i, status := range statuses {
		tk := insertTicket(t, st, desk.Ticket{Subject: fmt.Sprint("chat ", i), Channel: desk.ChannelChat,
			Requester: desk.ContactRef{ID: s.contact}, CreatedAt: t0().Add(time.Duration(i) * time.Minute)}, "hello")
		c := desk.Chat{ChannelID: ch.ID, VisitorID: vis.ID, TicketID: tk.ID, Status: status, StartedAt: tk.CreatedAt}
		if status != desk.ChatQueued {
			c.Agent = &desk.AgentRef{ID: s.agent}
		}
		must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.InsertChat(ctx, &c) }))
		ids = append(ids, c.ID)
	}
	page := func(f store.ChatFilter) ([]int64, string) {
		t.Helper()
		cs, next, err := st.Read().ListChats(ctx, f)
		must(t, err)
		var got []int64
		for _, c := range cs {
			if f.Status != "" && c.Status != f.Status {
				t.Fatalf("status %s listed for %s", c.Status, f.Status)
			}
			if c.VisitorName != "Vera" || c.TicketNumber == 0 {
				t.Fatalf("chat without its listing fields: %+v", c)
			}
			got = append(got, c.ID)
		}
		return got, next
	}
	// Every chat, three at a time, newest first.
	var all []int64
	cursor := ""
	for range 10 {
		got, next := page(store.ChatFilter{Cursor: cursor, Limit: 3})
		all = append(all, got...)
		if cursor = next; cursor == "" {
			break
		}
	}
	if fmt.Sprint(all) != fmt.Sprint([]int64{ids[6], ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}) {
		t.Fatalf("all chats: %v (ids %v)", all, ids)
	}
	// Ended ones, two at a time.
	got, next := page(store.ChatFilter{Status: desk.ChatEnded, Limit: 2})
	got2, next2 := page(store.ChatFilter{Status: desk.ChatEnded, Limit: 2, Cursor: next})
	got3, next3 := page(store.ChatFilter{Status: desk.ChatEnded, Limit: 2, Cursor: next2})
	if fmt.Sprint(got, got2, got3) != fmt.Sprint([]int64{ids[6], ids[5]}, []int64{ids[3], ids[1]}, []int64{ids[0]}) || next3 != "" {
		t.Fatalf("ended pages: %v %v %v (next %q)", got, got2, got3, next3)
	}
	if got, _ := page(store.ChatFilter{Status: desk.ChatQueued}); len(got) != 1 || got[0] != ids[4] {
		t.Fatalf("queued: %v", got)
	}
	for _, bad := range []string{"!!", "eHl6", "YzA"} { // not base64, "xyz", "c0"
		if _, _, err := st.Read().ListChats(ctx, store.ChatFilter{Cursor: bad}); desk.ErrorCode(err) != desk.EInvalid {
			t.Errorf("cursor %q: %v", bad, err)
		}
	}
}

// testChatVisitorVerified stores whether a visitor's identity is signed,
// on insert and on save, and lists it with the visitor's chats.
func testChatVisitorVerified(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st)
	ch := desk.ChatChannel{PublicKey: "kv", Name: "Site", Color: "#2563eb", Position: "right",
		TokenSecret: "t", IdentitySecret: "i", Active: true, CreatedAt: t0(), UpdatedAt: t0()}
	signed := desk.ChatVisitor{ExternalID: "u1", Email: "cust@example.com", Verified: true, Visits: 1, FirstSeenAt: t0(), VisitAt: t0(), LastSeenAt: t0()}
	typed := desk.ChatVisitor{Email: "typed@example.com", Visits: 1, FirstSeenAt: t0(), VisitAt: t0(), LastSeenAt: t0()}
	var c desk.Chat
	must(t, st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertChatChannel(ctx, &ch); err != nil {
			return err
		}
		signed.ChannelID, typed.ChannelID = ch.ID, ch.ID
		if err := tx.InsertChatVisitor(ctx, &signed); err != nil {
			return err
		}
		return tx.InsertChatVisitor(ctx, &typed)
	}))
	tk := insertTicket(t, st, desk.Ticket{Subject: "chat", Channel: desk.ChannelChat, Requester: desk.ContactRef{ID: s.contact}, CreatedAt: t0()}, "hi")
	c = desk.Chat{ChannelID: ch.ID, VisitorID: signed.ID, TicketID: tk.ID, Status: desk.ChatQueued, StartedAt: t0()}
	must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.InsertChat(ctx, &c) }))
	read := func(id int64) desk.ChatVisitor {
		t.Helper()
		v, err := st.Read().ChatVisitor(ctx, id)
		must(t, err)
		return v
	}
	if !read(signed.ID).Verified || read(typed.ID).Verified {
		t.Fatalf("after insert: signed %+v, typed %+v", read(signed.ID), read(typed.ID))
	}
	if got, err := st.Read().Chat(ctx, c.ID); err != nil || !got.VisitorVerified {
		t.Fatalf("chat of a signed visitor: %v %+v", err, got)
	}
	signed.Verified, typed.Verified = false, true
	must(t, st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SaveChatVisitor(ctx, signed); err != nil {
			return err
		}
		return tx.SaveChatVisitor(ctx, typed)
	}))
	if read(signed.ID).Verified || !read(typed.ID).Verified {
		t.Fatalf("after save: %+v %+v", read(signed.ID), read(typed.ID))
	}
	if got, err := st.Read().Chat(ctx, c.ID); err != nil || got.VisitorVerified {
		t.Fatalf("chat after save: %v %+v", err, got)
	}
	vs, err := st.Read().OnlineChatVisitors(ctx, t0().Add(-time.Minute), 10)
	must(t, err)
	got := map[int64]bool{}
	for _, v := range vs {
		got[v.ID] = v.Verified
	}
	if len(got) != 2 || got[signed.ID] || !got[typed.ID] {
		t.Fatalf("online visitors: %+v", vs)
	}
}
