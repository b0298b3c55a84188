package classify

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// phrases is a list of lower-case phrases matched by substring, which is
// much faster than one large case-insensitive regular expression.
type phrases []string

// in reports whether low (already lower-cased) contains any phrase.
func (ps phrases) in(low string) bool {
	for _, p := range ps {
		if strings.Contains(low, p) {
			return true
		}
	}
	return false
}

// inWord reports whether low contains a phrase that starts at a word
// boundary (so "tls" does not match inside another word).
func (ps phrases) inWord(low string) bool {
	for _, p := range ps {
		if containsWordStart(low, p) {
			return true
		}
	}
	return false
}

func containsWordStart(s, sub string) bool {
	for off := 0; ; {
		i := strings.Index(s[off:], sub)
		if i < 0 {
			return false
		}
		i += off
		if i == 0 {
			return true
		}
		r, _ := utf8.DecodeLastRuneInString(s[:i])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return true
		}
		off = i + 1
	}
}

// lowerASCII lower-cases ASCII letters only, keeping byte offsets valid.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
