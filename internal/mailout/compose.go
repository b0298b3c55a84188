package mailout

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxReferences caps the References header: the first id plus the last
// maxReferences-1 (RFC 5322 suggests trimming long chains this way).
const maxReferences = 21

// part is one attachment of an outgoing email.
type part struct {
	Filename    string
	ContentType string
	Data        []byte
	Inline      bool
	ContentID   string
}

// draft is everything an outgoing email is built from.
type draft struct {
	From       mail.Address
	To         mail.Address
	Subject    string
	Date       time.Time
	MessageID  string   // without angle brackets
	InReplyTo  string   // without angle brackets; "" for none
	References []string // without angle brackets, oldest first
	Text       string
	HTML       string // "" renders Text as HTML
	Footer     footer
	Auto       bool // Auto-Submitted: auto-replied (acknowledgements)
	TicketNum  int64
	Files      []part
}

// footer is the ticket reference shown under every email.
type footer struct {
	Ticket int64
	URL    string // "" for no link
}

// newMessageID returns sb.<ticket>.<message>.<16 hex>@domain.
func newMessageID(ticketNum, messageID int64, domain string) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("mailout: random message id: %w", err)
	}
	if domain == "" {
		domain = "switchboard.invalid"
	}
	return fmt.Sprintf("sb.%d.%d.%s@%s", ticketNum, messageID, hex.EncodeToString(b[:]), domain), nil
}

// domainOf returns the part of an address after the last @.
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

var (
	replyPrefix = regexp.MustCompile(`(?i)^\s*((re|aw|sv|odg|fw|fwd)\s*(\[\d+\])?\s*:\s*)+`)
	ticketToken = regexp.MustCompile(`\s*\[#\d+\]`)
)

// replySubject returns "Re: <subject> [#<number>]" without stacking "Re:"
// prefixes or ticket tokens; reply false leaves out the "Re: ".
func replySubject(subject string, number int64, reply bool) string {
	s := ticketToken.ReplaceAllString(subject, "")
	s = strings.TrimSpace(replyPrefix.ReplaceAllString(s, ""))
	tok := "[#" + strconv.FormatInt(number, 10) + "]"
	if s == "" {
		s = tok
	} else {
		s += " " + tok
	}
	if reply {
		return "Re: " + s
	}
	return s
}

// references returns the References ids: the first plus the last
// maxReferences-1, without duplicates.
func references(ids []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if len(out) > maxReferences {
		out = append(out[:1:1], out[len(out)-(maxReferences-1):]...)
	}
	return out
}

// build renders the complete RFC 5322 message with CRLF line endings.
func (d draft) build() ([]byte, error) {
	var buf bytes.Buffer
	h := func(name, value string) { writeHeader(&buf, name, value) }
	h("From", formatAddress(d.From))
	h("To", formatAddress(d.To))
	h("Date", d.Date.Format(time.RFC1123Z))
	h("Subject", encodeWords(d.Subject))
	h("Message-ID", "<"+d.MessageID+">")
	if d.InReplyTo != "" {
		h("In-Reply-To", "<"+d.InReplyTo+">")
	}
	if refs := references(d.References); len(refs) > 0 {
		h("References", "<"+strings.Join(refs, "> <")+">")
	}
	if d.Auto {
		h("Auto-Submitted", "auto-replied")
		h("X-Auto-Response-Suppress", "All")
	}
	h("X-Switchboard-Ticket", strconv.FormatInt(d.TicketNum, 10))
	h("MIME-Version", "1.0")

	var body bytes.Buffer
	var ctype string
	if len(d.Files) == 0 {
		mw, err := newWriter(&body)
		if err != nil {
			return nil, err
		}
		if err := d.writeAlternative(mw); err != nil {
			return nil, err
		}
		ctype = mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()})
	} else {
		mixed, err := newWriter(&body)
		if err != nil {
			return nil, err
		}
		boundary, err := newBoundary()
		if err != nil {
			return nil, err
		}
		w, err := mixed.CreatePart(textproto.MIMEHeader{"Content-Type": {
			mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": boundary})}})
		if err != nil {
			return nil, fmt.Errorf("mailout: build message: %w", err)
		}
		alt := multipart.NewWriter(w)
		if err := alt.SetBoundary(boundary); err != nil {
			return nil, fmt.Errorf("mailout: build message: %w", err)
		}
		if err := d.writeAlternative(alt); err != nil {
			return nil, err
		}
		for _, f := range d.Files {
			if err := writeAttachment(mixed, f); err != nil {
				return nil, err
			}
		}
		if err := mixed.Close(); err != nil {
			return nil, fmt.Errorf("mailout: build message: %w", err)
		}
		ctype = mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mixed.Boundary()})
	}
	h("Content-Type", ctype)
	buf.WriteString("\r\n")
	buf.Write(body.Bytes())
	return buf.Bytes(), nil
}

