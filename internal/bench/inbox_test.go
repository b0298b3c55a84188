package bench

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/ticket"
)

// view is one inbox view: a filter as the agent app and the API send it.
type view struct {
	name   string
	filter func(ds *dataset) desk.TicketFilter
}

var active = []desk.Status{desk.StatusNew, desk.StatusOpen}

var views = []view{
	{"open+team", func(ds *dataset) desk.TicketFilter {
		return desk.TicketFilter{Statuses: active, TeamID: &ds.teams[1]}
	}},
	{"mine", func(ds *dataset) desk.TicketFilter {
		return desk.TicketFilter{Statuses: active, AssigneeID: &ds.agents[3]}
	}},
	{"assignee-any-status", func(ds *dataset) desk.TicketFilter {
		return desk.TicketFilter{AssigneeID: &ds.agents[3]}
	}},
	{"unassigned", func(ds *dataset) desk.TicketFilter {
		return desk.TicketFilter{Statuses: active, Unassigned: true}
	}},
	{"all-open", func(ds *dataset) desk.TicketFilter { return desk.TicketFilter{Statuses: active} }},
	{"pending", func(ds *dataset) desk.TicketFilter {
		return desk.TicketFilter{Statuses: []desk.Status{desk.StatusPending}}
	}},
	{"open+urgent", func(ds *dataset) desk.TicketFilter {
		return desk.TicketFilter{Statuses: active, Priority: desk.PriorityUrgent}
	}},
	{"open+team+tag", func(ds *dataset) desk.TicketFilter {
		return desk.TicketFilter{Statuses: active, TeamID: &ds.teams[2], Tag: "escalated"}
	}},
	{"tag-vip", func(ds *dataset) desk.TicketFilter { return desk.TicketFilter{Tag: "vip"} }},
	{"tag-rare", func(ds *dataset) desk.TicketFilter { return desk.TicketFilter{Tag: rareTag} }},
	{"open+team+tag-rare", func(ds *dataset) desk.TicketFilter {
		return desk.TicketFilter{Statuses: active, TeamID: &ds.teams[2], Tag: rareTag}
	}},
	{"tag-oldest", func(ds *dataset) desk.TicketFilter { return desk.TicketFilter{Tag: oldestTag} }},
	{"unassigned-any-status", func(ds *dataset) desk.TicketFilter { return desk.TicketFilter{Unassigned: true} }},
	{"team-any-status", func(ds *dataset) desk.TicketFilter { return desk.TicketFilter{TeamID: &ds.teams[1]} }},
	{"search", func(ds *dataset) desk.TicketFilter {
		return desk.TicketFilter{Statuses: active, Query: "invoice refund"}
	}},
}

// BenchmarkInbox times one inbox page (25 tickets, hydrated as the API
// returns them) per view, engine and size; "page5" follows the cursor to
// the fifth page of open+team; "counts" is the view counts beside the inbox.
func BenchmarkInbox(b *testing.B) {
	if os.Getenv("SWITCHBOARD_BENCH_LARGE") != "1" {
		b.Skip("large-scale benchmark: set SWITCHBOARD_BENCH_LARGE=1")
	}
	ctx := context.Background()
	for _, engine := range []string{store.EngineSQLite, store.EnginePostgres} {
		for _, n := range sizes(b) {
			b.Run(engine+"/"+label(n), func(b *testing.B) {
				ds := openDataset(b, engine, n)
				addRareTags(b, ds, n)
				svc := ticket.New(ds.st, realtime.NewLocal(0), desk.SystemClock{})
				agent := desk.Actor{Kind: desk.ActorAgent, AgentID: ds.agents[3], Name: "Agent 3", Role: desk.RoleAgent}
				for _, v := range views {
					f := v.filter(ds)
					f.Limit = 25
					b.Run(v.name, func(b *testing.B) {
						measure(b, func() error {
							_, err := svc.List(ctx, agent, f)
							return err
						})
					})
				}
				b.Run("open+team/page5", func(b *testing.B) {
					f := views[0].filter(ds)
					f.Limit = 25
					for range 4 {
						p, err := svc.List(ctx, agent, f)
						if err != nil || p.NextCursor == "" {
							b.Fatalf("paging: %v", err)
						}
						f.Cursor = p.NextCursor
					}
					measure(b, func() error {
						_, err := svc.List(ctx, agent, f)
						return err
					})
				})
				b.Run("counts", func(b *testing.B) {
					measure(b, func() error {
						_, err := svc.Counts(ctx, agent)
						return err
					})
				})
			})
		}
	}
}

// measure runs fn b.N times and reports the median and 99th percentile
// latency in milliseconds besides ns/op.
func measure(b *testing.B, fn func() error) {
	b.Helper()
	if err := fn(); err != nil { // warm up, and fail fast
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// Tags for the worst cases of the tag filter: rareTag is on 5 tickets
// spread over the whole time range, oldestTag on the oldest ticket only
// (the last one a walk in inbox order would reach).
const (
	rareTag   = "bench-rare"
	oldestTag = "bench-oldest"
)

// addRareTags puts rareTag on 5 tickets and oldestTag on one, once per
// dataset (datasets made before these views existed get them here).
func addRareTags(b *testing.B, ds *dataset, n int) {
	b.Helper()
	ctx := context.Background()
	err := ds.st.Write(ctx, func(tx *store.Tx) error {
		tags, err := tx.Tags(ctx)
		if err != nil || slices.Contains(tags, rareTag) {
			return err
		}
		for k := range 5 {
			if err := tx.AddTicketTags(ctx, int64(k*(n/5)+7), []string{rareTag}); err != nil {
				return err
			}
		}
		return tx.AddTicketTags(ctx, 1, []string{oldestTag})
	})
	if err != nil {
		b.Fatal(err)
	}
}
