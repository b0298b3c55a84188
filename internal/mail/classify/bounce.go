package classify

import (
	"io"
	"mime"
	"net/mail"
	"regexp"
	"strings"
)

var (
	// bounceSubject holds the subjects mail servers give bounces.
	bounceSubject = phrases{"undeliver", "mail failure", "delivery error", "delivery status notification (failure", "delivery status notification (delay", "failure notice", "returned mail", "mail delivery fail", "delivery fail", "non-delivery", "nondelivery", "non delivery", "nondeliverable", "non-remis", "non remis", "unzustellbar", "nicht zustellbar", "could not be delivered", "delivery has failed", "not delivered", "mail system error", "delivery notification", "delivery problem", "returned to sender", "warning: could not send", "message delayed", "delivery delayed", "delayed mail", "delivery status", "mail could not", "rejected", "error sending", "bounce", "failed delivery", "delivery report", "mail error", "returning message", "unable to deliver", "no se puede entregar", "no entregado", "mensaje no entregado", "nedostavljiv", "nedostavljen", "nepristatytas", "μη παράδοση", "ne može biti isporuč"}
	// bounceBody holds phrases that only delivery failure reports use.
	bounceBody = phrases{"i'm afraid i wasn't able to deliver", "this is the mail system at host", "could not be delivered to one or more", "following address(es) failed", "following addresses failed", "following address failed", "following recipient", "message could not be delivered", "message was not delivered", "permanent fatal error", "did not reach some or all", "did not reach the following", "delivery has failed", "message delivery has failed", "delivery to the following recipient", "this message was created automatically by mail delivery software", "undeliverable", "unable to deliver", "delivery failed", "could not be delivered", "returned to sender", "delivery status notification", "permanent error", "permanent delivery error", "delivery errors", "invalid user address", "not be delivered", "failed permanently", "there was an error delivering", "delivery problem", "has not yet been delivered", "will be retried", "user unknown", "no such user", "mailbox full", "mailbox unavailable", "host unknown", "smtp error", "remote host said", "remote server said", "rcpt to", "mail delivery subsystem", "the error that the other server returned"}
	// reBounceBody matches the few bounce phrases that need a pattern; it is
	// applied to lower-cased text.
	reBounceBody = regexp.MustCompile(`delivery to .{1,80} failed|your message (?:to .{1,80} )?(?:was|has been|could not be|cannot be) (?:rejected|returned|bounced|delivered)|message (?:was|has been) (?:blocked|rejected|refused)|said: [45]\d\d|\b5\d\d[ -]\d\.\d|\b[45]\.\d\.\d{1,3}\b.{0,60}(?:user|mailbox|recipient|address|rejected|denied|refused)`)
	// daemonWords match the senders bounces come from.
	daemonWords = phrases{"mailer-daemon", "mailer_daemon", "mail-daemon", "postmaster", "post_master", "mail delivery", "maildelivery", "mail administrator", "mail system", "mailsystem", "bounce", "daemon@", "mdaemon", "mailer@", "delivery subsystem"}
	// copyMarkers start the lines (after dashes and spaces, lower-cased)
	// where a non-MIME bounce starts quoting the returned message.
	copyMarkers = phrases{"below this line is a copy of the message", "this is a copy of the message", "this is a copy of your message", "original message follows", "the original message was included", "the original message is included", "original message was attached", "unsent message follows", "returned message follows", "original message header", "unsent message header", "returned message header", "text of returned message", "message header follows", "message headers follow", "headers of the original message", "rfc822 header", "content-type: message/rfc822", "content-type: text/rfc822-headers", "start of returned message", "undelivered message attached"}
	// reAddr finds email addresses.
	reAddr = regexp.MustCompile(`[A-Za-z0-9._%+\-=/'!#$&*?^{|}~]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)
	// reRcptLine matches a line that names a failed recipient on its own:
	// "<user@host>:", "  user@host", "user@host: reason", "RCPT TO:<user@host>".
	reRcptLine = regexp.MustCompile(`^\s*(?:<[^<>\s]+@[^<>\s]+>|[^\s<>:]+@[^\s<>:]+)\s*(?::|\(|$)|rcpt to:?\s*<|(?:original|failed|final|unknown|invalid)[- ]recipient|recipient(?: address)?:|to the following|delivery to |address(?:es)?:|^\s*to:\s`)
	// delayWords hold wording of a temporary failure.
	delayWords = phrases{"(delay)", "delayed", "will be retried", "will retry", "still trying", "not yet been delivered", "temporar", "transient", "warning: could not send", "try again later", "deferred"}
)

// decodeHeader decodes RFC 2047 encoded words when it can.
func decodeHeader(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	dec := mime.WordDecoder{CharsetReader: func(_ string, r io.Reader) (io.Reader, error) {
		return r, nil // unknown charset: keep the bytes, ASCII words still match
	}}
	d, err := dec.DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

// looksLikeBounce reports whether a message without a usable delivery-status
// part is a delivery failure report.
func looksLikeBounce(h Header, p Parts) bool {
	if strings.TrimSpace(h.Get("X-Failed-Recipients")) != "" {
		return true
	}
	daemon := isDaemon(h.Get("From"))
	null := nullReturnPath(h)
	lowSubj := strings.ToLower(decodeHeader(h.Get("Subject")))
	auto := isAutoSubject(lowSubj)
	subj := bounceSubject.in(lowSubj) && !auto && !isReplyOrForward(lowSubj)
	if !daemon && !null && !subj {
		return false // every rule below needs some header evidence
	}
	if subj && (daemon || null) {
		return true
	}
	head := diagnosticText(p.Text)
	if len(head) > 8000 {
		head = head[:8000]
	}
	low := strings.ToLower(head)
	body := bounceBody.in(low) || reBounceBody.MatchString(low)
	return body && (subj || daemon || null && !auto)
}

// isDaemon reports whether an address or From field is a mail system's.
func isDaemon(s string) bool { return daemonWords.in(strings.ToLower(s)) }

// replyPrefixes start the subject of a reply or forward written by a person
// (English, German, French, Spanish, Dutch, Nordic, Croatian, Slovenian,
// Lithuanian, Greek).
var replyPrefixes = []string{"re:", "re :", "fwd:", "fw:", "aw:", "wg:", "tr:", "rv:", "sv:", "vs:", "odg:", "fwd :", "proslijeđeno:", "posredovano:", "ats:", "pers:", "απ:", "σχετ:", "πρθ:"}

// isReplyOrForward reports whether a lower-cased subject starts like a
// person's reply or forward ("Fwd: Undelivered Mail ...").
func isReplyOrForward(low string) bool {
	low = strings.TrimSpace(low)
	for _, p := range replyPrefixes {
		if strings.HasPrefix(low, p) {
			return true
		}
	}
	return false
}

// nullReturnPath reports an empty envelope sender (Return-Path: <>).
func nullReturnPath(h Header) bool {
	rp := strings.TrimSpace(h.Get("Return-Path"))
	return rp == "<>" || rp == "< >"
}

// diagnosticText cuts a bounce text where the copy of the original message
// begins.
func diagnosticText(text string) string {
	if len(text) > maxText {
		text = text[:maxText]
	}
	for off := 0; off < len(text); {
		end := strings.IndexByte(text[off:], '\n')
		if end < 0 {
			end = len(text) - off
		}
		line := strings.TrimLeft(text[off:off+end], "- \t")
		if off > 0 && len(line) > 10 && isCopyMarker(line) {
			return text[:off]
		}
		off += end + 1
	}
	return text
}

// maxText bounds how much bounce text is examined.
const maxText = 64 << 10

// isCopyMarker reports whether line (dashes trimmed) starts the copy of the
// returned message.
func isCopyMarker(line string) bool {
	low := lowerASCII(line)
	for _, m := range copyMarkers {
		if strings.HasPrefix(low, m) {
			return true
		}
	}
	if strings.HasPrefix(low, "original message") {
		rest := strings.Trim(low[len("original message"):], "- \t:\r")
		return rest == ""
	}
	return false
}

// bounceFromText extracts the failed recipients and their status from the
// text of a non-standard bounce.
func bounceFromText(h Header, p Parts) Verdict {
	text := diagnosticText(p.Text)
	rcpts := textRecipients(h, text)
	orig := p.Original
	if orig == "" && len(text) < len(p.Text) {
		orig = afterMarker(p.Text[len(text):])
	}
	if len(rcpts) == 0 {
		if r := failedRecipient(orig); r != "" {
			rcpts = []string{r}
		}
	}
	if len(rcpts) == 0 {
		rcpts = []string{""}
	}
	lowText := strings.ToLower(text)
	temp := delayWords.in(strings.ToLower(decodeHeader(h.Get("Subject")))) || delayWords.in(lowText) && !strings.Contains(lowText, "permanent")
	rep := newReport(text)
	var bs []Bounce
	for _, r := range rcpts {
		diag := textAbout(text, r)
		b := Bounce{Recipient: r, Diagnostic: strings.TrimSpace(diag)}
		status := findFailStatus(diag)
		if status == "" {
			status = findFailStatus(text)
		}
		b.ReplyCode = findReplyCode(diag)
		if b.ReplyCode == "" {
			b.ReplyCode = findReplyCode(text)
		}
		finish(&b, status, diag, rep, temp)
		bs = append(bs, b)
	}
	return newVerdict(bs)
}

// textRecipients finds the failed recipients named in a bounce text, in
// order, skipping the bounce's own sender and receiver and daemon addresses.
func textRecipients(h Header, text string) []string {
	skip := map[string]bool{}
	for _, k := range []string{"From", "To", "Reply-To", "Sender", "Return-Path", "Delivered-To"} {
		for _, a := range reAddr.FindAllString(h.Get(k), -1) {
			skip[strings.ToLower(a)] = true
		}
	}
	var out, own []string
	seen := map[string]bool{}
	add := func(a string, skipOwn bool) {
		a = cleanAddr(a)
		la := strings.ToLower(a)
		if !strings.Contains(a, "@") || seen[la] || isDaemon(a) {
			return
		}
		seen[la] = true
		if skip[la] {
			// The bounce's own addresses (usually the original sender) are
			// kept aside: anonymised reports reuse them for the recipient.
			if !skipOwn {
				own = append(own, a)
			}
			return
		}
		out = append(out, a)
	}
	for _, l := range strings.Split(text, "\n") {
		if strings.IndexByte(l, '@') >= 0 && reRcptLine.MatchString(lowerASCII(l)) {
			for _, a := range reAddr.FindAllString(l, 1) {
				add(a, false)
			}
		}
	}
	if len(out) == 0 {
		out = own
	}
	if len(out) == 0 {
		for _, a := range reAddr.FindAllString(text, -1) {
			add(a, true)
			if len(out) > 0 {
				break
			}
		}
	}
	if len(out) > 20 {
		out = out[:20]
	}
	return out
}

// failedRecipient is the last resort: the first To of the returned message.
func failedRecipient(original string) string {
	if original == "" {
		return ""
	}
	msg, err := mail.ReadMessage(strings.NewReader(strings.TrimLeft(original, "\r\n") + "\n\n"))
	if err != nil {
		return ""
	}
	if a := reAddr.FindString(msg.Header.Get("To")); a != "" {
		return cleanAddr(a)
	}
	return ""
}

// textAbout returns the lines of text that describe rcpt: from its first
// mention up to the next blank line after some content (at least a few
// lines), or the whole text when rcpt is not found.
func textAbout(text, rcpt string) string {
	if rcpt == "" {
		return text
	}
	i := indexFold(text, rcpt)
	if i < 0 {
		return text
	}
	rest := text[i:]
	lines := strings.Split(rest, "\n")
	n := 0
	for j, l := range lines {
		if strings.TrimSpace(l) != "" {
			n++
		} else if n >= 2 || j > 8 {
			return strings.Join(lines[:j], "\n")
		}
		if j > 12 {
			return strings.Join(lines[:j+1], "\n")
		}
	}
	return rest
}

// cleanAddr trims brackets, quotes and trailing punctuation from an address.
func cleanAddr(a string) string {
	a = strings.TrimSpace(a)
	if i := strings.LastIndex(a, "<"); i >= 0 {
		a = a[i+1:]
	}
	return strings.Trim(a, "<>\"'()[]:;,. \t")
}

// indexFold is a case-insensitive strings.Index that returns a byte offset
// valid in s.
func indexFold(s, sub string) int {
	if i := strings.Index(s, sub); i >= 0 {
		return i
	}
	if ls := strings.ToLower(s); len(ls) == len(s) {
		return strings.Index(ls, strings.ToLower(sub))
	}
	return -1
}

// afterMarker drops the marker line that starts a quoted original message.
func afterMarker(s string) string {
	s = strings.TrimLeft(s, " \t\r\n-")
	if _, rest, ok := strings.Cut(s, "\n"); ok {
		return rest
	}
	return ""
}
