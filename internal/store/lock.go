package store

import (
	"context"
	"fmt"
)

// TryLock takes a lock named key for this process, held until unlock is
// called, so that of several instances sharing a PostgreSQL database only
// one does a job (one IMAP fetcher per mailbox). On PostgreSQL it is a
// session advisory lock on a connection kept for the purpose: when the
// process dies the connection closes and the lock is free for another
// instance. On SQLite (one process) it always succeeds. ok is false when
// another session holds the lock.
func (s *Store) TryLock(ctx context.Context, key int64) (unlock func(), ok bool, err error) {
	if s.engine != EnginePostgres {
		return func() {}, true, nil
	}
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("store: lock %d: %w", key, err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
		conn.Close()
		return nil, false, fmt.Errorf("store: lock %d: %w", key, err)
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", key)
		conn.Close()
	}, true, nil
}
