package api

import (
	"net/http"

	"switchboard/internal/desk"
)

// listContacts serves GET /contacts: with ?email= the contact owning that
// address (zero or one item), otherwise contacts whose name or email
// contains ?q=, paged by cursor.
func (s *server) listContacts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := queryLimit(w, r)
	if !ok {
		return
	}
	a := actorOf(r)
	if email := q.Get("email"); email != "" {
		c, err := s.cfg.Contacts.FindByEmail(r.Context(), a, email)
		switch {
		case desk.IsNotFound(err):
			writeJSON(w, http.StatusOK, list[Contact]{Items: []Contact{}})
		case err != nil:
			s.writeError(w, r, err)
		default:
			writeJSON(w, http.StatusOK, list[Contact]{Items: []Contact{contactOut(c)}})
		}
		return
	}
	items, next, err := s.cfg.Contacts.List(r.Context(), a, q.Get("q"), q.Get("cursor"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[Contact]{Items: mapSlice(items, contactOut), NextCursor: cursorPtr(next)})
}

func (s *server) getContact(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id", "contact")
	if !ok {
		return
	}
	c, err := s.cfg.Contacts.Get(r.Context(), actorOf(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, contactOut(c))
}

func (s *server) listAgents(w http.ResponseWriter, r *http.Request) {
	as, err := s.cfg.Team.Agents(r.Context(), actorOf(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[Agent]{Items: mapSlice(as, agentOut)})
}

func (s *server) listTeams(w http.ResponseWriter, r *http.Request) {
	ts, err := s.cfg.Team.Teams(r.Context(), actorOf(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[Team]{Items: mapSlice(ts, teamOut)})
}
