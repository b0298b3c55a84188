package mail

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary bytes to Parse, seeded with the whole corpus:
// it must never panic (the top-level recover would turn a panic into an
// error, which the fuzzer reports), and a parsed message must marshal to
// valid UTF-8 JSON without NUL characters.
func FuzzParse(f *testing.F) {
	for _, file := range corpusFiles(f) {
		data, err := os.ReadFile(file)
		if err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(bytes.NewReader(data), Options{MaxSize: 1 << 20, MaxParts: 100, MaxDepth: 10})
		if err != nil {
			if bytes.Contains([]byte(err.Error()), []byte("internal error")) {
				t.Fatalf("panic: %v", err)
			}
			return
		}
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(out) {
			t.Fatal("invalid UTF-8 in JSON")
		}
		if bytes.Contains(out, []byte(`\u0000`)) {
			t.Fatal("NUL in JSON")
		}
		for _, a := range m.Attachments {
			if a.Size != int64(len(a.Data)) && !a.Skipped {
				t.Fatalf("attachment size %d, data %d", a.Size, len(a.Data))
			}
		}
	})
}
