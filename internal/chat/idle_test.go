package chat_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/desk/desktest"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
	"switchboard/internal/ticket"
)

// emailOutbox records the replies that go by email (not to a live chat).
type emailOutbox struct {
	mu   sync.Mutex
	sent []string
}

func (o *emailOutbox) Send(_ context.Context, _ *store.Tx, _ desk.Ticket, m desk.Message) error {
	o.mu.Lock()
	o.sent = append(o.sent, m.Text)
	o.mu.Unlock()
	return nil
}

// idleFixture is a fixture on a fake clock, with Ana online and a
// subscription to the live events.
type idleFixture struct {
	*fixture
	clk    *desk.FixedClock
	email  *emailOutbox
	events <-chan realtime.Event
}

func newIdleFixture(t *testing.T, st *store.Store) *idleFixture {
	t.Helper()
	clk := desk.NewFixedClock(time.Now().Truncate(time.Second))
	out := &emailOutbox{}
	f := &idleFixture{fixture: newFixtureWith(t, st, clk, out), clk: clk, email: out}
	desktest.Must(t, f.svc.SetStatus(context.Background(), f.ana, desk.AgentOnline))
	events, cancel := f.br.Subscribe()
	t.Cleanup(cancel)
	f.events = events
	return f
}

// start opens a chat for a new visitor.
func (f *idleFixture) start(t *testing.T, in chat.StartInput) (chat.Visitor, desk.Chat) {
	t.Helper()
	v := f.visitor(t, f.connect(t, ""))
	if in.Text == "" {
		in.Text, in.ClientID = "Is anyone there?", "c1"
	}
	sent, err := f.svc.Start(context.Background(), v, in)
	desktest.Must(t, err)
	return v, sent.Chat
}

// pass moves the clock on by d, the visitors present (their widgets
// connected, the hub touching them every 30 s) or not.
func (f *idleFixture) pass(t *testing.T, d time.Duration, present ...chat.Visitor) {
	t.Helper()
	for d > 0 {
		step := min(d, chat.TouchInterval)
		f.clk.Advance(step)
		d -= step
		var ids []int64
		for _, v := range present {
			ids = append(ids, v.VisitorID)
		}
		desktest.Must(t, f.svc.TouchVisitors(context.Background(), ids))
	}
}

// sweep runs Sweep and checks how many chats it ended each way.
func (f *idleFixture) sweep(t *testing.T, wantMissed, wantEnded int) {
	t.Helper()
	missed, ended, err := f.svc.Sweep(context.Background())
	if err != nil || missed != wantMissed || ended != wantEnded {
		t.Fatalf("sweep: missed %d, ended %d, err %v; want %d, %d", missed, ended, err, wantMissed, wantEnded)
	}
}

// states returns the chat.state events published since the last call.
func (f *idleFixture) states() []chat.StateData {
	var out []chat.StateData
	for {
		select {
		case ev := <-f.events:
			var d chat.StateData
			if ev.Type == chat.EventState && chat.Decode(ev, &d) {
				out = append(out, d)
			}
		default:
			return out
		}
	}
}

// lastEntry returns the last entry of a chat's log.
func (f *idleFixture) lastEntry(t *testing.T, id int64) (desk.Chat, desk.ChatEntry) {
	t.Helper()
	c, es, err := f.svc.Chat(context.Background(), f.ana, id)
	desktest.Must(t, err)
	return c, es[len(es)-1]
}

