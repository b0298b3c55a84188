package classify

import (
	"net/textproto"
	"os"
	"path/filepath"
	"switchboard/internal/mail/mailtest"
	"testing"
)

// BenchmarkClassifyCorpus classifies every Sisimai message once per
// iteration; ns/op divided by the message count is the per-message cost.
func BenchmarkClassifyCorpus(b *testing.B) {
	dir, ok := mailtest.Dir()
	if !ok {
		b.Skip("shared test data not found")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "sisimai", "maildir", "bsd", "*.eml"))
	type msg struct {
		h textproto.MIMEHeader
		p Parts
	}
	var msgs []msg
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		h, p := partsOf(raw)
		msgs = append(msgs, msg{h, p})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, m := range msgs {
			Classify(m.h, m.p)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs)), "ns/msg")
}

// BenchmarkClassifyNormal is the common case: a person's message.
func BenchmarkClassifyNormal(b *testing.B) {
	h := hdr("From", "Ana <ana@example.hr>", "Subject", "Re: Račun #1234", "Return-Path", "<ana@example.hr>")
	p := Parts{ContentType: "text/plain; charset=utf-8", Text: "Pozdrav,\n\nračun još nije stigao. Možete li provjeriti?\n\nHvala,\nAna\n"}
	b.ReportAllocs()
	for b.Loop() {
		Classify(h, p)
	}
}
