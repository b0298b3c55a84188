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