// events returns the ticket's history rows of an action.
func (f *idleFixture) history(t *testing.T, ticketID int64, action string) []desk.Event {
	t.Helper()
	evs, err := f.tickets.Timeline(context.Background(), f.ana, ticketID)
	desktest.Must(t, err)
	var out []desk.Event
	for _, e := range evs {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

func TestSweepMissesUnansweredChats(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newIdleFixture(t, st)
		if f.ch.QueueTimeout != chat.DefaultQueueTimeout || f.ch.EndAfterLeft != chat.DefaultEndAfterLeft {
			t.Fatalf("defaults: %v %v", f.ch.QueueTimeout, f.ch.EndAfterLeft)
		}
		v, c := f.start(t, chat.StartInput{Name: "Iva"})
		f.states()

		// Ringing within the queue timeout, the visitor there: untouched.
		f.pass(t, 2*time.Minute+50*time.Second, v)
		f.sweep(t, 0, 0)
		if got, _ := f.lastEntry(t, c.ID); got.Status != desk.ChatQueued {
			t.Fatalf("before the timeout: %s", got.Status)
		}
		if s := f.states(); len(s) != 0 {
			t.Fatalf("states before the timeout: %+v", s)
		}

		// Past it: missed, once, and the ringing stops everywhere.
		f.pass(t, 11*time.Second, v)
		f.sweep(t, 1, 0)
		f.sweep(t, 0, 0)
		got, last := f.lastEntry(t, c.ID)
		if got.Status != desk.ChatEnded || got.EndedAt == nil || last.Event != desk.ChatEventMissed ||
			last.Body != desk.MissedTimeout || last.Author != desk.AuthorSystem {
			t.Fatalf("missed chat: %+v, last entry %+v", got, last)
		}
		if s := f.states(); len(s) != 1 || s[0].ChatID != c.ID || s[0].Status != desk.ChatEnded {
			t.Fatalf("state events: %+v", s)
		}
		open, err := f.svc.OpenChats(ctx, f.ben)
		if err != nil || len(open) != 0 {
			t.Fatalf("still ringing for Ben: %v %+v", err, open)
		}
		if h := f.history(t, c.TicketID, "chat_missed"); len(h) != 1 || h[0].Field != desk.MissedTimeout || h[0].Actor != desk.System.Name {
			t.Fatalf("ticket history: %+v", h)
		}
		// The ticket stays open, and a reply to it goes by email.
		tk, err := f.tickets.Get(ctx, f.ana, c.TicketID)
		if err != nil || tk.Status == desk.StatusResolved || tk.Status == desk.StatusClosed {
			t.Fatalf("ticket after a missed chat: %v %s", err, tk.Status)
		}
		if _, err := f.tickets.AddMessage(ctx, f.ana, c.TicketID, desk.NewMessage{Text: "Sorry we missed you: yes, it is."}); err != nil {
			t.Fatal(err)
		}
		if _, after := f.lastEntry(t, c.ID); after.Seq != last.Seq || len(f.email.sent) != 1 {
			t.Fatalf("reply after a missed chat: entry %+v, email %v", after, f.email.sent)
		}
		if _, err := f.svc.Post(ctx, v, "hello?", "c2", nil); desk.ErrorCode(err) != desk.EConflict {
			t.Fatalf("post to a missed chat: %v", err)
		}
	})
}

func TestSweepMissesChatsWhoseVisitorLeft(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newIdleFixture(t, st)
		never := time.Duration(0)
		ch, err := f.svc.PatchChannel(ctx, desk.System, f.ch.ID, chat.ChannelPatch{QueueTimeout: &never})
		desktest.Must(t, err)
		if ch.QueueTimeout != 0 {
			t.Fatalf("queue timeout: %v", ch.QueueTimeout)
		}
		stay, c1 := f.start(t, chat.StartInput{})
		_, c2 := f.start(t, chat.StartInput{})

		// Within VisitorTimeout (90 s) of the last sign of life nobody has left.
		f.pass(t, 90*time.Second, stay)
		f.sweep(t, 0, 0)
		// Then the second visitor is gone; with queue timeout 0 the first
		// one rings on, however long.
		f.pass(t, time.Second, stay)
		f.sweep(t, 1, 0)
		if got, last := f.lastEntry(t, c2.ID); got.Status != desk.ChatEnded || last.Event != desk.ChatEventMissed || last.Body != desk.MissedLeft {
			t.Fatalf("visitor gone: %+v %+v", got, last)
		}
		f.pass(t, 2*time.Hour, stay)
		f.sweep(t, 0, 0)
		if got, _ := f.lastEntry(t, c1.ID); got.Status != desk.ChatQueued {
			t.Fatalf("queue timeout 0: %s", got.Status)
		}
		if h := f.history(t, c2.TicketID, "chat_missed"); len(h) != 1 || h[0].Field != desk.MissedLeft {
			t.Fatalf("ticket history: %+v", h)
		}
	})
}

