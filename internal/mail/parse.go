package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"net/textproto"
	"regexp"
	"strings"
	"time"

	"github.com/jhillyerd/enmime"
)

// Default limits used when an Options field is zero.
const (
	DefaultMaxSize           = 50 << 20
	DefaultMaxParts          = 500
	DefaultMaxDepth          = 20
	DefaultMaxAttachmentSize = 25 << 20
)

// Errors returned by Parse when a limit refuses the message outright.
var (
	ErrTooLarge     = errors.New("mail: message exceeds the maximum size")
	ErrTooManyParts = errors.New("mail: message has too many MIME parts")
)

// Options control Parse. The zero value is ready to use.
type Options struct {
	// MaxSize is the largest message accepted, in bytes; larger ones fail
	// with ErrTooLarge. Zero means DefaultMaxSize.
	MaxSize int64
	// MaxParts caps the number of leaf MIME parts kept; further parts are
	// dropped and the Message is marked Truncated. A message with more
	// than 2*MaxParts multipart declarations or 10*MaxParts part
	// delimiters fails with ErrTooManyParts before it is parsed (this
	// bounds time and stack). Zero means DefaultMaxParts.
	MaxParts int
	// MaxDepth caps multipart nesting; deeper parts are dropped and the
	// Message is marked Truncated. Zero means DefaultMaxDepth.
	MaxDepth int
	// MaxAttachmentSize is the largest attachment whose bytes are kept in
	// Attachment.Data; larger ones are listed with Skipped set. Zero means
	// DefaultMaxAttachmentSize.
	MaxAttachmentSize int64
	// AllowRemoteImages keeps <img> elements with http(s) sources in the
	// sanitized HTML. Off by default: remote images are tracking pixels.
	AllowRemoteImages bool
	// Classify, when set, is called last to fill ReplyText, Kind and
	// Bounce (reply stripping and bounce/auto-reply detection live in
	// other packages). Without it ReplyText is Text and Kind is KindNormal.
	Classify func(*Message)
}

func (o Options) withDefaults() Options {
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.MaxParts <= 0 {
		o.MaxParts = DefaultMaxParts
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxAttachmentSize <= 0 {
		o.MaxAttachmentSize = DefaultMaxAttachmentSize
	}
	return o
}

// Parse reads one RFC 5322 message from r. Malformed mail is parsed as
// well as it can be, with Message.Warnings saying what was wrong; an error
// is returned only when a limit refuses the message or nothing could be
// read.
func Parse(r io.Reader, opts Options) (m *Message, err error) {
	opts = opts.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, opts.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("mail: read message: %w", err)
	}
	if int64(len(data)) > opts.MaxSize {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, opts.MaxSize)
	}
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("mail: parse: internal error: %v", r)
		}
	}()
	return parseBytes(data, opts)
}

// parser holds the state of one Parse call.
type parser struct {
	opts   Options
	msg    *Message
	leaves int
	text   []*enmime.Part // text_body in JMAP terms
	html   []*enmime.Part // html_body in JMAP terms
	atts   []*enmime.Part
	cache  map[*enmime.Part][]byte
}

// parseBytes is Parse on the message read into memory.
func parseBytes(data []byte, opts Options) (*Message, error) {
	data = stripEnvelope(data)
	// enmime recurses once per nested multipart and appends each part by
	// walking its siblings (quadratic): bound both before parsing.
	delims, multiparts := countDelimiters(data)
	if multiparts > opts.MaxParts*2 {
		return nil, fmt.Errorf("%w (%d multipart declarations)", ErrTooManyParts, multiparts)
	}
	if delims > opts.MaxParts*10 {
		return nil, fmt.Errorf("%w (%d part delimiters)", ErrTooManyParts, delims)
	}
	ep := enmime.NewParser(
		enmime.RawContent(true),
		enmime.SkipMalformedParts(true),
		enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.MaxStoredPartErrors(20),
		enmime.SetCustomParseMediaType(parseMediaType),
	)
	root, err := ep.ReadParts(bytes.NewReader(data))
	if err != nil {
		// The header block itself is broken; keep what reads as a body.
		root, err = fallbackRoot(ep, data)
		if err != nil {
			return nil, fmt.Errorf("mail: parse: %w", err)
		}
	}
	p := &parser{opts: opts, msg: &Message{}, cache: map[*enmime.Part][]byte{}}
	p.headers(root)
	textBody, htmlBody := []*enmime.Part{}, []*enmime.Part{}
	p.structure([]*enmime.Part{root}, "mixed", false, &textBody, &htmlBody, 0)
	p.text, p.html = textBody, htmlBody
	p.collectWarnings(root)
	p.bodies()
	p.attachments()
	m := p.msg
	m.scrub()
	m.ReplyText = m.Text
	m.Kind = KindNormal
	if opts.Classify != nil {
		opts.Classify(m)
	}
	m.normalize()
	return m, nil
}

