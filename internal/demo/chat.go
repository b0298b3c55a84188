package demo

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
)

// SiteURL is the demo company's website, where the sample chats happened.
const SiteURL = "https://www.switchboard.example"

// chatPage is a page of the demo site a visitor opened.
type chatPage struct{ path, title string }

// chatLine is one message of a sample chat: by the visitor or the agent,
// some minutes after the one before.
type chatLine struct {
	agent bool
	after int // minutes
	text  string
}

// chatScript is one sample chat: who, when, the pages they looked at
// (an earlier visit first when earlier is set), what was said, and how
// they rated it (0: they did not).
type chatScript struct {
	contact int // index into contactSpecs; -1 for an anonymous visitor
	name    string
	agent   int // index into agentSpecs: who accepts
	ago     time.Duration
	earlier []chatPage
	pages   []chatPage
	lang    string
	tz      string
	lines   []chatLine
	rating  int
	comment string
	open    bool // left queued, ringing
	signed  bool // signed in on the site: the widget carries their signed identity (verified)
}

var chatScripts = []chatScript{
	{contact: 16, agent: 1, ago: 5*24*time.Hour + 3*time.Hour, lang: "en-US", tz: "America/Los_Angeles",
		earlier: []chatPage{{"/", "Switchboard — the help desk for small teams"}, {"/features", "Features · Switchboard"}},
		pages:   []chatPage{{"/", "Switchboard — the help desk for small teams"}, {"/pricing", "Pricing · Switchboard"}},
		lines: []chatLine{
			{false, 0, "Hi! Is the Team plan billed per agent or per account?"},
			{true, 1, "Hi Emily, per agent: €29 a month each, or €24 when billed yearly."},
			{false, 2, "And can we switch to yearly later without losing anything?"},
			{true, 1, "Yes, any time under Billing, and everything stays as it is. What you already paid is credited to the first yearly invoice."},
			{false, 1, "Perfect, thanks!"},
		}, rating: 5, comment: "Quick and clear."},
	{contact: 0, agent: 0, ago: 3*24*time.Hour + 5*time.Hour, lang: "hr-HR", tz: "Europe/Zagreb",
		pages: []chatPage{{"/login", "Prijava · Switchboard"}, {"/help/password-reset", "Nova lozinka · Pomoć"}},
		lines: []chatLine{
			{false, 0, "Pozdrav, ne stiže mi e-mail za novu lozinku."},
			{true, 2, "Pozdrav Ivana! Vaš je sandučić bio pun pa je poruka vraćena. Upravo sam poslala novu, trebala bi stići za minutu."},
			{false, 3, "Stigla je, sve radi. Hvala!"},
		}, rating: 5},
	{contact: 19, agent: 5, ago: 2*24*time.Hour + 2*time.Hour, lang: "en-GB", tz: "Europe/London",
		pages: []chatPage{{"/docs/export", "Exporting your data · Docs"}, {"/docs/api", "REST API · Docs"}},
		lines: []chatLine{
			{false, 0, "Our CSV export of contacts stops at about 4,000 rows. Is that a limit?"},
			{true, 2, "Hi Oliver! Exports over 4,000 rows are built in the background and arrive by email with a download link. Could you check your spam folder?"},
			{false, 4, "Found it in spam. All 9,000 rows are there, thanks."},
			{true, 1, "Great! I'll add a note about this to the export page too."},
		}, rating: 4, comment: "Helpful, but the docs should say so."},
	{contact: 20, agent: 0, ago: 26 * time.Hour, lang: "de-DE", tz: "Europe/Berlin", signed: true,
		earlier: []chatPage{{"/account/billing", "Billing · Switchboard"}},
		pages:   []chatPage{{"/account/billing", "Billing · Switchboard"}, {"/account/invoices", "Invoices · Switchboard"}},
		lines: []chatLine{
			{false, 0, "Can I change the company address on an invoice that was already issued?"},
			{true, 1, "Hi Hannah, we can reissue it. Which invoice is it, and what is the new address?"},
			{false, 2, "INV-2026-4411: Schmidt & Partner GmbH, Torstraße 12, 10119 Berlin."},
			{true, 3, "Done: the corrected invoice is on your Invoices page and on its way by email."},
			{false, 1, "Wonderful, thank you!"},
		}, rating: 5, comment: "Super fast"},
	{contact: -1, name: "Lena", ago: 2 * time.Minute, lang: "en-IE", tz: "Europe/Dublin", open: true,
		pages: []chatPage{{"/", "Switchboard — the help desk for small teams"}, {"/pricing", "Pricing · Switchboard"}},
		lines: []chatLine{{false, 0, "Hi, do you offer a discount for non-profits? We are a small animal shelter."}}},
}

