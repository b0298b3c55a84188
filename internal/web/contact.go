package web

import (
	"net/http"

	"switchboard/internal/desk"
)

// contactData is a customer's page: their details and every ticket.
type contactData struct {
	C    desk.Contact
	Page desk.TicketPage
	More string // URL of the next page, if any
}

func (a *app) contactPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := a.cfg.Contacts.Get(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	pg, err := a.cfg.Tickets.List(r.Context(), rq.actor, desk.TicketFilter{RequesterID: &id, Limit: 100,
		Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	d := &contactData{C: c, Page: pg}
	if pg.NextCursor != "" {
		d.More = r.URL.Path + "?cursor=" + urlPathEscape(pg.NextCursor)
	}
	a.render(w, r, rq, http.StatusOK, "contact", a.pageData(r, rq, c.Name, d))
	return nil
}
