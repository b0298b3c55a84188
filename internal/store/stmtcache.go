package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// maxCachedStmts bounds the prepared statements kept per cache (queries
// with variable IN lists produce many texts).
const maxCachedStmts = 2000

// readStmts keeps prepared statements of the SQLite read pool, keyed by
// query text (modernc re-parses every unprepared statement).
type readStmts struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// get returns the prepared statement for query on db, or nil when the
// cache is full or preparing failed (the caller then runs it unprepared).
func (c *readStmts) get(ctx context.Context, db *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	st, ok := c.m[query]
	full := len(c.m) >= maxCachedStmts
	c.mu.Unlock()
	if ok {
		return st
	}
	if full {
		return nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[query]; ok {
		st.Close()
		return old
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st
}

func (c *readStmts) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// writer is SQLite's single write connection, held by one Write at a
// time, with its prepared statements.
type writer struct {
	sem   chan struct{}
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

func newWriter() *writer { return &writer{sem: make(chan struct{}, 1)} }

// stmt returns the prepared statement for query on the write connection
// (the caller holds the writer), or nil if it cannot be cached.
func (w *writer) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := w.stmts[query]; ok {
		return st
	}
	if len(w.stmts) >= maxCachedStmts {
		return nil
	}
	st, err := w.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if w.stmts == nil {
		w.stmts = map[string]*sql.Stmt{}
	}
	w.stmts[query] = st
	return st
}

// reset drops the connection (after it broke) and its statements.
func (w *writer) reset() {
	for _, st := range w.stmts {
		st.Close()
	}
	w.stmts = nil
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
}

// writeSQLite runs fn in a BEGIN IMMEDIATE transaction on the single
// write connection. durable commits with synchronous=FULL (the WAL is
// synced before COMMIT returns), so the transaction survives a power loss,
// not only a crash of the process.
func (s *Store) writeSQLite(ctx context.Context, fn func(tx *Tx) error, durable bool, t *writeTimes) (err error) {
	w := s.writer
	select {
	case w.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("store: wait for writer: %w", ctx.Err())
	}
	defer func() { <-w.sem }()
	if w.conn == nil {
		if w.conn, err = s.write.Conn(ctx); err != nil {
			return fmt.Errorf("store: writer connection: %w", err)
		}
	}
	if durable {
		if _, err := w.conn.ExecContext(ctx, "PRAGMA synchronous = FULL"); err != nil {
			w.reset()
			return fmt.Errorf("store: synchronous full: %w", err)
		}
		defer func() {
			if w.conn != nil {
				if _, err := w.conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = NORMAL"); err != nil {
					w.reset()
				}
			}
		}()
	}
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			w.reset()
		}
		return fmt.Errorf("store: begin: %w", err)
	}
	done := false
	defer func() {
		if !done {
			// fn failed or panicked: undo everything.
			if _, rbErr := w.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil {
				w.reset()
			}
		}
	}()
	t.began = time.Now()
	tx := &Tx{r: w.conn, w: w, s: s}
	if err := fn(tx); err != nil {
		return err
	}
	t.ran = time.Now()
	if _, err := w.conn.ExecContext(context.WithoutCancel(ctx), "COMMIT"); err != nil {
		return fmt.Errorf("store: commit: %w", mapErr(err))
	}
	done = true
	if s.ckpt != nil {
		s.ckpt.committed()
	}
	tx.committed()
	return nil
}

// stmtRunner adapts a prepared statement to runner; the query text is ignored.
type stmtRunner struct{ st *sql.Stmt }

func (r stmtRunner) ExecContext(ctx context.Context, _ string, args ...any) (sql.Result, error) {
	return r.st.ExecContext(ctx, args...)
}

func (r stmtRunner) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return r.st.QueryContext(ctx, args...)
}

func (r stmtRunner) QueryRowContext(ctx context.Context, _ string, args ...any) *sql.Row {
	return r.st.QueryRowContext(ctx, args...)
}
