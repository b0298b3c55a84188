package mail

import (
	"strings"

	"switchboard/internal/mail/classify"
	"switchboard/internal/mail/reply"
)

// Analyze fills a parsed message's ReplyText, Kind and Bounce: the
// classifier (package classify) tells normal mail from auto-replies and
// bounces, and the reply stripper (package reply) keeps only what the
// sender wrote now. It is what `switchboard mail parse` and inbound mail
// use as Options.Classify.
func Analyze(m *Message) {
	parts := classify.Parts{ContentType: m.Header.Get("Content-Type"), Text: m.Text}
	for _, a := range m.Attachments {
		switch a.ContentType {
		case "message/delivery-status", "message/global-delivery-status":
			parts.DeliveryStatus += string(a.Data)
		case "message/feedback-report":
			parts.FeedbackReport += string(a.Data)
		case "message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers":
			if parts.Original == "" {
				parts.Original = string(a.Data)
			}
		}
	}
	v := classify.Classify(m.Header, parts)
	m.Kind = string(v.Kind)
	if v.Kind == classify.KindBounce && v.Bounce != nil {
		m.Bounce = Bounce{Status: v.Bounce.Status, Recipient: v.Bounce.Recipient, Hard: v.Bounce.Hard}
	}
	if v.Kind != KindNormal {
		m.ReplyText = m.Text // reports are kept whole
		return
	}
	var r reply.Result
	if m.textFromHTML() {
		r = reply.StripHTML(m.UnsafeHTML)
	} else {
		r = reply.StripText(m.Text)
	}
	m.ReplyText = strings.TrimSpace(r.Visible)
}

// textFromHTML reports whether Text was made from HTML because the
// message has no text/plain body; the HTML's quote structure then finds
// the quoted history more reliably than the derived text.
func (m *Message) textFromHTML() bool {
	if m.UnsafeHTML == "" {
		return false
	}
	for _, p := range m.textParts {
		if !p.html && !p.media {
			return false
		}
	}
	return true
}
