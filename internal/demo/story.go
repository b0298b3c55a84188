package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/contact"
	"switchboard/internal/desk"
)

// finalStatus picks where a conversation started at t0 stands now: young
// ones are mostly new or open, old ones mostly resolved or closed.
func (l *loader) finalStatus(t0 time.Time) desk.Status {
	age := l.now.Sub(t0)
	n := l.rng.IntN(100)
	switch {
	case age < 6*time.Hour:
		return pickStatus(n, 50, 40, 10, 0, 0)
	case age < 3*24*time.Hour:
		return pickStatus(n, 5, 35, 30, 30, 0)
	default:
		return pickStatus(n, 0, 8, 7, 45, 40)
	}
}

func pickStatus(n int, weights ...int) desk.Status {
	for i, w := range weights {
		if n < w {
			return desk.Statuses[i]
		}
		n -= w
	}
	return desk.StatusResolved
}

// story schedules one conversation of contact ci starting at t0: the
// customer's message, assignment, replies, notes, follow-ups and the
// status it ends in; sometimes a duplicate that gets merged.
func (l *loader) story(t0 time.Time, ci int) {
	cs := contactSpecs[ci]
	tp := topics[l.rng.IntN(len(topics))]
	idx := l.newIndex()
	final := l.finalStatus(t0)
	ai := l.agentFor(tp.team)
	actor := func() desk.Actor { return l.actor(ai) }
	agentName := agentSpecs[ai].name

	prio := desk.Priority(tp.priority)
	if l.rng.IntN(5) == 0 {
		prio = desk.Priorities[l.rng.IntN(len(desk.Priorities))]
	}
	tags := append([]string(nil), tp.tags...)
	if l.rng.IntN(4) == 0 {
		tags = append(tags, l.pick(extraTags))
	}
	var teamID *int64
	if l.rng.IntN(100) < 85 {
		teamID = &l.teams[tp.team].ID
	}
	var fields map[string]string
	if cs.company >= 0 && l.rng.IntN(3) == 0 {
		fields = map[string]string{"account": fmt.Sprintf("ACC-%05d", 10000+cs.company*137)}
	}
	subject := l.fill(inLang(tp.subject, cs.lang), cs, agentName)
	body := l.fill(inLang(tp.body, cs.lang), cs, agentName)
	ch := l.channel()

	l.at(t0, func(ctx context.Context) error {
		tk, err := l.tickets.Create(ctx, desk.System, desk.NewTicket{
			Subject: subject, Body: body,
			Requester: desk.ContactInput{Email: emails(cs)[0], Name: cs.name},
			Priority:  prio, Channel: ch, Tags: tags, TeamID: teamID,
			CustomFields: fields, Inbound: true,
		})
		if err != nil {
			return fmt.Errorf("create ticket %q: %w", subject, err)
		}
		l.ids[idx] = tk.ID
		l.res.Tickets++
		l.res.Messages++
		return l.enrich(ctx, ci, tk.Requester.ID)
	})

	if final != desk.StatusNew && l.rng.IntN(100) < 5 && l.now.Sub(t0) > 24*time.Hour {
		l.duplicate(t0, idx, cs, subject, ai)
	}
	if final == desk.StatusNew {
		return
	}
	t := t0.Add(l.minutes(3, 180))
	l.at(t, func(ctx context.Context) error {
		_, err := l.tickets.Update(ctx, actor(), l.ids[idx], desk.TicketUpdate{AssigneeID: &l.agents[ai].ID})
		return err
	})
	if l.rng.IntN(4) == 0 {
		t = t.Add(l.minutes(1, 20))
		note := l.pick(internalNotes)
		l.at(t, func(ctx context.Context) error { return l.message(ctx, actor(), idx, note, true, false, nil) })
	}
	var lastReply string
	var lastReplyAt time.Time
	reply := func(at time.Time, status *desk.Status) time.Time {
		text := l.fill(l.pick(inLang(agentReplies, cs.lang)), cs, agentName)
		lastReply, lastReplyAt = text, at
		l.at(at, func(ctx context.Context) error { return l.message(ctx, actor(), idx, text, false, false, status) })
		return at
	}
	customer := func(at time.Time, pool map[string][]string) time.Time {
		text := l.pick(inLang(pool, cs.lang)) + "\n\n" + cs.name
		// An email answer quotes the reply it answers, as mail clients do;
		// the thread shows what the customer wrote and folds the quote.
		full := ""
		if ch == desk.ChannelEmail && lastReply != "" {
			full = text + "\n\n" + quoteReply(lastReplyAt, agentName, lastReply)
		}
		l.at(at, func(ctx context.Context) error {
			return l.add(ctx, desk.System, idx, desk.NewMessage{Text: text, FullText: full, Inbound: true})
		})
		return at
	}
	setStatus := func(at time.Time, s desk.Status) time.Time {
		l.at(at, func(ctx context.Context) error {
			_, err := l.tickets.Update(ctx, actor(), l.ids[idx], desk.TicketUpdate{Status: &s})
			return err
		})
		return at
	}

	switch final {
	case desk.StatusOpen:
		t = reply(t.Add(l.minutes(2, 40)), nil)
		if l.rng.IntN(2) == 0 {
			customer(t.Add(l.minutes(30, 600)), customerStill)
		}
	case desk.StatusPending:
		pending := desk.StatusPending
		reply(t.Add(l.minutes(2, 40)), &pending)
	case desk.StatusResolved, desk.StatusClosed:
		t = reply(t.Add(l.minutes(2, 40)), nil)
		if l.rng.IntN(3) == 0 {
			t = customer(t.Add(l.minutes(60, 900)), customerStill)
			if l.rng.IntN(3) == 0 {
				note := l.pick(internalNotes)
				t = t.Add(l.minutes(5, 60))
				l.at(t, func(ctx context.Context) error { return l.message(ctx, actor(), idx, note, true, false, nil) })
			}
			t = reply(t.Add(l.minutes(10, 240)), nil)
		}
		t = customer(t.Add(l.minutes(30, 1200)), customerThanks)
		t = setStatus(t.Add(l.minutes(5, 120)), desk.StatusResolved)
		if final == desk.StatusClosed {
			setStatus(t.Add(l.minutes(2*24*60, 4*24*60)), desk.StatusClosed)
		}
	}
}

