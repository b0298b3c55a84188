package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
			_, err = conn.Exec(pctx, "SELECT 1")
			pcancel()
			if err != nil {
				return fmt.Errorf("realtime: check listener connection: %w", err)
			}
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

// sendLoop sends queued notifications on its own connection until Close,
// then sends what is left (until FlushTimeout).
func (p *Postgres) sendLoop() {
	defer p.wg.Done()
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			_ = conn.Close(context.Background())
		}
	}()
	for {
		select {
		case b := <-p.queue:
			p.send(&conn, b)
		case <-p.stopQueue:
			for {
				select {
				case b := <-p.queue:
					p.send(&conn, b)
				default:
					p.sendResyncIfLost(&conn)
					return
				}
			}
		}
		if len(p.queue) == 0 {
			p.sendResyncIfLost(&conn)
		}
	}
}

// sendResyncIfLost tells the other processes to resync when a
// notification of this one was dropped.
func (p *Postgres) sendResyncIfLost(conn **pgx.Conn) {
	if !p.lost.Swap(false) {
		return
	}
	b, _ := json.Marshal(envelope{From: p.id, Resync: true})
	p.send(conn, b)
}

// send notifies payload, (re)connecting as needed and retrying with
// backoff until it went through or the sender must stop.
func (p *Postgres) send(conn **pgx.Conn, payload []byte) {
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
			_, err := (*conn).Exec(p.sendCtx, "SELECT pg_notify($1, $2)", p.channel, string(payload))
			if err == nil {
				return
			}
			if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) { // refused, not a broken connection
				p.log.Warn("realtime: notification refused; other instances will resync", "err", err)
				p.dropped.Add(1)
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
			p.dropped.Add(1)
			return
		}
	}
}
