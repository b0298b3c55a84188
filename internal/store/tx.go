package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"switchboard/internal/desk"
)

// runner is what *sql.DB and *sql.Tx have in common.
type runner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx runs the store's queries, either inside a write transaction (the
// argument of Store.Write's function) or against the read pool (from
// Store.Read). A Tx from Read must not be used for writes.
type Tx struct {
	r  runner
	w  *writer // SQLite write transaction: the writer and its statements
	pg bool
	s  *Store
	// authChanged is set by writes that change credentials; the store
	// bumps its AuthGeneration after such a transaction commits.
	authChanged bool
	// after holds functions to run once the transaction has committed.
	after []func()
}

// AfterCommit runs f after this write transaction commits (never if it
// rolls back): wake a worker for a job the transaction queued.
func (tx *Tx) AfterCommit(f func()) { tx.after = append(tx.after, f) }

// Read returns a Tx on the read pool for queries outside a transaction.
func (s *Store) Read() *Tx { return &Tx{r: s.read, pg: s.engine == EnginePostgres, s: s} }

// Write runs fn in one write transaction, committing if fn returns nil and
// rolling back otherwise. On SQLite it holds the single write connection
// (BEGIN IMMEDIATE) for the duration; fn must not call Write itself.
func (s *Store) Write(ctx context.Context, fn func(tx *Tx) error) error {
	return s.write1(ctx, fn, false)
}

// WriteDurable is Write for transactions whose commit is a promise to
// someone outside (an SMTP 250, an IMAP message marked seen, an MTA pipe's
// exit 0): on SQLite it commits with synchronous=FULL, so the transaction
// survives a power loss and not only a crash of the process (ordinary
// writes use synchronous=NORMAL in WAL mode). PostgreSQL commits are
// always durable (synchronous_commit on).
func (s *Store) WriteDurable(ctx context.Context, fn func(tx *Tx) error) error {
	return s.write1(ctx, fn, true)
}

func (s *Store) write1(ctx context.Context, fn func(tx *Tx) error, durable bool) error {
	t := writeTimes{start: time.Now()}
	defer s.logSlowWrite(&t)
	if s.engine == EngineSQLite {
		return s.writeSQLite(ctx, fn, durable, &t)
	}
	sqlTx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	t.began = time.Now()
	tx := &Tx{r: sqlTx, pg: true, s: s}
	committed := false
	defer func() {
		if !committed {
			_ = sqlTx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	t.ran = time.Now()
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", mapErr(err))
	}
	committed = true
	tx.committed()
	return nil
}

// Write transactions slower than slowWrite are logged at debug level, and
// those slower than verySlowWrite as warnings, with where the time went
// (waiting for the SQLite writer or a PostgreSQL connection, the
// transaction's statements, the commit) and the caller of Write: what
// stalls the writer stalls every request that writes.
const (
	slowWrite     = 100 * time.Millisecond
	verySlowWrite = time.Second
)

// writeTimes are the moments of one write transaction; a zero one was
// not reached.
type writeTimes struct{ start, began, ran time.Time }

func (s *Store) logSlowWrite(t *writeTimes) {
	d := time.Since(t.start)
	if d < slowWrite {
		return
	}
	level := slog.LevelDebug
	if d >= verySlowWrite {
		level = slog.LevelWarn
	}
	if !s.log.Enabled(context.Background(), level) {
		return
	}
	// Frames: this function, write1, Write or WriteDurable, their caller.
	caller := "?"
	if _, file, line, ok := runtime.Caller(3); ok {
		caller = filepath.Base(filepath.Dir(file)) + "/" + filepath.Base(file) + ":" + strconv.Itoa(line)
	}
	end := time.Now()
	span := func(from, to time.Time) time.Duration {
		if from.IsZero() || to.IsZero() {
			return 0
		}
		return to.Sub(from).Round(time.Microsecond)
	}
	commit := span(t.ran, end)
	s.log.Log(context.Background(), level, "store: slow write transaction", "engine", s.engine, "caller", caller,
		"total", d.Round(time.Microsecond), "wait", span(t.start, t.began), "statements", span(t.began, t.ran), "commit", commit)
}

// committed runs after the transaction commits.
func (tx *Tx) committed() {
	if tx.authChanged {
		tx.s.authGen.Add(1)
	}
	for _, f := range tx.after {
		f()
	}
}

// Engine returns the engine of the store this Tx belongs to.
func (tx *Tx) Engine() string { return tx.s.engine }

// rebind turns ? placeholders into $1..$n for PostgreSQL. It skips
// question marks inside single-quoted string literals.
func rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, inStr := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inStr = !inStr
			b.WriteByte(c)
		case c == '?' && !inStr:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// timeLayout is the fixed-width UTC text form of timestamps in SQLite, so
// that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// fixArgs adapts arguments for the engine: on SQLite times become
// fixed-width UTC text.
func (tx *Tx) fixArgs(args []any) []any {
	if tx.pg {
		for i, a := range args {
			switch v := a.(type) {
			case time.Time:
				args[i] = v.UTC()
			case *time.Time:
				if v != nil {
					args[i] = v.UTC()
				}
			}
		}
		return args
	}
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = v.UTC().Format(timeLayout)
		case *time.Time:
			if v == nil {
				args[i] = nil
			} else {
				args[i] = v.UTC().Format(timeLayout)
			}
		}
	}
	return args
}

