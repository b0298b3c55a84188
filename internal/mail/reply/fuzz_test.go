package reply

import (
	"os"
	"path/filepath"
	"strings"
	"switchboard/internal/mail/mailtest"
	"testing"
	"unicode/utf8"
)

// seedCorpus adds the talon fixtures (bodies as text) to a fuzz corpus.
func seedCorpus(f *testing.F, html bool) {
	dir, ok := mailtest.Dir()
	if !ok {
		return
	}
	fix := filepath.Join(dir, "talon", "tests", "fixtures")
	if html {
		files, _ := filepath.Glob(filepath.Join(fix, "html_replies", "*.html"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(string(b))
			}
		}
		return
	}
	files, _ := filepath.Glob(filepath.Join(fix, "standard_replies", "*.eml"))
	for _, file := range files {
		text, _ := bodies(f, file)
		f.Add(text)
	}
	files, _ = filepath.Glob(filepath.Join(fix, "signature", "emails", "*", "*"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(string(b))
		}
	}
}

// checkResult asserts the invariants every Result keeps.
func checkResult(t *testing.T, in string, r Result) {
	t.Helper()
	if strings.TrimSpace(in) != "" && r.Visible == "" {
		t.Fatalf("empty Visible for non-empty input %q", in)
	}
	for _, s := range []string{r.Visible, r.Quoted, r.Signature} {
		if s != strings.TrimSpace(s) {
			t.Fatalf("untrimmed part %q", s)
		}
	}
	if utf8.ValidString(in) && (!utf8.ValidString(r.Visible) || !utf8.ValidString(r.Quoted) || !utf8.ValidString(r.Signature)) {
		t.Fatalf("invalid UTF-8 produced from valid input")
	}
}

func FuzzStripText(f *testing.F) {
	seedCorpus(f, false)
	f.Add("Hvala.\n\nDana 12. 3. 2025. u 10:15 Ana <ana@example.hr>\nje napisala:\n> x")
	f.Fuzz(func(t *testing.T, in string) {
		r := StripText(in)
		checkResult(t, in, r)
		// Every visible line comes from the input.
		norm := normalize(in)
		for _, l := range strings.Split(r.Visible, "\n") {
			if !strings.Contains(norm, strings.TrimSpace(l)) {
				t.Fatalf("visible line %q not in input", l)
			}
		}
	})
}

func FuzzStripHTML(f *testing.F) {
	seedCorpus(f, true)
	f.Add(`<div>Hi<blockquote>old</blockquote></div>`)
	f.Fuzz(func(t *testing.T, in string) {
		r := StripHTML(in)
		if strings.TrimSpace(r.Visible+r.Quoted+r.Signature) != "" && r.Visible == "" {
			t.Fatalf("empty Visible with content: %+v", r)
		}
	})
}
