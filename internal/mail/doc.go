// Package mail turns inbound email into Switchboard's view of a message.
//
// Parse reads one RFC 5322 message and returns a Message: decoded
// envelope headers, the plain text and sanitized HTML bodies, and the
// attachments with their decoded bytes, size and SHA-256. A Message
// marshals to the JSON printed by `switchboard mail parse` (DESIGN.md);
// RunParse implements that command.
//
// The MIME tree is read by github.com/jhillyerd/enmime with its content
// left raw; this package undoes transfer encodings and charsets itself
// (lenient base64 and quoted-printable, WHATWG/IANA charsets, UTF-7,
// detection of unlabelled 8-bit text), chooses the body parts as JMAP
// (RFC 8621) does, parses addresses, dates and message ids tolerantly,
// renders HTML as text (HTMLToText) and sanitizes it (SanitizeHTML).
//
// Images in the HTML keep their cid: URLs; a caller that stores the
// attachments maps "cid:"+Attachment.ContentID to its own URL.
//
// Reply stripping and bounce/auto-reply classification live elsewhere
// and plug in through Options.Classify, which receives the Message (with
// its raw Header and attachments such as message/delivery-status) and
// fills ReplyText, Kind and Bounce. Without it ReplyText is Text and
// Kind is KindNormal.
package mail