// newBoundary returns a random boundary short enough that part headers
// stay within 78 characters.
func newBoundary() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("mailout: random boundary: %w", err)
	}
	return "sb-" + hex.EncodeToString(b[:]), nil
}

func newWriter(w io.Writer) (*multipart.Writer, error) {
	boundary, err := newBoundary()
	if err != nil {
		return nil, err
	}
	mw := multipart.NewWriter(w)
	if err := mw.SetBoundary(boundary); err != nil {
		return nil, fmt.Errorf("mailout: build message: %w", err)
	}
	return mw, nil
}

// writeAlternative writes the text and HTML parts and closes mw.
func (d draft) writeAlternative(mw *multipart.Writer) error {
	text := strings.TrimRight(normalizeNewlines(d.Text), " \t\n") + "\n\n-- \n" + d.Footer.text() + "\n"
	htmlBody := d.HTML
	if strings.TrimSpace(htmlBody) == "" {
		htmlBody = textToHTML(d.Text)
	}
	page := `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>` + "\n" + htmlBody + "\n" + d.Footer.html() + "\n</body></html>\n"
	for _, p := range []struct{ ctype, body string }{{"text/plain", text}, {"text/html", page}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {mime.FormatMediaType(p.ctype, map[string]string{"charset": "utf-8"})},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return fmt.Errorf("mailout: build message: %w", err)
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(p.body)); err != nil {
			return fmt.Errorf("mailout: build message: %w", err)
		}
		if err := qp.Close(); err != nil {
			return fmt.Errorf("mailout: build message: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return fmt.Errorf("mailout: build message: %w", err)
	}
	return nil
}

// writeAttachment adds one file, base64 in 76-character lines, its name
// encoded per RFC 2231 (Content-Disposition) and RFC 2047 (the legacy
// Content-Type name parameter) when not ASCII.
func writeAttachment(mw *multipart.Writer, f part) error {
	ctype := "application/octet-stream"
	if mt, params, err := mime.ParseMediaType(f.ContentType); err == nil && strings.Contains(mt, "/") && !strings.HasPrefix(mt, "multipart/") {
		delete(params, "name")
		ctype = mime.FormatMediaType(mt, params)
	}
	name := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, f.Filename)
	if name == "" {
		name = "attachment"
	}
	if enc := mime.QEncoding.Encode("utf-8", name); len(enc) <= 60 {
		if mt, params, err := mime.ParseMediaType(ctype); err == nil {
			params["name"] = enc // legacy clients read the name here
			ctype = mime.FormatMediaType(mt, params)
		}
	}
	disp := "attachment"
	hdr := textproto.MIMEHeader{"Content-Type": {ctype}, "Content-Transfer-Encoding": {"base64"}}
	if f.Inline && f.ContentID != "" {
		disp = "inline"
		hdr.Set("Content-ID", "<"+strings.Trim(f.ContentID, "<>")+">")
	}
	hdr.Set("Content-Disposition", dispositionValue(disp, name))
	w, err := mw.CreatePart(hdr)
	if err != nil {
		return fmt.Errorf("mailout: attach %q: %w", f.Filename, err)
	}
	enc := base64.StdEncoding.EncodeToString(f.Data)
	for len(enc) > 76 {
		if _, err := w.Write([]byte(enc[:76] + "\r\n")); err != nil {
			return fmt.Errorf("mailout: attach %q: %w", f.Filename, err)
		}
		enc = enc[76:]
	}
	if _, err := w.Write([]byte(enc + "\r\n")); err != nil {
		return fmt.Errorf("mailout: attach %q: %w", f.Filename, err)
	}
	return nil
}

// writeHeader writes "Name: value" folded at spaces so lines stay within
// 78 characters where the value allows it.
func writeHeader(buf *bytes.Buffer, name, value string) {
	value = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, value)
	line := name + ":"
	for i, word := range strings.Split(value, " ") {
		if i > 0 && word == "" {
			line += " "
			continue
		}
		if len(line)+1+len(word) > 78 && strings.TrimSpace(line) != name+":" {
			buf.WriteString(line + "\r\n")
			line = ""
		}
		line += " " + word
	}
	buf.WriteString(line + "\r\n")
}

// maxWord is the longest encoded-word written, so that a header name and
// one word fit in 78 characters.
const maxWord = 60

