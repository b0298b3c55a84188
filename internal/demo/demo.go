// Package demo loads realistic sample data — agents, teams, companies,
// multilingual contacts, a few hundred tickets with threads across every
// channel and status, and a chat channel with past chats (visitors, pages,
// ratings) and one waiting — through the services, never raw SQL. The
// data is deterministic (seeded) and spread over the four weeks before a
// given time by driving the services with a FixedClock.
package demo

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"switchboard/internal/chat"
	"switchboard/internal/contact"
	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

// The demo login: the admin's email, and the password of every demo agent.
const (
	AdminEmail = "admin@switchboard.example"
	Password   = "switchboard-demo"
)

// SupportAddress is the demo company's support address, as customers'
// mail clients quote it.
const SupportAddress = "support@switchboard.example"

// span is how far back the sample history reaches.
const span = 28 * 24 * time.Hour

// Login tells how to sign in to a demo installation.
type Login struct {
	Email    string
	Password string
}

// Result counts what Load created.
type Result struct {
	Agents, Teams, Companies, Contacts, Tickets, Messages, Merged, Canned int
}

// Options tune Load. The zero value loads the standard sample.
type Options struct {
	// Tickets is how many customer conversations to create (default 300).
	Tickets int
	// Seed makes a different but still deterministic sample.
	Seed uint64
	// BaseURL is where the demo is served: its chat channel allows that
	// origin, so the widget can be tried there.
	BaseURL string
}

// Load creates the sample in st as it would have happened over the four
// weeks before now. It expects an empty database.
func Load(ctx context.Context, st *store.Store, now time.Time) (Result, error) {
	return LoadWith(ctx, st, now, Options{})
}

// LoadWith is Load with options.
func LoadWith(ctx context.Context, st *store.Store, now time.Time, o Options) (Result, error) {
	if o.Tickets <= 0 {
		o.Tickets = 300
	}
	now = now.UTC().Truncate(time.Second)
	clk := desk.NewFixedClock(now.Add(-span - 48*time.Hour))
	br := realtime.NewLocal(0)
	l := &loader{
		rng:      rand.New(rand.NewPCG(2026, 11+o.Seed)),
		clk:      clk,
		now:      now,
		tickets:  ticket.New(st, br, clk),
		contacts: contact.New(st, clk),
		team:     team.New(st, clk),
		contact:  map[int]int64{},
		st:       st,
	}
	l.chat = chat.New(st, l.tickets, br, clk, chat.Options{})
	if err := l.people(ctx); err != nil {
		return l.res, err
	}
	if err := l.cannedResponses(ctx); err != nil {
		return l.res, err
	}
	if err := l.chatChannel(ctx, o.BaseURL); err != nil {
		return l.res, err
	}
	l.plan(o.Tickets)
	l.planChats()
	if err := l.run(ctx); err != nil {
		return l.res, err
	}
	return l.res, nil
}

// step is one action at one moment of the sample history.
type step struct {
	at  time.Time
	seq int
	do  func(ctx context.Context) error
}

type loader struct {
	rng        *rand.Rand
	clk        *desk.FixedClock
	now        time.Time
	tickets    *ticket.Service
	contacts   *contact.Service
	team       *team.Service
	st         *store.Store
	chat       *chat.Service // installed as the tickets' outbox: replies in a chat go to it
	chatKey    string        // the demo chat channel's public key
	chatSecret string        // and its identity secret, to sign a signed-in visitor

	agents    []desk.Agent
	teams     []desk.Team
	companies []desk.Company
	contact   map[int]int64 // contactSpecs index → contact id, once created
	ids       []int64       // planned ticket index → ticket id, once created
	steps     []step
	res       Result
}

// people creates companies, agents and teams at the start of the history.
func (l *loader) people(ctx context.Context) error {
	for _, c := range companySpecs {
		co, err := l.contacts.CreateCompany(ctx, desk.System, c.name, c.domain)
		if err != nil {
			return fmt.Errorf("demo: create company %s: %w", c.name, err)
		}
		l.companies = append(l.companies, co)
	}
	l.res.Companies = len(l.companies)
	for _, a := range agentSpecs {
		role := desk.RoleAgent
		if a.admin {
			role = desk.RoleAdmin
		}
		ag, err := l.team.CreateAgent(ctx, desk.System, team.NewAgent{Email: a.email, Name: a.name, Role: role, Password: Password})
		if err != nil {
			return fmt.Errorf("demo: create agent %s: %w", a.email, err)
		}
		l.agents = append(l.agents, ag)
		l.clk.Advance(time.Minute)
	}
	l.res.Agents = len(l.agents)
	for ti, name := range teamNames {
		var members []int64
		for ai, a := range agentSpecs {
			if slices.Contains(a.teams, ti) {
				members = append(members, l.agents[ai].ID)
			}
		}
		tm, err := l.team.CreateTeam(ctx, desk.System, name, members)
		if err != nil {
			return fmt.Errorf("demo: create team %s: %w", name, err)
		}
		l.teams = append(l.teams, tm)
	}
	l.res.Teams = len(l.teams)
	return nil
}

// actor returns the actor of demo agent i.
func (l *loader) actor(i int) desk.Actor {
	a := l.agents[i]
	return desk.Actor{Kind: desk.ActorAgent, AgentID: a.ID, Name: a.Name, Role: a.Role}
}

