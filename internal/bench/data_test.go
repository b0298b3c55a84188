package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver to drop a stale schema

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
	"switchboard/internal/team"
)

// dataset is a loaded store and the agents and teams its tickets use.
type dataset struct {
	st     *store.Store
	agents []int64
	teams  []int64
}

func sizes(b *testing.B) []int {
	spec := os.Getenv("SWITCHBOARD_BENCH_SIZES")
	if spec == "" {
		spec = "100000,1000000"
	}
	var out []int
	for _, f := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("SWITCHBOARD_BENCH_SIZES=%q", spec)
		}
		out = append(out, n)
	}
	return out
}

func label(n int) string {
	switch {
	case n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}

// openDataset opens (loading it first if needed) the dataset of n tickets
// on engine.
func openDataset(b *testing.B, engine string, n int) *dataset {
	b.Helper()
	ctx := context.Background()
	fresh := os.Getenv("SWITCHBOARD_BENCH_FRESH") == "1"
	var cfg store.Config
	switch engine {
	case store.EngineSQLite:
		dir := filepath.Join(os.TempDir(), "switchboard-bench")
		path := filepath.Join(dir, fmt.Sprintf("sqlite-%d.db", n))
		if fresh {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(path + suffix)
			}
		}
		cfg.URL = "sqlite:" + path
	case store.EnginePostgres:
		schema := fmt.Sprintf("sbbench_%d", n)
		if fresh {
			dropSchema(b, storetest.PostgresURL(), schema)
		}
		u, err := url.Parse(storetest.PostgresURL())
		if err != nil {
			b.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		cfg.URL = u.String()
	}
	st, err := store.Open(ctx, cfg)
	if err != nil {
		b.Fatalf("open %s: %v", engine, err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	ds := &dataset{st: st}
	ts := team.New(st, desk.SystemClock{})
	marker := fmt.Sprintf("bench complete %d", n)
	teams, err := ts.Teams(ctx, desk.System)
	if err != nil {
		b.Fatal(err)
	}
	complete := false
	for _, tm := range teams {
		if tm.Name == marker {
			complete = true
		}
	}
	if !complete && len(teams) > 0 {
		b.Fatalf("%s dataset of %d tickets is incomplete; rerun with SWITCHBOARD_BENCH_FRESH=1", engine, n)
	}
	if complete {
		ags, err := ts.Agents(ctx, desk.System)
		if err != nil {
			b.Fatal(err)
		}
		for _, a := range ags {
			ds.agents = append(ds.agents, a.ID)
		}
		for _, tm := range teams {
			if tm.Name != marker {
				ds.teams = append(ds.teams, tm.ID)
			}
		}
		return ds
	}
	start := time.Now()
	load(b, ds, n)
	if engine == store.EnginePostgres {
		// What autovacuum does shortly after a bulk load in production:
		// planner statistics and the visibility map for index-only scans.
		if _, err := ds.st.DB().ExecContext(ctx, "VACUUM ANALYZE tickets, ticket_tags, tags, contacts, contact_emails, messages"); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := ts.CreateTeam(ctx, desk.System, marker, nil); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: loaded %d tickets in %s", engine, n, time.Since(start).Round(time.Second))
	return ds
}

// load creates 20 agents, 5 teams and n tickets with realistic spreads of
// status, team, assignee, priority, channel, tags and time.
func load(b *testing.B, ds *dataset, n int) {
	ctx := context.Background()
	ts := team.New(ds.st, desk.SystemClock{})
	for i := range 5 {
		tm, err := ts.CreateTeam(ctx, desk.System, fmt.Sprintf("Team %d", i), nil)
		if err != nil {
			b.Fatal(err)
		}
		ds.teams = append(ds.teams, tm.ID)
	}
	for i := range 20 {
		ag, err := ts.CreateAgent(ctx, desk.System, team.NewAgent{
			Email: fmt.Sprintf("agent%d@bench.example", i), Name: fmt.Sprintf("Agent %d", i), Role: desk.RoleAgent})
		if err != nil {
			b.Fatal(err)
		}
		ds.agents = append(ds.agents, ag.ID)
	}
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	words := strings.Fields("invoice refund login password export api webhook printer delivery order account " +
		"billing upgrade error timeout mobile chat attachment report račun prijava sąskaita λογαριασμός")
	tags := strings.Fields("vip billing bug feature-request follow-up needs-info escalated onboarding api mobile")
	end := time.Now().UTC().Add(-time.Hour)
	spanSec := int64(2 * 365 * 24 * 3600)
	const batch = 50_000
	rows := make([]store.BulkTicket, 0, batch)
	flush := func() {
		if err := ds.st.BulkInsertTickets(ctx, rows); err != nil {
			b.Fatal(err)
		}
		rows = rows[:0]
	}
	for i := range n {
		// Tickets arrive in time order, so ids and activity correlate as in life.
		at := end.Add(-time.Duration(spanSec*int64(n-i)/int64(n)) * time.Second)
		r := store.BulkTicket{
			Subject:        fmt.Sprintf("%s %s problem #%d", words[rng.IntN(len(words))], words[rng.IntN(len(words))], i),
			Body:           fmt.Sprintf("Hello, my %s has a %s issue since %d. Please help.", words[rng.IntN(len(words))], words[rng.IntN(len(words))], i%97),
			RequesterEmail: fmt.Sprintf("customer%d@bench.example", rng.IntN(max(n/20, 1))),
			RequesterName:  "Customer",
			Status:         weighted(rng, desk.Statuses, 10, 25, 10, 30, 23, 2),
			Priority:       weighted(rng, desk.Priorities, 20, 60, 15, 5),
			Channel:        weighted(rng, desk.Channels, 45, 20, 12, 8, 5, 6, 4),
			CreatedAt:      at,
			Inbound:        true,
		}
		if rng.IntN(10) != 0 {
			r.TeamID = &ds.teams[rng.IntN(len(ds.teams))]
		}
		if rng.IntN(100) >= 15 {
			r.AssigneeID = &ds.agents[rng.IntN(len(ds.agents))]
		}
		for range rng.IntN(3) {
			// Skewed: low indexes are common tags, "vip" (0) the most.
			if tg := tags[min(rng.IntN(len(tags)), rng.IntN(len(tags)))]; !slices.Contains(r.Tags, tg) {
				r.Tags = append(r.Tags, tg)
			}
		}
		rows = append(rows, r)
		if len(rows) == batch {
			flush()
			if (i+1)%200_000 == 0 {
				b.Logf("loaded %d/%d", i+1, n)
			}
		}
	}
	if len(rows) > 0 {
		flush()
	}
}

// weighted picks from vs with the given percentage weights.
func weighted[T any](rng *rand.Rand, vs []T, w ...int) T {
	n := rng.IntN(100)
	for i, x := range w {
		if n < x {
			return vs[i]
		}
		n -= x
	}
	return vs[0]
}

func dropSchema(b *testing.B, base, schema string) {
	db, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("DROP SCHEMA IF EXISTS " + pgx.Identifier{schema}.Sanitize() + " CASCADE"); err != nil {
		b.Fatalf("drop schema %s: %v", schema, err)
	}
}
