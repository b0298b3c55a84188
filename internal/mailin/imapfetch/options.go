package imapfetch

import (
	"context"
	"crypto/tls"
	"math/rand/v2"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/mailin"
)

// Deliverer takes one fetched message into the desk; *mailin.Ingester is
// one. It returns nil only once the message is durably stored (or
// recognised as a duplicate); an error with code desk.EInvalid refuses the
// message for good, any other error is temporary.
type Deliverer interface {
	Deliver(ctx context.Context, mb desk.Mailbox, raw []byte, src mailin.Source) (mailin.Result, error)
}

// Defaults of Options.
const (
	DefaultReload         = 30 * time.Second
	DefaultPoll           = 60 * time.Second
	DefaultIdleRestart    = 25 * time.Minute
	DefaultDialTimeout    = 30 * time.Second
	DefaultMaxMessageSize = mailin.MaxMessageSize
)

// Options tune the Manager and its fetchers. The zero value is the
// production setting.
type Options struct {
	// Reload is how often the Manager re-reads the mailboxes (30 s).
	Reload time.Duration
	// Poll is the wait between fetches when the server has no IDLE (60 s).
	Poll time.Duration
	// IdleRestart re-issues IDLE (and fetches) at least this often (25 min).
	IdleRestart time.Duration
	// NoIdle polls even when the server advertises IDLE.
	NoIdle bool
	// DialTimeout bounds connecting and the TLS handshake (30 s).
	DialTimeout time.Duration
	// MaxMessageSize: larger messages are not downloaded but logged and
	// skipped like a message the Deliverer refuses for good
	// (mailin.MaxMessageSize).
	MaxMessageSize int64
	// TLSConfig, if set, is used for imaps:// and STARTTLS (cloned, with
	// ServerName set to the URL's host); tests supply a root pool here.
	TLSConfig *tls.Config
	// Backoff is the wait before reconnecting after the attempt-th failure
	// in a row (0-based); default Backoff.
	Backoff func(attempt int) time.Duration
	// Clock stamps the mailbox status (desk.SystemClock).
	Clock desk.Clock
}

func (o Options) withDefaults() Options {
	if o.Reload <= 0 {
		o.Reload = DefaultReload
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.IdleRestart <= 0 {
		o.IdleRestart = DefaultIdleRestart
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = DefaultMaxMessageSize
	}
	if o.Backoff == nil {
		o.Backoff = Backoff
	}
	if o.Clock == nil {
		o.Clock = desk.SystemClock{}
	}
	return o
}

// Backoff is the default reconnect wait: 1 s doubling per failure up to
// 5 min, each spread by ±25 % so many failing mailboxes do not retry in
// step.
func Backoff(attempt int) time.Duration {
	const base, ceiling = time.Second, 5 * time.Minute
	d := ceiling
	if attempt < 9 { // 1s<<9 > 5 min
		d = min(base<<max(attempt, 0), ceiling)
	}
	return d*3/4 + rand.N(d/2+1)
}