// chatChannel creates the demo's chat channel, open to the demo's own
// address (where the widget can be tried) and to the demo company's site,
// with an invitation on the pricing page.
func (l *loader) chatChannel(ctx context.Context, baseURL string) error {
	origins := []string{SiteURL, "http://localhost:8080", "http://127.0.0.1:8080"}
	if u, err := url.Parse(baseURL); err == nil && u.Host != "" {
		origins = append([]string{u.Scheme + "://" + u.Host}, origins...)
	}
	c, err := l.chat.CreateChannel(ctx, desk.System, chat.ChannelInput{Name: "Website", TeamID: &l.teams[0].ID,
		Origins: origins, Greeting: "Hi! Ask us anything: we usually answer within a minute.", Color: "#0b5cad",
		Prechat: desk.Prechat{Name: desk.FieldOptional, Email: desk.FieldOptional}, Active: true})
	if err != nil {
		return fmt.Errorf("demo: create chat channel: %w", err)
	}
	if _, err := l.chat.CreateInvitation(ctx, desk.System, c.ID, chat.InvitationInput{Name: "Pricing page",
		URLPattern: "*/pricing*", MinSeconds: 20, Greeting: "Comparing plans? Ask us which one fits your team.", Active: true}); err != nil {
		return fmt.Errorf("demo: create chat invitation: %w", err)
	}
	l.chatKey, l.chatSecret = c.PublicKey, c.IdentitySecret
	return nil
}

// planChats schedules the sample chats.
func (l *loader) planChats() {
	for _, s := range chatScripts {
		l.chatStory(s)
	}
}

// chatStory schedules one sample chat: the visitor's pages, the chat,
// the agent accepting and answering, the end and the rating.
func (l *loader) chatStory(s chatScript) {
	var token string
	var v chat.Visitor
	var c desk.Chat
	t := l.now.Add(-s.ago)
	name, email := s.name, ""
	if s.contact >= 0 {
		cs := contactSpecs[s.contact]
		name, email = cs.name, emails(cs)[0]
	}
	var id *chat.Identity
	if s.signed {
		uid := fmt.Sprintf("user-%d", 1000+s.contact)
		id = &chat.Identity{ID: uid, Email: email, Name: name, Hash: chat.IdentityHash(l.chatSecret, uid, email)}
	}
	browse := func(at time.Time, pages []chatPage) time.Time {
		for i, p := range pages {
			ref := ""
			if i == 0 {
				ref = "https://www.google.com/"
			}
			at = at.Add(time.Duration(40+20*i) * time.Second)
			l.at(at, func(ctx context.Context) error {
				w, err := l.chat.Connect(ctx, l.chatKey, chat.Hello{Token: token, Identity: id, URL: SiteURL + p.path, Title: p.title, Referrer: ref,
					Language: s.lang, TimeZone: s.tz, UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"})
				if err != nil {
					return fmt.Errorf("chat visitor: %w", err)
				}
				token = w.Token
				_, v, err = l.chat.Authenticate(ctx, l.chatKey, token)
				return err
			})
		}
		return at
	}
	if len(s.earlier) > 0 {
		browse(t.Add(-26*time.Hour), s.earlier)
	}
	t = browse(t.Add(-3*time.Minute), s.pages)
	actor := l.actor(s.agent)
	for i, line := range s.lines {
		t = t.Add(time.Duration(line.after) * time.Minute)
		switch {
		case i == 0:
			l.at(t, func(ctx context.Context) error {
				sent, err := l.chat.Start(ctx, v, chat.StartInput{Name: name, Email: email, Text: line.text, ClientID: "demo-1"})
				if err != nil {
					return fmt.Errorf("start chat: %w", err)
				}
				c = sent.Chat
				l.res.Tickets++
				l.res.Messages++
				if email == "" {
					l.res.Contacts++ // an anonymous visitor becomes a contact
				}
				return nil
			})
			if s.open {
				return
			}
			l.at(t.Add(30*time.Second), func(ctx context.Context) error {
				_, err := l.chat.Accept(ctx, actor, c.ID)
				return err
			})
		case line.agent:
			l.at(t, func(ctx context.Context) error {
				if _, err := l.tickets.AddMessage(ctx, actor, c.TicketID, desk.NewMessage{Text: line.text}); err != nil {
					return fmt.Errorf("answer chat %d: %w", c.ID, err)
				}
				l.res.Messages++
				return nil
			})
		default:
			cid := fmt.Sprintf("demo-%d", i+1)
			l.at(t, func(ctx context.Context) error {
				if _, err := l.chat.Post(ctx, v, line.text, cid, nil); err != nil {
					return fmt.Errorf("visitor message in chat %d: %w", c.ID, err)
				}
				l.res.Messages++
				return nil
			})
		}
	}
	l.at(t.Add(time.Minute), func(ctx context.Context) error {
		_, err := l.chat.End(ctx, actor, c.ID, true)
		return err
	})
	if s.rating > 0 {
		l.at(t.Add(90*time.Second), func(ctx context.Context) error {
			_, err := l.chat.Rate(ctx, v, s.rating, s.comment)
			return err
		})
	}
}
