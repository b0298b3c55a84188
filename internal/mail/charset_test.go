package mail

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// TestCharsetBodies encodes text in each charset, labels it, and checks
// Parse decodes body and encoded-word subject back to the same text.
func TestCharsetBodies(t *testing.T) {
	cases := []struct {
		label string
		enc   encoding.Encoding
		text  string
	}{
		{"ISO-2022-JP", japanese.ISO2022JP, "世界人権宣言 こんにちは"},
		{"Shift_JIS", japanese.ShiftJIS, "日本語のテキスト"},
		{"EUC-JP", japanese.EUCJP, "日本語のテキスト"},
		{"GB2312", simplifiedchinese.GBK, "你好，世界"},
		{"GBK", simplifiedchinese.GBK, "你好，世界"},
		{"GB18030", simplifiedchinese.GB18030, "你好，世界"},
		{"Big5", traditionalchinese.Big5, "繁體中文"},
		{"EUC-KR", korean.EUCKR, "안녕하세요"},
		{"KOI8-R", charmap.KOI8R, "Привет, мир"},
		{"windows-1251", charmap.Windows1251, "Привет, мир"},
		{"windows-1250", charmap.Windows1250, "Dobar dan, čćžšđ"},
		{"windows-1252", charmap.Windows1252, "Grüße – “quoted” €"},
		{"windows-1253", charmap.Windows1253, "Καλημέρα"},
		{"windows-1257", charmap.Windows1257, "Labas, ąčęėįšųūž"},
		{"ISO-8859-1", charmap.ISO8859_1, "Grüße aus Köln"},
		{"ISO-8859-2", charmap.ISO8859_2, "Dobrý den, čćžšđ"},
		{"ISO-8859-5", charmap.ISO8859_5, "Привет"},
		{"ISO-8859-7", charmap.ISO8859_7, "Καλημέρα"},
		{"ISO-8859-15", charmap.ISO8859_15, "Prix: 10 €"},
		{"latin2", charmap.ISO8859_2, "Žluťoučký kůň"},
	}
	for _, c := range cases {
		body, err := c.enc.NewEncoder().Bytes([]byte(c.text))
		if err != nil {
			t.Fatalf("%s: %v", c.label, err)
		}
		subj := fmt.Sprintf("=?%s?B?%s?=", c.label, b64(body))
		for _, cte := range []string{"8bit", "base64", "quoted-printable"} {
			enc := body
			switch cte {
			case "base64":
				enc = []byte(b64(body))
			case "quoted-printable":
				enc = qp(body)
			}
			raw := fmt.Sprintf("Subject: %s\r\nContent-Type: text/plain; charset=%q\r\nContent-Transfer-Encoding: %s\r\n\r\n%s", subj, c.label, cte, enc)
			m, err := Parse(strings.NewReader(raw), Options{})
			if err != nil {
				t.Fatalf("%s/%s: %v", c.label, cte, err)
			}
			if m.Text != c.text {
				t.Errorf("%s/%s: text %q, want %q", c.label, cte, m.Text, c.text)
			}
			if m.Subject != c.text {
				t.Errorf("%s/%s: subject %q, want %q", c.label, cte, m.Subject, c.text)
			}
		}
	}
}

