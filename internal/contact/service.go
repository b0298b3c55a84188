// Package contact is the customer directory: contacts with several emails
// and phones, and their companies.
package contact

import (
	"context"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// Service implements contact operations. Construct with New.
type Service struct{}

// Update is a partial change to a contact; nil fields are unchanged.
type Update struct {
	Name      *string
	Emails    *[]string // replaces the set; the first is primary; must stay non-empty
	Phones    *[]string
	CompanyID *int64 // 0 clears
}

// Get returns one contact.
func (s *Service) Get(ctx context.Context, a desk.Actor, id int64) (desk.Contact, error) {
	panic("not implemented yet")
}

// FindByEmail returns the contact owning that address (case-insensitive).
func (s *Service) FindByEmail(ctx context.Context, a desk.Actor, email string) (desk.Contact, error) {
	panic("not implemented yet")
}

// List returns contacts whose name or email contains q, by name, keyset paged.
func (s *Service) List(ctx context.Context, a desk.Actor, q, cursor string, limit int) (items []desk.Contact, next string, err error) {
	panic("not implemented yet")
}

// Update changes a contact.
func (s *Service) Update(ctx context.Context, a desk.Actor, id int64, u Update) (desk.Contact, error) {
	panic("not implemented yet")
}

// Companies lists companies by name.
func (s *Service) Companies(ctx context.Context, a desk.Actor) ([]desk.Company, error) {
	panic("not implemented yet")
}

// CreateCompany adds a company.
func (s *Service) CreateCompany(ctx context.Context, a desk.Actor, name, domain string) (desk.Company, error) {
	panic("not implemented yet")
}

// New returns the contact service.
func New(st *store.Store, clk desk.Clock) *Service { panic("not implemented yet") }
