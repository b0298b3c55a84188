package smtpd

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/emersion/go-smtp"

	"switchboard/internal/store/storetest"
)

// BenchmarkSMTP measures messages per second accepted over SMTP and stored
// end to end into tickets by the real Ingester: 4 concurrent clients, each
// on its own connection (as an MTA reuses one), distinct messages, half
// new tickets and half replies:
//
//	go test ./internal/mailin/smtpd -run '^$' -bench SMTP -benchtime 2000x
func BenchmarkSMTP(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			st := e.Open(b)
			in, _, _ := realIngester(b, st)
			addr, _ := start(b, in, in, Options{})
			text := strings.Repeat("The printer on the third floor prints blank pages since this morning. ", 8)
			var n atomic.Int64
			b.SetParallelism(2) // 2 × GOMAXPROCS(2) = 4 clients
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				c, err := smtp.Dial(addr)
				if err != nil {
					b.Error(err)
					return
				}
				defer c.Close()
				for pb.Next() {
					i := n.Add(1)
					extra := ""
					if i%2 == 0 {
						extra = fmt.Sprintf("In-Reply-To: <b%d@example.com>\r\n", i-1)
					}
					from := fmt.Sprintf("user%d@example.com", i%500)
					raw := fmt.Sprintf("From: %s\r\nTo: support@acme.example\r\nSubject: Printer %d\r\nMessage-ID: <b%d@example.com>\r\n%s"+
						"Date: Mon, 30 Nov 2026 09:00:00 +0000\r\n\r\n%s\r\n", from, i, i, extra, text)
					if err := sendOn(c, from, raw); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// sendOn sends one message on an open connection.
func sendOn(c *smtp.Client, from, raw string) error {
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	if err := c.Rcpt("support@acme.example", nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, raw); err != nil {
		return err
	}
	return w.Close()
}
