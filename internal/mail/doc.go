// Package mail turns inbound email into Switchboard's view of a message.
//
// Parse reads one RFC 5322 message (MIME tree walking by
// github.com/jhillyerd/enmime) and returns a Message: decoded headers,
// plain text and sanitized HTML bodies, attachments with their decoded
// bytes and SHA-256, and the raw header block for later classification.
// A Message marshals to the JSON printed by `switchboard mail parse`
// (see DESIGN.md). Reply stripping and bounce/auto-reply classification
// live in other packages and plug in through Options.Classify.
package mail