// A chat transferred back to a queue rings afresh: its timeout counts from
// the transfer, not from the start.
func TestSweepCountsFromTheTransfer(t *testing.T) {
	f := newIdleFixture(t, storetest.NewSQLite(t))
	ctx := context.Background()
	v, c := f.start(t, chat.StartInput{})
	_, err := f.svc.Accept(ctx, f.ana, c.ID)
	desktest.Must(t, err)
	f.pass(t, 20*time.Minute, v)
	_, err = f.svc.Transfer(ctx, f.ana, c.ID, nil, &f.team.ID)
	desktest.Must(t, err)
	f.pass(t, 2*time.Minute, v)
	f.sweep(t, 0, 0)
	f.pass(t, time.Minute+time.Second, v)
	f.sweep(t, 1, 0)
}

func TestSweepEndsAbandonedChats(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newIdleFixture(t, st)
		v, c := f.start(t, chat.StartInput{Name: "Iva"})
		back, c2 := f.start(t, chat.StartInput{})
		for _, id := range []int64{c.ID, c2.ID} {
			_, err := f.svc.Accept(ctx, f.ana, id)
			desktest.Must(t, err)
		}
		// A long chat with the visitors there: untouched.
		f.pass(t, 40*time.Minute, v, back)
		f.sweep(t, 0, 0)
		f.states()

		// Both leave; one comes back (a page load) before 10 minutes.
		f.pass(t, 8*time.Minute)
		f.pass(t, 90*time.Second, back)
		f.sweep(t, 0, 0)
		f.pass(t, 31*time.Second, back)
		f.sweep(t, 0, 1)
		f.sweep(t, 0, 0)

		got, last := f.lastEntry(t, c.ID)
		if got.Status != desk.ChatEnded || last.Event != desk.ChatEventEnded || last.Body != desk.EndedLeft || last.Author != desk.AuthorSystem {
			t.Fatalf("abandoned chat: %+v, last entry %+v", got, last)
		}
		if got2, _ := f.lastEntry(t, c2.ID); got2.Status != desk.ChatActive {
			t.Fatalf("the visitor who came back: %s", got2.Status)
		}
		if s := f.states(); len(s) != 1 || s[0].ChatID != c.ID || s[0].Status != desk.ChatEnded {
			t.Fatalf("state events: %+v", s)
		}
		h := f.history(t, c.TicketID, "chat_ended")
		if len(h) != 1 || h[0].Field != desk.EndedLeft || h[0].Actor != desk.System.Name || h[0].AgentID != nil {
			t.Fatalf("ticket history: %+v", h)
		}
		// The ticket goes on (not resolved), answered by email from now on.
		tk, err := f.tickets.Get(ctx, f.ana, c.TicketID)
		if err != nil || tk.Status != desk.StatusOpen || tk.Assignee == nil || tk.Assignee.ID != f.ana.AgentID {
			t.Fatalf("ticket after an abandoned chat: %v %+v", err, tk)
		}
	})
}

func TestSweepNeverWithZero(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newIdleFixture(t, st)
		never := time.Duration(0)
		_, err := f.svc.PatchChannel(ctx, desk.System, f.ch.ID, chat.ChannelPatch{EndAfterLeft: &never})
		desktest.Must(t, err)
		_, c := f.start(t, chat.StartInput{})
		_, err = f.svc.Accept(ctx, f.ana, c.ID)
		desktest.Must(t, err)
		f.pass(t, 48*time.Hour)
		f.sweep(t, 0, 0)
		if got, _ := f.lastEntry(t, c.ID); got.Status != desk.ChatActive {
			t.Fatalf("end after left 0: %s", got.Status)
		}
	})
}

// Two processes sweeping one database at once end each chat once.
func TestSweepConcurrently(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newIdleFixture(t, st)
		other := chat.New(st, ticket.New(st, f.br, f.clk), f.br, f.clk, chat.Options{}) // another process
		const n = 12
		var chats []desk.Chat
		for range n {
			_, c := f.start(t, chat.StartInput{})
			chats = append(chats, c)
		}
		f.pass(t, 4*time.Minute)
		f.states()
		var wg sync.WaitGroup
		var missed [2]int
		var errs [2]error
		for i, svc := range []*chat.Service{f.svc, other} {
			wg.Go(func() { missed[i], _, errs[i] = svc.Sweep(ctx) })
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil || missed[0]+missed[1] != n {
			t.Fatalf("missed %v, errors %v", missed, errs)
		}
		ended := map[int64]int{}
		for _, s := range f.states() {
			ended[s.ChatID]++
		}
		for _, c := range chats {
			_, es, err := f.svc.Chat(ctx, f.ana, c.ID)
			desktest.Must(t, err)
			n := 0
			for _, e := range es {
				if e.Event == desk.ChatEventMissed {
					n++
				}
			}
			if n != 1 || ended[c.ID] != 1 || len(f.history(t, c.TicketID, "chat_missed")) != 1 {
				t.Errorf("chat %d: %d missed entries, %d state events", c.ID, n, ended[c.ID])
			}
		}
	})
}