// headers fills the envelope fields from the top-level header.
func (p *parser) headers(root *enmime.Part) {
	h := Header{}
	for k, v := range root.Header {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		h[ck] = append(h[ck], v...)
	}
	m := p.msg
	m.Header = h
	if ids := parseIDs(h.Get("Message-Id")); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	if ids := parseIDs(h.Get("In-Reply-To")); len(ids) > 0 {
		m.InReplyTo = ids[0]
	}
	m.References = parseIDs(strings.Join(h.Values("References"), " "))
	m.Subject = decodeHeaderText(h.Get("Subject"))
	if t, ok := parseDate(h.Get("Date")); ok {
		m.Date = t.UTC().Format(time.RFC3339)
	}
	if from := parseAddressList(h.Get("From")); len(from) > 0 {
		m.From = from[0]
	} else if sender := parseAddressList(h.Get("Sender")); len(sender) > 0 {
		m.From = sender[0]
	}
	m.To = parseAddressList(strings.Join(h.Values("To"), ", "))
	m.Cc = parseAddressList(strings.Join(h.Values("Cc"), ", "))
	m.ReplyTo = parseAddressList(strings.Join(h.Values("Reply-To"), ", "))
}

// collectWarnings copies enmime's per-part errors into Message.Warnings.
func (p *parser) collectWarnings(part *enmime.Part) {
	for ; part != nil; part = part.NextSibling {
		for _, e := range part.Errors {
			if len(p.msg.Warnings) < 50 {
				p.msg.Warnings = append(p.msg.Warnings, fmt.Sprintf("part %s: %s", part.PartID, e.Error()))
			}
		}
		p.collectWarnings(part.FirstChild)
	}
}

// children returns the child parts of a multipart.
func (p *parser) children(part *enmime.Part) []*enmime.Part {
	var out []*enmime.Part
	for c := part.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, c)
	}
	return out
}

// structure chooses body parts and attachments as JMAP (RFC 8621,
// section 4.1.4) does, which is also what mail clients show.
func (p *parser) structure(parts []*enmime.Part, multiType string, inAlt bool, textBody, htmlBody *[]*enmime.Part, depth int) {
	textLen, htmlLen := -1, -1
	if *textBody != nil {
		textLen = len(*textBody)
	}
	if *htmlBody != nil {
		htmlLen = len(*htmlBody)
	}
	for i, part := range parts {
		ct := contentType(part)
		if part.FirstChild != nil || (strings.HasPrefix(ct, "multipart/") && part.Boundary != "") {
			if depth >= p.opts.MaxDepth {
				p.truncate(fmt.Sprintf("part %s: nesting deeper than %d dropped", part.PartID, p.opts.MaxDepth))
				continue
			}
			sub := strings.TrimPrefix(ct, "multipart/")
			if !strings.HasPrefix(ct, "multipart/") {
				sub = "mixed"
			}
			p.structure(p.children(part), sub, inAlt || sub == "alternative", textBody, htmlBody, depth+1)
			continue
		}
		if len(part.Header) == 0 && len(bytes.TrimSpace(part.Content)) == 0 {
			continue // nothing at all, e.g. after a dangling last delimiter
		}
		p.leaves++
		if p.leaves > p.opts.MaxParts {
			p.truncate(fmt.Sprintf("more than %d parts: the rest dropped", p.opts.MaxParts))
			return
		}
		disp := strings.ToLower(part.Disposition)
		isText := ct == "text/plain" || ct == "text/html"
		inline := disp != "attachment" && (isText || isInlineMedia(ct)) &&
			(i == 0 || (multiType != "related" && (isInlineMedia(ct) || part.FileName == "")))
		if !inline {
			p.atts = append(p.atts, part)
			continue
		}
		if multiType == "alternative" {
			switch ct {
			case "text/plain":
				if *textBody != nil {
					*textBody = append(*textBody, part)
				}
			case "text/html":
				if *htmlBody != nil {
					*htmlBody = append(*htmlBody, part)
				}
			default:
				p.atts = append(p.atts, part)
			}
			continue
		} else if inAlt {
			if ct == "text/plain" {
				htmlBody = new([]*enmime.Part) // nil: stop collecting HTML here
			}
			if ct == "text/html" {
				textBody = new([]*enmime.Part)
			}
		}
		if *textBody != nil {
			*textBody = append(*textBody, part)
		}
		if *htmlBody != nil {
			*htmlBody = append(*htmlBody, part)
		}
		if isInlineMedia(ct) {
			// JMAP lists inline media as attachments only when a body
			// lacks them; we always do, so that cid: images get stored.
			p.atts = append(p.atts, part)
		}
	}
	if multiType == "alternative" && *textBody != nil && *htmlBody != nil {
		if textLen == len(*textBody) && htmlLen != len(*htmlBody) {
			*textBody = append(*textBody, (*htmlBody)[max(htmlLen, 0):]...)
		}
		if htmlLen == len(*htmlBody) && textLen != len(*textBody) {
			*htmlBody = append(*htmlBody, (*textBody)[max(textLen, 0):]...)
		}
	}
}

