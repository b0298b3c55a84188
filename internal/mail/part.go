package mail

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime"
	"github.com/jhillyerd/enmime/mediatype"
)

// missingSemicolonRE finds a parameter following the media type without
// the ";" ("multipart/mixed boundary=x", seen after bad folding).
var missingSemicolonRE = regexp.MustCompile(`^(\s*[\w.+-]+/[\w.+-]+)\s+([\w-]+\*?[0-9]*\*?\s*=)`)

// typeSpaceRE finds white space around the "/" of a media type.
var typeSpaceRE = regexp.MustCompile(`^\s*([^\s/;()]+)\s*/\s*([^\s/;()]+)`)

// parseMediaType is enmime's tolerant media type parser (RFC 2231
// parameters included), also accepting comments and spaces in the type,
// a missing ";" before the first parameter and quoted extended values.
func parseMediaType(ctype string) (string, map[string]string, []string, error) {
	ctype = unfold(ctype)
	head, rest, _ := strings.Cut(ctype, ";")
	if strings.Contains(head, "(") {
		head, _ = stripComments(head)
		ctype = head
		if rest != "" {
			ctype += ";" + rest
		}
	}
	ctype = typeSpaceRE.ReplaceAllString(ctype, "$1/$2")
	ctype = missingSemicolonRE.ReplaceAllString(ctype, "$1; $2")
	ctype, ext := splitExtended(ctype)
	mt, params, invalid, err := mediatype.Parse(ctype)
	if err == nil && len(ext) > 0 {
		if params == nil {
			params = map[string]string{}
		}
		for k, v := range ext {
			params[k] = v
		}
	}
	return mt, params, invalid, err
}

// filename returns the decoded file name of a part, from
// Content-Disposition or else Content-Type.
func filename(part *enmime.Part) string {
	for _, h := range []struct{ field, param string }{
		{"Content-Disposition", "filename"}, {"Content-Type", "name"}, {"Content-Disposition", "name"},
	} {
		v := part.Header.Get(h.field)
		if v == "" {
			continue
		}
		if _, params, _, err := parseMediaType(v); err == nil && params[h.param] != "" {
			return decodeHeaderText(params[h.param])
		}
	}
	return decodeHeaderText(part.FileName)
}

// contentType returns the lower-case media type of a part, text/plain
// when absent.
func contentType(part *enmime.Part) string {
	ct := strings.ToLower(strings.TrimSpace(part.ContentType))
	if ct == "" || !strings.Contains(ct, "/") {
		if part.Parent != nil && strings.EqualFold(part.Parent.ContentType, "multipart/digest") {
			return "message/rfc822"
		}
		return "text/plain"
	}
	return ct
}

// isInlineMedia reports whether ct is shown inline by mail clients.
func isInlineMedia(ct string) bool {
	return strings.HasPrefix(ct, "image/") || strings.HasPrefix(ct, "audio/") || strings.HasPrefix(ct, "video/")
}

// sanitizeFilename keeps the last path element and drops control
// characters, so a filename can never name a path.
func sanitizeFilename(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	s = s[strings.LastIndexAny(s, `/\`)+1:]
	s = strings.TrimSpace(s)
	if s == "." || s == ".." {
		return ""
	}
	return s
}

// paramOf returns a Content-Type parameter of a part.
func paramOf(part *enmime.Part, name string) string {
	_, params, _, err := parseMediaType(part.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return params[name]
}

// embeddedName names an attached message after its subject.
func embeddedName(b []byte) string {
	end := bytes.Index(b, []byte("\n\n"))
	if e := bytes.Index(b, []byte("\r\n\r\n")); e >= 0 && (end < 0 || e < end) {
		end = e
	}
	if end < 0 {
		end = min(len(b), 16<<10)
	}
	hdr := strings.ReplaceAll(string(b[:end]), "\r\n", "\n")
	lines := strings.Split(hdr, "\n")
	for i, l := range lines {
		if len(l) < 8 || !strings.EqualFold(l[:8], "subject:") {
			continue
		}
		v := l[8:]
		for _, c := range lines[i+1:] {
			if c == "" || (c[0] != ' ' && c[0] != '\t') {
				break
			}
			v += "\n" + c
		}
		name := sanitizeFilename(decodeHeaderText(v))
		if len([]rune(name)) > 100 {
			name = string([]rune(name)[:100])
		}
		if name != "" {
			return name + ".eml"
		}
	}
	return "message.eml"
}
