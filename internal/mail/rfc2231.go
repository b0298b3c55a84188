package mail

import (
	"sort"
	"strconv"
	"strings"
)

// extSection is one piece of an RFC 2231 parameter: name*N[*]=value.
type extSection struct {
	index    int
	extended bool
	value    string
}

// splitExtended removes the RFC 2231 parameters (name*=..., name*0=...,
// name*0*=...) from a Content-Type or Content-Disposition value and
// returns the rest, plus the decoded values of those parameters. Unlike
// the standard library it decodes any charset (ISO-8859-x, windows-125x
// and others), and accepts quoted extended values.
func splitExtended(v string) (string, map[string]string) {
	if !strings.Contains(v, "*") {
		return v, nil
	}
	params := splitParams(v)
	if len(params) < 2 {
		return v, nil
	}
	keep := []string{params[0]}
	sections := map[string][]extSection{}
	for _, p := range params[1:] {
		k, val, ok := strings.Cut(p, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		star := strings.IndexByte(k, '*')
		if !ok || star <= 0 {
			keep = append(keep, p)
			continue
		}
		name, rest := k[:star], k[star+1:]
		s := extSection{}
		if strings.HasSuffix(rest, "*") {
			s.extended = true
			rest = strings.TrimSuffix(rest, "*")
		} else if rest == "" {
			s.extended = true // name*=value
		}
		if rest != "" {
			n, err := strconv.Atoi(rest)
			if err != nil || n < 0 || n > 999 {
				continue // malformed section: dropped
			}
			s.index = n
		}
		s.value = unquote(strings.TrimSpace(val))
		sections[name] = append(sections[name], s)
	}
	if len(sections) == 0 {
		return v, nil
	}
	out := map[string]string{}
	for name, ss := range sections {
		sort.SliceStable(ss, func(i, j int) bool { return ss[i].index < ss[j].index })
		var raw []byte
		charset := ""
		for i, s := range ss {
			val := s.value
			if s.extended && i == 0 {
				if p := strings.SplitN(val, "'", 3); len(p) == 3 {
					charset, val = p[0], p[2]
				}
			}
			if s.extended {
				raw = append(raw, percentDecode(val)...)
			} else {
				raw = append(raw, val...)
			}
		}
		out[name], _ = decodeCharset(charset, raw)
	}
	return strings.Join(keep, ";"), out
}

// splitParams splits a header value on ";" outside quoted strings.
func splitParams(v string) []string {
	var out []string
	inQuote, start := false, 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '"':
			inQuote = !inQuote
		case ';':
			if !inQuote {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	out = append(out, v[start:])
	for i := len(out) - 1; i > 0; i-- {
		if strings.TrimSpace(out[i]) == "" {
			out = append(out[:i], out[i+1:]...)
		}
	}
	return out
}

// unquote removes surrounding double quotes and backslash escapes.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' {
		return s
	}
	q, _ := readQuoted(s)
	return q
}

// percentDecode decodes %XX escapes, keeping malformed ones as they are.
func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}
