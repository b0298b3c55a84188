// Package canned manages canned responses: saved replies that agents
// insert into the composer, with placeholders filled for the ticket at
// hand (see Fill). Admins create, edit and delete them; every agent lists
// and inserts those it sees: the ones for everyone and the ones of its
// teams (admins see all of them).
package canned

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// Limits of a canned response.
const (
	MaxTitleLen    = 200
	MaxBodyLen     = 10000
	MaxShortcutLen = 32
)

// Service implements canned responses. Construct with New.
type Service struct {
	st  *store.Store
	clk desk.Clock
}

// New returns the canned response service. A nil clock is the system clock.
func New(st *store.Store, clk desk.Clock) *Service {
	if clk == nil {
		clk = desk.SystemClock{}
	}
	return &Service{st: st, clk: clk}
}

// Input is a new canned response. A TeamID of 0 is for every agent.
type Input struct {
	Title    string
	Body     string
	Shortcut string
	TeamID   int64
}

// Update is a partial change to a canned response; nil fields are
// unchanged. A TeamID pointing at 0 makes it for every agent, a Shortcut
// pointing at "" removes the shortcut.
type Update struct {
	Title    *string
	Body     *string
	Shortcut *string
	TeamID   *int64
}

// Query selects canned responses to list.
type Query struct {
	// Q keeps those whose title, shortcut or body holds every word of it
	// (case and accents ignored).
	Q string
	// Popular lists the most used first, as the composer's picker does;
	// otherwise by title. An exact shortcut match always comes first.
	Popular bool
	// Limit caps the list; 0 is no cap.
	Limit int
}

// Filled is a canned response with its placeholders filled for a ticket.
type Filled struct {
	desk.CannedResponse
	Text string
}

// visibleTo is the store filter of what a sees: everything for admins,
// else what its teams see.
func visibleTo(a desk.Actor) int64 {
	if a.IsAdmin() {
		return 0
	}
	return a.AgentID
}

// List returns the canned responses a sees.
func (s *Service) List(ctx context.Context, a desk.Actor, q Query) ([]desk.CannedResponse, error) {
	if err := a.RequireAgent(); err != nil {
		return nil, err
	}
	return s.st.Read().CannedResponses(ctx, store.CannedFilter{Q: q.Q, VisibleTo: visibleTo(a), Popular: q.Popular, Limit: max(q.Limit, 0)})
}

// Get returns one canned response; ENotFound when a does not see it.
func (s *Service) Get(ctx context.Context, a desk.Actor, id int64) (desk.CannedResponse, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.CannedResponse{}, err
	}
	return s.get(ctx, s.st.Read(), a, id)
}

func (s *Service) get(ctx context.Context, tx *store.Tx, a desk.Actor, id int64) (desk.CannedResponse, error) {
	if !a.IsAdmin() {
		ok, err := tx.CannedVisible(ctx, id, a.AgentID)
		if err != nil {
			return desk.CannedResponse{}, err
		}
		if !ok {
			return desk.CannedResponse{}, desk.Errorf(desk.ENotFound, "Canned response not found.")
		}
	}
	return tx.CannedResponse(ctx, id)
}

// ForTicket lists the canned responses a sees, each with its text filled
// for ticket ticketID by agent a.
func (s *Service) ForTicket(ctx context.Context, a desk.Actor, ticketID int64, q Query) ([]Filled, error) {
	if err := a.RequireAgent(); err != nil {
		return nil, err
	}
	tx := s.st.Read()
	t, err := tx.Ticket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	cs, err := tx.CannedResponses(ctx, store.CannedFilter{Q: q.Q, VisibleTo: visibleTo(a), Popular: q.Popular, Limit: max(q.Limit, 0)})
	if err != nil {
		return nil, err
	}
	v := ValuesFor(t, a)
	out := make([]Filled, len(cs))
	for i, c := range cs {
		out[i] = Filled{CannedResponse: c, Text: Fill(c.Body, v)}
	}
	return out, nil
}

// GetForTicket returns one canned response with its text filled for
// ticket ticketID by agent a.
func (s *Service) GetForTicket(ctx context.Context, a desk.Actor, id, ticketID int64) (Filled, error) {
	if err := a.RequireAgent(); err != nil {
		return Filled{}, err
	}
	tx := s.st.Read()
	c, err := s.get(ctx, tx, a, id)
	if err != nil {
		return Filled{}, err
	}
	t, err := tx.Ticket(ctx, ticketID)
	if err != nil {
		return Filled{}, err
	}
	return Filled{CannedResponse: c, Text: Fill(c.Body, ValuesFor(t, a))}, nil
}

// Use records that a inserted canned response id (its counter orders the
// picker); ENotFound when a does not see it.
func (s *Service) Use(ctx context.Context, a desk.Actor, id int64) error {
	if err := a.RequireAgent(); err != nil {
		return err
	}
	return s.st.Write(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, a, id); err != nil {
			return err
		}
		return tx.CountCannedUse(ctx, id)
	})
}

