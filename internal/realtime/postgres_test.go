package realtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const defaultTestURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// pgURL returns the test database, or skips when PostgreSQL is left out
// (SWITCHBOARD_TEST_SKIP_POSTGRES=1, as storetest does).
func pgURL(t *testing.T) string {
	t.Helper()
	if os.Getenv("SWITCHBOARD_TEST_SKIP_POSTGRES") == "1" {
		t.Skip("PostgreSQL left out")
	}
	if u := os.Getenv("SWITCHBOARD_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return defaultTestURL
}

// randomSchema names a schema for one test: the broker only uses it to
// name its channel, so it need not exist.
func randomSchema() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "sbtest_" + hex.EncodeToString(b)
}

// instance is one "process": a Local and the PostgreSQL broker over it.
func instance(t *testing.T, schema string, o PostgresOptions) *Postgres {
	t.Helper()
	o.Schema = schema
	if o.MinBackoff == 0 {
		o.MinBackoff = 10 * time.Millisecond
		o.MaxBackoff = 200 * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := NewPostgres(ctx, pgURL(t), NewLocal(64), o)
	if err != nil {
		t.Fatalf("NewPostgres: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// next waits for the next event on ch; ok is false when ch was closed
// (a resync).
func next(t *testing.T, ch <-chan Event) (Event, bool) {
	t.Helper()
	select {
	case ev, ok := <-ch:
		return ev, ok
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return Event{}, false
}

func mustNext(t *testing.T, ch <-chan Event, what string) Event {
	t.Helper()
	ev, ok := next(t, ch)
	if !ok {
		t.Fatalf("%s: channel closed (resync) instead of an event", what)
	}
	return ev
}

func TestPostgresInstancesShareEventsOnce(t *testing.T) {
	schema := randomSchema()
	a := instance(t, schema, PostgresOptions{})
	b := instance(t, schema, PostgresOptions{})
	fence := instance(t, schema, PostgresOptions{PublishOnly: true})
	subA, cancelA := a.Subscribe()
	defer cancelA()
	subB, cancelB := b.Subscribe()
	defer cancelB()
	ctx := context.Background()
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

	a.Publish(ctx, Event{Type: TicketCreated, TicketID: 7, AgentID: 3, At: at, Data: map[string]any{"number": 1007}})
	b.Publish(ctx, Event{Type: MessageCreated, TicketID: 8, At: at})
	b.Publish(ctx, PresenceEvent(9, 4, "Bo", Replying, true))

	// Each subscriber gets its own instance's events at once and the
	// other's through PostgreSQL; then the fence, sent after all of them
	// were seen, proves no duplicate or echo is still on its way (a
	// listener reads notifications in commit order).
	got := map[string][]string{}
	for name, sub := range map[string]<-chan Event{"A": subA, "B": subB} {
		for range 3 {
			ev := mustNext(t, sub, name)
			got[name] = append(got[name], ev.Type)
			switch ev.Type {
			case TicketCreated:
				if ev.TicketID != 7 || ev.AgentID != 3 || !ev.At.Equal(at) || ticketNumberOf(ev) != 1007 {
					t.Errorf("%s: ticket.created arrived as %+v", name, ev)
				}
			case Presence:
				if d, ok := DecodePresence(ev); !ok || d.Name != "Bo" || d.State != Replying || !d.Changed || ev.AgentID != 4 {
					t.Errorf("%s: presence arrived as %+v", name, ev)
				}
			}
		}
	}
	fence.Publish(ctx, Event{Type: TicketUpdated, TicketID: 99})
	for name, sub := range map[string]<-chan Event{"A": subA, "B": subB} {
		if ev := mustNext(t, sub, name); ev.Type != TicketUpdated || ev.TicketID != 99 {
			t.Errorf("%s: after its 3 events got %s %d, want the fence (a duplicate or an echo)", name, ev.Type, ev.TicketID)
		}
		if len(got[name]) != 3 {
			t.Errorf("%s got %v", name, got[name])
		}
	}
	if a.Dropped() != 0 || b.Dropped() != 0 {
		t.Errorf("dropped A=%d B=%d", a.Dropped(), b.Dropped())
	}
}

// ticketNumberOf reads "number" from decoded JSON Data, as the web app does.
func ticketNumberOf(ev Event) int64 {
	if m, ok := ev.Data.(map[string]any); ok {
		switch n := m["number"].(type) {
		case float64: // decoded JSON, from another instance
			return int64(n)
		case int: // as published in this one
			return int64(n)
		}
	}
	return 0
}

func TestPostgresSchemasAreIsolated(t *testing.T) {
	x := instance(t, randomSchema(), PostgresOptions{PublishOnly: true})
	ySchema := randomSchema()
	y := instance(t, ySchema, PostgresOptions{})
	yOther := instance(t, ySchema, PostgresOptions{PublishOnly: true})
	sub, cancel := y.Subscribe()
	defer cancel()
	ctx := context.Background()
	x.Publish(ctx, Event{Type: TicketCreated, TicketID: 1})
	x.Close() // sent before the fence below
	yOther.Publish(ctx, Event{Type: TicketCreated, TicketID: 2})
	if ev := mustNext(t, sub, "Y"); ev.TicketID != 2 {
		t.Fatalf("Y got ticket %d from another schema", ev.TicketID)
	}
	if x.Channel() == y.Channel() {
		t.Fatalf("schemas share channel %s", x.Channel())
	}
}

func TestChannelName(t *testing.T) {
	long := strings.Repeat("s", 80)
	cases := map[string]string{
		"":            "switchboard_events",
		"sbtest_ab12": "switchboard_events_sbtest_ab12",
	}
	for in, want := range cases {
		if got := ChannelName(in); got != want {
			t.Errorf("ChannelName(%q) = %q, want %q", in, got, want)
		}
	}
	seen := map[string]string{}
	for _, s := range []string{"", "a_b", "A-b", "a-b", "a b", long, long + "x", "Ünïcode", "sbtest_ab12"} {
		c := ChannelName(s)
		if len(c) > 63 {
			t.Errorf("ChannelName(%q) is %d bytes", s, len(c))
		}
		for _, r := range c {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
				t.Errorf("ChannelName(%q) = %q has %q", s, c, r)
			}
		}
		if other, dup := seen[c]; dup {
			t.Errorf("schemas %q and %q share channel %q", s, other, c)
		}
		seen[c] = s
	}
}

func TestPostgresListenerReconnectsAndResyncs(t *testing.T) {
	schema := randomSchema()
	a := instance(t, schema, PostgresOptions{})
	b := instance(t, schema, PostgresOptions{PublishOnly: true})
	sub, cancel := a.Subscribe()
	defer cancel()
	pid := a.listenPID.Load()

	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var killed bool
	if err := admin.QueryRow(ctx, "SELECT pg_terminate_backend($1)", int32(pid)).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate listener %d: %v %v", pid, killed, err)
	}
	if _, ok := next(t, sub); ok {
		t.Fatal("subscriber got an event, want its channel closed for a resync")
	}
	if a.Reconnects() != 1 || a.listenPID.Load() == pid {
		t.Fatalf("reconnects = %d, pid %d -> %d", a.Reconnects(), pid, a.listenPID.Load())
	}
	// Subscribed again, as the browser does, events flow.
	sub2, cancel2 := a.Subscribe()
	defer cancel2()
	b.Publish(ctx, Event{Type: TicketUpdated, TicketID: 5})
	if ev := mustNext(t, sub2, "after reconnect"); ev.TicketID != 5 {
		t.Fatalf("after reconnect got %+v", ev)
	}
}

func TestPostgresOversizedEvent(t *testing.T) {
	schema := randomSchema()
	a := instance(t, schema, PostgresOptions{})
	b := instance(t, schema, PostgresOptions{})
	subA, cancelA := a.Subscribe()
	defer cancelA()
	subB, cancelB := b.Subscribe()
	defer cancelB()
	ctx := context.Background()
	big := strings.Repeat("x", 10000)

	// Too large with its Data: others get it without.
	a.Publish(ctx, Event{Type: TicketUpdated, TicketID: 1, Data: big})
	if ev := mustNext(t, subA, "A"); ev.Data != big {
		t.Error("the local subscriber lost the data")
	}
	if ev := mustNext(t, subB, "B"); ev.TicketID != 1 || ev.Data != nil {
		t.Errorf("B got %+v, want ticket 1 without data", ev.TicketID)
	}
	// Too large even without: the others resync.
	a.Publish(ctx, Event{Type: big, TicketID: 2})
	if ev := mustNext(t, subA, "A"); ev.TicketID != 2 {
		t.Errorf("A got %+v", ev.TicketID)
	}
	if _, ok := next(t, subB); ok {
		t.Error("B got an event, want a resync for the event too large to send")
	}
	// Publishing still works.
	subB, cancelB = b.Subscribe()
	defer cancelB()
	a.Publish(ctx, Event{Type: TicketUpdated, TicketID: 4})
	if ev := mustNext(t, subB, "B"); ev.TicketID != 4 {
		t.Errorf("B got %d, want 4", ev.TicketID)
	}
}

func TestPostgresOverflowMakesOthersResync(t *testing.T) {
	schema := randomSchema()
	a := instance(t, schema, PostgresOptions{PublishOnly: true, QueueSize: 1})
	b, err := NewPostgres(context.Background(), pgURL(t), NewLocal(2000), PostgresOptions{Schema: schema}) // holds all that arrives
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	sub, cancel := b.Subscribe()
	defer cancel()
	for i := range 1000 {
		a.Publish(context.Background(), Event{Type: TicketUpdated, TicketID: int64(i)})
	}
	if a.Dropped() == 0 {
		t.Fatal("1000 publishes at once never filled a queue of 1")
	}
	got := 0
	for {
		if _, ok := next(t, sub); !ok {
			break // the resync
		}
		got++
	}
	t.Logf("queue of 1: %d of 1000 dropped, %d arrived before the resync", a.Dropped(), got)
	// What was sent before the resync arrived; the rest was dropped or
	// came after it (to no subscriber: a resynced browser reloads anyway).
	if got+int(a.Dropped()) > 1000 {
		t.Errorf("%d arrived + %d dropped > 1000", got, a.Dropped())
	}
}

func TestPostgresPublishNeverBlocks(t *testing.T) {
	// A database that does not answer: the notifier keeps retrying while
	// Publish keeps returning at once, dropping (and counting) the excess.
	ctx := context.Background()
	p, err := NewPostgres(ctx, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=1", nil,
		PostgresOptions{PublishOnly: true, QueueSize: 4, MinBackoff: 50 * time.Millisecond, FlushTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sub, cancel := p.Subscribe()
	defer cancel()
	start := time.Now()
	for i := range 50 {
		p.Publish(ctx, Event{Type: TicketUpdated, TicketID: int64(i)})
		<-sub // local subscribers still get everything at once
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("50 publishes took %s", d)
	}
	if p.Dropped() < 40 {
		t.Errorf("dropped %d, want at least 40 of 50 with a queue of 4", p.Dropped())
	}
	start = time.Now()
	p.Close()
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %s with FlushTimeout 200ms", d)
	}
}

func TestPostgresNewFailsWithoutDatabase(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := NewPostgres(ctx, "postgres://postgres:secret@127.0.0.1:1/test?sslmode=disable", nil, PostgresOptions{})
	if err == nil {
		t.Fatal("no error without a database to listen on")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestPostgresQuietListenerChecksItsConnection(t *testing.T) {
	// Waiting with a timeout and checking the connection in between must
	// leave it listening.
	schema := randomSchema()
	a := instance(t, schema, PostgresOptions{PingInterval: 5 * time.Millisecond})
	b := instance(t, schema, PostgresOptions{PublishOnly: true})
	sub, cancel := a.Subscribe()
	defer cancel()
	deadline := time.Now().Add(10 * time.Second)
	for a.pings.Load() < 20 {
		if time.Now().After(deadline) {
			t.Fatalf("%d connection checks in 10s", a.pings.Load())
		}
		time.Sleep(time.Millisecond)
	}
	for i := range 50 { // some arrive while a check is running
		b.Publish(context.Background(), Event{Type: TicketUpdated, TicketID: int64(i)})
	}
	for i := range 50 {
		if ev := mustNext(t, sub, "A"); ev.TicketID != int64(i) {
			t.Fatalf("event %d: got ticket %d", i, ev.TicketID)
		}
	}
	if a.Reconnects() != 0 {
		t.Errorf("%d reconnects", a.Reconnects())
	}
}

// BenchmarkPostgresFanout measures events from one instance reaching
// another's subscriber, end to end (Publish, queue, NOTIFY, LISTEN).
func BenchmarkPostgresFanout(b *testing.B) {
	schema := randomSchema()
	url := defaultTestURL
	if u := os.Getenv("SWITCHBOARD_TEST_DATABASE_URL"); u != "" {
		url = u
	}
	ctx := context.Background()
	open := func(o PostgresOptions) *Postgres {
		o.Schema = schema
		o.QueueSize = b.N + 1
		p, err := NewPostgres(ctx, url, NewLocal(b.N+1), o)
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	from, to := open(PostgresOptions{PublishOnly: true}), open(PostgresOptions{})
	defer from.Close()
	defer to.Close()
	sub, cancel := to.Subscribe()
	defer cancel()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		from.Publish(ctx, Event{Type: TicketUpdated, TicketID: int64(i)})
	}
	published := time.Since(start)
	for range b.N {
		<-sub
	}
	b.ReportMetric(float64(published.Nanoseconds())/float64(b.N), "ns/publish")
}
