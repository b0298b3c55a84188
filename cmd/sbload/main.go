// Command sbload is a small load generator for Switchboard. In create and
// list mode it creates tickets or lists a filtered inbox view over the
// REST API with a fixed number of concurrent clients, for a bounded time
// or number of requests, and prints requests per second and latency
// percentiles. In chat mode it holds many chat widgets open (WebSocket),
// lets some of them chat while an agent follows the event stream and
// answers over the API, and prints delivery latencies both ways, losses
// and duplicates, and the server's memory (see chat.go). It only ever
// sends requests to the URL it is given.
//
//	sbload -url http://127.0.0.1:8080 -token TOKEN -clients 4 -duration 10s -mode create
//	sbload -url http://127.0.0.1:8080 -token TOKEN -n 5000 -mode list -query 'status=new,open'
//	sbload -url http://127.0.0.1:8080 -token TOKEN -mode chat -key KEY -email agent@example.com -password-stdin \
//	  -visitors 10000 -chatting 0.1 -interval 10s -duration 60s -pid "$(pidof switchboard)"
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Limits that keep a run bounded whatever the flags say.
const (
	maxDuration = 10 * time.Minute
	maxRequests = 10_000_000
	maxClients  = 256
	// A client stops after this many transport errors in a row.
	maxConsecutiveErrors = 20
)

type options struct {
	base     *url.URL
	token    string
	clients  int
	duration time.Duration
	n        int64
	mode     string
	query    string
	timeout  time.Duration
	chat     chatOptions
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbload:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if opts.mode == "chat" {
		res, err := runChat(ctx, opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sbload:", err)
			os.Exit(1)
		}
		res.print(os.Stdout, opts)
		if res.failed() {
			os.Exit(1)
		}
		return
	}
	res, err := run(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbload:", err)
		os.Exit(1)
	}
	res.print(os.Stdout, opts)
	if res.ok == 0 {
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("sbload", flag.ContinueOnError)
	rawURL := fs.String("url", "http://127.0.0.1:8080", "base URL of the Switchboard server (the only host contacted)")
	token := fs.String("token", os.Getenv("SWITCHBOARD_TOKEN"), "API token (default $SWITCHBOARD_TOKEN)")
	clients := fs.Int("clients", 4, "concurrent clients (chat mode: the agent's reply workers)")
	duration := fs.Duration("duration", 10*time.Second, "how long to run (ignored with -n)")
	n := fs.Int64("n", 0, "total number of requests (0: run for -duration)")
	mode := fs.String("mode", "create", "create (POST /api/v1/tickets), list (GET /api/v1/tickets) or chat (widgets and an agent)")
	query := fs.String("query", "status=new,open&limit=25", "query string of the list request")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of one request")
	var chat chatOptions
	chatFlags(fs, &chat)
	pwStdin := fs.Bool("password-stdin", false, "chat mode: read the agent's password from the first line of standard input (default $SBLOAD_PASSWORD)")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	o := options{token: *token, clients: *clients, duration: *duration, n: *n, mode: *mode, query: *query, timeout: *timeout, chat: chat}
	o.chat.password = os.Getenv("SBLOAD_PASSWORD")
	if *pwStdin {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return o, fmt.Errorf("read the password from standard input: %w", err)
		}
		o.chat.password = strings.TrimRight(line, "\r\n")
	}
	u, err := url.Parse(*rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return o, fmt.Errorf("-url must be an http(s) URL, got %q", *rawURL)
	}
	o.base = u
	switch {
	case o.token == "":
		return o, errors.New("-token (or $SWITCHBOARD_TOKEN) is required")
	case o.mode != "create" && o.mode != "list" && o.mode != "chat":
		return o, fmt.Errorf("-mode must be create, list or chat, got %q", o.mode)
	case o.clients < 1 || o.clients > maxClients:
		return o, fmt.Errorf("-clients must be 1..%d", maxClients)
	case o.n < 0 || o.n > maxRequests:
		return o, fmt.Errorf("-n must be 0..%d", maxRequests)
	case o.n == 0 && (o.duration <= 0 || o.duration > maxDuration):
		return o, fmt.Errorf("-duration must be in (0, %s]", maxDuration)
	case o.mode == "chat":
		return o, o.chat.check(o.base, o.duration)
	}
	return o, nil
}

