package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// Two processes' services over one store: on PostgreSQL a ticket created
// through one reaches the other's subscribers (and the metrics show the
// shared broker); on SQLite the broker is in-process.
func TestOpenBrokerSharesEventsOnPostgres(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		brA, closeA, err := OpenBroker(ctx, st, BrokerOptions{PublishOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer closeA()
		brB, closeB, err := OpenBroker(ctx, st, BrokerOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer closeB()
		_, shared := brB.(*realtime.Postgres)
		if want := st.Engine() == store.EnginePostgres; shared != want {
			t.Fatalf("%s: broker %T", st.Engine(), brB)
		}
		a, b := NewServices(st, brA, nil), NewServices(st, brB, nil)
		sub, cancel := b.Broker.Subscribe()
		defer cancel()
		tk, err := a.Tickets.Create(ctx, desk.System, desk.NewTicket{Subject: "Across", Body: "Hello",
			Requester: desk.ContactInput{Email: "ana@customer.example", Name: "Ana"}})
		if err != nil {
			t.Fatal(err)
		}
		if shared {
			select {
			case ev := <-sub:
				if ev.Type != realtime.TicketCreated || ev.TicketID != tk.ID {
					t.Errorf("B got %s %d, want ticket.created %d", ev.Type, ev.TicketID, tk.ID)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("B got no event for the ticket created through A")
			}
		} else if len(sub) != 0 {
			t.Errorf("SQLite: another process's broker delivered %d events", len(sub))
		}
		bctx, stop := context.WithCancel(ctx)
		defer stop()
		srv, err := Build(bctx, b, "http://127.0.0.1", nil)
		if err != nil {
			t.Fatal(err)
		}
		m := get(t, srv.Handler(), "/metrics").Body.String()
		if got := strings.Contains(m, "switchboard_realtime_reconnects_total 0"); got != shared {
			t.Errorf("%s: reconnect counter exported = %v", st.Engine(), got)
		}
		if !strings.Contains(m, "switchboard_realtime_subscribers ") {
			t.Errorf("metrics lack the subscriber gauge:\n%s", m)
		}
	})
}