// duplicate schedules a second message from the same customer on another
// channel soon after t0, merged into the original by agent ai.
func (l *loader) duplicate(t0 time.Time, orig int, cs contactSpec, subject string, ai int) {
	dup := l.newIndex()
	t := t0.Add(l.minutes(10, 50))
	body := inLang(duplicateBodies, cs.lang)
	ok := l.at(t, func(ctx context.Context) error {
		tk, err := l.tickets.Create(ctx, desk.System, desk.NewTicket{
			Subject: subject, Body: body,
			Requester: desk.ContactInput{Email: emails(cs)[0], Name: cs.name},
			Channel:   desk.ChannelChat, Inbound: true,
		})
		if err != nil {
			return fmt.Errorf("create duplicate ticket: %w", err)
		}
		l.ids[dup] = tk.ID
		l.res.Tickets++
		l.res.Messages++
		return nil
	})
	if !ok {
		return
	}
	l.at(t.Add(l.minutes(2, 30)), func(ctx context.Context) error {
		if _, err := l.tickets.Merge(ctx, l.actor(ai), l.ids[dup], l.ids[orig]); err != nil {
			return fmt.Errorf("merge ticket %d into %d: %w", l.ids[dup], l.ids[orig], err)
		}
		l.res.Merged++
		return nil
	})
}

// quoteReply is an agent's reply as a mail client quotes it under an answer.
func quoteReply(at time.Time, agent, text string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "On %s, %s <%s> wrote:\n", at.UTC().Format("Mon, 2 Jan 2006 at 15:04"), agent, SupportAddress)
	for _, line := range strings.Split(text, "\n") {
		b.WriteString("> " + line + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// message adds a reply, note or customer message to planned ticket idx.
func (l *loader) message(ctx context.Context, a desk.Actor, idx int, text string, internal, inbound bool, status *desk.Status) error {
	return l.add(ctx, a, idx, desk.NewMessage{Text: text, Internal: internal, Inbound: inbound, Status: status})
}

// add adds message in to planned ticket idx.
func (l *loader) add(ctx context.Context, a desk.Actor, idx int, in desk.NewMessage) error {
	if _, err := l.tickets.AddMessage(ctx, a, l.ids[idx], in); err != nil {
		return fmt.Errorf("add message to ticket %d: %w", l.ids[idx], err)
	}
	l.res.Messages++
	return nil
}

// enrich gives contact ci, created by its first ticket, its other
// addresses, phones and company.
func (l *loader) enrich(ctx context.Context, ci int, id int64) error {
	if _, done := l.contact[ci]; done {
		return nil
	}
	l.contact[ci] = id
	l.res.Contacts++
	cs := contactSpecs[ci]
	em := emails(cs)
	phones := append([]string(nil), cs.phones...)
	u := contact.Update{Emails: &em, Phones: &phones}
	if cs.company >= 0 {
		u.CompanyID = &l.companies[cs.company].ID
	}
	if _, err := l.contacts.Update(ctx, desk.System, id, u); err != nil {
		return fmt.Errorf("update contact %s: %w", cs.name, err)
	}
	return nil
}
