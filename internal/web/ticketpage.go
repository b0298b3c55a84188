package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"switchboard/internal/contact"
	"switchboard/internal/desk"
	"switchboard/internal/realtime"
)

// ticketData is an open ticket: the ticket, its thread, its customer and
// what the side panel needs.
type ticketData struct {
	T        desk.Ticket
	Messages []desk.Message
	Contact  *desk.Contact
	Others   []desk.Ticket // the customer's other tickets
	Teams    []desk.Team
	Agents   []desk.Agent
	Present  []realtime.Present
	Timeline []desk.Event
	Back     string // the inbox filter to return to
	OOB      bool   // rendered out of band after an action
	// Bounce is the requester's bounce mark (nil when mail to them has
	// not bounced); CanRetry shows Retry on failed email replies.
	Bounce   *contact.Bounce
	CanRetry bool
	// Chat is the live chat of a chat ticket (nil for others): the head
	// says whether replies go to the chat or, after it, by email.
	Chat *desk.Chat
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, desk.Errorf(desk.ENotFound, "No such page.")
	}
	return id, nil
}

// loadTicket loads the parts of a ticket named in parts ("thread", "side").
func (a *app) loadTicket(r *http.Request, rq *request, parts ...string) (*ticketData, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	d := &ticketData{Back: parseFilter(r.URL.Query()).Query(), CanRetry: a.cfg.Mail != nil}
	if d.T, err = a.cfg.Tickets.Get(ctx, rq.actor, id); err != nil {
		return nil, err
	}
	if d.T.Channel == desk.ChannelChat && a.cfg.Chat != nil {
		c, err := a.cfg.Chat.ChatOfTicket(ctx, rq.actor, d.T.ID)
		if err != nil && !desk.IsNotFound(err) {
			return nil, err
		}
		if err == nil {
			d.Chat = &c
		}
	}
	for _, p := range parts {
		switch p {
		case "thread":
			if d.Messages, err = a.cfg.Tickets.Messages(ctx, rq.actor, id); err != nil {
				return nil, err
			}
		case "side":
			if err = a.loadSide(r, rq, d); err != nil {
				return nil, err
			}
		}
	}
	d.Present = a.presence.Who(id, rq.actor.AgentID)
	return d, nil
}

func (a *app) loadSide(r *http.Request, rq *request, d *ticketData) error {
	ctx := r.Context()
	var err error
	if d.T.Requester.ID != 0 {
		c, err := a.cfg.Contacts.Get(ctx, rq.actor, d.T.Requester.ID)
		if err != nil && !desk.IsNotFound(err) {
			return err
		}
		if err == nil {
			d.Contact = &c
		}
		rid := d.T.Requester.ID
		pg, err := a.cfg.Tickets.List(ctx, rq.actor, desk.TicketFilter{RequesterID: &rid, Limit: 20})
		if err != nil {
			return err
		}
		for _, t := range pg.Items {
			if t.ID != d.T.ID {
				d.Others = append(d.Others, t)
			}
		}
	}
	if d.T.Requester.Email != "" {
		if d.Bounce, err = a.cfg.Contacts.EmailBounce(ctx, rq.actor, d.T.Requester.Email); err != nil {
			return err
		}
	}
	if d.Teams == nil {
		if d.Teams, err = a.cfg.Team.Teams(ctx, rq.actor); err != nil {
			return err
		}
	}
	if d.Agents == nil {
		d.Agents, err = a.cfg.Team.Agents(ctx, rq.actor)
	}
	return err
}

// ticketPage shows a ticket: as the right pane for htmx, else as the full
// three-pane page with the list of the inbox view it was opened from.
func (a *app) ticketPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.htmx && r.Header.Get("HX-Target") == "ticket-pane" {
		d, err := a.loadTicket(r, rq, "thread", "side")
		if err != nil {
			return err
		}
		a.render(w, r, rq, http.StatusOK, "ticket-pane", a.pageData(r, rq, ticketTitle(d.T), d))
		return nil
	}
	d, err := a.loadTicket(r, rq, "thread")
	if err != nil {
		return err
	}
	in, err := a.loadInbox(r, rq, parseFilter(r.URL.Query()))
	if err != nil {
		return err
	}
	d.Teams, d.Agents = in.Teams, in.Agents // already loaded for the filters
	if err := a.loadSide(r, rq, d); err != nil {
		return err
	}
	in.Open, in.OpenID = d, d.T.ID
	title := ticketTitle(d.T)
	a.render(w, r, rq, http.StatusOK, "inbox", a.pageData(r, rq, title, in))
	return nil
}

