package mail

import (
	"strings"
	"testing"
)

// TestTransferDecoding covers broken base64 and quoted-printable.
func TestTransferDecoding(t *testing.T) {
	cases := []struct{ cte, in, want string }{
		{"base64", "aGVsbG8gd29ybGQ=", "hello world"},
		{"base64", "aGVsbG8gd29ybGQ", "hello world"},                  // no padding
		{"base64", "aGVs\r\nbG8g\r\nd29y\r\nbGQ=\r\n", "hello world"}, // lines
		{"base64", "aGVsbG8=d29ybGQ=", "hellowor" + "ld"},             // concatenated encodings
		{"base64", "aGVs bG8*gd29y!bGQ", "hello world"},               // garbage characters
		{"base64", "aGVsbG8gd29ybGQ===", "hello world"},               // extra padding
		{"base64", "aGVsbG8gd29ybGQx", "hello world1"[:12]},           // truncated quantum
		{"BASE64", "aGk=", "hi"},
		{"quoted-printable", "caf=C3=A9 =\r\nsoft", "café soft"},
		{"quoted-printable", "caf=c3=a9", "café"},              // lower-case hex
		{"quoted-printable", "a = b =ZZ", "a = b =ZZ"},         // bad escapes kept
		{"quoted-printable", "line  \r\nnext", "line\r\nnext"}, // trailing space dropped
		{"quoted-printable", "soft= \t\nbreak", "softbreak"},   // soft break with trailing space
		{"quoted-printable", "end=", "end"},
		{"7bit", "plain=41", "plain=41"},
		{"x-unknown", "raw", "raw"},
	}
	for _, c := range cases {
		if got := string(decodeTransfer(c.cte, []byte(c.in))); got != c.want {
			t.Errorf("%s %q: got %q, want %q", c.cte, c.in, got, c.want)
		}
	}
}

// TestEightBitHeaders parses a message whose headers carry raw Latin-1
// and UTF-8 and encoded words split inside a character.
func TestEightBitHeaders(t *testing.T) {
	raw := "From: J\xfcrgen M\xfcller <jm@example.com>\r\n" +
		"To: =?UTF-8?Q?Ana_=C5?= =?UTF-8?Q?=A0imi=C4=87?= <ana@example.com>, \"Ελένη\" <e@example.gr>\r\n" +
		"Cc: undisclosed-recipients:;\r\n" +
		"Subject: Gr\xfc\xdfe\r\n" +
		"Message-ID: <abc@example.com>\r\nIn-Reply-To: <x@y> <z@w>\r\nReferences: <r1@x>\r\n <r2@x>\r\n" +
		"Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n\r\nbody"
	m, err := Parse(strings.NewReader(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.From != (Address{"Jürgen Müller", "jm@example.com"}) {
		t.Errorf("from %+v", m.From)
	}
	if len(m.To) != 2 || m.To[0] != (Address{"Ana Šimić", "ana@example.com"}) || m.To[1].Name != "Ελένη" {
		t.Errorf("to %+v", m.To)
	}
	if len(m.Cc) != 0 {
		t.Errorf("cc %+v", m.Cc)
	}
	if m.Subject != "Grüße" || m.MessageID != "abc@example.com" || m.InReplyTo != "x@y" ||
		strings.Join(m.References, " ") != "r1@x r2@x" || m.Date != "2003-07-01T08:52:37Z" {
		t.Errorf("envelope %q %q %q %q %q", m.Subject, m.MessageID, m.InReplyTo, m.References, m.Date)
	}
	if m.Header.Get("message-id") != "<abc@example.com>" {
		t.Errorf("header accessor: %q", m.Header.Get("message-id"))
	}
}

// TestScrubControls checks NUL and other control characters never leave
// the parser (PostgreSQL text cannot hold NUL).
func TestScrubControls(t *testing.T) {
	raw := "Subject: a\x00b\x07c\r\nFrom: \"N\x01ame\" <a@b.c>\r\n\r\nbody\x00with\x1bcontrols\r\nline\ttab"
	m, err := Parse(strings.NewReader(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "abc" || m.From.Name != "Name" || m.Text != "bodywithcontrols\nline\ttab" {
		t.Errorf("%q %q %q", m.Subject, m.From.Name, m.Text)
	}
}