// TestCharsetFallbacks covers unlabelled and mislabelled 8-bit text,
// UTF-7, and encoded words split inside a character.
func TestCharsetFallbacks(t *testing.T) {
	latin1, _ := charmap.Windows1252.NewEncoder().String("Schöne Grüße aus Köln, daß es läuft. Ärger über Öl und Übermut, naïve café.")
	cyr, _ := charmap.Windows1251.NewEncoder().String("Здравствуйте, у меня проблема с заказом номер 42, он не пришёл вовремя, пожалуйста помогите.")
	cases := []struct{ name, header, body, want string }{
		{"unlabelled utf-8", "Content-Type: text/plain", "Grüße – ok", "Grüße – ok"},
		{"no content-type 8-bit latin-1", "", latin1, "Schöne Grüße aus Köln, daß es läuft. Ärger über Öl und Übermut, naïve café."},
		{"us-ascii label, latin-1 bytes", "Content-Type: text/plain; charset=us-ascii", latin1, "Schöne Grüße aus Köln, daß es läuft. Ärger über Öl und Übermut, naïve café."},
		{"utf-8 label, latin-1 bytes", "Content-Type: text/plain; charset=utf-8", latin1, "Schöne Grüße aus Köln, daß es läuft. Ärger über Öl und Übermut, naïve café."},
		{"unlabelled windows-1251", "Content-Type: text/plain", cyr, "Здравствуйте, у меня проблема с заказом номер 42, он не пришёл вовремя, пожалуйста помогите."},
		{"unknown label", "Content-Type: text/plain; charset=x-no-such", "plain ascii", "plain ascii"},
		{"utf-7", "Content-Type: text/plain; charset=utf-7", "Hi Mom -+Jjo--! +ZeVnLIqe- A+ImIDkQ.", "Hi Mom -☺-! 日本語 A≢Α."},
		{"utf-7 plus", "Content-Type: text/plain; charset=UNICODE-1-1-UTF-7", "1 +- 1 = 2", "1 + 1 = 2"},
		{"charset=charset=", `Content-Type: text/plain; charset="charset=utf-8"`, "Grüße", "Grüße"},
	}
	for _, c := range cases {
		raw := c.header + "\r\n\r\n" + c.body
		if c.header == "" {
			raw = "Subject: x\r\n\r\n" + c.body
		}
		m, err := Parse(strings.NewReader(raw), Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if m.Text != c.want {
			t.Errorf("%s: got %q, want %q", c.name, m.Text, c.want)
		}
	}
	headers := []struct{ in, want string }{
		{"=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9t=C3=A9?=", "été"},
		{"=?UTF-8?B?w6nDqQ?=", "éé"},
		{"=?utf-8?B?5pel5pys?= =?utf-8?B?6Kqe?=", "日本語"},
		{"=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=", "日本語"},
		{"=?koi8-r?B?8NLJ18XU?=", "Привет"},
		{"Grüße unencoded", "Grüße unencoded"},
		{"\xc4rger latin-1 raw", "Ärger latin-1 raw"},
		{"=?utf-8?q?broken", "=?utf-8?q?broken"},
		{"=?UTF-7?Q?+ZeVnLIqe-?=", "日本語"},
	}
	for _, h := range headers {
		if got := decodeHeaderText(h.in); got != h.want {
			t.Errorf("header %q: got %q, want %q", h.in, got, h.want)
		}
	}
}

// TestLimits checks every limit of Options ends in a clear error or a
// noted truncation.
func TestLimits(t *testing.T) {
	big := "Content-Type: text/plain\r\n\r\n" + strings.Repeat("x", 2000)
	if _, err := Parse(strings.NewReader(big), Options{MaxSize: 1000}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxSize: %v", err)
	}
	att := "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(bytes.Repeat([]byte{1}, 3000)) + "\r\n--b--\r\n"
	m, err := Parse(strings.NewReader(att), Options{MaxAttachmentSize: 1000})
	if err != nil || len(m.Attachments) != 1 || !m.Attachments[0].Skipped || m.Attachments[0].Data != nil || m.Attachments[0].Size != 3000 || !m.Truncated {
		t.Errorf("MaxAttachmentSize: %v %+v", err, m)
	}
	var sb strings.Builder
	sb.WriteString("Content-Type: multipart/mixed; boundary=b\r\n\r\n")
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&sb, "--b\r\nContent-Type: application/octet-stream\r\n\r\n%d\r\n", i)
	}
	sb.WriteString("--b--\r\n")
	m, err = Parse(strings.NewReader(sb.String()), Options{MaxParts: 10})
	if err != nil || len(m.Attachments) != 10 || !m.Truncated {
		t.Errorf("MaxParts: %v %d %v", err, len(m.Attachments), m.Truncated)
	}
	m, err = Parse(strings.NewReader(nested(8)), Options{MaxDepth: 3})
	if err != nil || !m.Truncated || m.Text != "" {
		t.Errorf("MaxDepth: %v %+v", err, m)
	}
	if m, err = Parse(strings.NewReader(nested(8)), Options{}); err != nil || m.Text != "deep" {
		t.Errorf("nesting within limit: %v %q", err, m.Text)
	}
	if _, err := Parse(strings.NewReader(nested(20000)), Options{}); !errors.Is(err, ErrTooManyParts) {
		t.Errorf("deep nesting: %v", err)
	}
}

// nested builds a message with n multiparts nested inside each other.
func nested(n int) string {
	var sb strings.Builder
	sb.WriteString("Subject: deep\r\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
	}
	sb.WriteString("Content-Type: text/plain\r\n\r\ndeep\r\n")
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&sb, "--b%d--\r\n", i)
	}
	return sb.String()
}

// b64 is standard base64 with line breaks every 76 characters.
func b64(b []byte) string {
	var out strings.Builder
	s := encodeStd(b)
	for len(s) > 76 {
		out.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	out.WriteString(s)
	return out.String()
}

// qp quoted-printable-encodes every non-ASCII byte.
func qp(b []byte) []byte {
	var out bytes.Buffer
	for _, c := range b {
		if c >= 0x80 || c == '=' {
			fmt.Fprintf(&out, "=%02X", c)
		} else {
			out.WriteByte(c)
		}
	}
	return out.Bytes()
}

// encodeStd is base64.StdEncoding.EncodeToString.
func encodeStd(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// TestDetect8bitDeterministic: unlabelled 8-bit text on which the charset
// detectors tie must decode the same way every time (found by FuzzDeliver:
// the same message parsed differently between two deliveries).
func TestDetect8bitDeterministic(t *testing.T) {
	b := []byte("Hel\xf5S" + strings.Repeat("\xa1", 900) + "\x8e" + strings.Repeat("\xa1", 900))
	first := detect8bit(b)
	for i := 0; i < 100; i++ {
		if got := detect8bit(b); got != first {
			t.Fatalf("run %d decoded differently", i)
		}
	}
}