// Create adds a canned response (admin only); EConflict if the shortcut
// is taken.
func (s *Service) Create(ctx context.Context, a desk.Actor, in Input) (desk.CannedResponse, error) {
	if err := a.RequireAdmin(); err != nil {
		return desk.CannedResponse{}, err
	}
	now := store.Now(s.clk.Now())
	c := desk.CannedResponse{Title: in.Title, Body: in.Body, Shortcut: in.Shortcut, CreatedAt: now, UpdatedAt: now}
	if in.TeamID != 0 {
		c.Team = &desk.TeamRef{ID: in.TeamID}
	}
	if a.AgentID != 0 {
		c.CreatedBy = &desk.AgentRef{ID: a.AgentID}
	}
	if err := normalize(&c); err != nil {
		return desk.CannedResponse{}, err
	}
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		if err := checkTeam(ctx, tx, c.Team); err != nil {
			return err
		}
		if err := tx.InsertCannedResponse(ctx, &c); err != nil {
			return shortcutConflict(err)
		}
		var err error
		c, err = tx.CannedResponse(ctx, c.ID)
		return err
	})
	return c, err
}

// Update changes a canned response (admin only).
func (s *Service) Update(ctx context.Context, a desk.Actor, id int64, u Update) (desk.CannedResponse, error) {
	if err := a.RequireAdmin(); err != nil {
		return desk.CannedResponse{}, err
	}
	var c desk.CannedResponse
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.CannedResponse(ctx, id); err != nil {
			return err
		}
		if u.Title != nil {
			c.Title = *u.Title
		}
		if u.Body != nil {
			c.Body = *u.Body
		}
		if u.Shortcut != nil {
			c.Shortcut = *u.Shortcut
		}
		if u.TeamID != nil {
			c.Team = nil
			if *u.TeamID != 0 {
				c.Team = &desk.TeamRef{ID: *u.TeamID}
			}
		}
		if err := normalize(&c); err != nil {
			return err
		}
		if err := checkTeam(ctx, tx, c.Team); err != nil {
			return err
		}
		c.UpdatedAt = store.Now(s.clk.Now())
		if err := tx.UpdateCannedResponse(ctx, c); err != nil {
			return shortcutConflict(err)
		}
		c, err = tx.CannedResponse(ctx, id)
		return err
	})
	return c, err
}

// Delete removes a canned response (admin only).
func (s *Service) Delete(ctx context.Context, a desk.Actor, id int64) error {
	if err := a.RequireAdmin(); err != nil {
		return err
	}
	return s.st.Write(ctx, func(tx *store.Tx) error { return tx.DeleteCannedResponse(ctx, id) })
}

// normalize trims c's fields, lower-cases the shortcut and checks every
// rule, returning one EInvalid error naming every bad field.
func normalize(c *desk.CannedResponse) error {
	fields := map[string]string{}
	c.Title = strings.Join(strings.Fields(c.Title), " ")
	switch n := utf8.RuneCountInString(c.Title); {
	case n == 0:
		fields["title"] = "required"
	case n > MaxTitleLen:
		fields["title"] = "at most 200 characters"
	}
	c.Body = strings.TrimSpace(strings.ReplaceAll(c.Body, "\r\n", "\n"))
	switch n := utf8.RuneCountInString(c.Body); {
	case n == 0:
		fields["body"] = "required"
	case n > MaxBodyLen:
		fields["body"] = "at most 10000 characters"
	}
	c.Shortcut = strings.ToLower(strings.TrimLeft(strings.TrimSpace(c.Shortcut), "/#"))
	if c.Shortcut != "" {
		ok := utf8.RuneCountInString(c.Shortcut) <= MaxShortcutLen
		for _, r := range c.Shortcut {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' {
				ok = false
			}
		}
		if !ok {
			fields["shortcut"] = "up to 32 letters, digits, - or _, without spaces"
		}
	}
	if len(fields) > 0 {
		return &desk.Error{Code: desk.EInvalid, Message: "Please correct the highlighted fields.", Fields: fields}
	}
	return nil
}

func checkTeam(ctx context.Context, tx *store.Tx, t *desk.TeamRef) error {
	if t == nil {
		return nil
	}
	if _, err := tx.TeamRef(ctx, t.ID); desk.IsNotFound(err) {
		return &desk.Error{Code: desk.EInvalid, Message: "Please check the team.", Fields: map[string]string{"team": "no such team"}}
	} else if err != nil {
		return err
	}
	return nil
}

func shortcutConflict(err error) error {
	if desk.ErrorCode(err) == desk.EConflict {
		return &desk.Error{Code: desk.EConflict, Message: "Another canned response has that shortcut.", Fields: map[string]string{"shortcut": "already taken"}}
	}
	return err
}