// agentFor picks an agent of team ti (any agent when ti < 0).
func (l *loader) agentFor(ti int) int {
	var c []int
	for i, a := range agentSpecs {
		if ti < 0 || slices.Contains(a.teams, ti) {
			c = append(c, i)
		}
	}
	return c[l.rng.IntN(len(c))]
}

// at schedules do at t, unless t is not yet in the past.
func (l *loader) at(t time.Time, do func(ctx context.Context) error) bool {
	if !t.Before(l.now.Add(-time.Minute)) {
		return false
	}
	l.steps = append(l.steps, step{at: t, seq: len(l.steps), do: do})
	return true
}

// run executes the steps in time order with the clock set to each.
func (l *loader) run(ctx context.Context) error {
	slices.SortStableFunc(l.steps, func(a, b step) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.seq, b.seq))
	})
	for _, s := range l.steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.clk.Set(s.at)
		if err := s.do(ctx); err != nil {
			return fmt.Errorf("demo: at %s: %w", s.at.Format(time.DateTime), err)
		}
	}
	l.clk.Set(l.now)
	return nil
}

// plan lays out n conversations over the history, busier in working hours.
func (l *loader) plan(n int) {
	times := make([]time.Time, n)
	for i := range times {
		for {
			t := l.now.Add(-time.Duration(l.rng.Int64N(int64(span))))
			h := t.Hour()
			weekend := t.Weekday() == time.Saturday || t.Weekday() == time.Sunday
			if (h >= 7 && h <= 18 && !weekend) || l.rng.IntN(5) == 0 {
				times[i] = t.Truncate(time.Second)
				break
			}
		}
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	l.ids = make([]int64, 0, n+n/10)
	for i, t0 := range times {
		ci := i % len(contactSpecs)
		if i >= len(contactSpecs) {
			ci = l.rng.IntN(len(contactSpecs))
		}
		if l.rng.IntN(100) < 4 {
			l.spam(t0)
			continue
		}
		l.story(t0, ci)
	}
}

var channelWeights = []struct {
	c desk.Channel
	w int
}{
	{desk.ChannelEmail, 45}, {desk.ChannelChat, 20}, {desk.ChannelPortal, 12}, {desk.ChannelForm, 8},
	{desk.ChannelAPI, 5}, {desk.ChannelPhone, 6}, {desk.ChannelSocial, 4},
}

func (l *loader) channel() desk.Channel {
	n := l.rng.IntN(100)
	for _, cw := range channelWeights {
		if n < cw.w {
			return cw.c
		}
		n -= cw.w
	}
	return desk.ChannelEmail
}

// minutes returns a random duration between lo and hi minutes.
func (l *loader) minutes(lo, hi int) time.Duration {
	return time.Duration(lo+l.rng.IntN(hi-lo+1)) * time.Minute
}

func (l *loader) pick(s []string) string { return s[l.rng.IntN(len(s))] }

// inLang returns the text for lang, falling back to English.
func inLang[T any](m map[string]T, lang string) T {
	if v, ok := m[lang]; ok {
		return v
	}
	return m["en"]
}

// spam schedules an unsolicited message that an agent marks as spam.
func (l *loader) spam(t0 time.Time) {
	idx := l.newIndex()
	subj := l.pick(spamSubjects)
	from := fmt.Sprintf("promo%d@bulk-mailer.example", l.rng.IntN(900)+100)
	l.at(t0, func(ctx context.Context) error {
		tk, err := l.tickets.Create(ctx, desk.System, desk.NewTicket{
			Subject: subj, Body: subj + "\n\nClick here to claim your offer. Unsubscribe anytime.",
			Requester: desk.ContactInput{Email: from, Name: "Marketing Team"},
			Channel:   desk.ChannelEmail, Inbound: true,
		})
		if err != nil {
			return fmt.Errorf("create spam ticket: %w", err)
		}
		l.ids[idx] = tk.ID
		l.res.Tickets++
		l.res.Messages++
		l.res.Contacts++
		return nil
	})
	ai := l.agentFor(-1)
	st := desk.StatusSpam
	l.at(t0.Add(l.minutes(5, 120)), func(ctx context.Context) error {
		_, err := l.tickets.Update(ctx, l.actor(ai), l.ids[idx], desk.TicketUpdate{Status: &st})
		return err
	})
}

func (l *loader) newIndex() int {
	l.ids = append(l.ids, 0)
	return len(l.ids) - 1
}

// fill replaces the placeholders of a template.
func (l *loader) fill(s string, cs contactSpec, agent string) string {
	company := "our company"
	if cs.company >= 0 {
		company = companySpecs[cs.company].name
	}
	first, _, _ := strings.Cut(cs.name, " ")
	return strings.NewReplacer(
		"{name}", cs.name, "{first}", first, "{company}", company, "{agent}", agent,
		"{amount}", fmt.Sprintf("€%d.00", 29+10*l.rng.IntN(12)),
		"{invoice}", fmt.Sprintf("INV-2026-%04d", 1000+l.rng.IntN(9000)),
	).Replace(s)
}

// emails returns a contact's addresses, primary first.
func emails(cs contactSpec) []string {
	if cs.company >= 0 {
		return []string{cs.user + "@" + companySpecs[cs.company].domain, cs.user + "@mail.example"}
	}
	if len(cs.user)%2 == 0 {
		return []string{cs.user + "@mail.example", cs.user + "@inbox.example"}
	}
	return []string{cs.user + "@mail.example"}
}
