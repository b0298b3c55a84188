package classify

import (
	"encoding/json"
	"strings"
)

// sesNotification is the part of an Amazon SES notification (delivered by
// SNS as a JSON mail body) that Classify reads.
type sesNotification struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Bounce           struct {
		BounceType        string `json:"bounceType"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Action         string `json:"action"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
}

// fromSES classifies an Amazon SES bounce, complaint or delivery
// notification. ok is false when text is not one.
func fromSES(text string) (Verdict, bool) {
	if strings.Contains(text, `"Type" : "Notification"`) || strings.Contains(text, `"Type":"Notification"`) {
		// An SNS envelope: the SES notification is the escaped Message string.
		if i := strings.Index(text, "{"); i >= 0 {
			body := strings.NewReplacer("\r", "", "\n", "").Replace(text[i:])
			var env struct{ Message string }
			if json.NewDecoder(strings.NewReader(body)).Decode(&env) == nil && env.Message != "" && env.Message != text {
				return fromSES(env.Message)
			}
		}
	}
	i := strings.Index(text, `{"notificationType"`)
	if i < 0 {
		i = strings.Index(text, `{"eventType"`)
	}
	if i < 0 {
		return Verdict{}, false
	}
	body := text[i:]
	if j := strings.Index(body, "\n--\n"); j >= 0 {
		body = body[:j]
	}
	// SNS mail wraps the JSON over several lines.
	body = strings.NewReplacer("\r", "", "\n", "").Replace(body)
	var n sesNotification
	if err := json.NewDecoder(strings.NewReader(body)).Decode(&n); err != nil {
		return Verdict{}, false
	}
	typ := n.NotificationType
	if typ == "" {
		typ = n.EventType
	}
	switch typ {
	case "Complaint":
		return Verdict{Kind: KindAutoReply, Reason: "feedback"}, true
	case "Delivery":
		return Verdict{Kind: KindAutoReply, Reason: "delivered"}, true
	case "Bounce":
	default:
		return Verdict{}, false
	}
	temp := n.Bounce.BounceType == "Transient"
	var bs []Bounce
	for _, r := range n.Bounce.BouncedRecipients {
		if len(bs) == maxBounces {
			break
		}
		diag := typedValue(r.DiagnosticCode)
		b := Bounce{Recipient: cleanAddr(r.EmailAddress), Diagnostic: diag, ReplyCode: findReplyCode(diag)}
		status := findStatus(r.Status)
		if status == "" {
			status = findFailStatus(diag)
		}
		finish(&b, status, diag, newReport(""), temp)
		bs = append(bs, b)
	}
	if len(bs) == 0 {
		b := Bounce{}
		finish(&b, "", "", newReport(""), temp)
		bs = append(bs, b)
	}
	return newVerdict(bs), true
}