func ticketTitle(t desk.Ticket) string {
	return "#" + strconv.FormatInt(t.Number, 10) + " " + t.Subject
}

func (a *app) ticketHead(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := a.loadTicket(r, rq)
	if err != nil {
		return err
	}
	a.render(w, r, rq, http.StatusOK, "ticket-head", a.pageData(r, rq, "", d))
	return nil
}

func (a *app) ticketThread(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := a.loadTicket(r, rq, "thread")
	if err != nil {
		return err
	}
	a.render(w, r, rq, http.StatusOK, "thread", a.pageData(r, rq, "", d))
	return nil
}

func (a *app) ticketSide(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := a.loadTicket(r, rq, "side")
	if err != nil {
		return err
	}
	a.render(w, r, rq, http.StatusOK, "ticket-side", a.pageData(r, rq, "", d))
	return nil
}

func (a *app) ticketTimeline(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := a.loadTicket(r, rq)
	if err != nil {
		return err
	}
	if d.Timeline, err = a.cfg.Tickets.Timeline(r.Context(), rq.actor, d.T.ID); err != nil {
		return err
	}
	a.render(w, r, rq, http.StatusOK, "timeline", a.pageData(r, rq, "", d))
	return nil
}

// maxUpload bounds a composer post with its attachments.
const maxUpload = 25 << 20

// messageForm reads a composer's post: the text, reply or note, the
// status to set after it ("then") and the attached files.
func messageForm(r *http.Request, rq *request) (desk.NewMessage, error) {
	// Browsers send a textarea's line breaks as CRLF; store plain newlines.
	text := strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n")
	in := desk.NewMessage{Text: strings.TrimSpace(text), Internal: r.PostFormValue("kind") == "note"}
	if st := desk.Status(r.PostFormValue("then")); st != "" {
		if !st.Valid() {
			return in, desk.Errorf(desk.EInvalid, "%s", rq.loc.T("error.bad_status"))
		}
		in.Status = &st
	}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["files"] {
			f, err := fh.Open()
			if err != nil {
				return in, err
			}
			data, err := io.ReadAll(f)
			_ = f.Close()
			if err != nil {
				return in, err
			}
			in.Attachments = append(in.Attachments, desk.NewAttachment{Filename: fh.Filename,
				ContentType: fh.Header.Get("Content-Type"), Data: data})
		}
	}
	if in.Text == "" && len(in.Attachments) == 0 {
		return in, desk.Errorf(desk.EInvalid, "%s", rq.loc.T("composer.empty"))
	}
	return in, nil
}

// addMessage posts a reply or note, optionally changing the status.
func (a *app) addMessage(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := messageForm(r, rq)
	if err != nil {
		return err
	}
	if _, err := a.cfg.Tickets.AddMessage(r.Context(), rq.actor, id, in); err != nil {
		return err
	}
	msg := rq.loc.T("toast.reply_sent")
	if in.Internal {
		msg = rq.loc.T("toast.note_added")
	}
	return a.afterChange(w, r, rq, id, msg)
}

