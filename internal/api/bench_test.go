package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// benchClients is how many concurrent HTTP clients the benchmarks use.
const benchClients = 4

// benchServer starts the API over st on a loopback httptest server with the
// rate limit off, and returns its URL, an agent token and the environment.
func benchServer(b *testing.B, st *store.Store) (string, string, *testEnv) {
	b.Helper()
	e := newTestEnv(b, st)
	cfg := e.cfg
	cfg.RateLimit = -1
	srv := httptest.NewServer(New(cfg))
	b.Cleanup(srv.Close)
	return srv.URL, e.tokens[roleAgent], e
}

func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * benchClients}}
}

// parallelClients makes RunParallel use benchClients goroutines.
func parallelClients(b *testing.B) {
	b.SetParallelism((benchClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
}

// BenchmarkCreateTicket creates tickets over real HTTP with 4 clients.
func BenchmarkCreateTicket(b *testing.B) {
	for _, eng := range storetest.Engines(b) {
		url, token, _ := benchServer(b, eng.Open(b))
		client := benchClient()
		var seq atomic.Int64
		b.Run(eng.Name, func(b *testing.B) { benchCreate(b, url, token, client, &seq) })
	}
}

func benchCreate(b *testing.B, url, token string, client *http.Client, seq *atomic.Int64) {
	parallelClients(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := seq.Add(1)
			body := fmt.Sprintf(`{"subject":"Bench %d","body":"My parcel has not arrived, order %d.","requester":{"email":"bench-%d@example.com","name":"Bench %d"},"tags":["bench"],"priority":"normal"}`,
				i, i, i%500, i%500)
			req, _ := http.NewRequest("POST", url+"/api/v1/tickets", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if !benchDo(b, client, req, token, http.StatusCreated) {
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}

// benchTickets is how many tickets BenchmarkListFiltered seeds
// (SWITCHBOARD_BENCH_TICKETS overrides, e.g. 1000000; default 20000).
func benchTickets() int {
	if n, err := strconv.Atoi(os.Getenv("SWITCHBOARD_BENCH_TICKETS")); err == nil && n > 0 {
		return n
	}
	return 20000
}

// seedTickets bulk-loads n tickets over a year: statuses, priorities and
// channels spread evenly, a third in the test team, a quarter assigned.
func seedTickets(b *testing.B, e *testEnv, n int) {
	b.Helper()
	teamID, _ := strconv.ParseInt(e.vars["team"], 10, 64)
	agentID, _ := strconv.ParseInt(e.vars["agent"], 10, 64)
	start := time.Now().Add(-365 * 24 * time.Hour).UTC()
	step := 365 * 24 * time.Hour / time.Duration(n)
	statuses := []desk.Status{desk.StatusNew, desk.StatusOpen, desk.StatusPending, desk.StatusResolved, desk.StatusClosed}
	rows := make([]store.BulkTicket, 0, min(n, 50000))
	flush := func() {
		if err := e.st.BulkInsertTickets(context.Background(), rows); err != nil {
			b.Fatalf("seed: %v", err)
		}
		rows = rows[:0]
	}
	for i := range n {
		r := store.BulkTicket{
			Subject: fmt.Sprintf("Seeded ticket %d", i), Body: "Seeded ticket body about an order",
			RequesterEmail: fmt.Sprintf("seed-%d@example.com", i%5000), RequesterName: "Seed",
			Status: statuses[i%len(statuses)], Priority: desk.Priorities[i%4], Channel: desk.Channels[i%len(desk.Channels)],
			Tags: []string{fmt.Sprintf("t%d", i%20)}, CreatedAt: start.Add(time.Duration(i) * step), Inbound: true,
		}
		if i%3 == 0 {
			r.TeamID = &teamID
		}
		if i%4 == 0 {
			r.AssigneeID = &agentID
		}
		rows = append(rows, r)
		if len(rows) == cap(rows) {
			flush()
		}
	}
	if len(rows) > 0 {
		flush()
	}
}

// BenchmarkListFiltered lists a filtered inbox view (new and open,
// unassigned, one team) over real HTTP with 4 clients.
func BenchmarkListFiltered(b *testing.B) {
	for _, eng := range storetest.Engines(b) {
		url, token, e := benchServer(b, eng.Open(b))
		seedTickets(b, e, benchTickets())
		path := url + "/api/v1/tickets?status=new,open&assignee=none&team=" + e.vars["team"] + "&limit=25"
		b.Run(eng.Name, func(b *testing.B) { benchList(b, path, token) })
	}
}

func benchList(b *testing.B, path, token string) {
	client := benchClient()
	parallelClients(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", path, nil)
			if !benchDo(b, client, req, token, http.StatusOK) {
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lists/s")
}

// benchDo sends req with the bearer token, drains the answer and reports
// whether it had the wanted status (failing the benchmark otherwise).
func benchDo(b *testing.B, client *http.Client, req *http.Request, token string, want int) bool {
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		b.Error(err)
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		b.Errorf("status %d, want %d", resp.StatusCode, want)
		return false
	}
	return true
}
