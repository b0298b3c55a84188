package mailbox

import (
	"net/url"
	"strings"
	"switchboard/internal/desk"
)

// Redacted stands for a password in a URL shown to a person (see
// desk.RedactURL). Submitting a URL whose password is Redacted (or empty)
// keeps the stored password.
const Redacted = desk.RedactedPassword

// RedactURL is desk.RedactURL, for callers that think in mailboxes.
func RedactURL(u string) string { return desk.RedactURL(u) }

// keepPassword returns submitted with the password of stored when the
// submitted URL carries no password or the redacted one, so a form that
// shows the redacted URL can send it back unchanged.
func keepPassword(submitted, stored string) string {
	if submitted == "" || stored == "" {
		return submitted
	}
	sub, err := url.Parse(submitted)
	if err != nil || sub.User == nil {
		return submitted
	}
	pw, ok := sub.User.Password()
	if ok && pw != "" && pw != Redacted {
		return submitted
	}
	old, err := url.Parse(stored)
	if err != nil || old.User == nil {
		return submitted
	}
	// Only the same account keeps its password: a new user or host with
	// the redacted password is refused by validation (hiddenPassword).
	if old.User.Username() != sub.User.Username() || !strings.EqualFold(old.Host, sub.Host) {
		return submitted
	}
	oldPW, ok := old.User.Password()
	if !ok {
		return submitted
	}
	sub.User = url.UserPassword(sub.User.Username(), oldPW)
	return sub.String()
}

// hiddenPassword reports whether u carries the redacted password itself,
// as when a shown URL is copied to another mailbox or account.
func hiddenPassword(u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		return false
	}
	pw, _ := p.User.Password()
	return pw == Redacted
}

const hiddenWhy = "the password is hidden as ****: type the password of this account"

// checkIMAPURL returns why u is not a usable IMAP account URL, or "".
func checkIMAPURL(u string) string {
	const want = "imaps://user:password@host[:993]/FOLDER (or imap:// for STARTTLS)"
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "imaps" && p.Scheme != "imap") || p.Opaque != "" {
		return "must look like " + want
	}
	if p.Hostname() == "" {
		return "needs a host: " + want
	}
	if !validPort(p.Port()) {
		return "the port must be a number from 1 to 65535"
	}
	if p.User == nil || p.User.Username() == "" {
		return "needs a user name: " + want
	}
	if pw, ok := p.User.Password(); !ok || pw == "" {
		return "needs a password: " + want
	}
	if hiddenPassword(u) {
		return hiddenWhy
	}
	if p.RawQuery != "" || p.Fragment != "" {
		return "must not have a query or fragment: " + want
	}
	return ""
}

// checkSMTPURL returns why u is not a usable outbound relay URL, or "".
// Credentials are accepted in smtp:// URLs: the sender uses STARTTLS when
// offered and refuses to send credentials in the clear except to loopback.
func checkSMTPURL(u string) string {
	const want = "smtp://[user:password@]host:port or smtps://[user:password@]host:port (credentials need TLS — smtps://, STARTTLS — or a loopback relay)"
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "smtp" && p.Scheme != "smtps") || p.Opaque != "" {
		return "must look like " + want
	}
	if p.Hostname() == "" {
		return "needs a host: " + want
	}
	if p.Port() == "" {
		return "needs a port: " + want
	}
	if !validPort(p.Port()) {
		return "the port must be a number from 1 to 65535"
	}
	if p.User != nil {
		if p.User.Username() == "" {
			return "needs a user name with a password: " + want
		}
		if hiddenPassword(u) {
			return hiddenWhy
		}
	}
	if (p.Path != "" && p.Path != "/") || p.RawQuery != "" || p.Fragment != "" {
		return "must not have a path, query or fragment: " + want
	}
	return ""
}

func validPort(port string) bool {
	if port == "" {
		return true
	}
	if len(port) > 5 {
		return false
	}
	n := 0
	for _, c := range port {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n >= 1 && n <= 65535
}
