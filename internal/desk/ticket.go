package desk

import (
	"slices"
	"strings"
	"time"
)

// Status is a ticket's state in its lifecycle.
type Status string

// Ticket statuses.
const (
	StatusNew      Status = "new"
	StatusOpen     Status = "open"
	StatusPending  Status = "pending"
	StatusResolved Status = "resolved"
	StatusClosed   Status = "closed"
	StatusSpam     Status = "spam"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusNew, StatusOpen, StatusPending, StatusResolved, StatusClosed, StatusSpam}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Active reports whether a ticket in this status still needs work (new or open).
func (s Status) Active() bool { return s == StatusNew || s == StatusOpen }

// Priority is a ticket's urgency.
type Priority string

// Ticket priorities.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists every priority from lowest to highest.
var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return slices.Contains(Priorities, p) }

// Channel is how a conversation reached us.
type Channel string

// Channels.
const (
	ChannelEmail  Channel = "email"
	ChannelChat   Channel = "chat"
	ChannelPortal Channel = "portal"
	ChannelForm   Channel = "form"
	ChannelAPI    Channel = "api"
	ChannelPhone  Channel = "phone"
	ChannelSocial Channel = "social"
)

// Channels lists every channel.
var Channels = []Channel{ChannelEmail, ChannelChat, ChannelPortal, ChannelForm, ChannelAPI, ChannelPhone, ChannelSocial}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// ContactRef is the short form of a contact embedded in a ticket.
type ContactRef struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// AgentRef is the short form of an agent embedded in a ticket or message.
type AgentRef struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// TeamRef is the short form of a team embedded in a ticket.
type TeamRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Ticket is one conversation with one requester.
type Ticket struct {
	ID              int64             `json:"id"`
	Number          int64             `json:"number"`
	Subject         string            `json:"subject"`
	Status          Status            `json:"status"`
	Priority        Priority          `json:"priority"`
	Channel         Channel           `json:"channel"`
	Requester       ContactRef        `json:"requester"`
	Assignee        *AgentRef         `json:"assignee"`
	Team            *TeamRef          `json:"team"`
	Tags            []string          `json:"tags"`
	CustomFields    map[string]string `json:"custom_fields"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
	FirstResponseAt *time.Time        `json:"first_response_at"`
	ResolvedAt      *time.Time        `json:"resolved_at"`
	// LastActivityAt is when the last message was added (the inbox sort key).
	LastActivityAt time.Time `json:"last_activity_at"`
	// Preview is the start of the last public message's text, for list rows.
	Preview      string `json:"preview"`
	MessageCount int    `json:"message_count"`
	// MergedInto is the id of the ticket this one was merged into, if any.
	MergedInto *int64 `json:"merged_into"`
}

// NewTicket is the input to create a ticket.
type NewTicket struct {
	Subject   string
	Body      string // plain text of the first message
	HTML      string // optional HTML of the first message (sanitized by the service)
	Requester ContactInput
	// RequesterID names an existing contact as the requester instead of
	// Requester (a chat visitor who gave no email address).
	RequesterID  int64
	Priority     Priority // default normal
	Channel      Channel  // default api
	Tags         []string
	TeamID       *int64
	AssigneeID   *int64
	CustomFields map[string]string
	// Inbound reports whether the first message came from the customer
	// (true for email, chat, portal, API on behalf of a customer) or is an
	// outbound message an agent started (false).
	Inbound bool
	// Attachments of the first message.
	Attachments []NewAttachment
	// FullText is the whole text of the first message when Body holds only
	// what an email's sender wrote now (see Message.FullText).
	FullText string
	// Status is the initial status; "" means new.
	Status Status
}

// ContactInput identifies a requester by email, creating the contact if needed.
type ContactInput struct {
	Email string
	Name  string
}

// TicketUpdate is a partial change; nil fields are left unchanged.
// ClearAssignee/ClearTeam unassign.
type TicketUpdate struct {
	Status        *Status
	Priority      *Priority
	AssigneeID    *int64
	ClearAssignee bool
	TeamID        *int64
	ClearTeam     bool
	Tags          *[]string // replaces the whole set
	AddTags       []string
	RemoveTags    []string
	Subject       *string
	CustomFields  map[string]string // merged; an empty value deletes the key
	RequesterID   *int64            // another existing contact becomes the requester
}

// TicketFilter selects tickets for a list. Zero values mean "any".
type TicketFilter struct {
	Statuses    []Status
	AssigneeID  *int64 // with Unassigned false
	Unassigned  bool
	TeamID      *int64
	Tag         string
	Priority    Priority
	Channel     Channel
	RequesterID *int64
	Query       string // full-text over subject and message text; "#123" or "123" also matches the number
	Cursor      string // opaque, from a previous page's NextCursor
	Limit       int    // default 25, max 100
}

// TicketPage is one page of a ticket list, newest activity first.
type TicketPage struct {
	Items      []Ticket `json:"items"`
	NextCursor string   `json:"next_cursor"`
}

// ViewCounts holds the live counts shown beside the inbox views.
type ViewCounts struct {
	Mine       int           `json:"mine"`
	Unassigned int           `json:"unassigned"`
	Open       int           `json:"open"`
	Pending    int           `json:"pending"`
	Teams      map[int64]int `json:"teams"` // active tickets per team
}

// Join lists values for a message, e.g. "low, normal, high, urgent" for
// Priorities, so messages follow the lists above.
func Join[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
