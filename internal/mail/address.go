package mail

import (
	"strings"
)

// addrEntry collects the pieces of one mailbox while scanning.
type addrEntry struct {
	words    []string
	comments []string
	angle    string
	hasAngle bool
}

// result turns the collected pieces into an Address; ok is false when
// nothing useful was found.
func (e *addrEntry) result() (Address, bool) {
	comment := strings.Join(e.comments, " ")
	if e.hasAngle {
		name := strings.Join(e.words, " ")
		if strings.TrimSpace(name) == "" {
			name = comment
		}
		a := Address{Name: strings.TrimSpace(decodeHeaderText(name)), Address: e.angle}
		return a, a.Address != "" || a.Name != ""
	}
	if len(e.words) == 0 {
		return Address{}, false
	}
	joined := strings.Join(e.words, "")
	if strings.Contains(joined, "@") && !strings.Contains(joined, "=?") {
		return Address{Name: strings.TrimSpace(decodeHeaderText(comment)), Address: joined}, true
	}
	if len(e.words) == 1 && comment != "" {
		return Address{Name: strings.TrimSpace(decodeHeaderText(comment)), Address: e.words[0]}, true
	}
	return Address{Name: strings.TrimSpace(decodeHeaderText(strings.Join(e.words, " "))), Address: ""}, true
}

// parseAddressList parses an address header (From, To, Cc, Reply-To...)
// tolerantly: groups are flattened, comments become names when there is
// no display name, encoded words are decoded in names (also inside quotes),
// and whatever is malformed is kept rather than rejected.
func parseAddressList(v string) []Address {
	s := unfold(v)
	var out []Address
	var e addrEntry
	end := func() {
		if a, ok := e.result(); ok {
			out = append(out, a)
		}
		e = addrEntry{}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '"':
			q, n := readQuoted(s[i:])
			e.words = append(e.words, q)
			i += n
		case c == '(':
			cm, n := readComment(s[i:])
			if cm = strings.TrimSpace(cm); cm != "" {
				e.comments = append(e.comments, cm)
			}
			i += n
		case c == '<':
			j := strings.IndexByte(s[i:], '>')
			var inner string
			if j < 0 {
				inner, i = s[i+1:], len(s)
			} else {
				inner, i = s[i+1:i+j], i+j+1
			}
			addr, cms := stripComments(inner)
			e.comments = append(e.comments, cms...)
			e.angle = strings.Join(strings.Fields(addr), "")
			e.hasAngle = true
		case c == ',' || c == ';':
			end()
			i++
		case c == ':' && !e.hasAngle && !strings.Contains(strings.Join(e.words, ""), "@"):
			e = addrEntry{} // group name: members follow
			i++
		default:
			j := i
			if strings.HasPrefix(s[i:], "=?") {
				if _, _, n, ok := encodedWord(s[i:]); ok {
					j = i + n
				}
			}
			for j < len(s) && !strings.ContainsRune(" \t\r\n\"(),;<:", rune(s[j])) {
				j++
			}
			if j == i {
				j++
			}
			e.words = append(e.words, s[i:j])
			i = j
		}
	}
	end()
	return out
}

// readQuoted reads a quoted string at the start of s, returning its
// unescaped content and the bytes consumed.
func readQuoted(s string) (string, int) {
	var sb strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				sb.WriteByte(s[i])
			}
		case '"':
			return sb.String(), i + 1
		case '\r', '\n':
		default:
			sb.WriteByte(s[i])
		}
	}
	return sb.String(), len(s)
}

// readComment reads a (possibly nested) comment at the start of s.
func readComment(s string) (string, int) {
	var sb strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) {
				i++
				sb.WriteByte(s[i])
			}
		case '(':
			if depth > 0 {
				sb.WriteByte(c)
			}
			depth++
		case ')':
			depth--
			if depth == 0 {
				return sb.String(), i + 1
			}
			sb.WriteByte(c)
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String(), len(s)
}

// stripComments removes comments from s and returns them separately.
func stripComments(s string) (string, []string) {
	if !strings.Contains(s, "(") {
		return s, nil
	}
	var sb strings.Builder
	var cms []string
	for i := 0; i < len(s); {
		if s[i] == '(' {
			cm, n := readComment(s[i:])
			if cm = strings.TrimSpace(cm); cm != "" {
				cms = append(cms, cm)
			}
			i += n
			continue
		}
		sb.WriteByte(s[i])
		i++
	}
	return sb.String(), cms
}
