package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"switchboard/internal/canned"
	"switchboard/internal/desk"
)

// CannedResponse is the API form of a canned response. Text is the body
// with its placeholders filled, present only when the request named a
// ticket (?ticket=).
type CannedResponse struct {
	ID        int64          `json:"id"`
	Title     string         `json:"title"`
	Body      string         `json:"body"`
	Shortcut  *string        `json:"shortcut"`
	Team      *desk.TeamRef  `json:"team"`
	CreatedBy *desk.AgentRef `json:"created_by"`
	Uses      int64          `json:"uses"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
	Text      *string        `json:"text,omitempty"`
}

func cannedOut(c desk.CannedResponse) CannedResponse {
	out := CannedResponse{ID: c.ID, Title: c.Title, Body: c.Body, Team: c.Team, CreatedBy: c.CreatedBy,
		Uses: c.Uses, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
	if c.Shortcut != "" {
		s := c.Shortcut
		out.Shortcut = &s
	}
	return out
}

func filledOut(f canned.Filled) CannedResponse {
	out := cannedOut(f.CannedResponse)
	text := f.Text
	out.Text = &text
	return out
}

// createCannedRequest is the body of POST /canned-responses.
type createCannedRequest struct {
	Title    string     `json:"title"`
	Body     string     `json:"body"`
	Shortcut *string    `json:"shortcut"`
	Team     nullableID `json:"team"`
}

// updateCannedRequest is the body of PATCH /canned-responses/{id}. Absent
// fields are unchanged; shortcut null or "" removes the shortcut, team null
// makes it visible to every agent.
type updateCannedRequest struct {
	Title    *string      `json:"title"`
	Body     *string      `json:"body"`
	Shortcut nullableText `json:"shortcut"`
	Team     nullableID   `json:"team"`
}

// nullableText is a JSON string field that may be absent (Set false) or
// null (Set, with Text "").
type nullableText struct {
	Set  bool
	Text string
	name string
}

// UnmarshalJSON implements json.Unmarshaler; it is called for null too.
func (n *nullableText) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		return nil
	}
	if err := json.Unmarshal(b, &n.Text); err != nil {
		return &fieldError{field: n.name, why: "must be a string or null"}
	}
	return nil
}

// listCannedResponses serves GET /canned-responses: what the token's agent
// sees, matching ?q=, by title or (?sort=popular) most used first; with
// ?ticket= each carries its text filled for that ticket.
func (s *server) listCannedResponses(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := queryLimit(w, r)
	if !ok {
		return
	}
	ticketID, ok := queryID(w, r, "ticket")
	if !ok {
		return
	}
	query := canned.Query{Q: q.Get("q"), Limit: limit}
	switch q.Get("sort") {
	case "", "title":
	case "popular":
		query.Popular = true
	default:
		invalid(w, r, "sort", "one of title, popular")
		return
	}
	a := actorOf(r)
	if ticketID != nil {
		items, err := s.cfg.Canned.ForTicket(r.Context(), a, *ticketID, query)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, list[CannedResponse]{Items: mapSlice(items, filledOut)})
		return
	}
	items, err := s.cfg.Canned.List(r.Context(), a, query)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[CannedResponse]{Items: mapSlice(items, cannedOut)})
}

func (s *server) getCannedResponse(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id", "canned response")
	if !ok {
		return
	}
	ticketID, ok := queryID(w, r, "ticket")
	if !ok {
		return
	}
	if ticketID != nil {
		f, err := s.cfg.Canned.GetForTicket(r.Context(), actorOf(r), id, *ticketID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, filledOut(f))
		return
	}
	c, err := s.cfg.Canned.Get(r.Context(), actorOf(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cannedOut(c))
}

func (s *server) createCannedResponse(w http.ResponseWriter, r *http.Request) {
	req := createCannedRequest{Team: nullableID{name: "team"}}
	if !decodeJSON(w, r, &req) {
		return
	}
	in := canned.Input{Title: req.Title, Body: req.Body, TeamID: req.Team.ID}
	if req.Shortcut != nil {
		in.Shortcut = *req.Shortcut
	}
	c, err := s.cfg.Canned.Create(r.Context(), actorOf(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", s.cfg.BaseURL+Prefix+"/canned-responses/"+strconv.FormatInt(c.ID, 10))
	writeJSON(w, http.StatusCreated, cannedOut(c))
}

func (s *server) updateCannedResponse(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id", "canned response")
	if !ok {
		return
	}
	req := updateCannedRequest{Team: nullableID{name: "team"}, Shortcut: nullableText{name: "shortcut"}}
	if !decodeJSON(w, r, &req) {
		return
	}
	u := canned.Update{Title: req.Title, Body: req.Body}
	if req.Shortcut.Set {
		sc := req.Shortcut.Text // "" when null: no shortcut
		u.Shortcut = &sc
	}
	if req.Team.Set {
		team := req.Team.ID // 0 when null: every agent
		u.TeamID = &team
	}
	c, err := s.cfg.Canned.Update(r.Context(), actorOf(r), id, u)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cannedOut(c))
}

func (s *server) deleteCannedResponse(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id", "canned response")
	if !ok {
		return
	}
	if err := s.cfg.Canned.Delete(r.Context(), actorOf(r), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
