package mail

import (
	"bytes"
	"strings"

	"github.com/jhillyerd/enmime"
)

// countDelimiters counts the lines of data that delimit a part of one of
// the multipart boundaries the message declares, in one pass, and the
// multipart declarations.
func countDelimiters(data []byte) (delims, multiparts int) {
	lower := bytes.ToLower(data)
	multiparts = bytes.Count(lower, []byte("multipart/"))
	bounds := map[string]bool{}
	for i := 0; ; {
		j := bytes.Index(lower[i:], []byte("boundary"))
		if j < 0 {
			break
		}
		i += j + len("boundary")
		k := i
		for k < len(data) && (data[k] == ' ' || data[k] == '\t') {
			k++
		}
		if k >= len(data) || data[k] != '=' {
			continue
		}
		k++
		for k < len(data) && (data[k] == ' ' || data[k] == '\t' || data[k] == '"') {
			k++
		}
		end := k
		for end < len(data) && data[end] != '"' && data[end] != ';' && data[end] != '\r' && data[end] != '\n' {
			end++
		}
		bounds[strings.TrimSpace(string(data[k:end]))] = true
		i = end
	}
	if len(bounds) == 0 {
		return 0, multiparts
	}
	for i := 0; i < len(data); {
		j := bytes.Index(data[i:], []byte("\n--"))
		if j < 0 {
			break
		}
		i += j + 3
		end := bytes.IndexByte(data[i:], '\n')
		if end < 0 {
			end = len(data) - i
		}
		line := strings.TrimSuffix(strings.TrimRight(string(data[i:i+end]), " \t\r"), "--")
		if bounds[line] {
			delims++
		}
	}
	return delims, multiparts
}

// fallbackRoot re-reads a message whose header block enmime rejected:
// the header lines that parse are kept, the rest is the body.
func fallbackRoot(ep *enmime.Parser, data []byte) (*enmime.Part, error) {
	end := bytes.Index(data, []byte("\n\n"))
	if e2 := bytes.Index(data, []byte("\r\n\r\n")); e2 >= 0 && (end < 0 || e2 < end) {
		end = e2
	}
	var hdr bytes.Buffer
	body := data
	if end >= 0 {
		for _, line := range strings.Split(string(data[:end]), "\n") {
			line = strings.TrimRight(line, "\r")
			if line == "" {
				continue
			}
			if line[0] == ' ' || line[0] == '\t' {
				if hdr.Len() > 0 {
					hdr.WriteString(line + "\r\n")
				}
				continue
			}
			k, _, ok := strings.Cut(line, ":")
			if !ok || k == "" || strings.ContainsAny(k, " \t") || strings.EqualFold(k, "content-type") {
				continue
			}
			hdr.WriteString(line + "\r\n")
		}
		body = bytes.TrimLeft(data[end:], "\r\n")
	}
	hdr.WriteString("Content-Type: text/plain\r\n\r\n")
	hdr.Write(body)
	return ep.ReadParts(&hdr)
}

// stripEnvelope drops what MTAs and mbox files put before the header: an
// mbox "From " line and leading blank lines.
func stripEnvelope(data []byte) []byte {
	data = bytes.TrimLeft(data, "\r\n")
	if bytes.HasPrefix(data, []byte("From ")) {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return data
}

// trimDelimiter removes a last "--boundary" line left at the end of a
// part's content when the message was cut before its closing delimiter.
func trimDelimiter(b []byte, boundary string) []byte {
	t := bytes.TrimRight(b, " \t\r\n")
	d := []byte("--" + boundary)
	t = bytes.TrimSuffix(t, []byte("--"))
	if !bytes.HasSuffix(t, d) {
		return b
	}
	t = t[:len(t)-len(d)]
	if len(t) > 0 && t[len(t)-1] != '\n' {
		return b
	}
	return t
}
