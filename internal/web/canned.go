package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"switchboard/internal/canned"
	"switchboard/internal/desk"
	"switchboard/internal/httperr"
)

// pickerLimit is how many canned responses the composer's picker lists.
const pickerLimit = 30

// pickerData is the composer's canned response picker for one ticket:
// the matches of the search, each filled for the ticket.
type pickerData struct {
	TicketID int64
	Q        string
	Items    []canned.Filled
}

// cannedPicker serves the picker, loaded when the agent first opens it;
// its search asks again with ?q= and keeps only the list.
func (a *app) cannedPicker(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	items, err := a.cfg.Canned.ForTicket(r.Context(), rq.actor, id, canned.Query{Q: q, Popular: true, Limit: pickerLimit})
	if err != nil {
		return err
	}
	a.render(w, r, rq, http.StatusOK, "canned-picker", a.pageData(r, rq, "", &pickerData{TicketID: id, Q: q, Items: items}))
	return nil
}

// cannedUse counts one insertion of a canned response (the picker's
// order); the text itself was inserted by the browser.
func (a *app) cannedUse(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Canned.Use(r.Context(), rq.actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// cannedForm is the add or edit form of a canned response as shown, with
// the field errors of a refused submission.
type cannedForm struct {
	ID       int64 // 0 for a new one
	Title    string
	Body     string
	Shortcut string
	TeamID   int64
	Message  string            // why the submission was refused
	Errors   map[string]string // field → why
}

func cannedFormOf(c desk.CannedResponse) *cannedForm {
	f := &cannedForm{ID: c.ID, Title: c.Title, Body: c.Body, Shortcut: c.Shortcut}
	if c.Team != nil {
		f.TeamID = c.Team.ID
	}
	return f
}

func readCannedForm(r *http.Request) *cannedForm {
	_ = r.ParseForm()
	f := &cannedForm{Title: r.PostFormValue("title"), Body: r.PostFormValue("body"), Shortcut: strings.TrimSpace(r.PostFormValue("shortcut"))}
	f.TeamID, _ = strconv.ParseInt(r.PostFormValue("team"), 10, 64)
	return f
}

func (a *app) adminCanned(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.showCanned(w, r, rq, http.StatusOK, &cannedForm{})
}

// showCanned renders the canned responses tab: the list (searched with
// ?q=) and the add form, or the edit form of one response.
func (a *app) showCanned(w http.ResponseWriter, r *http.Request, rq *request, status int, f *cannedForm) error {
	d, err := a.loadAdmin(r, rq, "canned")
	if err != nil {
		return err
	}
	d.CannedForm = f
	d.Placeholders = canned.Placeholders
	title := rq.loc.T("admin.canned")
	if f.ID != 0 {
		title = rq.loc.T("canned.edit_title", "title", f.Title)
	} else {
		d.Q = strings.TrimSpace(r.URL.Query().Get("q"))
		if d.Canned, err = a.cfg.Canned.List(r.Context(), rq.actor, canned.Query{Q: d.Q}); err != nil {
			return err
		}
	}
	a.render(w, r, rq, status, "admin", a.pageData(r, rq, title, d))
	return nil
}

func (a *app) editCannedPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := a.cfg.Canned.Get(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	return a.showCanned(w, r, rq, http.StatusOK, cannedFormOf(c))
}

// refusedCanned shows the form again with the errors of a validation or
// conflict error; any other error is handled as usual.
func (a *app) refusedCanned(w http.ResponseWriter, r *http.Request, rq *request, f *cannedForm, err error) error {
	var de *desk.Error
	if !errors.As(err, &de) || (de.Code != desk.EInvalid && de.Code != desk.EConflict) {
		return err
	}
	f.Message, f.Errors = de.Message, de.Fields
	return a.showCanned(w, r, rq, httperr.Status(de.Code), f)
}

func (a *app) createCanned(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := readCannedForm(r)
	in := canned.Input{Title: f.Title, Body: f.Body, Shortcut: f.Shortcut, TeamID: f.TeamID}
	if _, err := a.cfg.Canned.Create(r.Context(), rq.actor, in); err != nil {
		return a.refusedCanned(w, r, rq, f, err)
	}
	return back(w, r, "/admin/canned")
}

func (a *app) updateCanned(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f := readCannedForm(r)
	f.ID = id
	u := canned.Update{Title: &f.Title, Body: &f.Body, Shortcut: &f.Shortcut, TeamID: &f.TeamID}
	if _, err := a.cfg.Canned.Update(r.Context(), rq.actor, id, u); err != nil {
		return a.refusedCanned(w, r, rq, f, err)
	}
	return back(w, r, "/admin/canned")
}

func (a *app) deleteCanned(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Canned.Delete(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return back(w, r, "/admin/canned")
}
