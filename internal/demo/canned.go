package demo

import (
	"context"
	"fmt"

	"switchboard/internal/canned"
)

// cannedSpec is a sample canned response. team indexes teamNames (-1 for
// everyone); uses is how often agents have inserted it.
type cannedSpec struct {
	title, shortcut string
	team            int
	uses            int
	body            string
}

var cannedSpecs = []cannedSpec{
	{"Greeting", "hi", -1, 14, "Hi {{customer.first_name|there}},\n\nThanks for getting in touch."},
	{"Need more details", "details", -1, 9, "Hi {{customer.first_name|there}},\n\nThanks for reporting this. So we can look into it, could you send us:\n" +
		"- the steps that lead to the problem\n- what you expected, and what happened instead\n- a screenshot, if you can\n\nBest regards,\n{{agent.first_name}}"},
	{"Thanks for your patience", "patience", -1, 6, "Hi {{customer.first_name|there}},\n\nThank you for your patience while we looked into this. " +
		"We'll update you here as soon as we know more.\n\n{{agent.name}}"},
	{"Resolved: closing the ticket", "solved", -1, 11, "Glad we could sort this out! I'm marking ticket #{{ticket.number}} as resolved. " +
		"If anything else comes up, just reply and it opens again.\n\nHave a good day,\n{{agent.first_name}}"},
	{"Refund issued", "refund", 1, 8, "Hi {{customer.first_name|there}},\n\nWe've refunded the charge to your original payment method. " +
		"It usually shows on your statement within 5–10 business days.\n\nKind regards,\n{{agent.name}}\nBilling team"},
	{"Copy of an invoice", "invoice", 1, 3, "Hi {{customer.first_name|there}},\n\nYou'll find the invoice attached. " +
		"You can also download every invoice from Account → Billing.\n\n{{agent.name}}"},
	{"Password reset", "reset", 2, 7, "Hi {{customer.first_name|there}},\n\nTo set a new password, open the sign-in page, choose “Forgot password?” " +
		"and enter {{customer.email}}. The link in the email works for one hour; check your spam folder if it doesn't arrive.\n\n{{agent.first_name}}, Technical support"},
	{"Known outage", "outage", 2, 2, "Hi {{customer.first_name|there}},\n\nWe're aware of the problem and our engineers are working on it right now. " +
		"We'll write again on ticket #{{ticket.number}} as soon as it's fixed.\n\nSorry for the trouble,\n{{agent.name}}"},
	{"Pozdrav (hrvatski)", "bok", 0, 1, "Poštovani/a {{customer.name}},\n\nhvala Vam na poruci. Javit ćemo Vam se u najkraćem mogućem roku.\n\nLijep pozdrav,\n{{agent.name}}"},
}

// cannedResponses adds the sample canned responses, written by the admin,
// with their use counts.
func (l *loader) cannedResponses(ctx context.Context) error {
	svc := canned.New(l.st, l.clk)
	admin := l.actor(0)
	for _, c := range cannedSpecs {
		in := canned.Input{Title: c.title, Shortcut: c.shortcut, Body: c.body}
		if c.team >= 0 {
			in.TeamID = l.teams[c.team].ID
		}
		cr, err := svc.Create(ctx, admin, in)
		if err != nil {
			return fmt.Errorf("demo: create canned response %s: %w", c.title, err)
		}
		for range c.uses {
			if err := svc.Use(ctx, admin, cr.ID); err != nil {
				return fmt.Errorf("demo: use canned response %s: %w", c.title, err)
			}
		}
	}
	l.res.Canned = len(cannedSpecs)
	return nil
}
