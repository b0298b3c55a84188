package mailin_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"switchboard/internal/mailin"
	"switchboard/internal/store/storetest"
)

// BenchmarkDeliver measures messages per second stored end to end into
// tickets by the ingester (parse, dedupe, thread, ticket and message, raw
// kept), half new tickets and half replies, with 4 concurrent deliverers:
//
//	go test ./internal/mailin -run '^$' -bench Deliver -benchtime 2000x
func BenchmarkDeliver(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			st := e.Open(b)
			f := newFixture(b, st)
			body := strings.Repeat("The printer on the third floor prints blank pages since this morning. ", 8)
			var n atomic.Int64
			b.SetParallelism(2) // 2 × GOMAXPROCS(2) = 4 deliverers
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					extra := ""
					if i%2 == 0 {
						extra = fmt.Sprintf("In-Reply-To: <b%d@example.com>\n", i-1)
					}
					raw := msg(fmt.Sprintf("user%d@example.com", i%500), fmt.Sprintf("Printer %d", i),
						fmt.Sprintf("b%d@example.com", i), extra, body)
					if _, err := f.in.Deliver(context.Background(), f.mb, []byte(strings.ReplaceAll(raw, "\n", "\r\n")), mailin.SourceSMTP); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
