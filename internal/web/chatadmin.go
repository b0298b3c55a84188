package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/httperr"
)

// chatAdmin is the chat tab of the admin screens: the channels, and the
// add form or one channel's page (settings, embed snippet, identity
// secret, invitation rules).
type chatAdmin struct {
	Channels  []desk.ChatChannel
	Mailboxes []desk.Mailbox
	Languages []string
	Positions []string
	Modes     []desk.FieldMode
	Form      *channelForm
	// Channel is the edited channel as stored (its key and secret);
	// Snippet its embed snippet.
	Channel desk.ChatChannel
	Snippet string
	Base    string // Switchboard's public URL, for the examples
	// Invitations are the channel's rules as forms (one may carry the
	// errors of a refused save); NewInvitation is the add form.
	Invitations   []*invitationForm
	NewInvitation *invitationForm
	Notice        string // a message key: what the last action did
}

// channelForm is the add or edit form of a chat channel as shown: the
// values (as typed, when a refused submission is shown again) and the
// field errors.
type channelForm struct {
	ID           int64 // 0 for a new channel
	Name         string
	TeamID       int64
	MailboxID    int64
	Origins      string // one per line
	Color        string
	Greeting     string
	Position     string
	Languages    []string
	PrechatName  string
	PrechatEmail string
	MaxUploadMiB string
	// QueueTimeout and EndAfterLeft in minutes, as typed (0: never).
	QueueTimeout string
	EndAfterLeft string
	Active       bool
	Message      string
	Errors       map[string]string
}

// HasLanguage reports whether the form offers language l.
func (f *channelForm) HasLanguage(l string) bool { return slices.Contains(f.Languages, l) }

// invitationForm is an invitation rule's form (ID 0: the add form).
type invitationForm struct {
	ID         int64
	Name       string
	URLPattern string
	MinSeconds string
	MinVisits  string
	Greeting   string
	Active     bool
	Position   int
	Message    string
	Errors     map[string]string
}

// fieldModes are the choices of a pre-chat field.
var fieldModes = []desk.FieldMode{desk.FieldRequired, desk.FieldOptional, desk.FieldOff}

func newChannelForm() *channelForm {
	return &channelForm{Color: "#2563eb", Position: "right", PrechatName: string(desk.FieldOptional),
		PrechatEmail: string(desk.FieldOptional), MaxUploadMiB: mib(chat.DefaultMaxUpload),
		QueueTimeout: minutes(chat.DefaultQueueTimeout), EndAfterLeft: minutes(chat.DefaultEndAfterLeft), Active: true}
}

// minutes writes a duration as minutes for the form ("3", or "1.5").
func minutes(d time.Duration) string {
	return strconv.FormatFloat(d.Minutes(), 'f', -1, 64)
}

// parseMinutes reads minutes as typed (0 and up, a decimal comma too) up
// to chat.MaxIdleSetting; nothing is nil, the default.
func parseMinutes(s string) (*time.Duration, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	m, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
	if err != nil || m != m || m < 0 || m > chat.MaxIdleSetting.Minutes() {
		return nil, false
	}
	d := time.Duration(m * float64(time.Minute))
	return &d, true
}

// mib writes a byte count as MiB for the form ("10", or "0.5").
func mib(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64)
}

func channelFormOf(c desk.ChatChannel) *channelForm {
	f := &channelForm{ID: c.ID, Name: c.Name, Origins: strings.Join(c.Origins, "\n"), Color: c.Color,
		Greeting: c.Greeting, Position: c.Position, Languages: c.Languages, PrechatName: string(c.Prechat.Name),
		PrechatEmail: string(c.Prechat.Email), MaxUploadMiB: mib(c.MaxUpload), QueueTimeout: minutes(c.QueueTimeout),
		EndAfterLeft: minutes(c.EndAfterLeft), Active: c.Active}
	if c.Team != nil {
		f.TeamID = c.Team.ID
	}
	if c.MailboxID != nil {
		f.MailboxID = *c.MailboxID
	}
	return f
}

func readChannelForm(r *http.Request) *channelForm {
	_ = r.ParseForm()
	v := func(k string) string { return r.PostFormValue(k) }
	f := &channelForm{Name: strings.TrimSpace(v("name")), Origins: v("origins"), Color: strings.TrimSpace(v("color")),
		Greeting: v("greeting"), Position: v("position"), Languages: r.PostForm["languages"],
		PrechatName: v("prechat_name"), PrechatEmail: v("prechat_email"),
		MaxUploadMiB: strings.TrimSpace(v("max_upload")), QueueTimeout: strings.TrimSpace(v("queue_timeout")),
		EndAfterLeft: strings.TrimSpace(v("end_after_left")), Active: v("active") == "1"}
	f.TeamID, _ = strconv.ParseInt(v("team"), 10, 64)
	f.MailboxID, _ = strconv.ParseInt(v("mailbox"), 10, 64)
	return f
}

