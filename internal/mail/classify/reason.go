package classify

import (
	"regexp"
	"strings"
)

var (
	// reNumToken finds dotted numbers; findStatus keeps those shaped like an
	// enhanced status code (and so skips IP addresses and versions).
	reNumToken = regexp.MustCompile(`\d+(?:\.\d+)+`)
	// reReplyCode finds an SMTP reply code at the start of a reply line or
	// after a "said:"-style lead-in.
	reReplyCode = regexp.MustCompile(`(?:^|[\s:(\[;"'<>=])([245][0-5][0-9])(?:[ -]|$)`)
)

// findStatus returns the first RFC 3463 enhanced status code in s, or "".
func findStatus(s string) string { return scanStatus(s, false) }

// findFailStatus returns the first failure (4.x.x or 5.x.x) status code in
// s, skipping success codes from SMTP transcripts, or "".
func findFailStatus(s string) string { return scanStatus(s, true) }

func scanStatus(s string, failOnly bool) string {
	for _, loc := range reNumToken.FindAllStringIndex(s, -1) {
		tok := s[loc[0]:loc[1]]
		parts := strings.Split(tok, ".")
		if len(parts) != 3 || len(parts[0]) != 1 || len(parts[1]) != 1 || parts[1][0] > '7' || len(parts[2]) > 3 {
			continue
		}
		if c := parts[0][0]; c != '4' && c != '5' && (c != '2' || failOnly) {
			continue
		}
		if loc[0] > 0 && isWordish(s[loc[0]-1]) || loc[1] < len(s) && isWordish(s[loc[1]]) {
			continue
		}
		return tok
	}
	return ""
}

