package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"switchboard/internal/desk"
)

// createTicketRequest is the body of POST /tickets.
type createTicketRequest struct {
	Subject   string `json:"subject"`
	Body      string `json:"body"`
	HTML      string `json:"html"`
	Requester *struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"requester"`
	Priority     desk.Priority     `json:"priority"`
	Channel      desk.Channel      `json:"channel"`
	Tags         []string          `json:"tags"`
	Team         nullableID        `json:"team"`
	Assignee     nullableID        `json:"assignee"`
	CustomFields map[string]string `json:"custom_fields"`
	// Inbound (default true) says the body was written by the requester;
	// false makes it an outbound message by the token's agent.
	Inbound *bool `json:"inbound"`
}

func (s *server) createTicket(w http.ResponseWriter, r *http.Request) {
	req := createTicketRequest{Team: nullableID{name: "team"}, Assignee: nullableID{name: "assignee"}}
	if !decodeJSON(w, r, &req) {
		return
	}
	in := desk.NewTicket{
		Subject: req.Subject, Body: req.Body, HTML: req.HTML,
		Priority: req.Priority, Channel: req.Channel, Tags: req.Tags,
		TeamID: req.Team.ptr(), AssigneeID: req.Assignee.ptr(),
		CustomFields: req.CustomFields, Inbound: req.Inbound == nil || *req.Inbound,
	}
	if req.Requester != nil {
		in.Requester = desk.ContactInput{Email: req.Requester.Email, Name: req.Requester.Name}
	}
	t, err := s.cfg.Tickets.Create(r.Context(), actorOf(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", s.cfg.BaseURL+"/api/v1/tickets/"+strconv.FormatInt(t.ID, 10))
	writeJSON(w, http.StatusCreated, ticketOut(t))
}

// ticketFilter parses the list query. It checks only the form of each
// parameter (numbers, known enum words); the service applies the rest.
func ticketFilter(w http.ResponseWriter, r *http.Request, a desk.Actor) (desk.TicketFilter, bool) {
	q := r.URL.Query()
	var f desk.TicketFilter
	if v := q.Get("status"); v != "" {
		for _, part := range strings.Split(v, ",") {
			st := desk.Status(strings.TrimSpace(part))
			if !st.Valid() {
				invalid(w, r, "status", "must be a comma-separated list of "+desk.Join(desk.Statuses))
				return f, false
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	switch v := q.Get("assignee"); v {
	case "":
	case "me":
		id := a.AgentID
		f.AssigneeID = &id
	case "none":
		f.Unassigned = true
	default:
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			invalid(w, r, "assignee", `must be an agent id, "me" or "none"`)
			return f, false
		}
		f.AssigneeID = &id
	}
	var ok bool
	if f.TeamID, ok = queryID(w, r, "team"); !ok {
		return f, false
	}
	if f.RequesterID, ok = queryID(w, r, "requester"); !ok {
		return f, false
	}
	f.Tag = q.Get("tag")
	if v := desk.Priority(q.Get("priority")); v != "" {
		if !v.Valid() {
			invalid(w, r, "priority", "must be one of "+desk.Join(desk.Priorities))
			return f, false
		}
		f.Priority = v
	}
	if v := desk.Channel(q.Get("channel")); v != "" {
		if !v.Valid() {
			invalid(w, r, "channel", "must be one of "+desk.Join(desk.Channels))
			return f, false
		}
		f.Channel = v
	}
	f.Query = q.Get("q")
	f.Cursor = q.Get("cursor")
	if f.Limit, ok = queryLimit(w, r); !ok {
		return f, false
	}
	return f, true
}

func (s *server) listTickets(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	f, ok := ticketFilter(w, r, a)
	if !ok {
		return
	}
	page, err := s.cfg.Tickets.List(r.Context(), a, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[Ticket]{Items: mapSlice(page.Items, ticketOut), NextCursor: cursorPtr(page.NextCursor)})
}

func (s *server) getTicket(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id", "ticket")
	if !ok {
		return
	}
	t, err := s.cfg.Tickets.Get(r.Context(), actorOf(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ticketOut(t))
}

// updateTicketRequest is the body of PATCH /tickets/{id}. Absent fields are
// unchanged; assignee or team null clears them; tags replaces the whole set
// (null or [] clears it).
type updateTicketRequest struct {
	Status       *desk.Status      `json:"status"`
	Priority     *desk.Priority    `json:"priority"`
	Assignee     nullableID        `json:"assignee"`
	Team         nullableID        `json:"team"`
	Tags         nullableTags      `json:"tags"`
	AddTags      []string          `json:"add_tags"`
	RemoveTags   []string          `json:"remove_tags"`
	Subject      *string           `json:"subject"`
	CustomFields map[string]string `json:"custom_fields"`
}

// nullableTags tells an absent tags field from null or a list.
type nullableTags struct {
	Set  bool
	Tags []string
}

// UnmarshalJSON implements json.Unmarshaler; it is called for null too.
func (n *nullableTags) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Tags = []string{}
		return nil
	}
	if err := json.Unmarshal(b, &n.Tags); err != nil {
		return &fieldError{field: "tags", why: "must be an array of strings"}
	}
	if n.Tags == nil {
		n.Tags = []string{}
	}
	return nil
}

func (s *server) updateTicket(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id", "ticket")
	if !ok {
		return
	}
	req := updateTicketRequest{Assignee: nullableID{name: "assignee"}, Team: nullableID{name: "team"}}
	if !decodeJSON(w, r, &req) {
		return
	}
	u := desk.TicketUpdate{
		Status: req.Status, Priority: req.Priority,
		AssigneeID: req.Assignee.ptr(), ClearAssignee: req.Assignee.Set && req.Assignee.Null,
		TeamID: req.Team.ptr(), ClearTeam: req.Team.Set && req.Team.Null,
		AddTags: req.AddTags, RemoveTags: req.RemoveTags,
		Subject: req.Subject, CustomFields: req.CustomFields,
	}
	if req.Tags.Set {
		u.Tags = &req.Tags.Tags
	}
	t, err := s.cfg.Tickets.Update(r.Context(), actorOf(r), id, u)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ticketOut(t))
}

func (s *server) listMessages(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id", "ticket")
	if !ok {
		return
	}
	ms, err := s.cfg.Tickets.Messages(r.Context(), actorOf(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[Message]{Items: mapSlice(ms, messageOut)})
}

// addMessageRequest is the body of POST /tickets/{id}/messages.
type addMessageRequest struct {
	Body     string       `json:"body"`
	HTML     string       `json:"html"`
	Internal bool         `json:"internal"`
	Status   *desk.Status `json:"status"`
	// Inbound records the message as written by the requester (default
	// false: a reply or note by the token's agent).
	Inbound bool `json:"inbound"`
}

func (s *server) addMessage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id", "ticket")
	if !ok {
		return
	}
	var req addMessageRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	m, err := s.cfg.Tickets.AddMessage(r.Context(), actorOf(r), id, desk.NewMessage{
		Text: req.Body, HTML: req.HTML, Internal: req.Internal, Inbound: req.Inbound, Status: req.Status,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", s.cfg.BaseURL+"/api/v1/tickets/"+strconv.FormatInt(id, 10)+"/messages")
	writeJSON(w, http.StatusCreated, messageOut(m))
}

func (s *server) listEvents(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id", "ticket")
	if !ok {
		return
	}
	evs, err := s.cfg.Tickets.Timeline(r.Context(), actorOf(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[Event]{Items: mapSlice(evs, eventOut)})
}