// input turns the form into the service's input; a size or a number of
// minutes that is not one is refused here with its field error.
func (f *channelForm) input(rq *request) (chat.ChannelInput, error) {
	in := chat.ChannelInput{Name: f.Name, Origins: strings.Split(strings.ReplaceAll(f.Origins, "\r", ""), "\n"), Color: f.Color,
		Greeting: f.Greeting, Position: f.Position, Languages: f.Languages,
		Prechat: desk.Prechat{Name: desk.FieldMode(f.PrechatName), Email: desk.FieldMode(f.PrechatEmail)}, Active: f.Active}
	if f.TeamID > 0 {
		in.TeamID = &f.TeamID
	}
	if f.MailboxID > 0 {
		in.MailboxID = &f.MailboxID
	}
	fields := map[string]string{}
	var ok bool
	if in.QueueTimeout, ok = parseMinutes(f.QueueTimeout); !ok {
		fields["queue_timeout"] = rq.loc.T("chatadmin.minutes_range")
	}
	if in.EndAfterLeft, ok = parseMinutes(f.EndAfterLeft); !ok {
		fields["end_after_left"] = rq.loc.T("chatadmin.minutes_range")
	}
	size, err := strconv.ParseFloat(strings.ReplaceAll(f.MaxUploadMiB, ",", "."), 64)
	if err != nil || size <= 0 || size != size {
		fields["max_upload"] = rq.loc.T("chatadmin.max_upload_number")
	}
	if len(fields) > 0 {
		return in, &desk.Error{Code: desk.EInvalid, Message: rq.loc.T("mailbox.check_fields"), Fields: fields}
	}
	in.MaxUpload = max(int64(size*(1<<20)), 1)
	if size > float64(chat.MaxUploadLimit>>20) {
		in.MaxUpload = chat.MaxUploadLimit + 1 // refused by the service with its message
	}
	return in, nil
}

func invitationFormOf(v desk.ChatInvitation) *invitationForm {
	return &invitationForm{ID: v.ID, Name: v.Name, URLPattern: v.URLPattern, MinSeconds: strconv.Itoa(v.MinSeconds),
		MinVisits: strconv.Itoa(v.MinVisits), Greeting: v.Greeting, Active: v.Active, Position: v.Position}
}

func readInvitationForm(r *http.Request) *invitationForm {
	_ = r.ParseForm()
	v := func(k string) string { return r.PostFormValue(k) }
	f := &invitationForm{Name: strings.TrimSpace(v("name")), URLPattern: strings.TrimSpace(v("url_pattern")),
		MinSeconds: strings.TrimSpace(v("min_seconds")), MinVisits: strings.TrimSpace(v("min_visits")),
		Greeting: v("greeting"), Active: v("active") == "1"}
	f.Position, _ = strconv.Atoi(v("position"))
	return f
}

// input turns the form into the service's input; numbers that are not
// numbers are refused here with their field errors.
func (f *invitationForm) input(rq *request) (chat.InvitationInput, error) {
	in := chat.InvitationInput{Name: f.Name, URLPattern: f.URLPattern, Greeting: f.Greeting, Active: f.Active, Position: f.Position}
	fields := map[string]string{}
	var err error
	if f.MinSeconds == "" {
		f.MinSeconds = "0"
	}
	if in.MinSeconds, err = strconv.Atoi(f.MinSeconds); err != nil {
		fields["min_seconds"] = rq.loc.T("chatadmin.whole_number")
	}
	if f.MinVisits == "" {
		f.MinVisits = "0"
	}
	if in.MinVisits, err = strconv.Atoi(f.MinVisits); err != nil {
		fields["min_visits"] = rq.loc.T("chatadmin.whole_number")
	}
	if len(fields) > 0 {
		return in, &desk.Error{Code: desk.EInvalid, Message: rq.loc.T("mailbox.check_fields"), Fields: fields}
	}
	return in, nil
}

// showChat renders the chat tab: the list and add form (f.ID 0), or the
// page of channel f.ID. inv, when not nil, is a refused invitation form to
// show with its errors.
func (a *app) showChat(w http.ResponseWriter, r *http.Request, rq *request, status int, f *channelForm, inv *invitationForm) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	d, err := a.loadAdmin(r, rq, "chat")
	if err != nil {
		return err
	}
	ca := &chatAdmin{Languages: chat.Languages, Positions: []string{"right", "left"}, Modes: fieldModes, Form: f, NewInvitation: &invitationForm{URLPattern: "*", MinSeconds: "30", MinVisits: "0", Active: true}}
	d.Chat = ca
	if a.cfg.Mailboxes != nil {
		if ca.Mailboxes, err = a.cfg.Mailboxes.List(r.Context(), rq.actor); err != nil {
			return err
		}
	}
	title := rq.loc.T("admin.chat")
	if f.ID == 0 {
		if ca.Channels, err = svc.Channels(r.Context(), rq.actor); err != nil {
			return err
		}
	} else {
		if ca.Channel, err = svc.Channel(r.Context(), rq.actor, f.ID); err != nil {
			return err
		}
		ca.Snippet = chat.EmbedSnippet(a.cfg.BaseURL, ca.Channel)
		ca.Base = strings.TrimRight(a.cfg.BaseURL, "/")
		invs, err := svc.Invitations(r.Context(), rq.actor, f.ID)
		if err != nil {
			return err
		}
		for _, v := range invs {
			vf := invitationFormOf(v)
			if inv != nil && inv.ID == v.ID {
				vf = inv
			}
			ca.Invitations = append(ca.Invitations, vf)
		}
		if inv != nil && inv.ID == 0 {
			ca.NewInvitation = inv
		} else {
			ca.NewInvitation.Position = len(invs)
		}
		switch r.URL.Query().Get("done") {
		case "saved", "created", "rotated":
			ca.Notice = "chatadmin.notice." + r.URL.Query().Get("done")
		}
		title = rq.loc.T("chatadmin.edit_title", "name", ca.Channel.Name)
	}
	a.render(w, r, rq, status, "admin", a.pageData(r, rq, title, d))
	return nil
}