// encodeWords returns s as is when it is printable ASCII, else as RFC 2047
// Q-encoded words short enough to fold between. Only the characters RFC
// 2047 allows in a phrase stay literal, so the words are safe in display
// names too.
func encodeWords(s string) string {
	s = oneLine(s)
	if isPrintableASCII(s) && !strings.Contains(s, "=?") {
		return s
	}
	var words []string
	var cur strings.Builder
	for _, r := range s {
		var piece string
		switch {
		case r == ' ':
			piece = "_"
		case r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!*+-/", r)):
			piece = string(r)
		default:
			var b strings.Builder
			for _, c := range []byte(string(r)) {
				fmt.Fprintf(&b, "=%02X", c)
			}
			piece = b.String()
		}
		if cur.Len() > 0 && len("=?utf-8?q?")+cur.Len()+len(piece)+len("?=") > maxWord {
			words = append(words, "=?utf-8?q?"+cur.String()+"?=")
			cur.Reset()
		}
		cur.WriteString(piece)
	}
	words = append(words, "=?utf-8?q?"+cur.String()+"?=")
	return strings.Join(words, " ")
}

// normalizeNewlines turns CRLF and bare CR into LF (the QP writer makes
// CRLF of every LF).
func normalizeNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// oneLine turns line breaks and tabs into spaces: header text is one line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\t' {
			return ' '
		}
		return r
	}, s)
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// formatAddress is mail.Address.String with names encoded in words that
// fold.
func formatAddress(a mail.Address) string {
	a.Name = oneLine(a.Name)
	if a.Name == "" || isPrintableASCII(a.Name) && !strings.Contains(a.Name, "=?") {
		return a.String()
	}
	return encodeWords(a.Name) + " <" + a.Address + ">"
}

// dispositionValue returns the Content-Disposition value with the file
// name, in RFC 2231 continuations (folded) when it is long or not ASCII.
func dispositionValue(disp, name string) string {
	if v := mime.FormatMediaType(disp, map[string]string{"filename": name}); len(v) <= 50 && isPrintableASCII(name) {
		return v
	}
	const attrChar = "!#$&+-.^_`|~"
	var enc strings.Builder
	var segs []string
	for _, b := range []byte(name) {
		var piece string
		if b < 0x80 && (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte(attrChar, b) >= 0) {
			piece = string(b)
		} else {
			piece = fmt.Sprintf("%%%02X", b)
		}
		if enc.Len()+len(piece) > 50 {
			segs = append(segs, enc.String())
			enc.Reset()
		}
		enc.WriteString(piece)
	}
	segs = append(segs, enc.String())
	var b strings.Builder
	b.WriteString(disp + ";")
	for i, seg := range segs {
		if i == 0 {
			seg = "utf-8''" + seg
		}
		fmt.Fprintf(&b, "\r\n filename*%d*=%s", i, seg)
		if i < len(segs)-1 {
			b.WriteString(";")
		}
	}
	return b.String()
}

func (f footer) text() string {
	s := "Ticket #" + strconv.FormatInt(f.Ticket, 10)
	if f.URL != "" {
		s += " · " + f.URL
	}
	return s
}

func (f footer) html() string {
	s := `<p style="font-size:12px;color:#888888;margin-top:24px">Ticket #` + strconv.FormatInt(f.Ticket, 10)
	if f.URL != "" {
		u := html.EscapeString(f.URL)
		s += ` · <a href="` + u + `" style="color:#888888">` + u + `</a>`
	}
	return s + "</p>"
}

var paraRE = regexp.MustCompile(`\n\s*\n`)

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+[^\s<>".,;:!?)\]']`)

// textToHTML renders plain text as HTML paragraphs with line breaks and
// clickable links.
func textToHTML(text string) string {
	text = normalizeNewlines(strings.TrimSpace(text))
	var b strings.Builder
	for _, para := range paraRE.Split(text, -1) {
		if strings.TrimSpace(para) == "" {
			continue
		}
		b.WriteString("<p>")
		for i, line := range strings.Split(para, "\n") {
			if i > 0 {
				b.WriteString("<br>\n")
			}
			b.WriteString(linkify(line))
		}
		b.WriteString("</p>\n")
	}
	return b.String()
}

func linkify(line string) string {
	var b strings.Builder
	last := 0
	for _, m := range linkRE.FindAllStringIndex(line, -1) {
		b.WriteString(html.EscapeString(line[last:m[0]]))
		u := html.EscapeString(line[m[0]:m[1]])
		b.WriteString(`<a href="` + u + `">` + u + `</a>`)
		last = m[1]
	}
	b.WriteString(html.EscapeString(line[last:]))
	return b.String()
}

// validUTF8 replaces invalid bytes so headers and parts stay well formed.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
