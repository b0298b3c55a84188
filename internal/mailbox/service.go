// Package mailbox manages the support addresses of the desk: their
// inbound mode (SMTP listener, IMAP fetch or MTA pipe), outbound relay,
// team, acknowledgement and reopen window. Everything here is for admins.
package mailbox

import (
	"context"
	"net/mail"
	"strings"
	"unicode/utf8"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// Limits of the mailbox settings.
const (
	MaxNameLen       = 200
	MaxAckSubjectLen = 200
	MaxAckBodyLen    = 5000
	MaxReopenDays    = 365
	// DefaultReopenDays is the reopen window of a new mailbox.
	DefaultReopenDays = 30
)

// Service implements mailbox management. Construct with New.
type Service struct {
	st  *store.Store
	clk desk.Clock
}

// New returns the mailbox service. A nil clock is the system clock.
func New(st *store.Store, clk desk.Clock) *Service {
	if clk == nil {
		clk = desk.SystemClock{}
	}
	return &Service{st: st, clk: clk}
}

// Input is a new mailbox. An empty Inbound is imap when IMAPURL is given,
// smtp otherwise; a nil ReopenDays is DefaultReopenDays; a nil Active is
// true; a TeamID of 0 is no team.
type Input struct {
	Address    string
	Name       string
	TeamID     int64
	Inbound    desk.InboundMode
	IMAPURL    string
	SMTPURL    string
	AckEnabled bool
	AckSubject string
	AckBody    string
	ReopenDays *int
	Active     *bool
}

// Update is a partial change to a mailbox; nil fields are unchanged. A
// TeamID pointing at 0 removes the team. A URL whose password is empty or
// "****" keeps the stored password.
type Update struct {
	Address    *string
	Name       *string
	TeamID     *int64
	Inbound    *desk.InboundMode
	IMAPURL    *string
	SMTPURL    *string
	AckEnabled *bool
	AckSubject *string
	AckBody    *string
	ReopenDays *int
	Active     *bool
}

// List returns every mailbox, by address (admin only).
func (s *Service) List(ctx context.Context, a desk.Actor) ([]desk.Mailbox, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	return s.st.Read().Mailboxes(ctx)
}

// Get returns one mailbox (admin only).
func (s *Service) Get(ctx context.Context, a desk.Actor, id int64) (desk.Mailbox, error) {
	if err := a.RequireAdmin(); err != nil {
		return desk.Mailbox{}, err
	}
	return s.st.Read().Mailbox(ctx, id)
}

// RecentMail returns the newest messages a mailbox accepted and what became
// of each, newest first (admin only); limit is capped at 200.
func (s *Service) RecentMail(ctx context.Context, a desk.Actor, id int64, limit int) ([]desk.InboundMail, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 200
	}
	recs, err := s.st.Read().RecentInbound(ctx, id, limit)
	if err != nil {
		return nil, err
	}
	out := make([]desk.InboundMail, 0, len(recs))
	for _, r := range recs {
		out = append(out, desk.InboundMail{ID: r.ID, ReceivedAt: r.ReceivedAt, Source: r.Source, From: r.FromAddr,
			Subject: r.Subject, Kind: r.Kind, Outcome: r.Outcome, Detail: r.Detail, TicketID: r.TicketID, Size: r.Size})
	}
	return out, nil
}

// Create adds a mailbox (admin only); EConflict if the address is taken.
func (s *Service) Create(ctx context.Context, a desk.Actor, in Input) (desk.Mailbox, error) {
	if err := a.RequireAdmin(); err != nil {
		return desk.Mailbox{}, err
	}
	now := store.Now(s.clk.Now())
	m := desk.Mailbox{
		Address: in.Address, Name: in.Name, Inbound: in.Inbound,
		IMAPURL: strings.TrimSpace(in.IMAPURL), SMTPURL: strings.TrimSpace(in.SMTPURL),
		AckEnabled: in.AckEnabled, AckSubject: in.AckSubject, AckBody: in.AckBody,
		ReopenDays: DefaultReopenDays, Active: true, Status: desk.MailboxOK,
		CreatedAt: now, UpdatedAt: now,
	}
	if m.Inbound == "" {
		m.Inbound = desk.InboundSMTP
		if m.IMAPURL != "" {
			m.Inbound = desk.InboundIMAP
		}
	}
	if in.ReopenDays != nil {
		m.ReopenDays = *in.ReopenDays
	}
	if in.Active != nil {
		m.Active = *in.Active
	}
	if in.TeamID != 0 {
		m.Team = &desk.TeamRef{ID: in.TeamID}
	}
	if err := normalize(&m); err != nil {
		return desk.Mailbox{}, err
	}
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		if err := checkTeam(ctx, tx, m.Team); err != nil {
			return err
		}
		if err := tx.InsertMailbox(ctx, &m); err != nil {
			return addressConflict(err)
		}
		var err error
		m, err = tx.Mailbox(ctx, m.ID)
		return err
	})
	return m, err
}

