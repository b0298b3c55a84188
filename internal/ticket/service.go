// Package ticket is the ticket capability: creating and listing tickets,
// changing their fields, the thread of replies and internal notes, merging,
// and the timeline of every change. Every method authorizes its actor,
// validates input, writes in one transaction and publishes a realtime event
// after commit.
package ticket

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"

	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
)

// MaxSubjectLength is the longest subject accepted, in characters.
const MaxSubjectLength = 500

// Service implements ticket operations. Construct with New.
type Service struct {
	st     *store.Store
	br     realtime.Broker
	clk    desk.Clock
	policy *bluemonday.Policy
	outbox Outbox
}

// Outbox delivers public outbound messages to the customer (by email, or
// later other channels). Send runs inside the write transaction that adds
// the message, so the message and its delivery job commit together: the
// delivery is queued durably, never lost, and never queued for a message
// that was rolled back.
type Outbox interface {
	Send(ctx context.Context, tx *store.Tx, t desk.Ticket, m desk.Message) error
}

// SetOutbox installs the outbox that public replies go through (nil: none).
// Call it before serving.
func (s *Service) SetOutbox(o Outbox) { s.outbox = o }

// Publish announces a change made through a *Tx method of this service
// after its transaction committed.
func (s *Service) Publish(ctx context.Context, typ string, ticketID int64, a desk.Actor) {
	s.publish(ctx, typ, ticketID, a)
}

// New returns the ticket service. A nil broker publishes nothing; a nil
// clock is the system clock.
func New(st *store.Store, br realtime.Broker, clk desk.Clock) *Service {
	if clk == nil {
		clk = desk.SystemClock{}
	}
	return &Service{st: st, br: br, clk: clk, policy: messagePolicy()}
}

func (s *Service) now() time.Time { return store.Now(s.clk.Now()) }

func (s *Service) publish(ctx context.Context, typ string, ticketID int64, a desk.Actor) {
	if s.br == nil {
		return
	}
	s.br.Publish(ctx, realtime.Event{Type: typ, TicketID: ticketID, AgentID: a.AgentID, At: s.clk.Now().UTC()})
}

// agentPtr is the actor's agent id for events, nil for the system.
func agentPtr(a desk.Actor) *int64 {
	if a.AgentID == 0 {
		return nil
	}
	id := a.AgentID
	return &id
}

func actorName(a desk.Actor) string {
	if a.Name != "" {
		return a.Name
	}
	if a.Kind == desk.ActorSystem {
		return "System"
	}
	return "Agent"
}

func event(a desk.Actor, ticketID int64, at time.Time, action, field, old, new string) desk.Event {
	return desk.Event{TicketID: ticketID, Actor: actorName(a), AgentID: agentPtr(a), Action: action, Field: field, Old: old, New: new, At: at}
}

func invalid(field, why string) error {
	return &desk.Error{Code: desk.EInvalid, Message: "Please check the " + field + ".", Fields: map[string]string{field: why}}
}

// messagePolicy is bluemonday's policy for user content, plus the image
// sources email uses for pictures inside the message: cid: (an inline part
// of the same message, shown from its stored attachment) and data:image/.
func messagePolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemeWithCustomPolicy("cid", func(*url.URL) bool { return true })
	p.AllowDataURIImages()
	return p
}

// body sanitizes html and derives the text when only HTML is given.
func (s *Service) body(text, html string) (string, string) {
	text = strings.TrimSpace(text)
	if strings.TrimSpace(html) == "" {
		return text, ""
	}
	clean := strings.TrimSpace(s.policy.Sanitize(html))
	if text == "" {
		text = HTMLToText(clean)
	}
	return text, clean
}

// Create opens a ticket with its first message, creating the requester
// contact if unknown. Defaults: priority normal, channel api, status new.
func (s *Service) Create(ctx context.Context, a desk.Actor, in desk.NewTicket) (desk.Ticket, error) {
	var t desk.Ticket
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		t, _, err = s.CreateTx(ctx, tx, a, in)
		return err
	})
	if err != nil {
		return desk.Ticket{}, err
	}
	s.publish(ctx, realtime.TicketCreated, t.ID, a)
	return t, nil
}

