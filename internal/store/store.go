// Package store is the one package that speaks SQL, for both SQLite
// (modernc.org/sqlite, WAL, one writer and a read pool) and PostgreSQL (pgx).
// Queries are written with ? placeholders and rebound to $n for PostgreSQL.
//
// Reads go through Store.Read, which returns a *Tx bound to the read pool;
// writes go through Store.Write, which runs a function in one transaction
// (BEGIN IMMEDIATE on SQLite's single write connection, whose prepared
// statements are cached). Every data method lives on *Tx so the same code
// serves both:
//
//	t, err := st.Read().Ticket(ctx, id)
//	err = st.Write(ctx, func(tx *store.Tx) error {
//		t, err := tx.TicketForUpdate(ctx, id)
//		...
//		return tx.SaveTicket(ctx, t, false)
//	})
//
// Errors wrap what failed and carry a desk code: desk.ENotFound for a
// missing row, desk.EConflict for a unique violation, desk.EInvalid for a
// foreign key to nothing (check with desk.ErrorCode). Timestamps are UTC
// with microsecond precision (see Now).
//
// What differs between the engines lives in *_sqlite.go / *_postgres.go and
// the migrations: ticket numbers (counter row / SEQUENCE), full-text search
// (FTS5 / tsvector with the 'simple' configuration) and the inbox counters
// kept by triggers (ticket_counts). BulkInsertTickets loads large data sets
// for benchmarks and demos; Analyze refreshes planner statistics.
// Package storetest has the conformance suite and the helpers tests use to
// get fresh stores on both engines.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Engine names returned by Store.Engine.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// Config selects and tunes the database.
type Config struct {
	// URL is "" or "sqlite:PATH" for SQLite, postgres:// or postgresql:// for PostgreSQL.
	// A PostgreSQL URL may carry ?search_path=SCHEMA; the schema is created if missing.
	URL string
	// DataDir holds the SQLite file (switchboard.db) when URL is "".
	DataDir string
	// Logger receives slow write transactions and background checkpoint
	// failures; nil discards them.
	Logger *slog.Logger
}

// Store is the database handle shared by all services.
type Store struct {
	engine string
	write  *sql.DB // SQLite: the single write connection; PostgreSQL: the pool
	read   *sql.DB // SQLite: the read pool; PostgreSQL: same as write
	schema string  // PostgreSQL search_path schema, if any
	pgURL  string  // PostgreSQL connection string (for COPY in the bulk loader)
	// SQLite only: the single writer and the read pool's statements.
	writer    *writer
	readStmts readStmts
	ckpt      *checkpointer
	log       *slog.Logger
	// authGen counts committed changes to agents and API tokens (see
	// AuthGeneration).
	authGen atomic.Uint64
}

// AuthGeneration returns a counter that grows after every committed write
// transaction that changed an agent (name, role, active) or deleted an API
// token, through this Store. Caches of credentials read it before a lookup
// and drop what they cached under an older value, so such a change takes
// effect at once in this process. Other processes sharing the database do
// not see it: their caches must bound staleness with a short TTL.
func (s *Store) AuthGeneration() uint64 { return s.authGen.Load() }

// Open connects to the database described by cfg. It does not migrate.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s, err := open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s.log = log
	if s.ckpt != nil {
		s.ckpt.start(log)
	}
	return s, nil
}

