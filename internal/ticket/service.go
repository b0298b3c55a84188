// Package ticket is the ticket capability: creating and listing tickets,
// changing their fields, the thread of replies and internal notes, merging,
// and the timeline of every change. Every method authorizes its actor,
// validates input, writes in one transaction and publishes a realtime event
// after commit.
package ticket

import (
	"context"
	"io"

	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
)

// Service implements ticket operations. Construct with New.
type Service struct { /* filled by the implementation */
}

// Create opens a ticket with its first message, creating the requester
// contact if unknown. Defaults: priority normal, channel api, status new.
func (s *Service) Create(ctx context.Context, a desk.Actor, in desk.NewTicket) (desk.Ticket, error) {
	panic("not implemented yet")
}

// Get returns one ticket by id (ENotFound if absent).
func (s *Service) Get(ctx context.Context, a desk.Actor, id int64) (desk.Ticket, error) {
	panic("not implemented yet")
}

// GetByNumber returns one ticket by its human number.
func (s *Service) GetByNumber(ctx context.Context, a desk.Actor, number int64) (desk.Ticket, error) {
	panic("not implemented yet")
}

// List returns one page of tickets matching f, most recent activity first,
// with keyset pagination.
func (s *Service) List(ctx context.Context, a desk.Actor, f desk.TicketFilter) (desk.TicketPage, error) {
	panic("not implemented yet")
}

// Update applies a partial change and records each changed field in the
// timeline. Resolving sets resolved_at; reopening clears it.
func (s *Service) Update(ctx context.Context, a desk.Actor, id int64, u desk.TicketUpdate) (desk.Ticket, error) {
	panic("not implemented yet")
}

// AddMessage adds a public reply or internal note. The first public
// outbound reply sets first_response_at; a reply to a new ticket opens it;
// an inbound message on a pending/resolved ticket reopens it. If in.Status
// is set, the status changes in the same transaction.
func (s *Service) AddMessage(ctx context.Context, a desk.Actor, ticketID int64, in desk.NewMessage) (desk.Message, error) {
	panic("not implemented yet")
}

// Messages returns the whole thread, oldest first, including messages of
// tickets merged into this one.
func (s *Service) Messages(ctx context.Context, a desk.Actor, ticketID int64) ([]desk.Message, error) {
	panic("not implemented yet")
}

// Timeline returns every change to the ticket, oldest first.
func (s *Service) Timeline(ctx context.Context, a desk.Actor, ticketID int64) ([]desk.Event, error) {
	panic("not implemented yet")
}

// Merge moves source's messages into target (both must have the same
// requester), closes source with merged_into set, and records both sides in
// the timelines. It returns the updated target.
func (s *Service) Merge(ctx context.Context, a desk.Actor, sourceID, targetID int64) (desk.Ticket, error) {
	panic("not implemented yet")
}

// Counts returns the live counts of the inbox views for the actor.
func (s *Service) Counts(ctx context.Context, a desk.Actor) (desk.ViewCounts, error) {
	panic("not implemented yet")
}

// Attachment opens a stored attachment's content.
func (s *Service) Attachment(ctx context.Context, a desk.Actor, id int64) (desk.Attachment, io.ReadCloser, error) {
	panic("not implemented yet")
}

// New returns the ticket service.
func New(st *store.Store, br realtime.Broker, clk desk.Clock) *Service { panic("not implemented yet") }
