package ticket_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

// benchTickets is how many tickets the list benchmarks preload:
// SWITCHBOARD_BENCH_TICKETS, default 10,000 (use 100000 or 1000000 for
// the scale targets).
func benchTickets(b *testing.B) int {
	if v := os.Getenv("SWITCHBOARD_BENCH_TICKETS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("SWITCHBOARD_BENCH_TICKETS=%q", v)
		}
		return n
	}
	return 10000
}

// benchDesk creates agents and teams and returns their ids.
func benchDesk(b testing.TB, st *store.Store) (agents, teams []int64) {
	ctx := context.Background()
	ts := team.New(st, nil)
	for i := range 5 {
		tm, err := ts.CreateTeam(ctx, desk.System, fmt.Sprintf("Team %d", i), nil)
		if err != nil {
			b.Fatal(err)
		}
		teams = append(teams, tm.ID)
	}
	for i := range 20 {
		ag, err := ts.CreateAgent(ctx, desk.System, team.NewAgent{Email: fmt.Sprintf("agent%d@example.com", i), Name: fmt.Sprintf("Agent %d", i), Role: desk.RoleAgent})
		if err != nil {
			b.Fatal(err)
		}
		agents = append(agents, ag.ID)
	}
	return agents, teams
}

// BenchmarkCreate measures ticket creation through the service, with
// 4 concurrent clients (b.SetParallelism over GOMAXPROCS); ns/op is wall
// time per ticket, so 1e9/ns-per-op is tickets per second:
//
//	go test -run '^$' -bench Create -benchtime 3000x ./internal/ticket
func BenchmarkCreate(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			st := e.Open(b)
			agents, teams := benchDesk(b, st)
			svc := ticket.New(st, nil, nil)
			actor := desk.Actor{Kind: desk.ActorAPI, AgentID: agents[0], Name: "Agent 0", Role: desk.RoleAgent}
			var n atomic.Int64
			b.SetParallelism(max(1, 4/runtimeProcs())) // 4 clients
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					i := n.Add(1)
					_, err := svc.Create(ctx, actor, desk.NewTicket{
						Subject: fmt.Sprintf("Benchmark ticket %d", i), Body: "Hello, my order has not arrived yet. Could you check?",
						Requester: desk.ContactInput{Email: fmt.Sprintf("c%d@example.com", i%5000), Name: "Customer"},
						Tags:      []string{"bench"}, TeamID: &teams[i%int64(len(teams))], Inbound: true,
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkList measures inbox pages over SWITCHBOARD_BENCH_TICKETS
// tickets loaded with the bulk loader, for the common views:
//
//	SWITCHBOARD_BENCH_TICKETS=100000 go test -run '^$' -bench List -benchtime 200x ./internal/ticket
func BenchmarkList(b *testing.B) {
	n := benchTickets(b)
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			st := e.Open(b)
			agents, teams := benchDesk(b, st)
			start := time.Now()
			loadBench(b, st, n, agents, teams)
			b.Logf("%s: loaded %d tickets in %v", e.Name, n, time.Since(start).Round(time.Millisecond))
			svc := ticket.New(st, nil, nil)
			// Agent 1 has new and open tickets (see loadBench).
			actor := desk.Actor{Kind: desk.ActorAgent, AgentID: agents[1], Name: "Agent 1", Role: desk.RoleAgent}
			active := []desk.Status{desk.StatusNew, desk.StatusOpen}
			views := []struct {
				name string
				f    desk.TicketFilter
			}{
				{"all", desk.TicketFilter{}},
				{"open", desk.TicketFilter{Statuses: active}},
				{"mine", desk.TicketFilter{Statuses: active, AssigneeID: &agents[1]}},
				{"unassigned", desk.TicketFilter{Statuses: active, Unassigned: true}},
				{"team", desk.TicketFilter{Statuses: active, TeamID: &teams[1]}},
				{"pending", desk.TicketFilter{Statuses: []desk.Status{desk.StatusPending}}},
				{"tag", desk.TicketFilter{Tag: "refund"}},
				{"priority", desk.TicketFilter{Statuses: active, Priority: desk.PriorityUrgent}},
				{"search", desk.TicketFilter{Query: "invoice"}},
				{"page3", desk.TicketFilter{Statuses: active}},
			}
			ctx := context.Background()
			for _, v := range views {
				f := v.f
				if v.name == "page3" {
					for range 2 {
						p, err := svc.List(ctx, actor, f)
						if err != nil {
							b.Fatal(err)
						}
						f.Cursor = p.NextCursor
					}
				}
				b.Run(v.name, func(b *testing.B) {
					for b.Loop() {
						if _, err := svc.List(ctx, actor, f); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			b.Run("counts", func(b *testing.B) {
				for b.Loop() {
					if _, err := svc.Counts(ctx, actor); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// loadBench bulk-loads n tickets: statuses 10% new, 20% open, 10% pending,
// 20% resolved, 30% closed, 10% spam; 3 in 4 assigned over 20 agents;
// half in one of 5 teams; 1 in 5 tagged; a third of the requesters
// with several tickets; words in five languages for search.
func loadBench(b testing.TB, st *store.Store, n int, agents, teams []int64) {
	b.Helper()
	statuses := []desk.Status{desk.StatusNew, desk.StatusOpen, desk.StatusOpen, desk.StatusPending, desk.StatusResolved,
		desk.StatusResolved, desk.StatusClosed, desk.StatusClosed, desk.StatusClosed, desk.StatusSpam}
	words := []string{"invoice", "refund", "login", "password", "shipping", "delivery", "račun", "παραγγελία", "užsakymas", "paket"}
	base := time.Now().Add(-time.Duration(n) * time.Minute)
	const batch = 50000
	rows := make([]store.BulkTicket, 0, batch)
	for i := range n {
		r := store.BulkTicket{
			Subject:        fmt.Sprintf("Question about %s %d", words[i%len(words)], i),
			Body:           fmt.Sprintf("Hello, I have a problem with my %s and %s. Order %d. Thanks!", words[i%7], words[(i/7)%10], i),
			RequesterEmail: fmt.Sprintf("customer%d@example.com", i%(n/3+1)), RequesterName: fmt.Sprintf("Customer %d", i%(n/3+1)),
			Status: statuses[i%len(statuses)], Priority: desk.Priorities[(i/3)%4], Channel: desk.Channels[i%len(desk.Channels)],
			CreatedAt: base.Add(time.Duration(i) * time.Minute), Inbound: i%3 != 0,
		}
		if i%4 != 0 {
			r.AssigneeID = &agents[i%len(agents)]
		}
		if i%2 == 0 {
			r.TeamID = &teams[(i/2)%len(teams)]
		}
		if i%5 == 0 {
			r.Tags = []string{words[(i/5)%10], "vip"}
		}
		rows = append(rows, r)
		if len(rows) == batch || i == n-1 {
			if err := st.BulkInsertTickets(context.Background(), rows); err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
	}
}