// Update changes a mailbox (admin only). Changing the IMAP URL makes the
// fetcher read the new folder from its start.
func (s *Service) Update(ctx context.Context, a desk.Actor, id int64, u Update) (desk.Mailbox, error) {
	if err := a.RequireAdmin(); err != nil {
		return desk.Mailbox{}, err
	}
	var m desk.Mailbox
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if m, err = tx.Mailbox(ctx, id); err != nil {
			return err
		}
		apply(&m, u)
		m.UpdatedAt = store.Now(s.clk.Now())
		if err := normalize(&m); err != nil {
			return err
		}
		if err := checkTeam(ctx, tx, m.Team); err != nil {
			return err
		}
		if err := tx.UpdateMailbox(ctx, m); err != nil {
			return addressConflict(err)
		}
		m, err = tx.Mailbox(ctx, id)
		return err
	})
	return m, err
}

// Delete removes a mailbox (admin only). Its tickets keep their messages.
func (s *Service) Delete(ctx context.Context, a desk.Actor, id int64) error {
	if err := a.RequireAdmin(); err != nil {
		return err
	}
	return s.st.Write(ctx, func(tx *store.Tx) error { return tx.DeleteMailbox(ctx, id) })
}

func apply(m *desk.Mailbox, u Update) {
	if u.Address != nil {
		m.Address = *u.Address
	}
	if u.Name != nil {
		m.Name = *u.Name
	}
	if u.TeamID != nil {
		m.Team = nil
		if *u.TeamID != 0 {
			m.Team = &desk.TeamRef{ID: *u.TeamID}
		}
	}
	if u.Inbound != nil {
		m.Inbound = *u.Inbound
	}
	if u.IMAPURL != nil {
		m.IMAPURL = keepPassword(strings.TrimSpace(*u.IMAPURL), m.IMAPURL)
	}
	if u.SMTPURL != nil {
		m.SMTPURL = keepPassword(strings.TrimSpace(*u.SMTPURL), m.SMTPURL)
	}
	if u.AckEnabled != nil {
		m.AckEnabled = *u.AckEnabled
	}
	if u.AckSubject != nil {
		m.AckSubject = *u.AckSubject
	}
	if u.AckBody != nil {
		m.AckBody = *u.AckBody
	}
	if u.ReopenDays != nil {
		m.ReopenDays = *u.ReopenDays
	}
	if u.Active != nil {
		m.Active = *u.Active
	}
}

// normalize trims and lower-cases m's fields and checks every rule,
// returning one EInvalid error naming every bad field.
func normalize(m *desk.Mailbox) error {
	fields := map[string]string{}
	m.Address = strings.ToLower(strings.TrimSpace(m.Address))
	if addr, err := mail.ParseAddress(m.Address); err != nil || addr.Address != m.Address {
		fields["address"] = "a valid email address is required"
	}
	m.Name = strings.TrimSpace(m.Name)
	if utf8.RuneCountInString(m.Name) > MaxNameLen {
		fields["name"] = "at most 200 characters"
	}
	if !m.Inbound.Valid() {
		fields["inbound"] = "one of " + desk.Join(desk.InboundModes)
	}
	if m.Inbound == desk.InboundIMAP && m.IMAPURL == "" {
		fields["imap_url"] = "required for IMAP: imaps://user:password@host[:993]/FOLDER"
	} else if m.IMAPURL != "" {
		if why := checkIMAPURL(m.IMAPURL); why != "" {
			fields["imap_url"] = why
		}
	}
	if m.SMTPURL != "" {
		if why := checkSMTPURL(m.SMTPURL); why != "" {
			fields["smtp_url"] = why
		}
	}
	if m.ReopenDays < 0 || m.ReopenDays > MaxReopenDays {
		fields["reopen_days"] = "from 0 to 365"
	}
	m.AckSubject = strings.TrimSpace(m.AckSubject)
	if utf8.RuneCountInString(m.AckSubject) > MaxAckSubjectLen {
		fields["ack_subject"] = "at most 200 characters"
	}
	m.AckBody = strings.TrimSpace(m.AckBody)
	if utf8.RuneCountInString(m.AckBody) > MaxAckBodyLen {
		fields["ack_body"] = "at most 5000 characters"
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
	if _, err := tx.Team(ctx, t.ID); desk.IsNotFound(err) {
		return &desk.Error{Code: desk.EInvalid, Message: "Please check the team.", Fields: map[string]string{"team": "no such team"}}
	} else if err != nil {
		return err
	}
	return nil
}

func addressConflict(err error) error {
	if desk.ErrorCode(err) == desk.EConflict {
		return &desk.Error{Code: desk.EConflict, Message: "A mailbox with that address already exists.", Fields: map[string]string{"address": "already taken"}}
	}
	return err
}
