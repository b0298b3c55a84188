package web

import (
	"context"
	"testing"

	"switchboard/internal/desk"
	"switchboard/internal/team"
)

// seedMore adds a few more agents, teams and tickets so the screens look
// like a working day (used by the browser journey and its screenshots).
func (e *env) seedMore(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sup, err := e.team.CreateTeam(ctx, desk.System, "Support", []int64{e.admin.ID})
	must(err)
	mia, err := e.team.CreateAgent(ctx, desk.System, team.NewAgent{Email: "mia@example.com", Name: "Mia Novak", Role: desk.RoleAgent, TeamIDs: []int64{sup.ID}})
	must(err)
	type tk struct {
		subj, body, name, email string
		ch                      desk.Channel
		pr                      desk.Priority
		tags                    []string
		assignee                *int64
		status                  desk.Status
		reply                   string
	}
	list := []tk{
		{"Shipping to Croatia takes three weeks", "My parcel has been in Zagreb customs since the 2nd. Any idea when it arrives?", "Ivana Horvat", "ivana@example.hr", desk.ChannelEmail, desk.PriorityNormal, []string{"shipping"}, &mia.ID, desk.StatusOpen, "I've asked the carrier and will update you tomorrow."},
		{"Invoice shows the wrong VAT number", "Our VAT number is LT100012345; the invoice says LT100054321.", "Jonas Petrauskas", "jonas@example.lt", desk.ChannelForm, desk.PriorityHigh, []string{"billing", "vat"}, nil, desk.StatusNew, ""},
		{"Can I upgrade mid-month?", "We'd like to move to the Team plan today. Is it prorated?", "Eleni Papadopoulou", "eleni@example.gr", desk.ChannelChat, desk.PriorityLow, nil, &e.agent.ID, desk.StatusPending, "Yes, it is prorated to the day. Shall I switch you?"},
		{"API returns 429 during nightly sync", "Our sync job gets rate limited at 02:00 UTC since yesterday.", "Luka Kovač", "luka@example.si", desk.ChannelAPI, desk.PriorityUrgent, []string{"api"}, &e.admin.ID, desk.StatusOpen, ""},
		{"Thanks for the quick fix!", "All working again, thank you.", "Marta Zupan", "marta@example.si", desk.ChannelEmail, desk.PriorityNormal, nil, &e.agent.ID, desk.StatusResolved, "Glad to hear it. Have a great week!"},
		{"Password reset email never arrives", "Tried three times, checked spam too.", "Tomas Vaitkus", "tomas@example.lt", desk.ChannelPortal, desk.PriorityHigh, []string{"login"}, nil, desk.StatusNew, ""},
		{"WIN A FREE CRUISE", "Click here to claim your prize!!!", "Prize Desk", "win@spam.example", desk.ChannelEmail, desk.PriorityLow, nil, nil, desk.StatusSpam, ""},
		{"Phone call: delivery address change", "Customer called to change the delivery address to Ilica 10.", "Ana Marić", "ana.maric@example.hr", desk.ChannelPhone, desk.PriorityNormal, []string{"shipping"}, nil, desk.StatusOpen, ""},
	}
	for _, x := range list {
		var teamID *int64
		if x.ch == desk.ChannelAPI || x.ch == desk.ChannelPortal {
			teamID = &sup.ID
		}
		tkt, err := e.tickets.Create(ctx, desk.System, desk.NewTicket{Subject: x.subj, Body: x.body, Requester: desk.ContactInput{Email: x.email, Name: x.name},
			Channel: x.ch, Priority: x.pr, Tags: x.tags, AssigneeID: x.assignee, TeamID: teamID, Inbound: true})
		must(err)
		actor := desk.Actor{Kind: desk.ActorAgent, AgentID: e.agent.ID, Name: e.agent.Name, Role: desk.RoleAgent}
		if x.reply != "" {
			_, err = e.tickets.AddMessage(ctx, actor, tkt.ID, desk.NewMessage{Text: x.reply})
			must(err)
		}
		if x.status != desk.StatusNew && x.status != "" {
			st := x.status
			_, err = e.tickets.Update(ctx, desk.System, tkt.ID, desk.TicketUpdate{Status: &st})
			must(err)
		}
	}
	note := desk.Actor{Kind: desk.ActorAgent, AgentID: e.agent.ID, Name: e.agent.Name, Role: desk.RoleAgent}
	_, err = e.tickets.AddMessage(ctx, note, e.t1.ID, desk.NewMessage{Text: "Checked Stripe: two charges of €49 on the 3rd. Refund one.", Internal: true})
	must(err)
}
