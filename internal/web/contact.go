package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"switchboard/internal/contact"
	"switchboard/internal/desk"
)

// contactData is a customer's page: their details, the companies the edit
// form offers, and every ticket.
type contactData struct {
	C         desk.Contact
	Companies []desk.Company
	Page      desk.TicketPage
	More      string // URL of the next page, if any
	OOB       bool   // render the details card for an out-of-band swap
}

// contactPage shows one customer: details, the edit form and their tickets.
func (a *app) contactPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := a.cfg.Contacts.Get(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	cos, err := a.cfg.Contacts.Companies(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	pg, err := a.cfg.Tickets.List(r.Context(), rq.actor, desk.TicketFilter{RequesterID: &id, Limit: 100,
		Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	d := &contactData{C: c, Companies: cos, Page: pg}
	if pg.NextCursor != "" {
		d.More = r.URL.Path + "?cursor=" + urlPathEscape(pg.NextCursor)
	}
	a.render(w, r, rq, http.StatusOK, "contact", a.pageData(r, rq, c.Name, d))
	return nil
}

// updateContact saves the edit form of the contact page: name, emails and
// phones (one per line, the first email primary) and the company ("" for
// none, an id, or a new company named in company_new). Fields absent from
// the form are unchanged. htmx gets the details card out of band and a
// toast; a plain form post is redirected back to the contact page.
func (a *app) updateContact(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EInvalid, "%s", rq.loc.T("error.bad_form"))
	}
	form := r.PostForm
	var u contact.Update
	if form.Has("name") {
		n := strings.TrimSpace(form.Get("name"))
		u.Name = &n
	}
	if form.Has("emails") {
		es := splitLines(form.Get("emails"))
		u.Emails = &es
	}
	if form.Has("phones") {
		ps := splitLines(form.Get("phones"))
		u.Phones = &ps
	}
	if nc := strings.TrimSpace(form.Get("company_new")); nc != "" {
		u.CompanyName = &nc
	} else if form.Has("company") {
		switch v := form.Get("company"); v {
		case "", "0", "none":
			var none int64
			u.CompanyID = &none
		case "new":
			return &desk.Error{Code: desk.EInvalid, Message: rq.loc.T("contact.company_new_required"),
				Fields: map[string]string{rq.loc.T("contact.company_new"): rq.loc.T("contact.company_new_required")}}
		default:
			cid, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return desk.Errorf(desk.EInvalid, "%s", rq.loc.T("error.bad_form"))
			}
			u.CompanyID = &cid
		}
	}
	// One transaction: a refused email creates no company.
	c, err := a.cfg.Contacts.Update(r.Context(), rq.actor, id, u)
	if err != nil {
		return labelFields(rq, err)
	}
	if !rq.htmx {
		return back(w, r, "/contacts/"+strconv.FormatInt(id, 10))
	}
	cos, err := a.cfg.Contacts.Companies(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	d := &contactData{C: c, Companies: cos, OOB: true}
	a.render(w, r, rq, http.StatusOK, "contact-changed", a.pageData(r, rq, rq.loc.T("toast.contact_saved"), d))
	return nil
}

// labelFields names the fields of a contact validation error by their
// form labels ("Email" rather than "emails"), so the message says which
// input to fix. Other errors are returned as they are.
func labelFields(rq *request, err error) error {
	var de *desk.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 {
		return err
	}
	out := *de
	out.Fields = make(map[string]string, len(de.Fields))
	for k, v := range de.Fields {
		switch k {
		case "name", "emails", "phones", "company":
			k = rq.loc.T("contact." + k)
		}
		out.Fields[k] = v
	}
	return &out
}

// splitLines returns the non-empty trimmed lines of s.
func splitLines(s string) []string {
	out := []string{}
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
