package mail

import (
	"bytes"
	"strings"
)

// decodeTransfer undoes a Content-Transfer-Encoding leniently: broken
// base64 padding, stray characters and bad quoted-printable escapes are
// tolerated rather than failing the part.
func decodeTransfer(cte string, b []byte) []byte {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(cte), `"'`)) {
	case "base64":
		return decodeBase64Lenient(b)
	case "quoted-printable":
		return decodeQP(b)
	}
	return b
}

// decodeQP decodes quoted-printable: "=XX" escapes (either case), soft
// line breaks (also with trailing spaces before the line end), and a lone
// "=" kept as itself. Trailing whitespace on lines is removed.
func decodeQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		line := b
		nl := bytes.IndexByte(b, '\n')
		if nl >= 0 {
			line, b = b[:nl], b[nl+1:]
		} else {
			b = nil
		}
		crlf := bytes.HasSuffix(line, []byte("\r"))
		line = bytes.TrimRight(line, "\r")
		hard := nl >= 0
		trimmed := bytes.TrimRight(line, " \t")
		if bytes.HasSuffix(trimmed, []byte("=")) {
			line, hard = trimmed[:len(trimmed)-1], false
		} else if hard {
			line = trimmed
		}
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c == '=' && i+2 < len(line) && isHex(line[i+1]) && isHex(line[i+2]) {
				out = append(out, unhex(line[i+1])<<4|unhex(line[i+2]))
				i += 2
				continue
			}
			out = append(out, c)
		}
		if hard && crlf {
			out = append(out, '\r', '\n')
		} else if hard {
			out = append(out, '\n')
		}
	}
	return out
}
