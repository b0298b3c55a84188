// Package storetest provides fresh, migrated stores on both engines for
// tests, and the conformance suite that every engine must pass.
//
// Use it from any package's tests:
//
//	func TestSomething(t *testing.T) {
//		storetest.ForEach(t, func(t *testing.T, st *store.Store) {
//			// st is a fresh, migrated store: SQLite in t.TempDir(), or
//			// PostgreSQL in a new schema dropped when the test ends.
//		})
//	}
//
// or storetest.Engines(t) to get the list of engines and open stores
// yourself (Engine.Open(t) for a fresh store), e.g. in benchmarks.
//
// PostgreSQL comes from SWITCHBOARD_TEST_DATABASE_URL, defaulting to
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. When it is
// unreachable the test FAILS (CI requires both engines), unless
// SWITCHBOARD_TEST_SKIP_POSTGRES=1 is set, which leaves PostgreSQL out.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx" for the cleanup connection

	"switchboard/internal/store"
)

// DefaultPostgresURL is used when SWITCHBOARD_TEST_DATABASE_URL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Engine is one database engine tests run against.
type Engine struct {
	// Name is "sqlite" or "postgres" (the subtest name in ForEach).
	Name string
	// Open returns a fresh, migrated store closed (and, on PostgreSQL,
	// its schema dropped) when tb ends.
	Open func(tb testing.TB) *store.Store
}

// Engines returns the engines to test: SQLite always, PostgreSQL unless
// SWITCHBOARD_TEST_SKIP_POSTGRES=1.
func Engines(tb testing.TB) []Engine {
	tb.Helper()
	es := []Engine{{Name: store.EngineSQLite, Open: NewSQLite}}
	if os.Getenv("SWITCHBOARD_TEST_SKIP_POSTGRES") != "1" {
		es = append(es, Engine{Name: store.EnginePostgres, Open: NewPostgres})
	}
	return es
}

// ForEach runs fn as a subtest per engine, each with a fresh migrated store.
func ForEach(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, e := range Engines(t) {
		t.Run(e.Name, func(t *testing.T) { fn(t, e.Open(t)) })
	}
}

// NewSQLite returns a fresh, migrated SQLite store in tb.TempDir().
func NewSQLite(tb testing.TB) *store.Store {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{URL: "sqlite:" + filepath.Join(tb.TempDir(), "test.db")})
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		tb.Fatalf("migrate sqlite: %v", err)
	}
	return st
}

// PostgresURL returns the test database URL.
func PostgresURL() string {
	if u := os.Getenv("SWITCHBOARD_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// NewPostgres returns a fresh, migrated PostgreSQL store in a new randomly
// named schema, dropped when tb ends. It fails tb if PostgreSQL is unreachable.
func NewPostgres(tb testing.TB) *store.Store {
	tb.Helper()
	ctx := context.Background()
	base := PostgresURL()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "sbtest_" + hex.EncodeToString(b)
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", "SWITCHBOARD_TEST_DATABASE_URL", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := store.Open(ctx, store.Config{URL: u.String()})
	if err != nil {
		tb.Fatalf("PostgreSQL is required for tests (set SWITCHBOARD_TEST_SKIP_POSTGRES=1 to leave it out): %v", err)
	}
	tb.Cleanup(func() {
		st.Close()
		dropSchema(tb, base, schema)
	})
	if err := st.Migrate(ctx); err != nil {
		tb.Fatalf("migrate postgres: %v", err)
	}
	return st
}

func dropSchema(tb testing.TB, base, schema string) {
	db, err := sql.Open("pgx", base)
	if err != nil {
		tb.Errorf("drop schema %s: %v", schema, err)
		return
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		tb.Errorf("drop schema %s: %v", schema, err)
	}
}
