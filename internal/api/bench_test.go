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
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}

// benchTickets is how many tickets BenchmarkListFiltered seeds
// (SWITCHBOARD_BENCH_TICKETS overrides; default 5000).
func benchTickets() int {
	if n, err := strconv.Atoi(os.Getenv("SWITCHBOARD_BENCH_TICKETS")); err == nil && n > 0 {
		return n
	}
	return 5000
}

// BenchmarkListFiltered lists a filtered inbox view (new and open,
// unassigned, one team) over real HTTP with 4 clients.
func BenchmarkListFiltered(b *testing.B) {
	for _, eng := range storetest.Engines(b) {
		url, token, e := benchServer(b, eng.Open(b))
		ctx := context.Background()
		teamID, _ := strconv.ParseInt(e.vars["team"], 10, 64)
		statuses := []desk.Status{desk.StatusNew, desk.StatusOpen, desk.StatusPending, desk.StatusResolved}
		n := benchTickets()
		for i := range n {
			in := desk.NewTicket{
				Subject: fmt.Sprintf("Seed %d", i), Body: "Seeded ticket body",
				Requester: desk.ContactInput{Email: fmt.Sprintf("seed-%d@example.com", i%1000)},
				Priority:  desk.Priorities[i%4], Tags: []string{fmt.Sprintf("t%d", i%20)}, Inbound: true,
			}
			if i%3 == 0 {
				in.TeamID = &teamID
			}
			t, err := e.cfg.Tickets.Create(ctx, desk.System, in)
			if err != nil {
				b.Fatalf("seed: %v", err)
			}
			if st := statuses[i%len(statuses)]; st != desk.StatusNew {
				if _, err := e.cfg.Tickets.Update(ctx, desk.System, t.ID, desk.TicketUpdate{Status: &st}); err != nil {
					b.Fatalf("seed status: %v", err)
				}
			}
		}
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
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lists/s")
}
