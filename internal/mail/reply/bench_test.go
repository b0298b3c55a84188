package reply

import (
	"os"
	"path/filepath"
	"strings"
	"switchboard/internal/mail/mailtest"
	"testing"
)

// BenchmarkStripText strips a typical reply: a few lines, an attribution
// and a quoted message.
func BenchmarkStripText(b *testing.B) {
	in := "Thanks, that fixed it.\n\nAna\n\nSent from my iPhone\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Support <support@example.com> wrote:\n\n" +
		strings.Repeat("> Please try restarting the router and tell us what you see.\n", 30)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		StripText(in)
	}
}

// BenchmarkStripTextLong strips a long thread (about 100 KB).
func BenchmarkStripTextLong(b *testing.B) {
	in := "Yes.\n\n" + strings.Repeat("From: a@example.com\nSent: Monday\nTo: b@example.com\nSubject: x\n\n"+strings.Repeat("some earlier text in the thread\n", 50), 60)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		StripText(in)
	}
}

// BenchmarkStripHTML strips each talon HTML reply once per iteration.
func BenchmarkStripHTML(b *testing.B) {
	dir, ok := mailtest.Dir()
	if !ok {
		b.Skip("shared test data not found")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "talon", "tests", "fixtures", "html_replies", "*.html"))
	var docs []string
	n := 0
	for _, f := range files {
		bs, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, string(bs))
		n += len(bs)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			StripHTML(d)
		}
	}
}

// BenchmarkStripTextPathological runs shapes that once were quadratic:
// thousands of bottom-posted attributions and thousands of "Label:" lines.
func BenchmarkStripTextPathological(b *testing.B) {
	for name, in := range map[string]string{
		"attributions": strings.Repeat("On 1 2 wrote:\n> q\nx\n", 5000),
		"labels":       strings.Repeat("From: a\n", 10000),
		"fromblocks":   strings.Repeat("From: a\nSent: b\nTo: c\n\nx\n", 5000),
	} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				StripText(in)
			}
		})
	}
}
