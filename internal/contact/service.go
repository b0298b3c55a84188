// Package contact is the customer directory: contacts with several emails
// and phones, and their companies.
package contact

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// Service implements contact operations. Construct with New.
type Service struct {
	st  *store.Store
	clk desk.Clock
}

// New returns the contact service. A nil clock is the system clock.
func New(st *store.Store, clk desk.Clock) *Service {
	if clk == nil {
		clk = desk.SystemClock{}
	}
	return &Service{st: st, clk: clk}
}

// Update is a partial change to a contact; nil fields are unchanged.
type Update struct {
	Name      *string
	Emails    *[]string // replaces the set; the first is primary; must stay non-empty
	Phones    *[]string
	CompanyID *int64 // 0 clears
	// CompanyName sets the company by name (ignoring case), creating it
	// if there is none; it takes precedence over CompanyID when not empty.
	CompanyName *string
}

// Get returns one contact.
func (s *Service) Get(ctx context.Context, a desk.Actor, id int64) (desk.Contact, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Contact{}, err
	}
	return s.st.Read().Contact(ctx, id)
}

// FindByEmail returns the contact owning that address (case-insensitive).
func (s *Service) FindByEmail(ctx context.Context, a desk.Actor, email string) (desk.Contact, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Contact{}, err
	}
	r := s.st.Read()
	id, err := r.ContactIDByEmail(ctx, email)
	if err != nil {
		return desk.Contact{}, err
	}
	return r.Contact(ctx, id)
}

// FindOrCreate returns the contact owning email, creating it with name if
// none does (the requester of a new conversation).
func (s *Service) FindOrCreate(ctx context.Context, a desk.Actor, email, name string) (desk.Contact, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Contact{}, err
	}
	addr, ok := validEmail(email)
	if !ok {
		return desk.Contact{}, &desk.Error{Code: desk.EInvalid, Message: "Please enter a valid email address.", Fields: map[string]string{"email": "invalid address"}}
	}
	var c desk.Contact
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		id, _, err := tx.FindOrCreateContact(ctx, addr, strings.TrimSpace(name), store.Now(s.clk.Now()))
		if err != nil {
			return err
		}
		c, err = tx.Contact(ctx, id)
		return err
	})
	return c, err
}

// List returns contacts whose name or email contains q, by name, keyset paged.
func (s *Service) List(ctx context.Context, a desk.Actor, q, cursor string, limit int) (items []desk.Contact, next string, err error) {
	if err := a.RequireAgent(); err != nil {
		return nil, "", err
	}
	items, next, err = s.st.Read().Contacts(ctx, q, cursor, limit)
	if items == nil {
		items = []desk.Contact{}
	}
	return items, next, err
}

// Update changes a contact. EConflict if an email belongs to another contact.
func (s *Service) Update(ctx context.Context, a desk.Actor, id int64, u Update) (desk.Contact, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Contact{}, err
	}
	var emails []string
	if u.Emails != nil {
		for _, e := range *u.Emails {
			if strings.TrimSpace(e) == "" {
				continue
			}
			addr, ok := validEmail(e)
			if !ok {
				return desk.Contact{}, &desk.Error{Code: desk.EInvalid, Message: "Please check the email addresses.", Fields: map[string]string{"emails": "invalid address " + e}}
			}
			emails = append(emails, addr)
		}
		if len(emails) == 0 {
			return desk.Contact{}, &desk.Error{Code: desk.EInvalid, Message: "A contact needs an email address.", Fields: map[string]string{"emails": "at least one address"}}
		}
	}
	var c desk.Contact
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.Contact(ctx, id); err != nil {
			return err
		}
		if u.Name != nil {
			c.Name = strings.TrimSpace(*u.Name)
		}
		if u.CompanyName != nil && strings.TrimSpace(*u.CompanyName) != "" {
			co, err := tx.EnsureCompany(ctx, strings.TrimSpace(*u.CompanyName), store.Now(s.clk.Now()))
			if err != nil {
				return err
			}
			c.Company = &co
		} else if u.CompanyID != nil {
			if *u.CompanyID == 0 {
				c.Company = nil
			} else {
				co, err := tx.Company(ctx, *u.CompanyID)
				if desk.IsNotFound(err) {
					return &desk.Error{Code: desk.EInvalid, Message: "No such company.", Fields: map[string]string{"company": "no such company"}}
				} else if err != nil {
					return err
				}
				c.Company = &co
			}
		}
		c.UpdatedAt = store.Now(s.clk.Now())
		if err := tx.UpdateContact(ctx, c); err != nil {
			return err
		}
		if u.Emails != nil {
			if err := tx.SetContactEmails(ctx, id, emails); err != nil {
				if desk.ErrorCode(err) == desk.EConflict {
					return &desk.Error{Code: desk.EConflict, Message: "That email address belongs to another contact.", Fields: map[string]string{"emails": "already in use"}}
				}
				return err
			}
		}
		if u.Phones != nil {
			if err := tx.SetContactPhones(ctx, id, *u.Phones); err != nil {
				return err
			}
		}
		c, err = tx.Contact(ctx, id)
		return err
	})
	return c, err
}

// Companies lists companies by name.
func (s *Service) Companies(ctx context.Context, a desk.Actor) ([]desk.Company, error) {
	if err := a.RequireAgent(); err != nil {
		return nil, err
	}
	return s.st.Read().Companies(ctx)
}

// CreateCompany adds a company; EConflict if the name is taken.
func (s *Service) CreateCompany(ctx context.Context, a desk.Actor, name, domain string) (desk.Company, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Company{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return desk.Company{}, &desk.Error{Code: desk.EInvalid, Message: "A company needs a name.", Fields: map[string]string{"name": "required"}}
	}
	domain = strings.ToLower(strings.TrimSpace(domain))
	var co desk.Company
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		id, err := tx.InsertCompany(ctx, name, domain, store.Now(s.clk.Now()))
		if err != nil {
			return err
		}
		co = desk.Company{ID: id, Name: name, Domain: domain}
		return nil
	})
	return co, err
}

func validEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || !strings.EqualFold(a.Address, s) {
		return "", false
	}
	return strings.ToLower(a.Address), true
}

// Bounce is the bounce mark of an email address: mail to it came back
// with Status (the DSN status, e.g. 5.1.1) at At.
type Bounce struct {
	Email  string
	Status string
	At     time.Time
}

// EmailBounce returns the bounce mark of an address, or nil when mail to
// it has not bounced (or the address is unknown).
func (s *Service) EmailBounce(ctx context.Context, a desk.Actor, email string) (*Bounce, error) {
	if err := a.RequireAgent(); err != nil {
		return nil, err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return nil, nil
	}
	status, at, err := s.st.Read().EmailBounce(ctx, email)
	if err != nil || status == "" {
		return nil, err
	}
	b := &Bounce{Email: email, Status: status}
	if at != nil {
		b.At = *at
	}
	return b, nil
}