// afterChange answers a successful ticket action: for htmx the changed
// regions out of band and a toast; otherwise a redirect to the ticket.
func (a *app) afterChange(w http.ResponseWriter, r *http.Request, rq *request, id int64, toast string) error {
	if !rq.htmx {
		http.Redirect(w, r, "/tickets/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
	r.SetPathValue("id", strconv.FormatInt(id, 10))
	d, err := a.loadTicket(r, rq, "thread", "side")
	if err != nil {
		return err
	}
	d.OOB = true
	a.render(w, r, rq, http.StatusOK, "ticket-changed", a.pageData(r, rq, toast, d))
	return nil
}

// updateTicket changes the fields present in the form: status, priority,
// assignee ("me", "" for nobody, or an id), team ("" for none) and tags.
func (a *app) updateTicket(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EInvalid, "%s", rq.loc.T("error.bad_form"))
	}
	var u desk.TicketUpdate
	form := r.PostForm
	if form.Has("status") {
		s := desk.Status(form.Get("status"))
		u.Status = &s
	}
	if form.Has("priority") {
		p := desk.Priority(form.Get("priority"))
		u.Priority = &p
	}
	if form.Has("assignee") {
		switch v := form.Get("assignee"); v {
		case "", "0", "none":
			u.ClearAssignee = true
		case "me":
			me := rq.actor.AgentID
			u.AssigneeID = &me
		default:
			aid, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return desk.Errorf(desk.EInvalid, "%s", rq.loc.T("error.bad_form"))
			}
			u.AssigneeID = &aid
		}
	}
	if form.Has("team") {
		if v := form.Get("team"); v == "" || v == "0" {
			u.ClearTeam = true
		} else {
			tid, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return desk.Errorf(desk.EInvalid, "%s", rq.loc.T("error.bad_form"))
			}
			u.TeamID = &tid
		}
	}
	if form.Has("tags") {
		tags := splitTags(form.Get("tags"))
		u.Tags = &tags
	}
	u.CustomFields = customFields(form)
	if _, err := a.cfg.Tickets.Update(r.Context(), rq.actor, id, u); err != nil {
		return err
	}
	toast := rq.loc.T("toast.saved")
	fields := len(form)
	if form.Has("csrf") {
		fields--
	}
	switch {
	case fields == 1 && u.Status != nil:
		toast = rq.loc.T("toast.status", "status", rq.loc.T("status."+string(*u.Status)))
	case fields == 1 && u.AssigneeID != nil && *u.AssigneeID == rq.actor.AgentID:
		toast = rq.loc.T("toast.assigned_me")
	}
	return a.afterChange(w, r, rq, id, toast)
}

// customFields reads the custom field inputs: "cf.NAME" edits an existing
// field (empty clears it) and cf_new_key/cf_new_value add one. It returns
// nil when the form has none.
func customFields(form url.Values) map[string]string {
	var out map[string]string
	set := func(k, v string) {
		if out == nil {
			out = map[string]string{}
		}
		out[k] = strings.TrimSpace(v)
	}
	for k, vs := range form {
		if name, ok := strings.CutPrefix(k, "cf."); ok && name != "" && len(vs) > 0 {
			set(name, vs[0])
		}
	}
	if k := strings.TrimSpace(form.Get("cf_new_key")); k != "" {
		set(k, form.Get("cf_new_value"))
	}
	return out
}

// splitTags reads a comma or space separated tag list.
func splitTags(s string) []string {
	out := []string{}
	seen := map[string]bool{}
	for f := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		f = strings.ToLower(strings.TrimPrefix(f, "#"))
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// mergeTicket merges this ticket into the chosen ticket of the same
// customer and goes to the result.
func (a *app) mergeTicket(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	target, err := strconv.ParseInt(r.PostFormValue("target"), 10, 64)
	if err != nil || target <= 0 {
		return desk.Errorf(desk.EInvalid, "%s", rq.loc.T("merge.pick"))
	}
	t, err := a.cfg.Tickets.Merge(r.Context(), rq.actor, id, target)
	if err != nil {
		return err
	}
	to := "/tickets/" + strconv.FormatInt(t.ID, 10)
	if rq.htmx {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// attachment downloads a stored file; never rendered inline, so an
// uploaded HTML or SVG file cannot run in our origin.
func (a *app) attachment(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	att, rc, err := a.cfg.Tickets.Attachment(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mimeAttachment(att.Filename))
	if r.URL.Query().Get("inline") == "1" && inlineImageTypes[att.ContentType] {
		// A picture shown inside an email (an <img> of the thread): only
		// raster types, never SVG or HTML, and still sandboxed.
		h.Set("Content-Type", att.ContentType)
		h.Set("Content-Disposition", "inline")
	}
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, max-age=3600")
	if att.Size > 0 {
		h.Set("Content-Length", strconv.FormatInt(att.Size, 10))
	}
	_, err = io.Copy(w, rc)
	if err != nil {
		a.log.WarnContext(r.Context(), "web: attachment copy", "id", id, "err", err)
	}
	return nil
}

// inlineImageTypes are the attachment types served inline for <img>.
var inlineImageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

func mimeAttachment(name string) string {
	if name == "" {
		name = "attachment"
	}
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + urlPathEscape(name)
}

func urlPathEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
