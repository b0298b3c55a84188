package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"switchboard/internal/desk"
	"switchboard/internal/httperr"
	"switchboard/internal/mailbox"
)

// mailboxForm is the add or edit form of a mailbox as shown: the values
// (URLs redacted when they come from the store, as typed when a submission
// is shown again) and the field errors of a refused submission.
type mailboxForm struct {
	ID         int64 // 0 for a new mailbox
	Address    string
	Name       string
	TeamID     int64
	Inbound    string
	IMAPURL    string
	SMTPURL    string
	AckEnabled bool
	AckSubject string
	AckBody    string
	ReopenDays string
	Active     bool
	Message    string            // why the submission was refused
	Errors     map[string]string // field → why
}

// newMailboxForm is the empty add form.
func newMailboxForm() *mailboxForm {
	return &mailboxForm{Inbound: string(desk.InboundSMTP), ReopenDays: strconv.Itoa(mailbox.DefaultReopenDays), Active: true}
}

// mailboxFormOf is the edit form of a stored mailbox, secrets redacted.
func mailboxFormOf(m desk.Mailbox) *mailboxForm {
	f := &mailboxForm{ID: m.ID, Address: m.Address, Name: m.Name, Inbound: string(m.Inbound),
		IMAPURL: mailbox.RedactURL(m.IMAPURL), SMTPURL: mailbox.RedactURL(m.SMTPURL),
		AckEnabled: m.AckEnabled, AckSubject: m.AckSubject, AckBody: m.AckBody,
		ReopenDays: strconv.Itoa(m.ReopenDays), Active: m.Active}
	if m.Team != nil {
		f.TeamID = m.Team.ID
	}
	return f
}

// readMailboxForm reads a submitted add or edit form.
func readMailboxForm(r *http.Request) *mailboxForm {
	_ = r.ParseForm()
	v := func(k string) string { return r.PostFormValue(k) }
	f := &mailboxForm{Address: strings.TrimSpace(v("address")), Name: strings.TrimSpace(v("name")),
		Inbound: v("inbound"), IMAPURL: strings.TrimSpace(v("imap_url")), SMTPURL: strings.TrimSpace(v("smtp_url")),
		AckEnabled: v("ack_enabled") == "1", AckSubject: v("ack_subject"), AckBody: v("ack_body"),
		ReopenDays: strings.TrimSpace(v("reopen_days")), Active: v("active") == "1"}
	f.TeamID, _ = strconv.ParseInt(v("team"), 10, 64)
	return f
}

// reopenDays parses the reopen window; ok false when it is not a number.
func (f *mailboxForm) reopenDays() (int, bool) {
	n, err := strconv.Atoi(f.ReopenDays)
	return n, err == nil
}

func (a *app) adminMailboxes(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.showMailboxes(w, r, rq, http.StatusOK, newMailboxForm())
}

// showMailboxes renders the mailboxes tab with the given form: the add
// form (ID 0) under the list, or the edit form of one mailbox.
func (a *app) showMailboxes(w http.ResponseWriter, r *http.Request, rq *request, status int, f *mailboxForm) error {
	d, err := a.loadAdmin(r, rq, "mailboxes")
	if err != nil {
		return err
	}
	d.Form = f
	if f.ID != 0 {
		if d.Recent, err = a.cfg.Mailboxes.RecentMail(r.Context(), rq.actor, f.ID, 50); err != nil {
			return err
		}
	}
	title := rq.loc.T("admin.mailboxes")
	if f.ID != 0 {
		title = rq.loc.T("mailbox.edit_title", "address", f.Address)
	}
	a.render(w, r, rq, status, "admin", a.pageData(r, rq, title, d))
	return nil
}

func (a *app) editMailboxPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	m, err := a.cfg.Mailboxes.Get(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	return a.showMailboxes(w, r, rq, http.StatusOK, mailboxFormOf(m))
}

// refused shows the form again with the errors of a validation or
// conflict error; any other error is returned to be handled as usual.
func (a *app) refused(w http.ResponseWriter, r *http.Request, rq *request, f *mailboxForm, err error) error {
	var de *desk.Error
	if !errors.As(err, &de) || (de.Code != desk.EInvalid && de.Code != desk.EConflict) {
		return err
	}
	f.Message, f.Errors = de.Message, de.Fields
	return a.showMailboxes(w, r, rq, httperr.Status(de.Code), f)
}

// badDays is the error of a reopen window that is not a number.
func badDays(rq *request) error {
	return &desk.Error{Code: desk.EInvalid, Message: rq.loc.T("mailbox.check_fields"),
		Fields: map[string]string{"reopen_days": rq.loc.T("mailbox.reopen_days_number")}}
}

func (a *app) createMailbox(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := readMailboxForm(r)
	days, ok := f.reopenDays()
	if !ok {
		return a.refused(w, r, rq, f, badDays(rq))
	}
	in := mailbox.Input{Address: f.Address, Name: f.Name, TeamID: f.TeamID, Inbound: desk.InboundMode(f.Inbound),
		IMAPURL: f.IMAPURL, SMTPURL: f.SMTPURL, AckEnabled: f.AckEnabled, AckSubject: f.AckSubject, AckBody: f.AckBody,
		ReopenDays: &days, Active: &f.Active}
	if _, err := a.cfg.Mailboxes.Create(r.Context(), rq.actor, in); err != nil {
		return a.refused(w, r, rq, f, err)
	}
	return back(w, r, "/admin/mailboxes")
}

// updateMailbox saves the whole edit form. URLs shown redacted and sent
// back unchanged keep their stored passwords (the service's rule).
func (a *app) updateMailbox(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f := readMailboxForm(r)
	f.ID = id
	days, ok := f.reopenDays()
	if !ok {
		return a.refused(w, r, rq, f, badDays(rq))
	}
	inbound := desk.InboundMode(f.Inbound)
	u := mailbox.Update{Address: &f.Address, Name: &f.Name, TeamID: &f.TeamID, Inbound: &inbound,
		IMAPURL: &f.IMAPURL, SMTPURL: &f.SMTPURL, AckEnabled: &f.AckEnabled, AckSubject: &f.AckSubject,
		AckBody: &f.AckBody, ReopenDays: &days, Active: &f.Active}
	if _, err := a.cfg.Mailboxes.Update(r.Context(), rq.actor, id, u); err != nil {
		return a.refused(w, r, rq, f, err)
	}
	return back(w, r, "/admin/mailboxes")
}

func (a *app) deleteMailbox(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Mailboxes.Delete(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return back(w, r, "/admin/mailboxes")
}
