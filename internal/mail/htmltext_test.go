package mail

import (
	"os"
	"path/filepath"
	"strings"
	"switchboard/internal/mail/mailtest"
	"testing"
)

// TestHTMLToTextTalon renders the HTML replies of nine mail clients and
// checks the visible text is there and no markup, CSS or script leaks.
func TestHTMLToTextTalon(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(mailtest.Corpus(t), "talon/tests/fixtures/html_replies/*.html"))
	if len(files) < 9 {
		t.Fatalf("found %d html replies", len(files))
	}
	pass := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := decodeCharset(htmlMetaCharset(b), b)
		text := HTMLToText(s)
		n := norm(text)
		ok := strings.Contains(n, "Hi. I am fine.") && strings.Contains(n, "Thanks, Alex") &&
			!strings.Contains(text, "<div") && !strings.Contains(text, "{") && !strings.Contains(text, "</")
		if ok {
			pass++
		} else {
			t.Logf("%s:\n%s", filepath.Base(f), text)
		}
	}
	score(t, "html_replies", pass, len(files), 100)
}

// TestHTMLToTextStructure checks paragraphs, breaks, lists, links,
// quotes and tables render readably.
func TestHTMLToTextStructure(t *testing.T) {
	in := `<html><head><style>p{color:red}</style><title>T</title></head><body>
<h1>Title</h1><p>Hello <b>there</b>,<br>second line</p>
<ul><li>one</li><li>two</li></ul><ol><li>a</li><li>b</li></ol>
<p>See <a href="https://example.com/x">our site</a> or <a href="https://x.y">https://x.y</a></p>
<blockquote>quoted<br>text</blockquote>
<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>
<div>end&nbsp;here</div><script>alert(1)</script></body></html>`
	want := "Title\n\nHello there,\nsecond line\n\n- one\n- two\n\n1. a\n2. b\n\nSee our site <https://example.com/x> or https://x.y\n\n> quoted\n> text\n\na  b\nc  d\n\nend here"
	if got := HTMLToText(in); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestHTMLToTextDeep checks nesting too deep for the HTML tree builder
// still yields the text, and deep quotes do not blow up the output.
func TestHTMLToTextDeep(t *testing.T) {
	got := HTMLToText(strings.Repeat("<div>a", 2000))
	if strings.Count(got, "a") != 2000 {
		t.Errorf("deep divs: %d a's", strings.Count(got, "a"))
	}
	got = HTMLToText(strings.Repeat("<blockquote>q", 300))
	if strings.Count(got, "q") != 300 || len(got) > 300*50 {
		t.Errorf("deep quotes: %d q's in %d bytes", strings.Count(got, "q"), len(got))
	}
}