// A visitor whose chat was missed leaves an email address: it goes to the
// ticket's requester.
func TestLeaveEmail(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newIdleFixture(t, st)
		v, c := f.start(t, chat.StartInput{Name: "Iva"})
		f.pass(t, 4*time.Minute, v)
		f.sweep(t, 1, 0)
		desktest.WantCode(t, f.svc.LeaveEmail(ctx, v, "not an address"), desk.EInvalid)
		desktest.Must(t, f.svc.LeaveEmail(ctx, v, "Iva@Example.com"))
		tk, err := f.tickets.Get(ctx, f.ana, c.TicketID)
		if err != nil || tk.Requester.Email != "iva@example.com" {
			t.Fatalf("requester: %v %+v", err, tk.Requester)
		}
		if h := f.history(t, c.TicketID, "chat_email"); len(h) != 1 || h[0].New != "iva@example.com" {
			t.Fatalf("ticket history: %+v", h)
		}
		desktest.WantCode(t, f.svc.LeaveEmail(ctx, v, "other@example.com"), desk.EConflict)

		// An address another contact owns makes that contact the requester.
		owner, err := f.tickets.Create(ctx, f.ana, desk.NewTicket{Subject: "Earlier", Body: "x",
			Requester: desk.ContactInput{Email: "marko@example.com", Name: "Marko"}})
		desktest.Must(t, err)
		v2, c2 := f.start(t, chat.StartInput{})
		f.pass(t, 4*time.Minute, v2)
		f.sweep(t, 1, 0)
		desktest.Must(t, f.svc.LeaveEmail(ctx, v2, "marko@example.com"))
		tk2, err := f.tickets.Get(ctx, f.ana, c2.TicketID)
		if err != nil || tk2.Requester.ID != owner.Requester.ID {
			t.Fatalf("requester: %v %+v, want contact %d", err, tk2.Requester, owner.Requester.ID)
		}
	})
}

func TestIdleSettings(t *testing.T) {
	f := newFixture(t, storetest.NewSQLite(t))
	ctx := context.Background()
	d := func(x time.Duration) *time.Duration { return &x }
	ch, err := f.svc.CreateChannel(ctx, desk.System, chat.ChannelInput{Name: "Docs", QueueTimeout: d(90 * time.Second), EndAfterLeft: d(0)})
	desktest.Must(t, err)
	if ch.QueueTimeout != 90*time.Second || ch.EndAfterLeft != 0 {
		t.Fatalf("created: %v %v", ch.QueueTimeout, ch.EndAfterLeft)
	}
	got, err := f.svc.Channel(ctx, desk.System, ch.ID)
	if err != nil || got.QueueTimeout != 90*time.Second || got.EndAfterLeft != 0 {
		t.Fatalf("stored: %v %v %v", err, got.QueueTimeout, got.EndAfterLeft)
	}
	for _, bad := range []time.Duration{-time.Second, 24*time.Hour + time.Second} {
		_, err := f.svc.PatchChannel(ctx, desk.System, ch.ID, chat.ChannelPatch{QueueTimeout: &bad, EndAfterLeft: &bad})
		var de *desk.Error
		if !errors.As(err, &de) || de.Code != desk.EInvalid || de.Fields["queue_timeout"] == "" || de.Fields["end_after_left"] == "" {
			t.Fatalf("%v: %v", bad, err)
		}
	}
	ch, err = f.svc.PatchChannel(ctx, desk.System, ch.ID, chat.ChannelPatch{EndAfterLeft: d(24 * time.Hour)})
	if err != nil || ch.EndAfterLeft != 24*time.Hour || ch.QueueTimeout != 90*time.Second {
		t.Fatalf("patched: %v %+v", err, ch)
	}
}
