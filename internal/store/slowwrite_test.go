package store_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// recorder is a slog handler that keeps the records it is given.
type recorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec.Clone())
	return nil
}

func (r *recorder) slow() []map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]string
	for _, rec := range r.recs {
		if rec.Message != "store: slow write transaction" {
			continue
		}
		m := map[string]string{"level": rec.Level.String()}
		rec.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.String(); return true })
		out = append(out, m)
	}
	return out
}

// A write transaction slower than 100 ms is logged at debug level with
// its caller and where the time went; a fast one is not.
func TestSlowWriteLogged(t *testing.T) {
	urls := map[string]string{store.EngineSQLite: "sqlite:" + filepath.Join(t.TempDir(), "slow.db")}
	if os.Getenv("SWITCHBOARD_TEST_SKIP_POSTGRES") != "1" {
		urls[store.EnginePostgres] = storetest.PostgresURL()
	}
	for engine, u := range urls {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			rec := &recorder{}
			st, err := store.Open(ctx, store.Config{URL: u, Logger: slog.New(rec)})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if err := st.Write(ctx, func(*store.Tx) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if got := rec.slow(); len(got) != 0 {
				t.Fatalf("a fast write was logged: %v", got)
			}
			if err := st.Write(ctx, func(*store.Tx) error { time.Sleep(150 * time.Millisecond); return nil }); err != nil {
				t.Fatal(err)
			}
			got := rec.slow()
			if len(got) != 1 {
				t.Fatalf("slow writes logged: %v, want 1", got)
			}
			r := got[0]
			if r["level"] != "DEBUG" || r["engine"] != engine || !strings.HasPrefix(r["caller"], "store/slowwrite_test.go:") {
				t.Errorf("record %v: want level DEBUG, engine %s, caller in this file", r, engine)
			}
			if d, err := time.ParseDuration(r["statements"]); err != nil || d < 150*time.Millisecond {
				t.Errorf("statements took %q, want at least 150ms", r["statements"])
			}
		})
	}
}
