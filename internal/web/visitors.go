package web

import (
	"net/http"
	"net/url"

	"switchboard/internal/desk"
)

// visitorsData is who is on the sites with the chat widget now.
type visitorsData struct {
	Visitors []desk.ChatVisitor
}

// maxVisitors is how many visitors the page lists (the most recent).
const maxVisitors = 200

func (a *app) loadVisitors(r *http.Request, rq *request) (*visitorsData, error) {
	svc, err := a.chatService(rq)
	if err != nil {
		return nil, err
	}
	vs, err := svc.Visitors(r.Context(), rq.actor, maxVisitors)
	if err != nil {
		return nil, err
	}
	return &visitorsData{Visitors: vs}, nil
}

// visitorsPage lists the visitors on the sites now; it refreshes itself
// when visitors arrive or move (chat.visitor events).
func (a *app) visitorsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := a.loadVisitors(r, rq)
	if err != nil {
		return err
	}
	a.render(w, r, rq, http.StatusOK, "visitors", a.pageData(r, rq, rq.loc.T("nav.visitors"), d))
	return nil
}

// visitorsList answers the list of visitors alone.
func (a *app) visitorsList(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := a.loadVisitors(r, rq)
	if err != nil {
		return err
	}
	a.render(w, r, rq, http.StatusOK, "visitor-list", a.pageData(r, rq, "", d))
	return nil
}

// urlHost is the host of a visitor's page or referrer, for a short label.
func urlHost(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	return u.Host
}
