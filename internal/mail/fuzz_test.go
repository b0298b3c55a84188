package mail

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"switchboard/internal/mail/mailtest"
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

// FuzzHeaderParsers feeds arbitrary header values to the header parsers,
// seeded with stalwart's header unit cases: no panic, UTF-8 out.
func FuzzHeaderParsers(f *testing.F) {
	td := mailtest.Corpus(f)
	for _, name := range []string{"address", "content_type", "date", "id", "unstructured", "list"} {
		b, err := os.ReadFile(td + "/stalwart/resources/" + name + ".json")
		if err != nil {
			f.Fatal(err)
		}
		var cases []struct{ Header string }
		if err := json.Unmarshal(b, &cases); err != nil {
			f.Fatal(err)
		}
		for _, c := range cases {
			f.Add(c.Header)
		}
	}
	f.Fuzz(func(t *testing.T, v string) {
		if s := decodeHeaderText(v); !utf8.ValidString(s) {
			t.Fatalf("decodeHeaderText: invalid UTF-8 %q", s)
		}
		for _, a := range parseAddressList(v) {
			if !utf8.ValidString(a.Name) {
				t.Fatalf("address name: invalid UTF-8 %q", a.Name)
			}
		}
		parseDate(v)
		parseIDs(v)
		parseMediaType(v)
		splitExtended(v)
	})
}

// FuzzHTML feeds arbitrary HTML to HTMLToText and SanitizeHTML, seeded
// with the talon HTML replies: no panic, and no script survives.
func FuzzHTML(f *testing.F) {
	files, _ := filepath.Glob(mailtest.Corpus(f) + "/talon/tests/fixtures/html_replies/*.html")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(`<svg><script>alert(1)</script></svg><img src=x onerror=alert(1)>`)
	f.Fuzz(func(t *testing.T, s string) {
		HTMLToText(s)
		out, _ := SanitizeHTML(s, false)
		low := bytes.ToLower([]byte(out))
		if bytes.Contains(low, []byte("<script")) || bytes.Contains(low, []byte("onerror=")) {
			t.Fatalf("unsafe output %q", out)
		}
	})
}
