package mail

import (
	"bytes"
	"encoding/json"
	"net/textproto"
	"strings"
)

// Message kinds reported in Message.Kind.
const (
	KindNormal    = "normal"
	KindAutoReply = "auto_reply"
	KindBounce    = "bounce"
)

// Message is one parsed email. Its JSON form is the stable contract of
// `switchboard mail parse`; fields tagged `json:"-"` are for Go callers only.
type Message struct {
	MessageID   string       `json:"message_id"`  // without angle brackets
	InReplyTo   string       `json:"in_reply_to"` // first id of In-Reply-To, without brackets
	References  []string     `json:"references"`  // ids without brackets, oldest first
	Subject     string       `json:"subject"`
	Date        string       `json:"date"` // RFC 3339 UTC, or "" when missing or unparseable
	From        Address      `json:"from"`
	To          []Address    `json:"to"`
	Cc          []Address    `json:"cc"`
	ReplyTo     []Address    `json:"reply_to"`
	Text        string       `json:"text"`       // plain text of the body (from HTML when there is no text part)
	HTML        string       `json:"html"`       // sanitized HTML, or ""
	ReplyText   string       `json:"reply_text"` // filled by Options.Classify; defaults to Text
	Attachments []Attachment `json:"attachments"`
	Kind        string       `json:"kind"` // KindNormal, KindAutoReply or KindBounce; set by Options.Classify
	Bounce      Bounce       `json:"bounce"`

	// Header is the top-level header block, values as they appear in the
	// message (unfolded, not RFC 2047-decoded). Use Message.Header.Get.
	Header Header `json:"-"`
	// UnsafeHTML is the decoded HTML body before sanitizing. Never show it
	// to a person; it is kept for classification and re-rendering.
	UnsafeHTML string `json:"-"`
	// RemoteImagesBlocked is true when the sanitizer removed images loaded
	// from remote URLs (tracking pixels and the like).
	RemoteImagesBlocked bool `json:"-"`
	// Warnings lists what was malformed, truncated or skipped while
	// parsing; the message is still usable.
	Warnings []string `json:"-"`
	// Truncated is true when a limit of Options cut parts of the message.
	Truncated bool `json:"-"`

	textParts []bodyPart // text_body in JMAP terms, in order
	htmlParts []bodyPart // html_body in JMAP terms, in order
}

// bodyPart is one leaf chosen for a body, decoded to UTF-8.
type bodyPart struct {
	html    bool   // text/html rather than text/plain
	content string // decoded UTF-8 content
	media   bool   // an inline image/audio/video, no text
}

// Address is one mailbox: a display name and an address.
type Address struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// Attachment is one non-body part of a message, or an inline image.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"` // lower-case type/subtype
	Size        int64  `json:"size"`         // decoded size in bytes
	SHA256      string `json:"sha256"`       // hex SHA-256 of the decoded bytes
	Inline      bool   `json:"inline"`       // shown in the body (Content-Disposition inline or referenced by cid)
	ContentID   string `json:"content_id"`   // without angle brackets, for cid: URLs

	// Data holds the decoded bytes; nil when Skipped.
	Data []byte `json:"-"`
	// Skipped is true when the attachment exceeded Options.MaxAttachmentSize:
	// Size and SHA256 are still those of the full content, Data is nil.
	Skipped bool `json:"-"`

	charset string // declared charset, for text attachments
}

// Bounce describes a delivery failure report. It is filled by
// Options.Classify; Parse leaves it zero.
type Bounce struct {
	Status    string `json:"status"`    // enhanced status code such as 5.1.1
	Recipient string `json:"recipient"` // the address that failed
	Hard      bool   `json:"hard"`      // a permanent failure
}

// Header is a message's raw header block, keyed by canonical field name.
type Header map[string][]string

// Get returns the first value of the named field ("" when absent), as it
// appears in the message: unfolded but not RFC 2047-decoded.
func (h Header) Get(name string) string {
	if v := h[textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(name))]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Values returns every value of the named field, in message order.
func (h Header) Values(name string) []string {
	return h[textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(name))]
}

// Decoded returns the first value of the named field with RFC 2047 encoded
// words and unlabelled 8-bit text decoded to UTF-8.
func (h Header) Decoded(name string) string {
	return decodeHeaderText(h.Get(name))
}

// JSON returns the message as the JSON document of `switchboard mail parse`.
func (m *Message) JSON() ([]byte, error) {
	return m.MarshalJSON()
}

// MarshalJSON guarantees the contract: arrays are never null. HTML
// characters are not escaped (the output is for people and scripts, and
// json.Marshal escapes them again if the caller wants that).
func (m *Message) MarshalJSON() ([]byte, error) {
	type plain Message
	c := *m
	c.normalize()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode((*plain)(&c)); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// normalize replaces nil slices so that they marshal as [].
func (m *Message) normalize() {
	if m.References == nil {
		m.References = []string{}
	}
	if m.To == nil {
		m.To = []Address{}
	}
	if m.Cc == nil {
		m.Cc = []Address{}
	}
	if m.ReplyTo == nil {
		m.ReplyTo = []Address{}
	}
	if m.Attachments == nil {
		m.Attachments = []Attachment{}
	}
	if m.Kind == "" {
		m.Kind = KindNormal
	}
}

// scrub removes control characters (NUL and the rest of C0 except tab
// and line feed, DEL, C1) from every string that leaves the parser: they
// cannot be stored in PostgreSQL text and only ever hide content.
func (m *Message) scrub() {
	for _, p := range []*string{&m.MessageID, &m.InReplyTo, &m.Subject, &m.Text, &m.HTML,
		&m.From.Name, &m.From.Address} {
		*p = scrubString(*p)
	}
	for i := range m.References {
		m.References[i] = scrubString(m.References[i])
	}
	for _, list := range [][]Address{m.To, m.Cc, m.ReplyTo} {
		for i := range list {
			list[i].Name, list[i].Address = scrubString(list[i].Name), scrubString(list[i].Address)
		}
	}
	for i := range m.Attachments {
		a := &m.Attachments[i]
		a.Filename, a.ContentType, a.ContentID = scrubString(a.Filename), scrubString(a.ContentType), scrubString(a.ContentID)
	}
}

// scrubString drops control characters other than tab and line feed, and
// turns carriage returns into nothing (line ends are "\n").
func scrubString(s string) string {
	clean := true
	for _, r := range s {
		if isControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return -1
		}
		return r
	}, s)
}

// isControl reports whether r is a control character to remove.
func isControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' || r == 0x7f || r >= 0x80 && r < 0xa0
}
