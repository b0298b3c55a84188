package canned

import (
	"strconv"
	"strings"

	"switchboard/internal/desk"
)

// Placeholders are the names a canned response may use, written
// {{name}} or {{name|fallback}}.
var Placeholders = []string{
	"customer.name", "customer.first_name", "customer.email",
	"agent.name", "agent.first_name",
	"ticket.number", "ticket.subject",
}

// Values are the placeholder values for one insertion, by name. Every
// name of Placeholders is present, possibly empty.
type Values map[string]string

// ValuesFor returns the values for agent a replying on ticket t: the
// requester's name and email, the agent's name, the ticket's number
// (digits only) and subject. A first name is the first word of the name.
func ValuesFor(t desk.Ticket, a desk.Actor) Values {
	return Values{
		"customer.name":       strings.TrimSpace(t.Requester.Name),
		"customer.first_name": firstName(t.Requester.Name),
		"customer.email":      t.Requester.Email,
		"agent.name":          strings.TrimSpace(a.Name),
		"agent.first_name":    firstName(a.Name),
		"ticket.number":       strconv.FormatInt(t.Number, 10),
		"ticket.subject":      t.Subject,
	}
}

func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return ""
}

// Fill replaces the placeholders of body with v:
//
//   - {{name}} (spaces inside the braces allowed) becomes v[name];
//   - {{name|fallback}} becomes fallback when v[name] is empty, so a
//     response written in any language chooses its own word for a
//     customer without a name: "Hi {{customer.first_name|there}},";
//   - a placeholder that becomes empty takes the space before it along
//     when punctuation or the end of the line follows, so "Hi
//     {{customer.first_name}}," reads "Hi," rather than "Hi ,";
//   - a name that is not in v (a typo, or a placeholder of a later
//     version) is left as written, for the agent to see and fix.
func Fill(body string, v Values) string {
	var b strings.Builder
	b.Grow(len(body))
	for {
		i := strings.Index(body, "{{")
		if i < 0 {
			b.WriteString(body)
			return b.String()
		}
		b.WriteString(body[:i])
		body = body[i:]
		j := strings.Index(body, "}}")
		if j < 0 {
			b.WriteString(body)
			return b.String()
		}
		inner := body[2:j]
		if strings.Contains(inner, "{") { // "{{ {{name}}": the first braces are text
			b.WriteByte('{')
			body = body[1:]
			continue
		}
		name, fallback, _ := strings.Cut(inner, "|")
		name = strings.TrimSpace(name)
		val, known := v[name]
		if !known {
			b.WriteString(body[:j+2])
			body = body[j+2:]
			continue
		}
		body = body[j+2:]
		if val == "" {
			val = strings.TrimSpace(fallback)
		}
		if val == "" && tight(body) {
			out := b.String()
			if strings.HasSuffix(out, " ") {
				b.Reset()
				b.WriteString(out[:len(out)-1])
			}
		}
		b.WriteString(val)
	}
}

// tight reports whether rest starts with punctuation or ends the line.
func tight(rest string) bool {
	return rest == "" || strings.IndexByte(",.!?;:)\n\r", rest[0]) >= 0
}
