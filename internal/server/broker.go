package server

import (
	"context"
	"fmt"
	"log/slog"

	"switchboard/internal/realtime"
	"switchboard/internal/store"
)

// Broker is the realtime broker the services publish to and the agent
// app subscribes to: realtime.Local in one process (SQLite), or
// realtime.Postgres when several processes share a PostgreSQL database.
// Subscribers feeds the switchboard_realtime_subscribers gauge.
type Broker interface {
	realtime.Broker
	SubscriberCounter
}

// BrokerOptions tune OpenBroker.
type BrokerOptions struct {
	// PublishOnly is for short commands (e.g. `mail ingest`): their events
	// reach the running servers, but they listen to nobody.
	PublishOnly bool
	// Logger receives the broker's connection losses; nil discards them.
	Logger *slog.Logger
}

// OpenBroker returns the broker for st: on PostgreSQL one that shares
// events with every process using the same database and schema (LISTEN/
// NOTIFY), on SQLite an in-process one. Call close when done: it sends the
// events still queued (for a short while) and drops the connections.
func OpenBroker(ctx context.Context, st *store.Store, o BrokerOptions) (br Broker, close func() error, err error) {
	local := realtime.NewLocal(0)
	if st.Engine() != store.EnginePostgres {
		return local, func() error { return nil }, nil
	}
	p, err := realtime.NewPostgres(ctx, st.PostgresURL(), local, realtime.PostgresOptions{
		Schema: st.Schema(), PublishOnly: o.PublishOnly, Logger: o.Logger,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("server: open realtime broker: %w", err)
	}
	return p, p.Close, nil
}
