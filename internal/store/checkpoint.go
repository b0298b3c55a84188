package store

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// checkpointEvery is how often the SQLite checkpointer copies committed
// writes from the WAL into the database file. Each checkpoint copies the
// pages written since the last one, and a page written again in between
// (an index's right-most leaf, written by every create) is copied once.
// Checkpointing every second cost mail intake at full speed about 7% of
// its throughput; every 5 s, none (BenchmarkDeliver/sqlite, 10,000
// messages: 1153–1176 msgs/s, 1038–1148 without the checkpointer). 5 s
// also keeps the WAL under the
// writer's backstop of 8000 pages at up to 1600 pages a second, far more
// than live chat at 10,000 visitors writes (a few hundred). A variable for
// the tests.
var checkpointEvery = 5 * time.Second

// checkpointer copies the SQLite WAL into the database file on its own
// connection, beside the writer rather than inside its commits.
//
// Left to itself, SQLite checkpoints in the COMMIT that pushes the WAL past
// wal_autocheckpoint pages: that commit copies every page written since the
// last checkpoint and fsyncs the database file, which on this kind of disk
// takes 100–300 ms, and every write queued behind the single writer (a chat
// message, a reply) waits for it. A PASSIVE checkpoint on another
// connection does the same work without holding the write lock: the writer
// goes on appending to the WAL while the pages are copied. Since what has
// been copied need not be copied again, the writer's own auto-checkpoint
// (kept as a backstop, for a transaction that writes more than a second's
// worth) then finds little or nothing left to do.
type checkpointer struct {
	db      *sql.DB
	commits atomic.Uint64 // write transactions committed, counted by the writer
	stop    chan struct{}
	done    sync.WaitGroup
	log     *slog.Logger
}

func newCheckpointer(db *sql.DB) *checkpointer {
	return &checkpointer{db: db, stop: make(chan struct{})}
}

// start runs the checkpointer until close.
func (c *checkpointer) start(log *slog.Logger) {
	c.log = log
	c.done.Add(1)
	go c.run()
}

// committed tells the checkpointer a write transaction committed.
func (c *checkpointer) committed() { c.commits.Add(1) }

func (c *checkpointer) run() {
	defer c.done.Done()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	var seen uint64
	failing := false
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		n := c.commits.Load()
		if n == seen {
			continue
		}
		if err := c.checkpoint(context.Background()); err != nil {
			// Not fatal: the writer's auto-checkpoint still bounds the
			// WAL. Logged once per run of failures, not every second.
			if !failing {
				c.log.Warn("store: background WAL checkpoint failed", "err", err)
			}
			failing = true
			continue
		}
		failing = false
		seen = n
	}
}

// checkpoint copies what it can of the WAL into the database without
// waiting for readers or the writer (PASSIVE).
func (c *checkpointer) checkpoint(ctx context.Context) error {
	var busy, log, done int
	return c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &done)
}

// close stops the checkpointer and closes its connection.
func (c *checkpointer) close() error {
	close(c.stop)
	c.done.Wait()
	return c.db.Close()
}
