package classify

import (
	"strings"
)

// dsnRecord is one per-recipient block of an RFC 3464 delivery status
// notification.
type dsnRecord struct {
	recipient  string // Final-Recipient, else Original-Recipient
	action     string // failed, delayed, delivered, relayed, expanded
	status     string // enhanced status code
	diagnostic string // Diagnostic-Code text without its type
	final      bool   // a Final-Recipient field was seen
}

// parseDSN reads the per-recipient fields of a message/delivery-status body.
// Each blank-line separated block is one record; inside a block a second
// Final-Recipient (or Original-Recipient after a Final-Recipient) starts a new
// record, for reports that omit the blank lines. Fields may be folded;
// unknown fields are ignored.
func parseDSN(body string) []dsnRecord {
	var recs []dsnRecord
	for _, block := range dsnBlocks(body) {
		var cur *dsnRecord
		flush := func() {
			if cur != nil && (cur.recipient != "" || cur.status != "") {
				recs = append(recs, *cur)
			}
			cur = &dsnRecord{}
		}
		flush()
		for _, f := range block {
			name, val, ok := strings.Cut(f, ":")
			if !ok {
				continue
			}
			name = strings.ToLower(strings.TrimSpace(name))
			val = strings.TrimSpace(val)
			switch name {
			case "final-recipient", "original-recipient", "x-actual-recipient":
				if cur.final && (name == "final-recipient" || name == "original-recipient" && cur.status != "") {
					flush()
				}
				if name == "final-recipient" || cur.recipient == "" {
					cur.recipient = cleanAddr(typedValue(val))
				}
				if name == "final-recipient" {
					cur.final = true
				}
			case "action":
				cur.action = strings.ToLower(strings.Fields(val + " x")[0])
			case "status":
				if st := findStatus(val); st != "" {
					cur.status = st
				}
			case "diagnostic-code":
				cur.diagnostic = typedValue(val)
			}
		}
		flush()
	}
	return recs
}

// dsnBlocks splits a delivery-status body into blocks of unfolded fields.
func dsnBlocks(body string) [][]string {
	var blocks [][]string
	var cur []string
	for _, l := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(l) == "" {
			if len(cur) > 0 {
				blocks = append(blocks, cur)
				cur = nil
			}
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && len(cur) > 0 {
			cur[len(cur)-1] += " " + strings.TrimSpace(l)
			continue
		}
		cur = append(cur, l)
	}
	if len(cur) > 0 {
		blocks = append(blocks, cur)
	}
	return blocks
}

// typedValue drops an RFC 3464 type prefix ("rfc822;", "smtp;").
func typedValue(v string) string {
	if t, rest, ok := strings.Cut(v, ";"); ok && !strings.ContainsAny(t, " <@") {
		return strings.TrimSpace(rest)
	}
	return strings.TrimSpace(v)
}

// fromDSN builds a verdict from a delivery status notification. ok is false
// when the report holds no usable recipient block.
func fromDSN(h Header, p Parts) (Verdict, bool) {
	recs := parseDSN(p.DeliveryStatus)
	if len(recs) == 0 && strings.Contains(strings.ToLower(p.Text), "final-recipient:") {
		recs = parseDSN(p.Text)
	}
	if len(recs) == 0 {
		return Verdict{}, false
	}
	var failed []dsnRecord
	for _, r := range recs {
		if len(failed) == maxBounces {
			break
		}
		switch r.action {
		case "delivered", "relayed", "expanded":
			continue
		}
		if strings.HasPrefix(r.status, "2.") {
			continue
		}
		failed = append(failed, r)
	}
	if len(failed) == 0 {
		return Verdict{Kind: KindAutoReply, Reason: "delivered"}, true
	}
	text := diagnosticText(p.Text)
	rep := newReport(text)
	var bs []Bounce
	for _, r := range failed {
		b := Bounce{Recipient: r.recipient, Diagnostic: r.diagnostic}
		diag := r.diagnostic
		if diag == "" {
			diag = textAbout(text, r.recipient)
		}
		status := r.status
		if s := findFailStatus(diag); s != "" && (status == "" || !generic(s)) {
			status = s
		}
		b.ReplyCode = findReplyCode(diag)
		if b.ReplyCode == "" {
			b.ReplyCode = findReplyCode(textAbout(text, r.recipient))
		}
		temp := r.action == "delayed"
		finish(&b, status, diag, rep, temp)
		if b.Recipient == "" {
			b.Recipient = failedRecipient(p.Original)
		}
		bs = append(bs, b)
	}
	return newVerdict(bs), true
}

// generic reports whether an enhanced status code carries no detail (x.0.0).
func generic(s string) bool {
	return strings.HasSuffix(s, ".0.0")
}
