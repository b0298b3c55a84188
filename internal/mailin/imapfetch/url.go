// Package imapfetch fetches mail from IMAP accounts into the desk: a
// Manager runs one Fetcher per active mailbox whose inbound mode is
// desk.InboundIMAP; each Fetcher reads its folder in UID order, hands every
// message to the ingest core and only then records its progress and marks
// the message \Seen, so nothing is lost or fetched twice.
package imapfetch

import (
	"errors"
	"fmt"
	"net"
	"net/url"

	"strings"
	"switchboard/internal/desk"
)

// account is a parsed IMAP URL.
type account struct {
	implicitTLS bool   // imaps://
	addr        string // host:port
	host        string
	user, pass  string
	folder      string
}

// loopback reports whether the account's host is this machine, where
// plain IMAP without STARTTLS is allowed (tests, local relays).
func (a account) loopback() bool {
	if strings.EqualFold(a.host, "localhost") {
		return true
	}
	ip := net.ParseIP(a.host)
	return ip != nil && ip.IsLoopback()
}

// errBadURL is returned for an unusable IMAP URL; its text never repeats
// the URL, which holds the password.
var errBadURL = errors.New("invalid IMAP URL")

// parseURL reads imaps://user:pass@host[:993]/FOLDER or
// imap://user:pass@host[:143]/FOLDER. Errors never contain the password.
func parseURL(raw string) (account, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL: say only what is wrong.
		return account{}, fmt.Errorf("%w: cannot parse %s", errBadURL, desk.RedactURL(raw))
	}
	var a account
	port := ""
	switch strings.ToLower(u.Scheme) {
	case "imaps":
		a.implicitTLS, port = true, "993"
	case "imap":
		port = "143"
	default:
		return account{}, fmt.Errorf("%w: scheme must be imaps or imap, not %q", errBadURL, u.Scheme)
	}
	a.host = u.Hostname()
	if a.host == "" {
		return account{}, fmt.Errorf("%w: no host", errBadURL)
	}
	if p := u.Port(); p != "" {
		port = p
	}
	a.addr = net.JoinHostPort(a.host, port)
	if u.User == nil || u.User.Username() == "" {
		return account{}, fmt.Errorf("%w: no user name", errBadURL)
	}
	a.user = u.User.Username()
	a.pass, _ = u.User.Password()
	a.folder = strings.Trim(u.Path, "/")
	if a.folder == "" {
		a.folder = "INBOX"
	}
	return a, nil
}

// scrub removes the password (plain and URL-escaped) from an error text.
func scrub(text, pass string) string {
	if pass == "" {
		return text
	}
	for _, p := range []string{pass, url.QueryEscape(pass), url.PathEscape(pass), url.UserPassword("u", pass).String()[2:]} {
		if p != "" {
			text = strings.ReplaceAll(text, p, "xxxxx")
		}
	}
	return text
}