// CreateTx is Create inside the caller's write transaction, also
// returning the first message; the caller publishes
// realtime.TicketCreated (Publish) after it commits.
func (s *Service) CreateTx(ctx context.Context, tx *store.Tx, a desk.Actor, in desk.NewTicket) (desk.Ticket, desk.Message, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Ticket{}, desk.Message{}, err
	}
	fields := map[string]string{}
	subject := strings.TrimSpace(in.Subject)
	if subject == "" {
		fields["subject"] = "required"
	} else if utf8.RuneCountInString(subject) > MaxSubjectLength {
		fields["subject"] = "at most 500 characters"
	}
	text, html := s.body(in.Body, in.HTML)
	if text == "" && len(in.Attachments) == 0 {
		fields["body"] = "required"
	}
	email, ok := NormalizeEmail(in.Requester.Email)
	if !ok && in.RequesterID == 0 {
		fields["requester.email"] = "a valid email address is required"
	}
	if in.Priority == "" {
		in.Priority = desk.PriorityNormal
	} else if !in.Priority.Valid() {
		fields["priority"] = "one of " + desk.Join(desk.Priorities)
	}
	if in.Channel == "" {
		in.Channel = desk.ChannelAPI
	} else if !in.Channel.Valid() {
		fields["channel"] = "unknown channel"
	}
	if in.Status == "" {
		in.Status = desk.StatusNew
	} else if !in.Status.Valid() {
		fields["status"] = "unknown status"
	}
	tags, err := NormalizeTags(in.Tags)
	if err != nil {
		fields["tags"] = "at most 50 characters per tag"
	}
	if why := checkFields(in.CustomFields); why != "" {
		fields["custom_fields"] = why
	}
	for _, f := range in.Attachments {
		if len(f.Data) > store.MaxAttachmentSize {
			fields["attachments"] = "at most 25 MiB per file"
		}
	}
	if len(fields) > 0 {
		return desk.Ticket{}, desk.Message{}, &desk.Error{Code: desk.EInvalid, Message: "Please correct the highlighted fields.", Fields: fields}
	}
	now := s.now()
	var t desk.Ticket
	var m desk.Message
	err = func() error {
		var req desk.ContactRef
		if in.RequesterID != 0 {
			c, err := tx.Contact(ctx, in.RequesterID)
			if err != nil {
				return err
			}
			req = desk.ContactRef{ID: c.ID, Name: c.Name}
			if len(c.Emails) > 0 {
				req.Email = c.Emails[0]
			}
		} else if req, _, err = tx.FindOrCreateRequester(ctx, email, strings.TrimSpace(in.Requester.Name), now); err != nil {
			return err
		}
		t = desk.Ticket{
			Subject: subject, Status: in.Status, Priority: in.Priority, Channel: in.Channel,
			Requester: req, CustomFields: cleanFields(in.CustomFields), Tags: tags,
			CreatedAt: now, UpdatedAt: now, LastActivityAt: now, Preview: Preview(text), MessageCount: 1,
		}
		if in.AssigneeID != nil {
			if t.Assignee, err = activeAgent(ctx, tx, *in.AssigneeID); err != nil {
				return err
			}
		}
		if in.TeamID != nil {
			if t.Team, err = existingTeam(ctx, tx, *in.TeamID); err != nil {
				return err
			}
		}
		if t.Status == desk.StatusResolved || t.Status == desk.StatusClosed {
			t.ResolvedAt = &now
		}
		m = desk.Message{Kind: desk.KindReply, Channel: t.Channel, Text: text, HTML: html, FullText: in.FullText, CreatedAt: now}
		if in.Inbound {
			m.Direction, m.Contact = desk.Inbound, &req
		} else {
			m.Direction = desk.Outbound
			if a.AgentID != 0 {
				m.Author = &desk.AgentRef{ID: a.AgentID}
			}
		}
		evs := []desk.Event{event(a, 0, now, "created", "", "", subject)}
		if t.Assignee != nil {
			evs = append(evs, event(a, 0, now, "assignee", "assignee", "", t.Assignee.Name))
		}
		if t.Team != nil {
			evs = append(evs, event(a, 0, now, "team", "team", "", t.Team.Name))
		}
		if len(tags) > 0 {
			evs = append(evs, event(a, 0, now, "tags", "tags", "", strings.Join(tags, ", ")))
		}
		if err := tx.CreateTicket(ctx, &t, text, &m, in.Attachments, evs); err != nil {
			return err
		}
		if !in.Inbound && s.outbox != nil {
			if m.Author != nil {
				m.Author.Name = a.Name
			}
			return s.outbox.Send(ctx, tx, t, m)
		}
		return nil
	}()
	if err != nil {
		return desk.Ticket{}, desk.Message{}, err
	}
	return t, m, nil
}

