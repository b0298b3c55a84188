package classify

import (
	"net/textproto"
	"testing"
)

// hdr builds a header from key/value pairs.
func hdr(kv ...string) textproto.MIMEHeader {
	h := textproto.MIMEHeader{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

const dsnBody = `Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; ana@example.hr
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <ana@example.hr>... User unknown

Final-Recipient: rfc822; jonas@example.lt
Action: delayed
Status: 4.2.2
Diagnostic-Code: smtp; 452 4.2.2 Mailbox full
`

func TestClassifyTable(t *testing.T) {
	tests := []struct {
		name   string
		h      textproto.MIMEHeader
		p      Parts
		kind   Kind
		reason string
		status string
		rcpt   string
		hard   bool
	}{
		{name: "normal", h: hdr("From", "Ana <ana@example.hr>", "Subject", "Račun"), p: Parts{Text: "Pozdrav, imam pitanje."}, kind: KindNormal},
		{name: "auto-submitted", h: hdr("From", "a@example.com", "Auto-Submitted", "auto-replied", "Subject", "Re: help"), kind: KindAutoReply, reason: "auto_reply"},
		{name: "auto-submitted no", h: hdr("From", "a@example.com", "Auto-Submitted", "no"), kind: KindNormal},
		{name: "auto-generated vacation", h: hdr("From", "a@example.com", "Auto-Submitted", "auto-generated", "Subject", "Out of Office: help"), kind: KindAutoReply, reason: "vacation"},
		{name: "precedence bulk", h: hdr("From", "news@example.com", "Precedence", "bulk"), kind: KindAutoReply, reason: "bulk"},
		{name: "precedence junk", h: hdr("From", "news@example.com", "Precedence", "junk"), kind: KindAutoReply, reason: "bulk"},
		{name: "precedence list", h: hdr("From", "l@example.com", "Precedence", "list"), kind: KindAutoReply, reason: "list"},
		{name: "precedence auto_reply", h: hdr("From", "a@example.com", "Precedence", "auto_reply"), kind: KindAutoReply, reason: "auto_reply"},
		{name: "x-autoreply", h: hdr("From", "a@example.com", "X-Autoreply", "yes"), kind: KindAutoReply, reason: "auto_reply"},
		{name: "x-autorespond", h: hdr("From", "a@example.com", "X-Autorespond", "Thanks"), kind: KindAutoReply, reason: "auto_reply"},
		{name: "x-auto-response-suppress oof", h: hdr("From", "a@example.com", "X-Auto-Response-Suppress", "All", "Subject", "Automatic reply: Help"), kind: KindAutoReply, reason: "vacation"},
		{name: "x-auto-response-suppress autoreply", h: hdr("From", "a@example.com", "X-Auto-Response-Suppress", "DR, AutoReply", "Subject", "Re: help"), kind: KindAutoReply, reason: "auto_reply"},
		{name: "empty return path", h: hdr("From", "a@example.com", "Return-Path", "<>", "Subject", "Thanks for your message"), p: Parts{Text: "We got it."}, kind: KindAutoReply, reason: "auto_reply"},
		{name: "subject en", h: hdr("From", "a@example.com", "Subject", "Out of Office: Re: invoice"), kind: KindAutoReply, reason: "vacation"},
		{name: "subject en automatic", h: hdr("From", "a@example.com", "Subject", "Automatic reply: invoice"), kind: KindAutoReply, reason: "vacation"},
		{name: "subject hr", h: hdr("From", "a@example.hr", "Subject", "Automatski odgovor: Račun"), kind: KindAutoReply, reason: "vacation"},
		{name: "subject hr typo", h: hdr("From", "a@example.hr", "Subject", "Automatska odgovor: Račun"), kind: KindAutoReply, reason: "vacation"},
		{name: "subject lt", h: hdr("From", "a@example.lt", "Subject", "Automatinis atsakymas: Sąskaita"), kind: KindAutoReply, reason: "vacation"},
		{name: "subject el", h: hdr("From", "a@example.gr", "Subject", "Αυτόματη απάντηση: Τιμολόγιο"), kind: KindAutoReply, reason: "vacation"},
		{name: "subject sl", h: hdr("From", "a@example.si", "Subject", "Samodejni odgovor: Račun"), kind: KindAutoReply, reason: "vacation"},
		{name: "subject encoded", h: hdr("From", "a@example.si", "Subject", "=?UTF-8?Q?Samodejni_odgovor:_Ra=C4=8Dun?="), kind: KindAutoReply, reason: "vacation"},
		{name: "subject de", h: hdr("From", "a@example.de", "Subject", "Abwesenheitsnotiz: Rechnung"), kind: KindAutoReply, reason: "vacation"},
		{name: "subject away prefix", h: hdr("From", "a@example.com", "Subject", "Away until May 5"), kind: KindAutoReply, reason: "vacation"},
		{name: "customer subject mentioning vacation", h: hdr("From", "a@example.com", "Subject", "Problem with my vacation booking"), p: Parts{Text: "Hello, I cannot change the dates."}, kind: KindNormal},
		{name: "customer subject mentioning absence", h: hdr("From", "a@example.com", "Subject", "Re: absence of invoice"), kind: KindNormal},
		{name: "arf", h: hdr("From", "abuse@example.net", "Subject", "Complaint"), p: Parts{ContentType: `multipart/report; report-type=feedback-report; boundary="x"`, FeedbackReport: "Feedback-Type: abuse\n"}, kind: KindAutoReply, reason: "feedback"},
		{name: "dsn hard", h: hdr("From", "MAILER-DAEMON@mx.example.org", "Subject", "Undelivered Mail Returned to Sender"), p: Parts{ContentType: `multipart/report; report-type=delivery-status; boundary="x"`, DeliveryStatus: dsnBody, Text: "This is the mail system at host mx.example.org."}, kind: KindBounce, reason: "userunknown", status: "5.1.1", rcpt: "ana@example.hr", hard: true},
		{name: "dsn delivered", h: hdr("From", "MAILER-DAEMON@mx.example.org", "Subject", "Successful Mail Delivery Report"), p: Parts{ContentType: `multipart/report; report-type=delivery-status; boundary="x"`, DeliveryStatus: "Final-Recipient: rfc822; a@example.org\nAction: delivered\nStatus: 2.0.0\n"}, kind: KindAutoReply, reason: "delivered"},
		{name: "dsn delayed", h: hdr("From", "MAILER-DAEMON@mx.example.org", "Subject", "Delayed Mail (still being retried)"), p: Parts{ContentType: `multipart/report; report-type=delivery-status; boundary="x"`, DeliveryStatus: "Final-Recipient: rfc822; jonas@example.lt\nAction: delayed\nStatus: 4.2.2\n"}, kind: KindBounce, reason: "mailboxfull", status: "4.2.2", rcpt: "jonas@example.lt"},
		{name: "qmail", h: hdr("From", "MAILER-DAEMON@mx.example.jp", "Subject", "failure notice", "Return-Path", "<>"), p: Parts{Text: "Hi. This is the qmail-send program at mx.example.jp.\nI'm afraid I wasn't able to deliver your message to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out.\n\n<kijitora@example.ne.jp>:\n192.0.2.32 said: 550 5.1.1 Unknown user kijitora@example.ne.jp\n\n--- Below this line is a copy of the message.\n\nTo: other@example.com\n"}, kind: KindBounce, reason: "userunknown", status: "5.1.1", rcpt: "kijitora@example.ne.jp", hard: true},
		{name: "exim no status", h: hdr("From", "Mail Delivery System <Mailer-Daemon@e.example.org>", "Subject", "Mail delivery failed: returning message to sender", "X-Failed-Recipients", "sabineko@example.jp"), p: Parts{Text: "This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  sabineko@example.jp\n    Mailbox quota exceeded\n"}, kind: KindBounce, reason: "mailboxfull", status: "5.0.922", rcpt: "sabineko@example.jp"},
		{name: "person forwarding a bounce is normal", h: hdr("From", "Ana <ana@example.hr>", "Subject", "Fwd: Undelivered Mail Returned to Sender"), p: Parts{Text: "Why did this fail?\n\n---------- Forwarded message ---------\nFrom: MAILER-DAEMON\n\nThis is the mail system at host mx.example.org.\n<x@example.org>: host said: 550 5.1.1 user unknown"}, kind: KindNormal},
		{name: "success code in transcript is skipped (fuzz finding)", h: hdr("From", "MAILER-DAEMON@x.example", "Subject", "Returned mail"), p: Parts{Text: "Delivery to the following recipient failed:\n<ana@example.hr>: 250 2.1.0 Sender ok\n550 5.1.1 User unknown\n"}, kind: KindBounce, reason: "userunknown", status: "5.1.1", rcpt: "ana@example.hr", hard: true},
		{name: "only a success code is never a bounce status (fuzz finding)", h: hdr("From", "MAILER-DAEMON@x.example", "Subject", "returning message"), p: Parts{Text: "Failed recipient: <ana@example.hr> (500 2.0.0"}, kind: KindBounce, reason: "undefined", status: "5.0.900", rcpt: "ana@example.hr"},
		{name: "forwarded bounce from a person is normal", h: hdr("From", "Ana <ana@example.hr>", "Subject", "Fwd: problem"), p: Parts{Text: "Hi, my mail to you could not be delivered, see below."}, kind: KindNormal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Classify(tt.h, tt.p)
			if v.Kind != tt.kind || v.Reason != tt.reason {
				t.Fatalf("got %s/%s, want %s/%s", v.Kind, v.Reason, tt.kind, tt.reason)
			}
			if tt.kind != KindBounce {
				if v.Bounce != nil {
					t.Errorf("non-bounce has Bounce %+v", v.Bounce)
				}
				return
			}
			b := v.Bounce
			if b == nil || b.Status != tt.status || b.Recipient != tt.rcpt || b.Hard != tt.hard {
				t.Errorf("bounce = %+v, want status %s rcpt %s hard %v", b, tt.status, tt.rcpt, tt.hard)
			}
		})
	}
}

func TestNilHeader(t *testing.T) {
	if v := Classify(nil, Parts{Text: "hello"}); v.Kind != KindNormal {
		t.Errorf("Classify(nil) = %+v", v)
	}
	if ShouldAutoRespond(nil) {
		t.Error("ShouldAutoRespond(nil) = true")
	}
}

func TestParseDSNMultiple(t *testing.T) {
	recs := parseDSN(dsnBody)
	if len(recs) != 2 || recs[0].recipient != "ana@example.hr" || recs[1].action != "delayed" || recs[1].status != "4.2.2" {
		t.Fatalf("parseDSN = %+v", recs)
	}
}

func TestFindStatus(t *testing.T) {
	tests := map[string]string{
		"550 5.1.1 <a@b.c> User unknown": "5.1.1",
		"host 10.5.1.1 said 550":         "",
		"Postfix 2.11.3 (#4.4.7)":        "4.4.7",
		"5.7.509 Access denied":          "5.7.509",
		"v1.2.3":                         "",
		"":                               "",
	}
	for in, want := range tests {
		if got := findStatus(in); got != want {
			t.Errorf("findStatus(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestShouldAutoRespond(t *testing.T) {
	ours := []string{"support@desk.example.com", "help@desk.example.com"}
	tests := []struct {
		name string
		h    textproto.MIMEHeader
		want bool
	}{
		{"customer", hdr("From", "Ana <ana@example.hr>", "Subject", "Pomoć"), true},
		{"no from", hdr("Subject", "x"), false},
		{"auto-submitted", hdr("From", "ana@example.hr", "Auto-Submitted", "auto-replied"), false},
		{"vacation subject", hdr("From", "ana@example.hr", "Subject", "Automatski odgovor: Pomoć"), false},
		{"bounce sender", hdr("From", "MAILER-DAEMON@mx.example.org", "Subject", "Undelivered Mail Returned to Sender"), false},
		{"report", hdr("From", "x@example.org", "Content-Type", "multipart/report; report-type=delivery-status; boundary=b"), false},
		{"null return path", hdr("From", "ana@example.hr", "Return-Path", "<>"), false},
		{"list", hdr("From", "ana@example.hr", "List-Id", "<users.lists.example.org>"), false},
		{"list unsubscribe", hdr("From", "news@example.org", "List-Unsubscribe", "<mailto:u@example.org>"), false},
		{"precedence bulk", hdr("From", "news@example.org", "Precedence", "bulk"), false},
		{"ours", hdr("From", "Support <SUPPORT@desk.example.com>"), false},
		{"ours reply-to", hdr("From", "ana@example.hr", "Reply-To", "help@desk.example.com"), false},
		{"x-loop", hdr("From", "ana@example.hr", "X-Loop", "support@desk.example.com"), false},
		{"noreply", hdr("From", "no-reply@shop.example.com"), false},
		{"suppress all", hdr("From", "ana@example.hr", "X-Auto-Response-Suppress", "All"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ShouldAutoRespond(tt.h, ours...); got != tt.want {
				t.Errorf("ShouldAutoRespond = %v, want %v", got, tt.want)
			}
		})
	}
}
