package mail

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkParseCorpus parses every corpus message once per iteration
// and reports messages per second and MB per second.
func BenchmarkParseCorpus(b *testing.B) {
	var msgs [][]byte
	var total int64
	for _, f := range corpusFiles(b) {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, data)
		total += int64(len(data))
	}
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, data := range msgs {
			if _, err := Parse(bytes.NewReader(data), Options{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(msgs)*b.N)/b.Elapsed().Seconds(), "msgs/s")
}