func open(ctx context.Context, cfg Config) (*Store, error) {
	switch {
	case strings.HasPrefix(cfg.URL, "postgres://"), strings.HasPrefix(cfg.URL, "postgresql://"):
		return openPostgres(ctx, cfg.URL)
	case cfg.URL == "":
		dir := cfg.DataDir
		if dir == "" {
			dir = "data"
		}
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create data dir: %w", err)
		}
		return openSQLite(ctx, filepath.Join(dir, "switchboard.db"))
	case strings.HasPrefix(cfg.URL, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(cfg.URL, "sqlite:"), "//")
		if path == "" {
			return nil, fmt.Errorf("store: empty sqlite path in %q", cfg.URL)
		}
		if d := filepath.Dir(path); d != "" {
			if err := os.MkdirAll(d, 0o750); err != nil {
				return nil, fmt.Errorf("store: create data dir: %w", err)
			}
		}
		return openSQLite(ctx, path)
	default:
		return nil, fmt.Errorf("store: unsupported database URL scheme in %q", redact(cfg.URL))
	}
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	base := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)&_pragma=journal_mode(WAL)&_pragma=cache_size(-16000)&_pragma=mmap_size(268435456)"
	// The checkpointer (checkpoint.go) copies the WAL into the database
	// each second on its own connection, off the writer's commits. The
	// writer's own auto-checkpoint stays as a backstop, at 8000 pages
	// (32 MiB) rather than SQLite's 1000: a transaction bigger than that
	// between two background checkpoints (an import) then checkpoints
	// itself, once for many pages.
	w, err := sql.Open("sqlite", base+"&_txlock=immediate&_pragma=wal_autocheckpoint(8000)")
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	// Planner statistics, as SQLite advises for long-lived connections:
	// analyze the tables that need it (sampled, so fast at any size), and
	// again on Close.
	if _, err := w.ExecContext(ctx, "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002"); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: optimize sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open sqlite read pool %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	c, err := sql.Open("sqlite", base)
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("store: open sqlite checkpointer %s: %w", path, err)
	}
	c.SetMaxOpenConns(1)
	c.SetMaxIdleConns(1)
	c.SetConnMaxLifetime(0)
	return &Store{engine: EngineSQLite, write: w, read: r, writer: newWriter(), ckpt: newCheckpointer(c)}, nil
}

func openPostgres(ctx context.Context, raw string) (*Store, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("store: parse postgres URL: %w", err)
	}
	q := u.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	u.RawQuery = q.Encode()
	connStr := u.String()
	cc, err := pgx.ParseConfig(connStr)
	if err != nil {
		return nil, fmt.Errorf("store: parse postgres URL: %w", err)
	}
	if schema != "" {
		if err := ensureSchema(ctx, cc, schema); err != nil {
			return nil, err
		}
		cc.RuntimeParams["search_path"] = schema
	}
	cc.RuntimeParams["timezone"] = "UTC"
	db := stdlib.OpenDB(*cc)
	db.SetMaxOpenConns(max(8, runtime.NumCPU()*4))
	db.SetMaxIdleConns(max(8, runtime.NumCPU()*4))
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect postgres %s: %w", redact(raw), err)
	}
	return &Store{engine: EnginePostgres, write: db, read: db, schema: schema, pgURL: connStr}, nil
}

// ensureSchema creates the search_path schema if it does not exist.
func ensureSchema(ctx context.Context, cc *pgx.ConnConfig, schema string) error {
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return fmt.Errorf("store: connect postgres: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return fmt.Errorf("store: create schema %s: %w", schema, err)
	}
	return nil
}

// redact hides a password in a URL for error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// Ping checks the database answers (for /readyz): the read pool and, on
// SQLite, the write connection (waiting for the current write, if any).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	if s.writer == nil {
		return nil
	}
	return s.writeSQLite(ctx, func(tx *Tx) error { return nil }, false, &writeTimes{})
}

// Engine returns "sqlite" or "postgres".
func (s *Store) Engine() string { return s.engine }

// Schema returns the PostgreSQL schema from the URL's search_path, or "".
func (s *Store) Schema() string { return s.schema }

// Close releases the connections.
func (s *Store) Close() error {
	s.readStmts.close()
	if s.writer != nil {
		s.writer.sem <- struct{}{} // wait for the current write
		s.writer.reset()
	}
	var err error
	if s.ckpt != nil {
		err = s.ckpt.close()
	}
	if s.engine == EngineSQLite {
		_, e := s.write.Exec("PRAGMA optimize") // statistics for the next start
		err = errors.Join(err, e)
	}
	err = errors.Join(err, s.write.Close())
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// DB returns the underlying read pool, for diagnostics (e.g. EXPLAIN in
// benchmarks). Application code uses Read and Write.
func (s *Store) DB() *sql.DB { return s.read }
