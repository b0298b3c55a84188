package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"switchboard/internal/store"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// listenLoop forwards other processes' notifications to the local
// subscribers until Close, reconnecting (with backoff) when the connection
// is lost and then telling every subscriber to resync.
func (p *Postgres) listenLoop(conn *pgx.Conn) {
	defer p.wg.Done()
	for {
		err := p.listen(conn)
		_ = conn.Close(context.Background())
		if p.runCtx.Err() != nil {
			return
		}
		p.log.Warn("realtime: lost the PostgreSQL listener connection; reconnecting", "err", err)
		for attempt := 0; ; attempt++ {
			if !sleep(p.runCtx, p.backoff(attempt)) {
				return
			}
			if conn, err = p.connectListener(p.runCtx); err == nil {
				break
			}
			if p.runCtx.Err() != nil {
				return
			}
			p.log.Warn("realtime: reconnecting the PostgreSQL listener", "attempt", attempt+1, "err", err)
		}
		p.reconnects.Add(1)
		p.log.Info("realtime: PostgreSQL listener reconnected; subscribers resync", "subscribers", p.local.Subscribers())
		p.local.Resync() // whatever was notified meanwhile is lost
	}
}

// listen waits for notifications on conn and delivers them, checking the
// connection with a query after PingInterval of silence. It returns when
// the connection fails or the broker closes.
func (p *Postgres) listen(conn *pgx.Conn) error {
	for {
		ctx, cancel := context.WithTimeout(p.runCtx, p.o.PingInterval)
		n, err := conn.WaitForNotification(ctx)
		cancel()
		if err != nil {
			if p.runCtx.Err() != nil {
				return p.runCtx.Err()
			}
			if ctx.Err() == nil || conn.PgConn().IsClosed() { // not just a quiet spell
				return fmt.Errorf("realtime: wait for notification: %w", err)
			}
			pctx, pcancel := context.WithTimeout(p.runCtx, 10*time.Second)
			err = store.PingConn(pctx, conn)
			pcancel()
			if err != nil {
				return fmt.Errorf("realtime: check listener connection: %w", err)
			}
			p.pings.Add(1)
			continue
		}
		p.deliver(n.Payload)
	}
}

// deliver hands one notification to the local subscribers, unless it is
// this process's own echo.
func (p *Postgres) deliver(payload string) {
	var env envelope
	if err := json.Unmarshal([]byte(payload), &env); err != nil {
		p.log.Warn("realtime: undecodable notification", "channel", p.channel, "bytes", len(payload), "err", err)
		return
	}
	switch {
	case env.From == p.id:
	case env.Resync:
		p.local.Resync()
	case env.Event != nil:
		p.local.Publish(context.Background(), *env.Event)
	}
}

// maxBatch bounds the notifications sent in one statement.
const maxBatch = 100

// sendLoop sends queued notifications on its own connection until Close,
// then sends what is left (until FlushTimeout). Whatever queued up while
// one statement ran goes in the next, so a burst costs few round trips.
func (p *Postgres) sendLoop() {
	defer p.wg.Done()
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			_ = conn.Close(context.Background())
		}
	}()
	batch := make([]string, 0, maxBatch)
	for {
		stopping := false
		select {
		case b := <-p.queue:
			batch = append(batch, string(b))
		case <-p.stopQueue:
			stopping = true
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case b := <-p.queue:
				batch = append(batch, string(b))
			default:
				break fill
			}
		}
		if len(batch) < maxBatch && p.lost.Swap(false) { // dropped: the others resync
			r, _ := json.Marshal(envelope{From: p.id, Resync: true})
			batch = append(batch, string(r))
		}
		if len(batch) > 0 {
			p.send(&conn, batch)
			batch = batch[:0]
		}
		if stopping && (len(p.queue) == 0 || p.sendCtx.Err() != nil) {
			return
		}
	}
}

// send notifies the payloads in one statement (in order, in one
// transaction), (re)connecting as needed and retrying with backoff until
// it went through or the sender must stop.
func (p *Postgres) send(conn **pgx.Conn, payloads []string) {
	for attempt := 0; ; attempt++ {
		if *conn == nil {
			cfg := p.cfg.Copy()
			cfg.RuntimeParams["application_name"] = "switchboard-notify"
			c, err := pgx.ConnectConfig(p.sendCtx, cfg)
			if err == nil {
				*conn = c
			} else if p.sendCtx.Err() == nil {
				p.log.Warn("realtime: connect notifier to PostgreSQL", "attempt", attempt+1, "err", err)
			}
		}
		if *conn != nil {
			err := store.Notify(p.sendCtx, *conn, p.channel, payloads)
			if err == nil {
				return
			}
			if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) { // refused, not a broken connection
				p.log.Warn("realtime: notifications refused; other instances will resync", "count", len(payloads), "err", err)
				p.dropped.Add(uint64(len(payloads)))
				p.lost.Store(true)
				return
			}
			if p.sendCtx.Err() == nil {
				p.log.Warn("realtime: notify", "attempt", attempt+1, "err", err)
			}
			_ = (*conn).Close(context.Background())
			*conn = nil
		}
		if p.sendCtx.Err() != nil || !sleep(p.sendCtx, p.backoff(attempt)) {
			p.dropped.Add(uint64(len(payloads)))
			return
		}
	}
}
