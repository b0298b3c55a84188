package api

import (
	"encoding/json"
	"net/http"
	"time"

	"switchboard/internal/desk"
)

// The response bodies. They are declared here rather than reusing the domain
// types' tags so the wire format (the stable contract of DESIGN.md) is
// visible in one file: arrays are never null and every time is RFC 3339 UTC.

// Ticket is the API form of a ticket.
type Ticket struct {
	ID              int64             `json:"id"`
	Number          int64             `json:"number"`
	Subject         string            `json:"subject"`
	Status          desk.Status       `json:"status"`
	Priority        desk.Priority     `json:"priority"`
	Channel         desk.Channel      `json:"channel"`
	Requester       desk.ContactRef   `json:"requester"`
	Assignee        *desk.AgentRef    `json:"assignee"`
	Team            *desk.TeamRef     `json:"team"`
	Tags            []string          `json:"tags"`
	CustomFields    map[string]string `json:"custom_fields"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
	FirstResponseAt *time.Time        `json:"first_response_at"`
	ResolvedAt      *time.Time        `json:"resolved_at"`
	LastActivityAt  time.Time         `json:"last_activity_at"`
	Preview         string            `json:"preview"`
	MessageCount    int               `json:"message_count"`
	MergedInto      *int64            `json:"merged_into"`
}

// Message is the API form of a reply or note.
type Message struct {
	ID          int64             `json:"id"`
	TicketID    int64             `json:"ticket_id"`
	Kind        desk.MessageKind  `json:"kind"`
	Internal    bool              `json:"internal"`
	Direction   desk.Direction    `json:"direction"`
	Channel     desk.Channel      `json:"channel"`
	Author      *desk.AgentRef    `json:"author"`
	Contact     *desk.ContactRef  `json:"contact"`
	Text        string            `json:"text"`
	HTML        string            `json:"html"`
	Attachments []desk.Attachment `json:"attachments"`
	CreatedAt   time.Time         `json:"created_at"`
	// FullText is the whole text of an email whose Text is only what the
	// sender wrote now (quoted history and signature stripped); "" when
	// nothing was stripped.
	FullText string `json:"full_text"`
	// Delivery is the state of the email carrying an outbound reply; null
	// when it was not sent by email.
	Delivery *Delivery `json:"delivery"`
}

// Delivery is the API form of an outbound reply's email state.
type Delivery struct {
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error"`
	SentAt    *time.Time `json:"sent_at"`
	To        string     `json:"to"`
}

// Contact is the API form of a customer.
type Contact struct {
	ID        int64         `json:"id"`
	Name      string        `json:"name"`
	Email     string        `json:"email"` // the primary address
	Emails    []string      `json:"emails"`
	Phones    []string      `json:"phones"`
	Company   *desk.Company `json:"company"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// Agent is the API form of an agent.
type Agent struct {
	ID      int64     `json:"id"`
	Email   string    `json:"email"`
	Name    string    `json:"name"`
	Role    desk.Role `json:"role"`
	Active  bool      `json:"active"`
	TeamIDs []int64   `json:"team_ids"`
}

// Team is the API form of a team.
type Team struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	AgentIDs  []int64   `json:"agent_ids"`
	CreatedAt time.Time `json:"created_at"`
}

// Event is the API form of a timeline entry.
type Event struct {
	ID       int64     `json:"id"`
	TicketID int64     `json:"ticket_id"`
	Actor    string    `json:"actor"`
	AgentID  *int64    `json:"agent_id"`
	Action   string    `json:"action"`
	Field    string    `json:"field"`
	Old      string    `json:"old"`
	New      string    `json:"new"`
	At       time.Time `json:"at"`
}

// list is the envelope of every collection: {items, next_cursor}, where
// next_cursor is null on the last page.
type list[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func cursorPtr(c string) *string {
	if c == "" {
		return nil
	}
	return &c
}

func ticketOut(t desk.Ticket) Ticket {
	cf := t.CustomFields
	if cf == nil {
		cf = map[string]string{}
	}
	return Ticket{
		ID: t.ID, Number: t.Number, Subject: t.Subject, Status: t.Status,
		Priority: t.Priority, Channel: t.Channel, Requester: t.Requester,
		Assignee: t.Assignee, Team: t.Team, Tags: nonNil(t.Tags), CustomFields: cf,
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(),
		FirstResponseAt: utcPtr(t.FirstResponseAt), ResolvedAt: utcPtr(t.ResolvedAt),
		LastActivityAt: t.LastActivityAt.UTC(), Preview: t.Preview,
		MessageCount: t.MessageCount, MergedInto: t.MergedInto,
	}
}

func messageOut(m desk.Message) Message {
	return Message{
		ID: m.ID, TicketID: m.TicketID, Kind: m.Kind, Internal: m.Internal,
		Direction: m.Direction, Channel: m.Channel, Author: m.Author, Contact: m.Contact,
		Text: m.Text, HTML: m.HTML, Attachments: nonNil(m.Attachments), CreatedAt: m.CreatedAt.UTC(),
		FullText: m.FullText, Delivery: deliveryOut(m.Delivery),
	}
}

func deliveryOut(d *desk.Delivery) *Delivery {
	if d == nil {
		return nil
	}
	out := &Delivery{Status: d.Status, Attempts: d.Attempts, LastError: d.LastError, To: d.To}
	if d.SentAt != nil {
		t := d.SentAt.UTC()
		out.SentAt = &t
	}
	return out
}

func contactOut(c desk.Contact) Contact {
	out := Contact{
		ID: c.ID, Name: c.Name, Emails: nonNil(c.Emails), Phones: nonNil(c.Phones),
		Company: c.Company, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
	}
	if len(c.Emails) > 0 {
		out.Email = c.Emails[0]
	}
	return out
}

func agentOut(a desk.Agent) Agent {
	return Agent{ID: a.ID, Email: a.Email, Name: a.Name, Role: a.Role, Active: a.Active, TeamIDs: nonNil(a.TeamIDs)}
}

func teamOut(t desk.Team) Team {
	return Team{ID: t.ID, Name: t.Name, AgentIDs: nonNil(t.AgentIDs), CreatedAt: t.CreatedAt.UTC()}
}

func eventOut(e desk.Event) Event {
	return Event{
		ID: e.ID, TicketID: e.TicketID, Actor: e.Actor, AgentID: e.AgentID,
		Action: e.Action, Field: e.Field, Old: e.Old, New: e.New, At: e.At.UTC(),
	}
}

// mapSlice converts each element of in with f.
func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// writeJSON writes v as JSON with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
