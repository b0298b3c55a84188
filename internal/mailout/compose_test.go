package mailout

import (
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"
)

func TestReplySubject(t *testing.T) {
	for _, c := range []struct {
		in    string
		reply bool
		want  string
	}{
		{"Printer", true, "Re: Printer [#42]"},
		{"Re: Printer", true, "Re: Printer [#42]"},
		{"RE: Re: AW: Printer [#42]", true, "Re: Printer [#42]"},
		{"Printer [#42] again [#42]", true, "Re: Printer again [#42]"},
		{"Printer [#7]", true, "Re: Printer [#42]"},
		{"Printer", false, "Printer [#42]"},
		{"", true, "Re: [#42]"},
		{"Reading list", true, "Re: Reading list [#42]"},
	} {
		if got := replySubject(c.in, 42, c.reply); got != c.want {
			t.Errorf("replySubject(%q, %v) = %q, want %q", c.in, c.reply, got, c.want)
		}
	}
}

func TestReferencesCap(t *testing.T) {
	var ids []string
	for i := range 30 {
		ids = append(ids, fmt.Sprintf("m%d@x", i))
	}
	ids = append(ids, "m29@x", "")
	got := references(ids)
	if len(got) != 21 || got[0] != "m0@x" || got[1] != "m10@x" || got[20] != "m29@x" {
		t.Fatalf("references = %v", got)
	}
}

func TestTextToHTML(t *testing.T) {
	got := textToHTML("Hi <b>&\n\nsee https://x.example/a?b=1&c=2.\nbye")
	want := "<p>Hi &lt;b&gt;&amp;</p>\n<p>see <a href=\"https://x.example/a?b=1&amp;c=2\">https://x.example/a?b=1&amp;c=2</a>.<br>\nbye</p>\n"
	if got != want {
		t.Errorf("textToHTML = %q, want %q", got, want)
	}
}

// TestLongHeadersFold: a long non-ASCII subject and many references stay
// within 78 characters a line and decode back.
func TestLongHeadersFold(t *testing.T) {
	subject := strings.Repeat("Čćžšđ ", 30) + "kraj"
	var refs []string
	for i := range 25 {
		refs = append(refs, fmt.Sprintf("sb.1.%d.0123456789abcdef@acme.example", i))
	}
	d := draft{
		From: mail.Address{Name: "Željka Horvat (Acme Support)", Address: "support@acme.example"},
		To:   mail.Address{Name: "Jana", Address: "jana@customer.example"}, Subject: subject,
		Date: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), MessageID: "sb.1.2.00@acme.example", InReplyTo: refs[24],
		References: refs, Text: strings.Repeat("a long line of text ", 40), TicketNum: 1,
		Files: []part{{Filename: strings.Repeat("dugačko ime datoteke ", 5) + ".txt", ContentType: "text/plain; charset=utf-8", Data: []byte("x")}},
	}
	raw, err := d.build()
	must(t, err)
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d is %d characters: %q", i, len(line), line)
		}
	}
	p := parse(t, raw)
	if s, err := new(mime.WordDecoder).DecodeHeader(p.Header.Get("Subject")); err != nil || s != subject {
		t.Errorf("subject decodes to %q, %v", s, err)
	}
	if n := len(strings.Fields(p.Header.Get("References"))); n != 21 {
		t.Errorf("%d references", n)
	}
	if _, ok := p.Files[d.Files[0].Filename]; !ok {
		t.Errorf("file name did not round-trip: %v", p.Files)
	}
	if strings.Contains(string(raw), "\n") && strings.Count(string(raw), "\n") != strings.Count(string(raw), "\r\n") {
		t.Error("bare LF in the message")
	}
}

func TestBackoff(t *testing.T) {
	for n, base := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 6: 32 * time.Minute, 7: time.Hour, 10: time.Hour} {
		for range 20 {
			if d := backoff(n); d < base || d > base+base/5 {
				t.Errorf("backoff(%d) = %v, want %v..%v", n, d, base, base+base/5)
			}
		}
	}
}

// FuzzBuild: whatever the subject, names and text, the message parses
// back with the same subject, names and text, and no line is too long.
func FuzzBuild(f *testing.F) {
	f.Add("Printer", "Željka Horvat (Acme)", "Jana \"J\" Šimić", "Hello\n\nhttps://x.example/?a=1&b=<2>")
	f.Add("=?utf-8?q?x?= \r\nBcc: evil@example.com", "a\r\nb", "", "line\r\n.\r\nend")
	f.Fuzz(func(t *testing.T, subject, fromName, toName, text string) {
		subject, fromName, toName = validUTF8(subject), validUTF8(fromName), validUTF8(toName)
		text = validUTF8(text)
		d := draft{
			From: mail.Address{Name: fromName, Address: "support@acme.example"}, To: mail.Address{Name: toName, Address: "jana@customer.example"},
			Subject: subject, Date: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), MessageID: "sb.1.2.00@acme.example", TicketNum: 1, Text: text,
		}
		raw, err := d.build()
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(raw), "\r\n") {
			if len(line) > 998 {
				t.Fatalf("line of %d characters", len(line))
			}
		}
		p := parse(t, raw)
		if len(p.Header["Bcc"]) > 0 || len(p.Header["Subject"]) != 1 {
			t.Fatalf("header injection: %v", p.Header)
		}
		if s := p.decoded(t, "Subject"); strings.TrimSpace(s) != strings.TrimSpace(oneLine(subject)) {
			t.Fatalf("subject %q decodes to %q", subject, s)
		}
		from, err := p.Header.AddressList("From")
		if err != nil || len(from) != 1 || from[0].Address != "support@acme.example" {
			t.Fatalf("From %q: %v %v", p.Header.Get("From"), from, err)
		}
		if strings.TrimSpace(fromName) != "" && from[0].Name != fromName && from[0].Name != oneLine(fromName) {
			t.Fatalf("From name %q decodes to %q", fromName, from[0].Name)
		}
		want := strings.TrimRight(normalizeNewlines(text), " \t\n")
		got := strings.ReplaceAll(p.Text, "\r\n", "\n")
		if !strings.HasPrefix(got, want) {
			t.Fatalf("text %q came back as %q", want, got)
		}
	})
}
