package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The background checkpointer copies committed pages from the WAL into the
// database file within a few seconds, long before the writer's own
// auto-checkpoint (8000 pages) would, and stops with the store.
func TestCheckpointerCopiesWAL(t *testing.T) {
	defer func(d time.Duration) { checkpointEvery = d }(checkpointEvery)
	checkpointEvery = 200 * time.Millisecond
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ckpt.db")
	s, err := Open(ctx, Config{URL: "sqlite:" + path})
	if err != nil {
		t.Fatal(err)
	}
	if s.ckpt == nil {
		t.Fatal("SQLite store has no checkpointer")
	}
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// Let a checkpoint of whatever opening wrote pass first.
	time.Sleep(2 * checkpointEvery)
	before := size()
	// About 400 pages: far below wal_autocheckpoint(8000).
	filler := strings.Repeat("x", 1500)
	err = s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, "CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)"); err != nil {
			return err
		}
		for i := range 800 {
			if _, err := tx.exec(ctx, "INSERT INTO filler (id, body) VALUES (?, ?)", i, filler); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := size(); got > before {
		t.Fatalf("the commit itself grew the database file (%d → %d bytes): it checkpointed", before, got)
	}
	deadline := time.Now().Add(10 * checkpointEvery)
	for size() < before+800*1500 {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes (was %d) %s after the commit: the WAL was not checkpointed", size(), before, 10*checkpointEvery)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.ckpt.stop:
	default:
		t.Fatal("Close left the checkpointer running")
	}
}
