package desk

import (
	"net/url"
	"strings"
)

// RedactedPassword stands for a password in a URL shown to a person.
const RedactedPassword = "****"

// RedactURL returns u with its password replaced by "****", for showing
// or logging a mailbox URL. A URL that cannot be parsed is replaced whole,
// since where its secret sits is unknown.
func RedactURL(u string) string {
	if u == "" {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" {
		return RedactedPassword
	}
	if p.User == nil {
		return p.String()
	}
	if _, ok := p.User.Password(); !ok {
		return p.String()
	}
	user := url.User(p.User.Username()).String()
	p.User = nil
	prefix := p.Scheme + "://"
	rest := strings.TrimPrefix(p.String(), prefix)
	// url.UserPassword would escape the asterisks, so splice by hand.
	return prefix + user + ":" + RedactedPassword + "@" + rest
}