// refusedForm takes the message and field errors of a validation or
// conflict error; ok is false for any other error.
func refusedForm(err error) (de *desk.Error, ok bool) {
	if !errors.As(err, &de) || (de.Code != desk.EInvalid && de.Code != desk.EConflict) {
		return nil, false
	}
	return de, true
}

func (a *app) adminChat(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.showChat(w, r, rq, http.StatusOK, newChannelForm(), nil)
}

func (a *app) editChannelPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := svc.Channel(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	return a.showChat(w, r, rq, http.StatusOK, channelFormOf(c), nil)
}

// refusedChannel shows the channel form again with the errors of err, or
// returns err when it is not a refusal.
func (a *app) refusedChannel(w http.ResponseWriter, r *http.Request, rq *request, f *channelForm, err error) error {
	de, ok := refusedForm(err)
	if !ok {
		return err
	}
	f.Message, f.Errors = de.Message, de.Fields
	return a.showChat(w, r, rq, httperr.Status(de.Code), f, nil)
}

func (a *app) createChannel(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	f := readChannelForm(r)
	in, err := f.input(rq)
	if err != nil {
		return a.refusedChannel(w, r, rq, f, err)
	}
	c, err := svc.CreateChannel(r.Context(), rq.actor, in)
	if err != nil {
		return a.refusedChannel(w, r, rq, f, err)
	}
	return back(w, r, "/admin/chat/"+strconv.FormatInt(c.ID, 10)+"?done=created#embed")
}

func (a *app) updateChannel(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f := readChannelForm(r)
	f.ID = id
	in, err := f.input(rq)
	if err != nil {
		return a.refusedChannel(w, r, rq, f, err)
	}
	if _, err := svc.UpdateChannel(r.Context(), rq.actor, id, in); err != nil {
		return a.refusedChannel(w, r, rq, f, err)
	}
	return back(w, r, "/admin/chat/"+strconv.FormatInt(id, 10)+"?done=saved")
}

func (a *app) deleteChannel(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := svc.DeleteChannel(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return back(w, r, "/admin/chat")
}

func (a *app) rotateChannelSecret(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := svc.RotateIdentitySecret(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return back(w, r, "/admin/chat/"+strconv.FormatInt(id, 10)+"?done=rotated#identity")
}

// saveInvitation creates (iid 0) or updates an invitation rule of the
// channel in the path; a refused form is shown again on the channel page.
func (a *app) saveInvitation(w http.ResponseWriter, r *http.Request, rq *request, iid int64) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f := readInvitationForm(r)
	f.ID = iid
	in, err := f.input(rq)
	if err == nil {
		if iid == 0 {
			_, err = svc.CreateInvitation(r.Context(), rq.actor, id, in)
		} else {
			_, err = svc.UpdateInvitation(r.Context(), rq.actor, id, iid, in)
		}
	}
	if err != nil {
		de, ok := refusedForm(err)
		if !ok {
			return err
		}
		c, cerr := svc.Channel(r.Context(), rq.actor, id)
		if cerr != nil {
			return cerr
		}
		f.Message, f.Errors = de.Message, de.Fields
		if f.Errors == nil {
			f.Errors = map[string]string{}
		}
		return a.showChat(w, r, rq, httperr.Status(de.Code), channelFormOf(c), f)
	}
	return back(w, r, "/admin/chat/"+strconv.FormatInt(id, 10)+"#invitations")
}

func (a *app) createInvitation(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.saveInvitation(w, r, rq, 0)
}

func (a *app) updateInvitation(w http.ResponseWriter, r *http.Request, rq *request) error {
	iid, err := strconv.ParseInt(r.PathValue("iid"), 10, 64)
	if err != nil || iid <= 0 {
		return desk.Errorf(desk.ENotFound, "%s", rq.loc.T("error.page_not_found"))
	}
	return a.saveInvitation(w, r, rq, iid)
}

func (a *app) deleteInvitation(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	iid, err := strconv.ParseInt(r.PathValue("iid"), 10, 64)
	if err != nil || iid <= 0 {
		return desk.Errorf(desk.ENotFound, "%s", rq.loc.T("error.page_not_found"))
	}
	if err := svc.DeleteInvitation(r.Context(), rq.actor, id, iid); err != nil {
		return err
	}
	return back(w, r, "/admin/chat/"+strconv.FormatInt(id, 10)+"#invitations")
}
