package classify

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"os"
	"regexp"
	"strings"
	"testing"
)

// splitMessage separates a raw message into a lenient header and its body.
func splitMessage(raw []byte) (textproto.MIMEHeader, []byte) {
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	h := textproto.MIMEHeader{}
	var key string
	rest := raw
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		var line []byte
		if i < 0 {
			line, rest = rest, nil
		} else {
			line, rest = rest[:i], rest[i+1:]
		}
		if len(bytes.TrimSpace(line)) == 0 {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && key != "" {
			v := h[key]
			v[len(v)-1] += " " + strings.TrimSpace(string(line))
			continue
		}
		k, v, ok := strings.Cut(string(line), ":")
		if !ok || strings.ContainsAny(k, " \t") {
			if strings.HasPrefix(string(line), "From ") {
				continue // mbox separator
			}
			continue
		}
		key = textproto.CanonicalMIMEHeaderKey(k)
		h[key] = append(h[key], strings.TrimSpace(v))
	}
	return h, rest
}

var reBoundary = regexp.MustCompile(`(?i)boundary\s*=\s*"?([^";\s]+)"?`)

// loadParts reads an .eml file into the header and Parts Classify takes.
func loadParts(t testing.TB, path string) (textproto.MIMEHeader, Parts) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return partsOf(raw)
}

func partsOf(raw []byte) (textproto.MIMEHeader, Parts) {
	h, body := splitMessage(raw)
	p := Parts{ContentType: h.Get("Content-Type")}
	var html string
	collect(h, body, &p, &html, 0)
	if strings.TrimSpace(p.Text) == "" && html != "" {
		p.Text = stripTags(html)
	}
	return h, p
}

func decodeBody(h textproto.MIMEHeader, body []byte) []byte {
	var r io.Reader = bytes.NewReader(body)
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		clean := bytes.Map(func(c rune) rune {
			if c == '\n' || c == '\r' || c == ' ' || c == '\t' {
				return -1
			}
			return c
		}, body)
		r = base64.NewDecoder(base64.StdEncoding, bytes.NewReader(bytes.TrimRight(clean, "=")))
		b, _ := io.ReadAll(base64.NewDecoder(base64.RawStdEncoding, bytes.NewReader(bytes.TrimRight(clean, "="))))
		return b
	}
	b, err := io.ReadAll(r)
	if err != nil && len(b) == 0 {
		return body
	}
	return b
}

func collect(h textproto.MIMEHeader, body []byte, p *Parts, html *string, depth int) {
	ct := h.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
		params = map[string]string{}
		if m := reBoundary.FindStringSubmatch(ct); m != nil {
			params["boundary"] = m[1]
		}
	}
	if mt == "" {
		mt = "text/plain"
	}
	switch {
	case strings.HasPrefix(mt, "multipart/") && depth < 10:
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		n := 0
		for {
			part, err := mr.NextRawPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(part)
			collect(textproto.MIMEHeader(part.Header), b, p, html, depth+1)
			n++
		}
		if n == 0 {
			p.Text += string(body)
		}
	case mt == "message/delivery-status" || mt == "message/global-delivery-status":
		p.DeliveryStatus += string(decodeBody(h, body)) + "\n"
	case mt == "message/feedback-report":
		p.FeedbackReport += string(decodeBody(h, body))
	case mt == "message/rfc822" || mt == "text/rfc822-headers" || mt == "message/global" || mt == "message/global-headers" || mt == "message/partial":
		if p.Original == "" {
			p.Original = string(decodeBody(h, body))
		}
	case mt == "text/plain" || mt == "text":
		if h.Get("Content-Disposition") == "" || !strings.HasPrefix(strings.ToLower(h.Get("Content-Disposition")), "attachment") || depth == 0 {
			p.Text += string(decodeBody(h, body)) + "\n"
		}
	case mt == "text/html":
		*html += string(decodeBody(h, body))
	}
}

var reTag = regexp.MustCompile(`(?s)<(?:style|script)[^>]*>.*?</(?:style|script)>|<br\s*/?>|</?(?:p|div|tr|li|table)[^>]*>|<[^>]+>`)

func stripTags(s string) string {
	s = reTag.ReplaceAllStringFunc(s, func(m string) string {
		lm := strings.ToLower(m)
		if strings.HasPrefix(lm, "<br") || strings.HasPrefix(lm, "<p") || strings.HasPrefix(lm, "</p") || strings.HasPrefix(lm, "<div") || strings.HasPrefix(lm, "</div") || strings.HasPrefix(lm, "<tr") || strings.HasPrefix(lm, "<li") {
			return "\n"
		}
		return ""
	})
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&nbsp;", " ", "&quot;", "\"").Replace(s)
}
