package mail

import (
	"encoding/base64"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// charsetAliases maps labels seen in real mail that the WHATWG and IANA
// indexes do not know to a label they do.
var charsetAliases = map[string]string{
	"ansi_x3.4-1968":    "us-ascii",
	"ascii":             "us-ascii",
	"us_ascii":          "us-ascii",
	"x-unknown":         "",
	"unknown-8bit":      "",
	"default":           "",
	"x-user-defined":    "windows-1252",
	"latin1":            "iso-8859-1",
	"latin-1":           "iso-8859-1",
	"latin2":            "iso-8859-2",
	"latin-2":           "iso-8859-2",
	"cp1250":            "windows-1250",
	"cp1251":            "windows-1251",
	"cp1252":            "windows-1252",
	"cp1257":            "windows-1257",
	"cp850":             "ibm850",
	"cp852":             "ibm852",
	"cp866":             "ibm866",
	"gb-18030":          "gb18030",
	"gb_2312-80":        "gbk",
	"euc_kr":            "euc-kr",
	"ks_c_5601":         "euc-kr",
	"shift-jis":         "shift_jis",
	"sjis":              "shift_jis",
	"x-sjis":            "shift_jis",
	"iso-8859-8-i":      "iso-8859-8",
	"x-mac-roman":       "macintosh",
	"utf8":              "utf-8",
	"x-utf8":            "utf-8",
	"unicode-1-1-utf-7": "utf-7",
	"utf7":              "utf-7",
	"x-utf7":            "utf-7",
}

// cleanCharset normalises a charset label: lower case, no quotes or
// stray parameters (charset="charset=utf-8" happens).
func cleanCharset(label string) string {
	l := strings.ToLower(strings.TrimSpace(label))
	l = strings.Trim(l, "\"' ")
	if i := strings.LastIndexByte(l, '='); i >= 0 {
		l = l[i+1:]
	}
	if i := strings.IndexAny(l, " ;\t"); i >= 0 {
		l = l[:i]
	}
	l = strings.Trim(l, "\"' ")
	if a, ok := charsetAliases[l]; ok {
		return a
	}
	return l
}

// lookupCharset returns the decoder for a (clean) label, or nil.
func lookupCharset(l string) encoding.Encoding {
	if l == "" {
		return nil
	}
	if e, err := htmlindex.Get(l); err == nil {
		return e
	}
	if e, err := ianaindex.MIME.Encoding(l); err == nil && e != nil {
		return e
	}
	if e, err := ianaindex.IANA.Encoding(l); err == nil && e != nil {
		return e
	}
	if strings.HasPrefix(l, "x-") {
		return lookupCharset(l[2:])
	}
	return nil
}

// isASCII reports whether b has no byte above 0x7f.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// decodeCharset converts b from the declared charset to UTF-8. An
// unknown, missing or wrong label falls back to detection: UTF-8 when the
// bytes are valid UTF-8, else the detected 8-bit charset, else
// windows-1252. It never fails; the second result tells whether the
// declared label was not used.
func decodeCharset(label string, b []byte) (string, bool) {
	l := cleanCharset(label)
	switch l {
	case "us-ascii", "", "utf-8":
		if isASCII(b) || utf8.Valid(b) {
			return string(b), false
		}
		if l == "utf-8" && hasUTF8Sequence(b) {
			// UTF-8 with a few broken bytes, not another charset
			return strings.ToValidUTF8(string(b), "\uFFFD"), false
		}
		return detect8bit(b), l != ""
	case "utf-7":
		return decodeUTF7(b), false
	}
	enc := lookupCharset(l)
	if enc == nil {
		if utf8.Valid(b) {
			return string(b), true
		}
		return detect8bit(b), true
	}
	if isASCII(b) && !strings.Contains(l, "2022") && !strings.HasPrefix(l, "utf-16") && !strings.HasPrefix(l, "hz") {
		return string(b), false
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return detect8bit(b), true
	}
	return string(out), false
}

// detect8bit guesses the charset of unlabelled 8-bit text.
func detect8bit(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	sample := b
	if len(sample) > 32<<10 {
		sample = sample[:32<<10]
	}
	if len(sample) >= 32 {
		if r, ok := bestCharset(sample); ok && r.Confidence >= 40 {
			l := cleanCharset(r.Charset)
			if l != "utf-8" && l != "us-ascii" && l != "" {
				if enc := lookupCharset(l); enc != nil {
					if out, err := enc.NewDecoder().Bytes(b); err == nil {
						return string(out)
					}
				}
			}
		}
	}
	out, _ := charmap.Windows1252.NewDecoder().Bytes(b)
	return string(out)
}

// bestCharset is chardet's most confident guess, ties broken by name so
// that the same bytes always decode the same way (DetectBest picks among
// equally confident guesses in no fixed order, which made the same message
// parse differently from one run to the next).
func bestCharset(b []byte) (chardet.Result, bool) {
	all, err := chardet.NewTextDetector().DetectAll(b)
	if err != nil || len(all) == 0 {
		return chardet.Result{}, false
	}
	best := all[0]
	for _, r := range all[1:] {
		if r.Confidence > best.Confidence || r.Confidence == best.Confidence && r.Charset+r.Language < best.Charset+best.Language {
			best = r
		}
	}
	return best, true
}

// decodeUTF7 decodes RFC 2152 UTF-7 leniently: bad shift sequences are
// copied through instead of failing.
func decodeUTF7(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '+' {
			if c < 0x80 {
				sb.WriteByte(c)
			} else {
				sb.WriteRune(utf8.RuneError)
			}
			continue
		}
		j := i + 1
		for j < len(b) && isB64(b[j]) {
			j++
		}
		if j == i+1 { // "+-" is a literal plus; a lone + is kept
			sb.WriteByte('+')
			if j < len(b) && b[j] == '-' {
				i = j
			}
			continue
		}
		run := string(b[i+1 : j])
		if len(run)%4 == 1 {
			run = run[:len(run)-1]
		}
		raw, _ := base64.RawStdEncoding.DecodeString(run)
		units := make([]uint16, 0, len(raw)/2)
		for k := 0; k+1 < len(raw); k += 2 {
			units = append(units, uint16(raw[k])<<8|uint16(raw[k+1]))
		}
		sb.WriteString(string(utf16.Decode(units)))
		if j < len(b) && b[j] == '-' {
			j++
		}
		i = j - 1
	}
	return sb.String()
}

// isB64 reports whether c is in the standard base64 alphabet.
func isB64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}

// hasUTF8Sequence reports whether b contains at least one valid
// multi-byte UTF-8 sequence, which text in an 8-bit charset rarely has.
func hasUTF8Sequence(b []byte) bool {
	for i := 0; i < len(b); {
		if b[i] < 0x80 {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError && n > 1 {
			return true
		}
		i += n
	}
	return false
}
