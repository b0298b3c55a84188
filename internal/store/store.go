// Package store is the one package that speaks SQL, for both SQLite
// (modernc.org/sqlite, WAL, one writer and a read pool) and PostgreSQL (pgx).
// Queries are written with ? placeholders and rebound to $n for PostgreSQL.
package store

import "context"

// Config selects and tunes the database.
type Config struct {
	// URL is "" or "sqlite:PATH" for SQLite, postgres:// or postgresql:// for PostgreSQL.
	URL string
	// DataDir holds the SQLite file (switchboard.db) when URL is "".
	DataDir string
}

// Store is the database handle shared by all services.
type Store struct{}

// Open connects to the database described by cfg. It does not migrate.
func Open(ctx context.Context, cfg Config) (*Store, error) { panic("not implemented yet") }

// Migrate applies pending migrations.
func (s *Store) Migrate(ctx context.Context) error { panic("not implemented yet") }

// Ping checks the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error { panic("not implemented yet") }

// Engine returns "sqlite" or "postgres".
func (s *Store) Engine() string { panic("not implemented yet") }

// Close releases the connections.
func (s *Store) Close() error { panic("not implemented yet") }