// runner returns what runs query: a cached prepared statement on SQLite
// (modernc re-parses every unprepared statement), else the Tx's runner.
// PostgreSQL needs no cache: pgx caches prepared statements per connection.
func (tx *Tx) runner(ctx context.Context, query string) (runner, string) {
	var st *sql.Stmt
	switch {
	case tx.pg:
		return tx.r, rebind(query)
	case tx.w != nil:
		st = tx.w.stmt(ctx, query)
	default:
		st = tx.s.readStmts.get(ctx, tx.s.read, query)
	}
	if st == nil {
		return tx.r, query
	}
	return stmtRunner{st}, ""
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	r, q := tx.runner(ctx, query)
	res, err := r.ExecContext(ctx, q, tx.fixArgs(args)...)
	return res, mapErr(err)
}

func (tx *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	r, q := tx.runner(ctx, query)
	rows, err := r.QueryContext(ctx, q, tx.fixArgs(args)...)
	return rows, mapErr(err)
}

func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	r, q := tx.runner(ctx, query)
	return r.QueryRowContext(ctx, q, tx.fixArgs(args)...)
}

// insertID runs an INSERT ... RETURNING id and returns the id.
func (tx *Tx) insertID(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	if err := tx.queryRow(ctx, query+" RETURNING id", args...).Scan(&id); err != nil {
		return 0, mapErr(err)
	}
	return id, nil
}

// mapErr turns unique violations into desk.EConflict, foreign-key
// violations into desk.EInvalid and sql.ErrNoRows into desk.ENotFound,
// keeping the driver error in the chain for logs.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &codedErr{code: desk.ENotFound, msg: "Not found.", err: err}
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case 2067, 1555: // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
			return &codedErr{code: desk.EConflict, msg: "That already exists.", err: err}
		case 787: // SQLITE_CONSTRAINT_FOREIGNKEY
			return &codedErr{code: desk.EInvalid, msg: "A referenced record does not exist.", err: err}
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &codedErr{code: desk.EConflict, msg: "That already exists.", err: err}
		case "23503":
			return &codedErr{code: desk.EInvalid, msg: "A referenced record does not exist.", err: err}
		}
	}
	return err
}

// codedErr carries a desk.Error for errors.As while keeping the driver
// error for errors.Is/Unwrap and logs.
type codedErr struct {
	code desk.Code
	msg  string
	err  error
}

func (e *codedErr) Error() string { return e.err.Error() }
func (e *codedErr) Unwrap() []error {
	return []error{&desk.Error{Code: e.code, Message: e.msg}, e.err}
}

// notFound returns a desk ENotFound error with a user message.
func notFound(what string) error { return desk.Errorf(desk.ENotFound, "%s not found.", what) }

// wrap adds context to err, mapping sql.ErrNoRows to ENotFound of what.
func wrap(err error, what, format string, args ...any) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: "+format+": %w", append(args, notFound(what))...)
	}
	return fmt.Errorf("store: "+format+": %w", append(args, mapErr(err))...)
}

// ts scans a timestamp from either engine into a time.Time.
type ts struct{ t *time.Time }

func (s ts) Scan(v any) error {
	t, ok, err := parseTime(v)
	if err != nil {
		return err
	}
	if !ok {
		*s.t = time.Time{}
		return nil
	}
	*s.t = t
	return nil
}

// nts scans a nullable timestamp into a **time.Time.
type nts struct{ t **time.Time }

func (s nts) Scan(v any) error {
	t, ok, err := parseTime(v)
	if err != nil {
		return err
	}
	if !ok {
		*s.t = nil
		return nil
	}
	*s.t = &t
	return nil
}

func parseTime(v any) (time.Time, bool, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return x.UTC(), true, nil
	case string:
		return parseTimeText(x)
	case []byte:
		return parseTimeText(string(x))
	case int64:
		return time.UnixMicro(x).UTC(), true, nil
	default:
		return time.Time{}, false, fmt.Errorf("store: cannot scan %T as time", v)
	}
}

func parseTimeText(s string) (time.Time, bool, error) {
	if s == "" {
		return time.Time{}, false, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse("2006-01-02 15:04:05.999999999-07:00", s)
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: parse time %q: %w", s, err)
	}
	return t.UTC(), true, nil
}

// nullInt returns nil for a nil pointer, else its value (for nullable FKs).
func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// nint scans a nullable integer into a **int64.
type nint struct{ p **int64 }

func (n nint) Scan(v any) error {
	var x sql.NullInt64
	if err := x.Scan(v); err != nil {
		return err
	}
	if !x.Valid {
		*n.p = nil
		return nil
	}
	val := x.Int64
	*n.p = &val
	return nil
}

// placeholders returns "?, ?, ..." with n marks.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// Now returns the time rounded to what both engines store (microseconds, UTC).
func Now(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
