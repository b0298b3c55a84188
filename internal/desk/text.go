package desk

import "strings"

// Clip cuts s to at most n bytes without splitting a character, so a
// stored error or excerpt stays valid UTF-8 (PostgreSQL refuses anything
// else).
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
