package realtime

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"switchboard/internal/store"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// ChannelPrefix is the NOTIFY channel of an installation without a schema;
// an installation in a schema uses ChannelPrefix + "_" + the schema (see
// ChannelName).
const ChannelPrefix = "switchboard_events"

// MaxPayload is the largest NOTIFY payload sent. PostgreSQL refuses 8000
// bytes or more; an event that does not fit travels without its Data, and
// failing that as a resync.
const MaxPayload = 7999

// PostgresOptions tune NewPostgres.
type PostgresOptions struct {
	// Schema is the store's search_path schema (store.Store.Schema). It
	// names the channel, so installations in different schemas of one
	// database (and tests, one schema each) never see each other's events.
	Schema string
	// PublishOnly leaves out the listener: the broker only sends, for
	// short commands such as `mail ingest` whose events matter to others.
	PublishOnly bool
	// Logger receives connection losses and dropped notifications; nil
	// discards them.
	Logger *slog.Logger
	// QueueSize bounds the notifications waiting to be sent (default 1024);
	// beyond it Publish drops the notification, counts it, and the other
	// instances are told to resync once the queue drains.
	QueueSize int
	// MinBackoff and MaxBackoff bound the wait between reconnection
	// attempts (defaults 100ms and 5s; it doubles from one to the other).
	MinBackoff, MaxBackoff time.Duration
	// PingInterval is how long the listener waits for a notification
	// before it checks its connection with a query (default 30s), so a
	// silently dead connection is noticed.
	PingInterval time.Duration
	// FlushTimeout bounds how long Close waits for queued notifications to
	// be sent (default 3s).
	FlushTimeout time.Duration
}

// Postgres is a Broker for several processes sharing one PostgreSQL
// database. Publish delivers to this process's subscribers at once (through
// its Local) and queues a pg_notify for the others; a listener goroutine
// holds one connection that LISTENs and hands other processes' events to
// the Local. Each process has a random instance id so it ignores its own
// echo. After the listener lost its connection and got a new one, every
// subscriber is told to resync (Local.Resync): what was sent meanwhile is
// lost. Close it when done.
type Postgres struct {
	local   *Local
	id      string
	channel string
	cfg     *pgx.ConnConfig
	log     *slog.Logger
	o       PostgresOptions
	queue   chan []byte

	closed     atomic.Bool
	lost       atomic.Bool // a notification was dropped: tell the others to resync
	dropped    atomic.Uint64
	reconnects atomic.Uint64
	pings      atomic.Uint64 // connection checks after quiet spells (for tests)
	listenPID  atomic.Uint32

	runCtx    context.Context // the listener's life
	stopRun   context.CancelFunc
	sendCtx   context.Context // the sender's life (outlives runCtx by the flush)
	stopSend  context.CancelFunc
	stopQueue chan struct{} // closed by Close: drain the queue and stop
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// envelope is the NOTIFY payload.
type envelope struct {
	From   string `json:"from"`
	Resync bool   `json:"resync,omitempty"`
	Event  *Event `json:"event,omitempty"`
}

// NewPostgres returns a broker over local that shares events through the
// PostgreSQL database at connString (a postgres:// URL or DSN, without
// search_path: pass the schema in o.Schema). Unless o.PublishOnly, it
// connects and LISTENs before returning, so events other processes publish
// from then on arrive; ctx bounds that first connection only.
func NewPostgres(ctx context.Context, connString string, local *Local, o PostgresOptions) (*Postgres, error) {
	if local == nil {
		local = NewLocal(0)
	}
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, errors.New("realtime: parse PostgreSQL connection string") // never echo it: it may hold a password
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 1024
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(5*time.Second, o.MinBackoff)
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 30 * time.Second
	}
	if o.FlushTimeout <= 0 {
		o.FlushTimeout = 3 * time.Second
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	p := &Postgres{
		local: local, id: hex.EncodeToString(b), channel: ChannelName(o.Schema), cfg: cfg,
		log: o.Logger.With("component", "realtime"), o: o,
		queue: make(chan []byte, o.QueueSize), stopQueue: make(chan struct{}),
	}
	p.runCtx, p.stopRun = context.WithCancel(context.Background())
	p.sendCtx, p.stopSend = context.WithCancel(context.Background())
	if !o.PublishOnly {
		conn, err := p.connectListener(ctx)
		if err != nil {
			p.stopRun()
			p.stopSend()
			return nil, err
		}
		p.wg.Add(1)
		go p.listenLoop(conn)
	}
	p.wg.Add(1)
	go p.sendLoop()
	return p, nil
}

// ChannelName returns the NOTIFY channel of the installation in schema ("" for
// none): lower-case letters, digits and underscores, at most 63 bytes, with
// a hash of the schema when it had to be changed to fit, so that two
// schemas never share a channel.
func ChannelName(schema string) string {
	if schema == "" {
		return ChannelPrefix
	}
	var sb strings.Builder
	for _, r := range schema {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			sb.WriteRune(r)
		default:
			sb.WriteByte('_')
		}
	}
	clean := sb.String()
	const room = 63 - len(ChannelPrefix) - 1
	if clean == schema && len(clean) <= room {
		return ChannelPrefix + "_" + clean
	}
	sum := sha256.Sum256([]byte(schema))
	h := hex.EncodeToString(sum[:5])
	if len(clean) > room-len(h)-1 {
		clean = clean[:room-len(h)-1]
	}
	return ChannelPrefix + "_" + clean + "_" + h
}