func isWordish(c byte) bool {
	return c == '.' || c == '-' || c == '_' || c == '/' || c == '@' || c == ':' ||
		c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// findReplyCode returns the first SMTP reply code (e.g. "550") in s, or "".
func findReplyCode(s string) string {
	for _, m := range reReplyCode.FindAllStringSubmatchIndex(s, -1) {
		code := s[m[2]:m[3]]
		// Skip years and other numbers that merely look like codes.
		if m[3] < len(s) && s[m[3]] == '-' && m[3]+1 < len(s) && s[m[3]+1] >= '0' && s[m[3]+1] <= '9' {
			continue
		}
		return code
	}
	return ""
}

// codeReasons maps specific enhanced status codes to a reason.
var codeReasons = map[string]string{
	"5.1.1": "userunknown", "5.1.7": "rejected",
	"5.1.2": "hostunknown", "5.4.1": "userunknown", "5.4.4": "hostunknown", "5.1.6": "hasmoved",
	"5.2.2": "mailboxfull", "5.1.8": "rejected",
	"5.3.4": "mesgtoobig", "5.2.3": "exceedlimit", "4.4.7": "expired",
	"5.4.7": "expired", "4.4.1": "expired", "5.7.26": "authfailure",
	"5.7.509": "authfailure", "5.7.25": "requireptr", "5.7.9": "policyviolation",
	"5.1.10": "notaccept", "5.7.27": "notaccept", "5.7.13": "suspend",
	"5.7.606": "blocked", "2.6.0": "delivered", "2.1.5": "delivered",
}

// reasonWords are checked in order; the first reason with a matching phrase
// wins.
var reasonWords = []struct {
	reason string
	words  []string
}{
	{"userunknown", []string{"user unknown", "unknown user", "no such user", "no such mailbox", "no such recipient", "user not found", "recipient not found", "mailbox not found", "does not exist", "doesn't exist", "invalid recipient", "unknown recipient", "recipient unknown", "not a valid mailbox", "mailbox unavailable", "unknown address", "addressee unknown", "unrouteable address", "no such address", "bad destination mailbox", "user does not exist", "invalid mailbox", "unknown local part", "mailbox is unavailable", "account does not exist", "not our customer", "no mailbox here", "user unknown", "unknown or illegal alias", "no such person", "is not a valid user", "invalid address", "not listed in", "user doesn't exist", "unknown mailbox", "mailbox does not exist", "no user", "address unknown", "recipnotfound", "no such local user", "unknown account", "user doesn't have a", "address not found", "couldn't be found", "could not be found"}},
	{"mailboxfull", []string{"mailbox full", "mailbox is full", "quota exceeded", "over quota", "overquota", "exceeded storage", "mailbox has exceeded", "mail quota", "disk quota", "storage allocation", "full mailbox", "is over", "too much mail", "out of storage", "mailfolder is full", "not enough storage", "exceeds the quota", "insufficient", "exceeded its", "mailbox size limit", "quota"}},
	{"hasmoved", []string{"has moved", "address changed", "is no longer valid"}},
	{"suspend", []string{"suspended", "disabled", "inactive", "deactivated", "not active", "account is locked", "account has been", "expired account", "temporarily unavailable", "mailbox is inactive"}},
	{"hostunknown", []string{"host unknown", "unknown host", "host not found", "domain not found", "no such domain", "name service error", "unrouteable domain", "domain does not exist", "hostname lookup failed", "host or domain name not found", "domain name not found", "unknown domain", "illegal host/domain", "host not known", "name or service not known", "no mx", "mx record", "domain is not", "nxdomain"}},
	{"notaccept", []string{"does not accept mail", "not accept mail", "null mx", "nullmx", "accepts no mail"}},
	{"requireptr", []string{"reverse dns", "reverse lookup", "no ptr", "ptr record", "rdns", "cannot find your hostname", "cannot find your reverse", "hostname does not resolve", "reverse address"}},
	{"authfailure", []string{"dmarc", "spf", "dkim", "sender policy framework", "authentication fail", "not authenticated"}},
	{"norelaying", []string{"relay access denied", "relaying denied", "not permitted to relay", "relay not permitted", "unable to relay", "relaying not allowed", "relay denied", "we do not relay", "not allowed to relay", "relaying"}},
	{"rejected", []string{"sender address rejected", "sender rejected", "domain of sender", "sender verify failed", "sender domain", "envelope sender", "sender is", "sender not", "from address", "sender address", "mail from"}},
	{"virusdetected", []string{"virus", "malware", "infected"}},
	{"spamdetected", []string{"spam", "junk mail", "bulk mail", "unsolicited", "uce"}},
	{"mesgtoobig", []string{"message too large", "message is too large", "too big", "size exceeds", "exceeds size limit", "message size", "message length exceeds", "exceeds the maximum size", "too large"}},
	{"exceedlimit", []string{"exceeds the maximum", "exceeded the maximum", "limit exceeded"}},
	{"toomanyconn", []string{"too many connections", "too many concurrent", "connection limit", "too many sessions"}},
	{"securityerror", []string{"tls", "encryption", "authentication required", "ssl", "certificate", "submission"}},
	{"policyviolation", []string{"policy", "not permitted", "prohibited", "not allowed"}},
	{"blocked", []string{"blocked", "blacklist", "blocklist", "black list", "listed", "spamhaus", "rbl", "client host rejected", "access denied", "banned", "refused", "ip address", "reputation"}},
	{"filtered", []string{"filtered", "filter", "rejected by the recipient", "refused by user", "user refuses", "recipient rejects"}},
	{"expired", []string{"retry time", "timeout", "timed out", "expired", "giving up", "could not be delivered for", "has not been delivered", "was not delivered within", "queue too long", "too long in queue", "delayed", "delivery time", "retry limit", "retry period", "for a long time", "aborted after", "requests to connect", "attempts"}},
	{"networkerror", []string{"loop", "too many hops", "no route to host", "could not connect", "unable to connect", "connection refused", "network", "dns error", "temporary lookup failure"}},
	{"mailererror", []string{"mailer error", "command failed", "procmail", "pipe to", "program"}},
	{"systemerror", []string{"system error", "internal error", "server error", "configuration error", "system config", "temporary failure", "local error", "i/o error"}},
	{"syntaxerror", []string{"syntax error", "command unrecognized", "unrecognized command"}},
	{"contenterror", []string{"content", "header", "mime"}},
}

// pseudoCodes is the Sisimai pseudo detail code (x.0.9NN) for each reason,
// used when a bounce carries no enhanced status code.
var pseudoCodes = map[string]string{
	"undefined": "900", "onhold": "901", "syntaxerror": "902", "norelaying": "909",
	"filtered": "910", "userunknown": "911", "hostunknown": "912", "hasmoved": "916",
	"rejected": "918", "suspend": "921", "mailboxfull": "922", "exceedlimit": "923",
	"systemerror": "930", "systemfull": "931", "notaccept": "932", "mesgtoobig": "934",
	"mailererror": "939", "networkerror": "944", "expired": "947", "contenterror": "960",
	"securityerror": "970", "blocked": "971", "policyviolation": "972", "requireptr": "973",
	"virusdetected": "974", "failedstarttls": "976", "spamdetected": "980",
	"authfailure": "990", "toomanyconn": "945", "badreputation": "975", "speeding": "946",
}

// subjectReasons maps the subject digit of an enhanced code (x.S.x) to a
// reason when nothing more specific matched.
var subjectReasons = map[byte]string{
	'1': "userunknown", '2': "mailboxfull", '3': "systemerror", '4': "networkerror",
	'5': "syntaxerror", '6': "contenterror", '7': "securityerror",
}

// maxReasonText bounds how much explanatory text is searched for reason
// words; the explanation of a bounce is at its top.
const maxReasonText = 16 << 10

// report is the explanatory text shared by every recipient of one bounce,
// with what is derived from it computed once.
type report struct {
	text      string
	done      bool
	low       string // lower-cased, capped text
	reason    string // reason from words in text, or ""
	afterData bool   // text says the rejection came after DATA
}

func newReport(text string) *report { return &report{text: text} }

func (r *report) compute() {
	if r.done {
		return
	}
	r.done = true
	r.low = strings.ToLower(head(r.text, maxReasonText))
	r.reason = reasonFromWords(r.low)
	r.afterData = afterData.in(r.low) || reDataLine.MatchString(r.low)
}

// reDataLine is a transcript line naming the DATA command on its own
// ("SMTP command:\nDATA").
var reDataLine = regexp.MustCompile(`(?m)^\s*data\s*$`)

// reasonFor picks a reason from a status code and the diagnostic and
// explanatory texts.
func reasonFor(status, diag string, rep *report) string {
	if len(status) > 2 {
		if r, ok := codeReasons["5"+status[1:]]; ok {
			return r
		}
	}
	if r, ok := codeReasons[status]; ok {
		return r
	}
	if r := reasonFromWords(strings.ToLower(head(diag, maxReasonText))); r != "" {
		return r
	}
	if rep.compute(); rep.reason != "" {
		return rep.reason
	}
	if len(status) >= 3 {
		if r, ok := subjectReasons[status[2]]; ok && !generic(status) {
			return r
		}
	}
	return "undefined"
}

// reNoise matches addresses and URLs, removed before looking for reason
// words (test mailboxes are often named after a reason).
var reNoise = regexp.MustCompile(`\S+@\S+|https?://\S+`)

func reasonFromWords(low string) string {
	if low == "" {
		return ""
	}
	low = reNoise.ReplaceAllString(low, " ")
	for _, rw := range reasonWords {
		if phrases(rw.words).inWord(low) {
			return rw.reason
		}
	}
	return ""
}

// afterData matches a rejection given after the message content was
// sent, when the server judged the message rather than the address.
var afterData = phrases{"end of data", "after data", "in reply to data", ">>> data", "data command", "rejected after data", "during data"}

// finish fills a bounce's status, reason and hardness. temp marks a delay.
func finish(b *Bounce, status, diag string, rep *report, temp bool) {
	b.Reason = reasonFor(status, diag, rep)
	rep.compute()
	if b.Reason == "userunknown" && (rep.afterData || afterData.in(strings.ToLower(head(diag, maxReasonText)))) && !strings.HasSuffix(status, ".1.1") {
		b.Reason = "filtered"
	}
	if b.Reason == "undefined" && strings.Contains(rep.low, "google groups") {
		b.Reason = "rejected"
	}
	if status == "" {
		class := "5"
		switch {
		case strings.HasPrefix(b.ReplyCode, "4"):
			class = "4"
		case strings.HasPrefix(b.ReplyCode, "5"):
		case temp:
			class = "4"
		}
		code, ok := pseudoCodes[b.Reason]
		if !ok {
			code = "900"
		}
		status = class + ".0." + code
	}
	if status[0] != '4' && status[0] != '5' {
		status = "5.0." + pseudoCodes["undefined"] // never report success as a bounce
	}
	b.Status = status
	if status[0] == '4' && b.Reason == "hostunknown" {
		b.Reason = "networkerror" // a temporary DNS failure
	}
	switch b.Reason {
	case "userunknown", "hostunknown", "hasmoved", "notaccept":
		b.Hard = status[0] == '5'
	}
}
