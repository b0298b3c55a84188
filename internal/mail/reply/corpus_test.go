package reply

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"switchboard/internal/mail/mailtest"
	"testing"
)

// bodies returns the decoded text/plain and text/html bodies of an .eml file.
func bodies(t testing.TB, path string) (text, html string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	walkPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &text, &html)
	return text, html
}

func walkPart(ctype, cte string, r io.Reader, text, html *string) {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil || ctype == "" {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			walkPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, text, html)
		}
	}
	var body io.Reader = r
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(r)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, newlineStripper{r})
	}
	b, _ := io.ReadAll(body)
	switch mt {
	case "text/plain":
		if *text == "" {
			*text = string(b)
		}
	case "text/html":
		if *html == "" {
			*html = string(b)
		}
	}
}

type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	j := 0
	for _, c := range p[:k] {
		if c != '\n' && c != '\r' {
			p[j] = c
			j++
		}
	}
	return j, err
}

// squash removes all whitespace, for whitespace-insensitive comparison.
func squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// scoreReport logs and enforces a pass rate.
func scoreReport(t *testing.T, name string, pass, total int, min float64) {
	t.Helper()
	rate := 100 * float64(pass) / float64(max(total, 1))
	t.Logf("%s: %d/%d = %.1f%% (threshold %.1f%%)", name, pass, total, rate, min)
	if rate < min {
		t.Errorf("%s: pass rate %.1f%% below threshold %.1f%%", name, rate, min)
	}
}

func TestStandardReplies(t *testing.T) {
	dir := filepath.Join(mailtest.Corpus(t), "talon", "tests", "fixtures", "standard_replies")
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	var passText, passHTML, totalHTML int
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".eml")
		want := "Hello"
		if b, err := os.ReadFile(filepath.Join(dir, name+"_reply_text")); err == nil {
			want = string(b)
		}
		text, html := bodies(t, f)
		r := StripText(text)
		got := r.Visible + "\n" + r.Signature
		if squash(got) == squash(want) {
			passText++
		} else {
			t.Logf("text %s: got visible %q signature %q, want %q", name, r.Visible, r.Signature, want)
		}
		if html != "" {
			totalHTML++
			h := StripHTML(html)
			if squash(h.Visible+h.Signature) == squash(want) {
				passHTML++
			} else {
				t.Logf("html %s: got visible %q signature %q, want %q", name, h.Visible, h.Signature, want)
			}
		}
	}
	scoreReport(t, "standard_replies text/plain (visible+signature)", passText, len(files), 100)
	scoreReport(t, "standard_replies text/html (visible+signature)", passHTML, totalHTML, 85.7)
}

func TestHTMLReplies(t *testing.T) {
	dir := filepath.Join(mailtest.Corpus(t), "talon", "tests", "fixtures", "html_replies")
	files, _ := filepath.Glob(filepath.Join(dir, "*.html"))
	want := squash("Hi. I am fine.\n\nThanks,\nAlex")
	pass := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r := StripHTML(string(b))
		if squash(r.Visible) == want {
			pass++
		} else {
			t.Logf("%s: got visible %q signature %q", filepath.Base(f), r.Visible, r.Signature)
		}
	}
	scoreReport(t, "html_replies (visible)", pass, len(files), 100)
}

func TestSignatureFixtures(t *testing.T) {
	dir := filepath.Join(mailtest.Corpus(t), "talon", "tests", "fixtures", "signature", "emails", "stripped")
	files, _ := filepath.Glob(filepath.Join(dir, "*_body"))
	pass := 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), "_body")
		body, _ := os.ReadFile(f)
		wantB, err := os.ReadFile(filepath.Join(dir, name+"_signature"))
		if err != nil {
			continue
		}
		clean := func(s string) string { return strings.ReplaceAll(s, "#sig#", "") }
		r := StripText(clean(string(body)))
		if squash(r.Signature) == squash(clean(string(wantB))) {
			pass++
		} else {
			t.Logf("%s: got signature %q want %q", name, r.Signature, clean(string(wantB)))
		}
	}
	scoreReport(t, "signature/stripped (signature)", pass, len(files), 83.3)
}

// TestSignatureMarked scores the talon signature/emails/P files, whose
// signature lines are marked "#sig#" (and quoted lines "#reply#").
func TestSignatureMarked(t *testing.T) {
	dir := filepath.Join(mailtest.Corpus(t), "talon", "tests", "fixtures", "signature", "emails", "P")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	pass, total := 0, 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || !strings.Contains(string(b), "#sig#") {
			continue
		}
		total++
		body := string(b)
		// Some files start with the message's own header; drop it.
		if h, rest, ok := strings.Cut(body, "\n\n"); ok && strings.HasPrefix(h, "From: ") {
			body = rest
		}
		var in, want []string
		for _, l := range strings.Split(body, "\n") {
			if rest, ok := strings.CutPrefix(l, "#sig#"); ok {
				want = append(want, rest)
				l = rest
			}
			in = append(in, strings.TrimPrefix(l, "#reply#"))
		}
		r := StripText(strings.Join(in, "\n"))
		if squash(r.Signature) == squash(strings.Join(want, "\n")) {
			pass++
		} else {
			t.Logf("%s: got signature %q want %q", filepath.Base(f), r.Signature, strings.Join(want, "\n"))
		}
	}
	scoreReport(t, "signature/P #sig# (signature)", pass, total, 100)
}

// TestLooseFixtures covers the two talon fixtures outside the folders: the
// quotation must go and some text must stay.
func TestLooseFixtures(t *testing.T) {
	dir := filepath.Join(mailtest.Corpus(t), "talon", "tests", "fixtures")
	text, html := bodies(t, filepath.Join(dir, "reply-quotations-share-block.eml"))
	for name, r := range map[string]Result{"share-block text": StripText(text), "share-block html": StripHTML(html)} {
		if !strings.HasPrefix(r.Visible, "Hi Katharine") || strings.Contains(r.Visible, "From:") || strings.Contains(r.Visible, "wrote:") {
			t.Errorf("%s: visible %q", name, r.Visible)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "reply-separated-by-hr.html"))
	if err != nil {
		t.Fatal(err)
	}
	if r := StripHTML(string(b)); squash(r.Visible) != "HithereBob" || !strings.Contains(r.Quoted, "From:") {
		t.Errorf("separated-by-hr: %+v", r)
	}
}