// Channel returns the NOTIFY channel this broker uses.
func (p *Postgres) Channel() string { return p.channel }

// Publish implements Broker: ev goes to this process's subscribers now and
// to the other processes' through a bounded queue, so the caller never
// waits on the network. A full queue drops the notification (counted in
// Dropped) and the other processes are told to resync later.
func (p *Postgres) Publish(ctx context.Context, ev Event) {
	if ev.At.IsZero() {
		ev.At = time.Now().UTC()
	}
	p.local.Publish(ctx, ev)
	if p.closed.Load() {
		return
	}
	payload, ok := p.encode(ev)
	if !ok { // the others cannot learn what happened: they resync
		payload, _ = json.Marshal(envelope{From: p.id, Resync: true})
	}
	select {
	case p.queue <- payload:
	default:
		n := p.dropped.Add(1)
		p.lost.Store(true)
		if n&(n-1) == 0 { // 1, 2, 4, 8...: say it without flooding the log
			p.log.Warn("realtime: notification queue full; other instances will resync", "dropped", n, "queue", cap(p.queue))
		}
	}
}

// encode returns the NOTIFY payload of ev: whole, or without its Data when
// too large. ok is false when even that does not fit (or ev cannot be
// encoded): the event is not sent and the others resync instead.
func (p *Postgres) encode(ev Event) ([]byte, bool) {
	b, err := json.Marshal(envelope{From: p.id, Event: &ev})
	if err == nil && len(b) <= MaxPayload {
		return b, true
	}
	ev.Data = nil
	b, err2 := json.Marshal(envelope{From: p.id, Event: &ev})
	if err2 != nil || len(b) > MaxPayload {
		p.log.Warn("realtime: event too large to notify; other instances will resync", "type", ev.Type, "ticket_id", ev.TicketID)
		return nil, false
	}
	if err != nil {
		p.log.Warn("realtime: event data not encodable; notified without it", "type", ev.Type, "ticket_id", ev.TicketID, "err", err)
	}
	return b, true
}

// Subscribe implements Broker.
func (p *Postgres) Subscribe() (<-chan Event, func()) { return p.local.Subscribe() }

// SubscribeN is Subscribe with a buffer of n events (see Local.SubscribeN).
func (p *Postgres) SubscribeN(n int) (<-chan Event, func()) { return p.local.SubscribeN(n) }

// Subscribers returns how many subscribers this process has (for metrics).
func (p *Postgres) Subscribers() int { return p.local.Subscribers() }

// Dropped returns how many notifications were dropped because the send
// queue was full.
func (p *Postgres) Dropped() uint64 { return p.dropped.Load() }

// Reconnects returns how many times the listener got a new connection
// after losing one.
func (p *Postgres) Reconnects() uint64 { return p.reconnects.Load() }

// Close stops the listener, sends what is queued (waiting at most
// FlushTimeout) and closes the connections. Publish after Close delivers
// to local subscribers only.
func (p *Postgres) Close() error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		p.stopRun()
		close(p.stopQueue)
		t := time.AfterFunc(p.o.FlushTimeout, p.stopSend)
		p.wg.Wait()
		t.Stop()
		p.stopSend()
		if n := len(p.queue); n > 0 {
			p.log.Warn("realtime: notifications not sent before closing", "count", n)
		}
	})
	return nil
}

// connectListener opens the listening connection.
func (p *Postgres) connectListener(ctx context.Context) (*pgx.Conn, error) {
	cfg := p.cfg.Copy()
	cfg.RuntimeParams["application_name"] = "switchboard-listen"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("realtime: connect listener to PostgreSQL %s: %w", p.cfg.Host, err)
	}
	if err := store.Listen(ctx, conn, p.channel); err != nil {
		_ = conn.Close(context.Background())
		return nil, fmt.Errorf("realtime: listen on %s: %w", p.channel, err)
	}
	p.listenPID.Store(conn.PgConn().PID())
	return conn, nil
}

// backoff returns the wait before reconnection attempt n (0-based).
func (p *Postgres) backoff(n int) time.Duration {
	d := p.o.MinBackoff
	for i := 0; i < n && d < p.o.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, p.o.MaxBackoff)
}

// sleep waits d or until ctx is done; it reports whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