// truncate records that a limit cut the message.
func (p *parser) truncate(warning string) {
	p.msg.Truncated = true
	p.msg.Warnings = append(p.msg.Warnings, warning)
}

// raw returns a part's content with its transfer encoding undone.
func (p *parser) raw(part *enmime.Part) []byte {
	if b, ok := p.cache[part]; ok {
		return b
	}
	content := part.Content
	if part.Parent != nil && part.Parent.Boundary != "" {
		content = trimDelimiter(content, part.Parent.Boundary)
	}
	b := decodeTransfer(part.Header.Get("Content-Transfer-Encoding"), content)
	p.cache[part] = b
	return b
}

// textOf returns a text part's content as UTF-8.
func (p *parser) textOf(part *enmime.Part) string {
	b := p.raw(part)
	cs := part.Charset
	if cs == "" && contentType(part) == "text/html" {
		cs = htmlMetaCharset(b)
	}
	s, fellBack := decodeCharset(cs, b)
	if fellBack {
		p.msg.Warnings = append(p.msg.Warnings, fmt.Sprintf("part %s: charset %q not usable, detected instead", part.PartID, cs))
	}
	return strings.ReplaceAll(s, "\r\n", "\n")
}

var metaCharsetRE = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)`)

// htmlMetaCharset finds the charset an HTML document declares for itself.
func htmlMetaCharset(b []byte) string {
	head := b
	if len(head) > 4096 {
		head = head[:4096]
	}
	if m := metaCharsetRE.FindSubmatch(head); m != nil {
		return string(m[1])
	}
	return ""
}

// bodies builds Text, UnsafeHTML and HTML from the chosen parts.
func (p *parser) bodies() {
	var text []string
	for _, part := range p.text {
		switch contentType(part) {
		case "text/plain":
			s := p.textOf(part)
			p.msg.textParts = append(p.msg.textParts, bodyPart{content: s})
			if strings.EqualFold(paramOf(part, "format"), "flowed") {
				s = unflow(s, strings.EqualFold(paramOf(part, "delsp"), "yes"))
			}
			text = append(text, trimLines(s))
		case "text/html":
			s := p.textOf(part)
			p.msg.textParts = append(p.msg.textParts, bodyPart{html: true, content: s})
			text = append(text, HTMLToText(s))
		default:
			p.msg.textParts = append(p.msg.textParts, bodyPart{media: true})
		}
	}
	p.msg.Text = strings.TrimSpace(strings.Join(nonEmpty(text), "\n\n"))
	var h []string
	hasHTML := false
	for _, part := range p.html {
		switch contentType(part) {
		case "text/html":
			hasHTML = true
			s := p.textOf(part)
			p.msg.htmlParts = append(p.msg.htmlParts, bodyPart{html: true, content: s})
			h = append(h, s)
		case "text/plain":
			s := p.textOf(part)
			p.msg.htmlParts = append(p.msg.htmlParts, bodyPart{content: s})
			h = append(h, "<div>"+strings.ReplaceAll(html.EscapeString(s), "\n", "<br>\n")+"</div>")
		default:
			p.msg.htmlParts = append(p.msg.htmlParts, bodyPart{media: true})
			if part.ContentID != "" && strings.HasPrefix(contentType(part), "image/") {
				h = append(h, `<img src="cid:`+html.EscapeString(part.ContentID)+`">`)
			}
		}
	}
	if hasHTML {
		p.msg.UnsafeHTML = strings.Join(h, "\n")
		p.msg.HTML, p.msg.RemoteImagesBlocked = SanitizeHTML(p.msg.UnsafeHTML, p.opts.AllowRemoteImages)
		if p.msg.Text == "" { // an empty text alternative: read the HTML
			p.msg.Text = HTMLToText(p.msg.UnsafeHTML)
		}
	}
}

// nonEmpty drops blank strings.
func nonEmpty(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// attachments fills Message.Attachments from the non-body parts.
func (p *parser) attachments() {
	for _, part := range p.atts {
		b := p.raw(part)
		sum := sha256.Sum256(b)
		ct := contentType(part)
		a := Attachment{
			Filename:    sanitizeFilename(filename(part)),
			ContentType: ct,
			Size:        int64(len(b)),
			SHA256:      hex.EncodeToString(sum[:]),
			ContentID:   strings.Trim(strings.TrimSpace(part.ContentID), "<>"),
			Data:        b,
			charset:     part.Charset,
		}
		if a.Filename == "" && (ct == "message/rfc822" || ct == "message/global") {
			a.Filename = embeddedName(b)
		}
		a.Inline = strings.EqualFold(part.Disposition, "inline") && isInlineMedia(ct) ||
			a.ContentID != "" && strings.Contains(p.msg.UnsafeHTML, "cid:"+a.ContentID)
		if a.Size > p.opts.MaxAttachmentSize {
			a.Data, a.Skipped = nil, true
			p.truncate(fmt.Sprintf("attachment %q: %d bytes over the %d limit, content not kept", a.Filename, a.Size, p.opts.MaxAttachmentSize))
		}
		p.msg.Attachments = append(p.msg.Attachments, a)
	}
}
