package widget_test

import (
	"context"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// A visitor whose chat nobody accepted sees it end as missed, live, and
// leaves an email address to be answered at.
func TestMissedChatReachesTheWidget(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := desk.NewFixedClock(time.Now())
		e := newEnvAt(t, st, clk)
		tok := e.session(t, "")
		ws := e.dial(t, tok, 0, 0)
		ws.next("hello")
		ws.send(map[string]any{"t": "start", "cid": "m1", "text": "Anyone?", "name": "Iva"})
		ack := ws.next("ack")
		ws.next("entry")

		clk.Advance(3*time.Minute + time.Second)
		if err := e.svc.TouchVisitors(ctx, []int64{visitorOf(t, e, tok)}); err != nil { // the widget is still there
			t.Fatal(err)
		}
		if missed, _, err := e.svc.Sweep(ctx); err != nil || missed != 1 {
			t.Fatalf("sweep: %d %v", missed, err)
		}
		if en := ws.next("entry"); en.Entry.Event != desk.ChatEventMissed || en.Entry.Body != desk.MissedTimeout || en.Entry.Seq != 2 {
			t.Fatalf("missed entry: %+v", en.Entry)
		}
		if st := ws.next("state"); st.Status != desk.ChatEnded {
			t.Fatalf("state: %+v", st)
		}

		ws.send(map[string]any{"t": "email", "email": "nope"})
		if ef := ws.next("error"); ef.Req != "email" || ef.Code != "invalid" || ef.Fields["email"] == "" {
			t.Fatalf("bad address: %+v", ef)
		}
		ws.send(map[string]any{"t": "email", "email": "iva@example.com"})
		if ok := ws.next("ok"); ok.Req != "email" {
			t.Fatalf("email: %+v", ok)
		}
		tk, err := e.tickets.Get(ctx, e.agent, ack.Chat.TicketID)
		if err != nil || tk.Requester.Email != "iva@example.com" {
			t.Fatalf("requester: %v %+v", err, tk.Requester)
		}
	})
}
