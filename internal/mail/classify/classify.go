// Package classify tells ordinary mail from automatic replies and bounces,
// and for a bounce extracts the failed recipient, the enhanced status code,
// the SMTP reply code, a reason and whether the failure is permanent.
//
// It recognises RFC 3834 auto-replies and the common vacation and auto-reply
// headers and subjects (in English, Croatian, Lithuanian, Greek, Slovenian
// and a few more languages), RFC 3464 delivery status notifications, and the
// non-standard bounce formats of common mail servers (qmail, Postfix, Exim,
// Sendmail, Exchange/Office 365, Gmail, Yahoo, Courier, ...) and Amazon SES
// notifications. A person's reply to or forward of a bounce ("Fwd:
// Undelivered Mail") is normal mail: someone wrote it.
//
// For "switchboard mail parse", "kind" is string(Verdict.Kind) and "bounce"
// is {Bounce.Status, Bounce.Recipient, Bounce.Hard} of Verdict.Bounce.
//
// ARF feedback reports (RFC 5965, report-type=feedback-report) are not
// bounces: the message was delivered and a recipient complained about it.
// They are classified as KindAutoReply with Reason "feedback" so they are
// never answered and never mark an address as failing; a caller that wants
// to act on complaints can test Verdict.Reason.
//
// Classify takes plain inputs (a header lookup and the texts of the parts) so
// it does not depend on any particular MIME parser; it is pure and never
// fails.
package classify

import (
	"mime"
	"strings"
)

// Kind is the class of a message, as printed by "switchboard mail parse".
type Kind string

// The kinds of message.
const (
	// KindNormal is mail written by a person.
	KindNormal Kind = "normal"
	// KindAutoReply is an automatic reply: vacation notices, autoresponders,
	// feedback reports, delivery (success) notifications.
	KindAutoReply Kind = "auto_reply"
	// KindBounce is a delivery failure or delay report.
	KindBounce Kind = "bounce"
)

// Header gives the top-level header fields of a message. net/mail.Header and
// net/textproto.MIMEHeader both satisfy it.
type Header interface {
	// Get returns the first value of the named field, or "".
	Get(key string) string
}

// emptyHeader stands in for a nil Header.
type emptyHeader struct{}

func (emptyHeader) Get(string) string { return "" }

// Parts is the body content Classify looks at. Every field is optional.
type Parts struct {
	// ContentType is the top-level Content-Type field, with parameters
	// (e.g. `multipart/report; report-type=delivery-status`).
	ContentType string
	// Text is the decoded text of the human-readable parts (text/plain, or
	// text converted from HTML), concatenated; for a non-MIME message, the
	// whole body. It must not include an attached returned message when the
	// caller can separate it (see Original).
	Text string
	// DeliveryStatus is the body of a message/delivery-status (or
	// message/global-delivery-status) part.
	DeliveryStatus string
	// FeedbackReport is the body of a message/feedback-report part.
	FeedbackReport string
	// Original is the returned message (message/rfc822 or
	// text/rfc822-headers part), headers at least.
	Original string
}

// Verdict is the classification of one message.
type Verdict struct {
	// Kind is normal, auto_reply or bounce.
	Kind Kind
	// Reason refines Kind: for auto replies "vacation", "auto_reply",
	// "feedback" or "delivered"; for bounces the reason of the first failed
	// recipient (see Bounce.Reason).
	Reason string
	// Bounce is the first failed recipient of a bounce; nil otherwise.
	Bounce *Bounce
	// Bounces lists every failed recipient found, Bounce first.
	Bounces []Bounce
}

// Bounce describes the failure for one recipient.
type Bounce struct {
	// Status is the RFC 3463 enhanced status code, e.g. "5.1.1". When the
	// report carries none, a code is derived from the reason
	// (class.0.9xx, as Sisimai does), e.g. "5.0.911" for an unknown user.
	Status string
	// Recipient is the address that failed.
	Recipient string
	// Hard is true for a permanent failure that means the address should not
	// be mailed again (unknown user or host, moved, does not accept mail).
	Hard bool
	// Reason is a short keyword: userunknown, hostunknown, mailboxfull,
	// expired, filtered, blocked, rejected, suspend, spamdetected, ...
	Reason string
	// ReplyCode is the SMTP reply code, e.g. "550", when known.
	ReplyCode string
	// Diagnostic is the remote server's message, when known.
	Diagnostic string
}

// Classify decides whether a message is normal mail, an automatic reply or
// a bounce, and for a bounce extracts its details.
func Classify(h Header, p Parts) Verdict {
	if h == nil {
		h = emptyHeader{}
	}
	mt, params, _ := mime.ParseMediaType(p.ContentType)
	reportType := strings.ToLower(params["report-type"])
	if mt == "" {
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(p.ContentType, ";", 2)[0]))
	}
	if reportType == "feedback-report" || p.FeedbackReport != "" {
		return Verdict{Kind: KindAutoReply, Reason: "feedback"}
	}
	if p.DeliveryStatus != "" || reportType == "delivery-status" || reportType == "global-delivery-status" {
		if v, ok := fromDSN(h, p); ok {
			return v
		}
		if reportType != "" {
			return bounceFromText(h, p)
		}
	}
	if v, ok := fromSES(p.Text); ok {
		return v
	}
	if looksLikeBounce(h, p) {
		return bounceFromText(h, p)
	}
	if r := autoReplyReason(h, p); r != "" {
		return Verdict{Kind: KindAutoReply, Reason: r}
	}
	return Verdict{Kind: KindNormal}
}

// maxBounces caps how many failed recipients one report yields.
const maxBounces = 100

// newVerdict builds a bounce verdict from its recipients.
func newVerdict(bs []Bounce) Verdict {
	v := Verdict{Kind: KindBounce, Bounces: bs}
	if len(bs) > 0 {
		v.Bounce = &v.Bounces[0]
		v.Reason = bs[0].Reason
	}
	return v
}
