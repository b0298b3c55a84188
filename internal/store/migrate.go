package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// Migrate applies pending migrations in name order, each in its own
// transaction together with its schema_migrations row. It is idempotent:
// running it twice (or from two processes at once on PostgreSQL, which
// takes an advisory lock) applies each migration once.
func (s *Store) Migrate(ctx context.Context) error {
	dir := "migrations/" + s.engine
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return fmt.Errorf("store: read migrations: %w", err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if s.upToDate(ctx, names) {
		return nil // the common case, answered without the write lock
	}
	return s.Write(ctx, func(tx *Tx) error {
		if tx.pg {
			// Serialise concurrent migrators (several instances starting at once).
			if _, err := tx.exec(ctx, "SELECT pg_advisory_xact_lock(7253890121)"); err != nil {
				return fmt.Errorf("store: migrate lock: %w", err)
			}
		}
		if _, err := tx.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
			return fmt.Errorf("store: create schema_migrations: %w", err)
		}
		for _, name := range names {
			var n int
			if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", name).Scan(&n); err != nil {
				return fmt.Errorf("store: check migration %s: %w", name, err)
			}
			if n > 0 {
				continue
			}
			body, err := migrationFS.ReadFile(dir + "/" + name)
			if err != nil {
				return fmt.Errorf("store: read migration %s: %w", name, err)
			}
			if _, err := tx.r.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("store: apply migration %s: %w", name, err)
			}
			if _, err := tx.exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
				name, time.Now().UTC().Format(time.RFC3339)); err != nil {
				return fmt.Errorf("store: record migration %s: %w", name, err)
			}
		}
		return nil
	})
}

// upToDate reports, from a read, whether every migration is applied; any
// doubt (no table yet, an error) answers false and Migrate takes the lock.
func (s *Store) upToDate(ctx context.Context, names []string) bool {
	rows, err := s.read.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return false
	}
	defer rows.Close()
	applied := map[string]bool{}
	for rows.Next() {
		var v string
		if rows.Scan(&v) != nil {
			return false
		}
		applied[v] = true
	}
	if rows.Err() != nil {
		return false
	}
	for _, n := range names {
		if !applied[n] {
			return false
		}
	}
	return true
}
