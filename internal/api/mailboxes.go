package api

import (
	"net/http"
	"strconv"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/mailbox"
)

// Mailbox is the API form of a support address. The IMAP and SMTP URLs are
// shown with their passwords redacted ("****"); sending a redacted URL back
// keeps the stored password.
type Mailbox struct {
	ID          int64            `json:"id"`
	Address     string           `json:"address"`
	Name        string           `json:"name"`
	Team        *desk.TeamRef    `json:"team"`
	Inbound     desk.InboundMode `json:"inbound"`
	IMAPURL     string           `json:"imap_url"`
	SMTPURL     string           `json:"smtp_url"`
	AckEnabled  bool             `json:"ack_enabled"`
	AckSubject  string           `json:"ack_subject"`
	AckBody     string           `json:"ack_body"`
	ReopenDays  int              `json:"reopen_days"`
	Active      bool             `json:"active"`
	Status      string           `json:"status"`
	LastError   string           `json:"last_error"`
	LastErrorAt *time.Time       `json:"last_error_at"`
	LastFetchAt *time.Time       `json:"last_fetch_at"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
}

func mailboxOut(m desk.Mailbox) Mailbox {
	return Mailbox{
		ID: m.ID, Address: m.Address, Name: m.Name, Team: m.Team, Inbound: m.Inbound,
		IMAPURL: mailbox.RedactURL(m.IMAPURL), SMTPURL: mailbox.RedactURL(m.SMTPURL),
		AckEnabled: m.AckEnabled, AckSubject: m.AckSubject, AckBody: m.AckBody,
		ReopenDays: m.ReopenDays, Active: m.Active, Status: m.Status, LastError: m.LastError,
		LastErrorAt: utcPtr(m.LastErrorAt), LastFetchAt: utcPtr(m.LastFetchAt),
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
}

// createMailboxRequest is the body of POST /mailboxes.
type createMailboxRequest struct {
	Address    string           `json:"address"`
	Name       string           `json:"name"`
	Team       nullableID       `json:"team"`
	Inbound    desk.InboundMode `json:"inbound"`
	IMAPURL    string           `json:"imap_url"`
	SMTPURL    string           `json:"smtp_url"`
	AckEnabled bool             `json:"ack_enabled"`
	AckSubject string           `json:"ack_subject"`
	AckBody    string           `json:"ack_body"`
	ReopenDays *int             `json:"reopen_days"`
	Active     *bool            `json:"active"`
}

// updateMailboxRequest is the body of PATCH /mailboxes/{id}. Absent fields
// are unchanged; team null removes the team.
type updateMailboxRequest struct {
	Address    *string           `json:"address"`
	Name       *string           `json:"name"`
	Team       nullableID        `json:"team"`
	Inbound    *desk.InboundMode `json:"inbound"`
	IMAPURL    *string           `json:"imap_url"`
	SMTPURL    *string           `json:"smtp_url"`
	AckEnabled *bool             `json:"ack_enabled"`
	AckSubject *string           `json:"ack_subject"`
	AckBody    *string           `json:"ack_body"`
	ReopenDays *int              `json:"reopen_days"`
	Active     *bool             `json:"active"`
}

func (s *server) listMailboxes(w http.ResponseWriter, r *http.Request) {
	ms, err := s.cfg.Mailboxes.List(r.Context(), actorOf(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[Mailbox]{Items: mapSlice(ms, mailboxOut)})
}

func (s *server) createMailbox(w http.ResponseWriter, r *http.Request) {
	req := createMailboxRequest{Team: nullableID{name: "team"}}
	if !decodeJSON(w, r, &req) {
		return
	}
	in := mailbox.Input{
		Address: req.Address, Name: req.Name, TeamID: req.Team.ID, Inbound: req.Inbound,
		IMAPURL: req.IMAPURL, SMTPURL: req.SMTPURL,
		AckEnabled: req.AckEnabled, AckSubject: req.AckSubject, AckBody: req.AckBody,
		ReopenDays: req.ReopenDays, Active: req.Active,
	}
	m, err := s.cfg.Mailboxes.Create(r.Context(), actorOf(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", s.cfg.BaseURL+"/api/v1/mailboxes/"+strconv.FormatInt(m.ID, 10))
	writeJSON(w, http.StatusCreated, mailboxOut(m))
}

func (s *server) getMailbox(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id", "mailbox")
	if !ok {
		return
	}
	m, err := s.cfg.Mailboxes.Get(r.Context(), actorOf(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, mailboxOut(m))
}

func (s *server) updateMailbox(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id", "mailbox")
	if !ok {
		return
	}
	req := updateMailboxRequest{Team: nullableID{name: "team"}}
	if !decodeJSON(w, r, &req) {
		return
	}
	u := mailbox.Update{
		Address: req.Address, Name: req.Name, Inbound: req.Inbound,
		IMAPURL: req.IMAPURL, SMTPURL: req.SMTPURL,
		AckEnabled: req.AckEnabled, AckSubject: req.AckSubject, AckBody: req.AckBody,
		ReopenDays: req.ReopenDays, Active: req.Active,
	}
	if req.Team.Set {
		team := req.Team.ID // 0 when null: no team
		u.TeamID = &team
	}
	m, err := s.cfg.Mailboxes.Update(r.Context(), actorOf(r), id, u)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, mailboxOut(m))
}

func (s *server) deleteMailbox(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id", "mailbox")
	if !ok {
		return
	}
	if err := s.cfg.Mailboxes.Delete(r.Context(), actorOf(r), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
