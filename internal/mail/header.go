package mail

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// unfold joins folded header lines and collapses the folding whitespace
// into one space.
func unfold(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\r' && c != '\n' {
			sb.WriteByte(c)
			continue
		}
		j := i
		for j < len(s) && (s[j] == '\r' || s[j] == '\n' || s[j] == ' ' || s[j] == '\t') {
			j++
		}
		str := sb.String()
		if str != "" && str[len(str)-1] != ' ' && str[len(str)-1] != '\t' {
			sb.WriteByte(' ')
		}
		i = j - 1
	}
	return sb.String()
}

// decodeHeaderText decodes an unstructured header value: unfolds it,
// converts unlabelled 8-bit bytes and decodes RFC 2047 encoded words,
// leniently (adjacent words of one charset are joined before charset
// decoding, so characters split across words survive).
func decodeHeaderText(s string) string {
	s = strings.TrimSpace(unfold(s))
	if !utf8.ValidString(s) {
		s = detect8bit([]byte(s))
	}
	if !strings.Contains(s, "=?") {
		return s
	}
	var (
		out      strings.Builder
		pendCS   string
		pend     []byte
		havePend bool
	)
	flush := func() {
		if havePend {
			t, _ := decodeCharset(pendCS, pend)
			out.WriteString(t)
			pend, havePend = nil, false
		}
	}
	i := 0
	for i < len(s) {
		if strings.HasPrefix(s[i:], "=?") {
			if cs, raw, n, ok := encodedWord(s[i:]); ok {
				if havePend && cs != pendCS {
					flush()
				}
				if !havePend {
					pendCS, havePend = cs, true
				}
				pend = append(pend, raw...)
				i += n
				continue
			}
		}
		// literal run up to the next "=?" candidate
		j := strings.Index(s[i+1:], "=?")
		if j < 0 {
			j = len(s)
		} else {
			j += i + 1
		}
		lit := s[i:j]
		if havePend && strings.TrimSpace(lit) == "" && j < len(s) {
			if _, _, _, ok := encodedWord(s[j:]); ok {
				i = j // whitespace between encoded words is dropped
				continue
			}
		}
		flush()
		out.WriteString(lit)
		i = j
	}
	flush()
	return out.String()
}

// encodedWord parses one RFC 2047 word at the start of s, returning its
// charset, decoded bytes and length. Whitespace inside the encoded text
// (from bad folding) is ignored.
func encodedWord(s string) (charset string, raw []byte, n int, ok bool) {
	if !strings.HasPrefix(s, "=?") {
		return "", nil, 0, false
	}
	q1 := strings.IndexByte(s[2:], '?')
	if q1 < 1 || q1 > 64 {
		return "", nil, 0, false
	}
	q1 += 2
	charset = s[2:q1]
	if strings.ContainsAny(charset, " \t\"") {
		return "", nil, 0, false
	}
	if k := strings.IndexByte(charset, '*'); k >= 0 { // RFC 2231 language
		charset = charset[:k]
	}
	if len(s) < q1+3 || s[q1+2] != '?' {
		return "", nil, 0, false
	}
	enc := s[q1+1] | 0x20
	if enc != 'b' && enc != 'q' {
		return "", nil, 0, false
	}
	end := strings.Index(s[q1+3:], "?=")
	if end < 0 {
		return "", nil, 0, false
	}
	text := s[q1+3 : q1+3+end]
	n = q1 + 3 + end + 2
	if enc == 'b' {
		raw = decodeBase64Lenient([]byte(text))
	} else {
		raw = decodeQWord(text)
	}
	return charset, raw, n, true
}

// decodeQWord decodes RFC 2047 "Q" text.
func decodeQWord(t string) []byte {
	out := make([]byte, 0, len(t))
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(t) && isHex(t[i+1]) && isHex(t[i+2]):
			out = append(out, unhex(t[i+1])<<4|unhex(t[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

// decodeBase64Lenient decodes base64 ignoring anything outside the
// alphabet and broken or missing padding.
func decodeBase64Lenient(b []byte) []byte {
	out := make([]byte, 0, len(b)*3/4)
	var q [4]byte
	nq := 0
	for _, c := range b {
		switch {
		case isB64(c):
			q[nq] = c
			nq++
			if nq == 4 {
				d, _ := base64.RawStdEncoding.DecodeString(string(q[:]))
				out = append(out, d...)
				nq = 0
			}
		case c == '=': // padding ends a quantum; data may follow
			if nq >= 2 {
				d, _ := base64.RawStdEncoding.DecodeString(string(q[:nq]))
				out = append(out, d...)
			}
			nq = 0
		}
	}
	if nq >= 2 {
		d, _ := base64.RawStdEncoding.DecodeString(string(q[:nq]))
		out = append(out, d...)
	}
	return out
}

// isHex reports whether c is a hexadecimal digit.
func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// unhex returns the value of hexadecimal digit c.
func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// parseIDs returns the message ids of a Message-ID, In-Reply-To or
// References value, without angle brackets. Values without brackets are
// split on whitespace.
func parseIDs(v string) []string {
	v = unfold(v)
	var ids []string
	if strings.Contains(v, "<") {
		for {
			i := strings.IndexByte(v, '<')
			if i < 0 {
				break
			}
			j := strings.IndexByte(v[i:], '>')
			if j < 0 {
				if id := strings.TrimSpace(v[i+1:]); id != "" {
					ids = append(ids, id)
				}
				break
			}
			if id := strings.TrimSpace(v[i+1 : i+j]); id != "" {
				ids = append(ids, id)
			}
			v = v[i+j+1:]
		}
		return ids
	}
	for _, f := range strings.Fields(v) {
		f = strings.Trim(f, "<>,;")
		if f != "" && strings.Contains(f, "@") || len(strings.Fields(v)) == 1 && f != "" {
			ids = append(ids, f)
		}
	}
	return ids
}