// Custom field limits.
const (
	MaxCustomFields     = 50   // fields per ticket
	MaxCustomFieldKey   = 64   // characters in a field name
	MaxCustomFieldValue = 2000 // characters in a value
)

// checkFields returns why a set of custom fields breaks the limits, or "".
func checkFields(m map[string]string) string {
	if len(m) > MaxCustomFields {
		return fmt.Sprintf("at most %d custom fields", MaxCustomFields)
	}
	for k, v := range m {
		if utf8.RuneCountInString(strings.TrimSpace(k)) > MaxCustomFieldKey {
			return fmt.Sprintf("field names have at most %d characters", MaxCustomFieldKey)
		}
		if utf8.RuneCountInString(v) > MaxCustomFieldValue {
			return fmt.Sprintf("values have at most %d characters", MaxCustomFieldValue)
		}
	}
	return ""
}

// cleanFields drops custom fields with empty keys or values.
func cleanFields(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if k = strings.TrimSpace(k); k != "" && v != "" {
			out[k] = v
		}
	}
	return out
}

func activeAgent(ctx context.Context, tx *store.Tx, id int64) (*desk.AgentRef, error) {
	ref, active, err := tx.AgentRef(ctx, id)
	if desk.IsNotFound(err) || err == nil && !active {
		return nil, invalid("assignee", "must be an active agent")
	}
	if err != nil {
		return nil, err
	}
	return &ref, nil
}

func existingTeam(ctx context.Context, tx *store.Tx, id int64) (*desk.TeamRef, error) {
	ref, err := tx.TeamRef(ctx, id)
	if desk.IsNotFound(err) {
		return nil, invalid("team", "no such team")
	}
	if err != nil {
		return nil, err
	}
	return &ref, nil
}

// Get returns one ticket by id (ENotFound if absent).
func (s *Service) Get(ctx context.Context, a desk.Actor, id int64) (desk.Ticket, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Ticket{}, err
	}
	return s.st.Read().Ticket(ctx, id)
}

// GetByNumber returns one ticket by its human number.
func (s *Service) GetByNumber(ctx context.Context, a desk.Actor, number int64) (desk.Ticket, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Ticket{}, err
	}
	return s.st.Read().TicketByNumber(ctx, number)
}

// List returns one page of tickets matching f, most recent activity first,
// with keyset pagination. Limit defaults to 25 and is capped at 100.
func (s *Service) List(ctx context.Context, a desk.Actor, f desk.TicketFilter) (desk.TicketPage, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.TicketPage{}, err
	}
	if f.Priority != "" && !f.Priority.Valid() {
		return desk.TicketPage{}, invalid("priority", "one of "+desk.Join(desk.Priorities))
	}
	if f.Channel != "" && !f.Channel.Valid() {
		return desk.TicketPage{}, invalid("channel", "unknown channel")
	}
	if f.Limit < 0 {
		return desk.TicketPage{}, invalid("limit", "must be positive")
	}
	return s.st.Read().ListTickets(ctx, f)
}

// Counts returns the live counts of the inbox views for the actor: Mine and
// Unassigned count active (new or open) tickets; Open counts new and open;
// Pending counts pending; Teams counts active tickets per team.
func (s *Service) Counts(ctx context.Context, a desk.Actor) (desk.ViewCounts, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.ViewCounts{}, err
	}
	return s.st.Read().Counts(ctx, a.AgentID)
}