// result collects what the clients saw.
type result struct {
	ok, failed int64
	statuses   map[int]int64
	errs       map[string]int64
	latencies  []time.Duration
	elapsed    time.Duration
}

func run(ctx context.Context, o options) (*result, error) {
	endpoint := o.base.JoinPath("/api/v1/tickets")
	if o.mode == "list" {
		endpoint.RawQuery = o.query
	}
	tr := &http.Transport{MaxIdleConns: o.clients, MaxIdleConnsPerHost: o.clients, IdleConnTimeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport: tr,
		Timeout:   o.timeout,
		// Never follow a redirect to another place.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	limit := maxDuration
	if o.n == 0 {
		limit = o.duration
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	var issued atomic.Int64
	var mu sync.Mutex
	res := &result{statuses: map[int]int64{}, errs: map[string]int64{}}
	runID := time.Now().UnixNano()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 4096)
			statuses := map[int]int64{}
			errs := map[string]int64{}
			var ok, failed, consecutive int64
			for ctx.Err() == nil {
				i := issued.Add(1)
				if o.n > 0 && i > o.n {
					break
				}
				req, err := newRequest(ctx, o, endpoint.String(), runID, c, i)
				if err != nil {
					errs[err.Error()]++
					failed++
					continue
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() != nil {
						break // the run ended mid-request: not a failure
					}
					errs[err.Error()]++
					failed++
					if consecutive++; consecutive >= maxConsecutiveErrors {
						break // the server is not answering: stop this client
					}
					continue
				}
				consecutive = 0
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				statuses[resp.StatusCode]++
				if resp.StatusCode/100 == 2 {
					ok++
					lat = append(lat, d)
				} else {
					failed++
				}
			}
			mu.Lock()
			res.ok += ok
			res.failed += failed
			res.latencies = append(res.latencies, lat...)
			for k, v := range statuses {
				res.statuses[k] += v
			}
			for k, v := range errs {
				res.errs[k] += v
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res, nil
}

func newRequest(ctx context.Context, o options, endpoint string, runID int64, client int, i int64) (*http.Request, error) {
	var req *http.Request
	var err error
	if o.mode == "create" {
		body, _ := json.Marshal(map[string]any{
			"subject": fmt.Sprintf("Load test %d-%d", runID, i),
			"body":    fmt.Sprintf("Ticket %d from load client %d. My order has not arrived yet, can you check?", i, client),
			"requester": map[string]string{
				"email": fmt.Sprintf("load-%d@example.com", i%1000),
				"name":  fmt.Sprintf("Load Customer %d", i%1000),
			},
			"priority": []string{"low", "normal", "high", "urgent"}[i%4],
			"tags":     []string{"load", fmt.Sprintf("batch-%d", i%10)},
		})
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	}
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+o.token)
	req.Header.Set("Accept", "application/json")
	return req, nil
}

func (r *result) print(w io.Writer, o options) {
	slices.Sort(r.latencies)
	rate := float64(r.ok) / r.elapsed.Seconds()
	fmt.Fprintf(w, "mode=%s clients=%d url=%s\n", o.mode, o.clients, o.base.Redacted())
	fmt.Fprintf(w, "requests: %d ok, %d failed in %s\n", r.ok, r.failed, r.elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "throughput: %.1f requests/s\n", rate)
	fmt.Fprintf(w, "latency: p50=%s p95=%s p99=%s max=%s\n",
		pct(r.latencies, 0.50), pct(r.latencies, 0.95), pct(r.latencies, 0.99), pct(r.latencies, 1))
	if len(r.statuses) > 0 {
		var parts []string
		for _, code := range slices.Sorted(maps.Keys(r.statuses)) {
			parts = append(parts, fmt.Sprintf("%d×%d", code, r.statuses[code]))
		}
		fmt.Fprintf(w, "statuses: %s\n", strings.Join(parts, " "))
	}
	for e, n := range r.errs {
		fmt.Fprintf(w, "error ×%d: %s\n", n, e)
	}
}

// pct returns the p-quantile of sorted durations.
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i].Round(time.Microsecond)
}
