package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// The statements of PostgreSQL notifications (LISTEN/NOTIFY), for the
// realtime broker's dedicated connections (see PostgresURL): the broker
// owns the connections and their lifecycle, the SQL lives here.

// Listen subscribes conn to channel's notifications.
func Listen(ctx context.Context, conn *pgx.Conn, channel string) error {
	_, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize())
	return err
}

// Notify sends payloads on channel in one statement, in their order.
func Notify(ctx context.Context, conn *pgx.Conn, channel string, payloads []string) error {
	_, err := conn.Exec(ctx, "SELECT pg_notify($1, u.p) FROM unnest($2::text[]) WITH ORDINALITY AS u(p, n) ORDER BY u.n", channel, payloads)
	return err
}

// PingConn checks that a dedicated connection still answers.
func PingConn(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, "SELECT 1")
	return err
}
