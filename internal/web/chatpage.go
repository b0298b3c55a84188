package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
)

// chatsData is the chats page: the agent's chats and the queue beside the
// open chat.
type chatsData struct {
	Mine   []desk.Chat // chats the agent is in
	Queue  []desk.Chat // chats waiting for an agent of their teams
	Open   *chatView
	OpenID int64
}

// chatView is one chat as the agent sees it: the conversation with the
// ticket's internal notes in it, and the visitor beside it.
type chatView struct {
	C       desk.Chat
	Items   []chatItem
	LastSeq int64
	V       chat.VisitorDetail
	Others  []desk.Ticket // the customer's other tickets
	Local   string        // the visitor's local time, when their time zone is known
	Mine    bool          // the agent is in this chat
	Manage  bool          // the agent may transfer and end it
	// The transfer picker: agents online for chat (with their load), the
	// other active agents, and the teams.
	Online  []chat.AgentLoad
	Offline []desk.Agent
	Teams   []desk.Team
	OOB     bool // the header (and the ended composer) go out of band
}

// RatingN is the visitor's rating of the chat, 0 for none.
func (v *chatView) RatingN() int {
	if v.C.Rating == nil {
		return 0
	}
	return *v.C.Rating
}

// chatItem is one line of the conversation: an entry of the chat's log or
// an internal note of its ticket.
type chatItem struct {
	E    *desk.ChatEntry
	Note *desk.Message
}

// Read reports whether the visitor has read an agent's message.
func (v *chatView) Read(e *desk.ChatEntry) bool {
	return e.Author == desk.AuthorAgent && e.Seq <= v.C.VisitorSeen
}

// splitChats sorts the agent's open chats into theirs and the queue.
func splitChats(open []desk.Chat, me int64) (mine, queue []desk.Chat) {
	for _, c := range open {
		if c.Status == desk.ChatQueued {
			queue = append(queue, c)
		} else if c.Agent != nil && c.Agent.ID == me {
			mine = append(mine, c)
		}
	}
	return mine, queue
}

func (a *app) loadChats(r *http.Request, rq *request, svc *chat.Service) (*chatsData, error) {
	open, err := svc.OpenChats(r.Context(), rq.actor)
	if err != nil {
		return nil, err
	}
	d := &chatsData{}
	d.Mine, d.Queue = splitChats(open, rq.actor.AgentID)
	return d, nil
}

// loadChat loads one chat: its log with the notes, and with side the
// visitor panel and the transfer picker.
func (a *app) loadChat(r *http.Request, rq *request, svc *chat.Service, side bool) (*chatView, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	c, entries, err := svc.Chat(ctx, rq.actor, id)
	if err != nil {
		return nil, err
	}
	v := &chatView{C: c, Mine: c.Agent != nil && c.Agent.ID == rq.actor.AgentID}
	v.Manage = c.Open() && chat.MayManage(rq.actor, c)
	msgs, err := a.cfg.Tickets.Messages(ctx, rq.actor, c.TicketID)
	if err != nil {
		return nil, err
	}
	v.Items = interleave(entries, msgs)
	if n := len(entries); n > 0 {
		v.LastSeq = entries[n-1].Seq
	}
	if !side {
		return v, nil
	}
	if v.V, err = svc.Visitor(ctx, rq.actor, c.VisitorID); err != nil {
		return nil, err
	}
	if tz := v.V.Visitor.TimeZone; tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			v.Local = a.cfg.Clock.Now().In(loc).Format("15:04")
		}
	}
	if ct := v.V.Visitor.Contact; ct != nil {
		pg, err := a.cfg.Tickets.List(ctx, rq.actor, desk.TicketFilter{RequesterID: &ct.ID, Limit: 11})
		if err != nil {
			return nil, err
		}
		for _, t := range pg.Items {
			if t.ID != c.TicketID && len(v.Others) < 10 {
				v.Others = append(v.Others, t)
			}
		}
	}
	if v.Manage {
		if err := a.loadTransfer(r, rq, svc, v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// loadTransfer fills the transfer picker: everyone but the chat's agent.
func (a *app) loadTransfer(r *http.Request, rq *request, svc *chat.Service, v *chatView) error {
	ctx := r.Context()
	var current int64
	if v.C.Agent != nil {
		current = v.C.Agent.ID
	}
	online, err := svc.AvailableAgents(ctx, rq.actor)
	if err != nil {
		return err
	}
	on := map[int64]bool{}
	for _, l := range online {
		on[l.Agent.ID] = true
		if l.Agent.ID != current {
			v.Online = append(v.Online, l)
		}
	}
	agents, err := a.cfg.Team.Agents(ctx, rq.actor)
	if err != nil {
		return err
	}
	for _, ag := range agents {
		if ag.Active && !on[ag.ID] && ag.ID != current {
			v.Offline = append(v.Offline, ag)
		}
	}
	v.Teams, err = a.cfg.Team.Teams(ctx, rq.actor)
	return err
}

// interleave puts a ticket's internal notes among the chat's entries by
// time (the chat's messages are in the thread too; the log has them).
func interleave(entries []desk.ChatEntry, msgs []desk.Message) []chatItem {
	var notes []*desk.Message
	for i := range msgs {
		if msgs[i].Internal {
			notes = append(notes, &msgs[i])
		}
	}
	out := make([]chatItem, 0, len(entries)+len(notes))
	n := 0
	for i := range entries {
		for n < len(notes) && notes[n].CreatedAt.Before(entries[i].CreatedAt) {
			out = append(out, chatItem{Note: notes[n]})
			n++
		}
		out = append(out, chatItem{E: &entries[i]})
	}
	for ; n < len(notes); n++ {
		out = append(out, chatItem{Note: notes[n]})
	}
	return out
}

// chatsPage is the chats page without a chat open.
func (a *app) chatsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	d, err := a.loadChats(r, rq, svc)
	if err != nil {
		return err
	}
	a.render(w, r, rq, http.StatusOK, "chats", a.pageData(r, rq, rq.loc.T("nav.chats"), d))
	return nil
}

// chatPage shows a chat: the conversation and visitor panes for htmx
// (switching chats), else the whole page with the list.
func (a *app) chatPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	v, err := a.loadChat(r, rq, svc, true)
	if err != nil {
		return err
	}
	title := chatTitle(rq, v.C)
	if rq.htmx && r.Header.Get("HX-Target") == "chat-main" {
		a.render(w, r, rq, http.StatusOK, "chat-main", a.pageData(r, rq, title, v))
		return nil
	}
	d, err := a.loadChats(r, rq, svc)
	if err != nil {
		return err
	}
	d.Open, d.OpenID = v, v.C.ID
	a.render(w, r, rq, http.StatusOK, "chats", a.pageData(r, rq, title, d))
	return nil
}

func chatTitle(rq *request, c desk.Chat) string {
	return rq.loc.T("chat.title", "name", visitorLabel(rq.loc.T, c.VisitorName, c.VisitorID))
}

// visitorLabel is a visitor's name, or "Visitor 12" before they give one.
func visitorLabel(t func(string, ...any) string, name string, id int64) string {
	if strings.TrimSpace(name) != "" {
		return name
	}
	return t("chat.visitor_n", "n", id)
}

// chatList answers the list of the agent's chats and the queue.
func (a *app) chatList(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	d, err := a.loadChats(r, rq, svc)
	if err != nil {
		return err
	}
	d.OpenID, _ = strconv.ParseInt(r.URL.Query().Get("open"), 10, 64)
	a.render(w, r, rq, http.StatusOK, "chat-list", a.pageData(r, rq, "", d))
	return nil
}

// chatLog answers the conversation, with the chat's header out of band
// (and, once the chat has ended, the composer's place).
func (a *app) chatLog(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	v, err := a.loadChat(r, rq, svc, false)
	if err != nil {
		return err
	}
	a.render(w, r, rq, http.StatusOK, "chat-log-fragment", a.pageData(r, rq, "", v))
	return nil
}

// chatVisitor answers the visitor panel.
func (a *app) chatVisitor(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	v, err := a.loadChat(r, rq, svc, true)
	if err != nil {
		return err
	}
	a.render(w, r, rq, http.StatusOK, "visitor-panel", a.pageData(r, rq, "", v))
	return nil
}

// chatMessage sends a reply to the visitor (through the ticket, whose
// outbox puts it in the live chat) or adds an internal note, and answers
// with the conversation.
func (a *app) chatMessage(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, _, err := svc.Chat(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	in, err := messageForm(r, rq)
	if err != nil {
		return err
	}
	in.Status = nil // a chat message never changes the ticket's status
	if !in.Internal && !c.Open() {
		return desk.Errorf(desk.EConflict, "%s", rq.loc.T("chat.ended_reply"))
	}
	if _, err := a.cfg.Tickets.AddMessage(r.Context(), rq.actor, c.TicketID, in); err != nil {
		return err
	}
	if !rq.htmx {
		http.Redirect(w, r, "/chats/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
	return a.chatLog(w, r, rq)
}

// chatTyping tells the visitor the agent is (on=1) or stopped (on=0)
// typing; the page sends it at most every two seconds.
func (a *app) chatTyping(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := svc.AgentTyping(r.Context(), rq.actor, id, r.PostFormValue("on") == "1"); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// chatSeen records that the agent has read the chat up to seq.
func (a *app) chatSeen(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	seq, err := strconv.ParseInt(r.PostFormValue("seq"), 10, 64)
	if err != nil || seq <= 0 {
		return desk.Errorf(desk.EInvalid, "%s", rq.loc.T("error.bad_form"))
	}
	if err := svc.AgentSeen(r.Context(), rq.actor, id, seq); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// chatTransfer hands the chat to an agent ("a12") or a team's queue
// ("t3").
func (a *app) chatTransfer(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	to := r.PostFormValue("to")
	var target int64
	if len(to) > 1 && (to[0] == 'a' || to[0] == 't') {
		target, err = strconv.ParseInt(to[1:], 10, 64)
	}
	if target <= 0 || err != nil {
		return &desk.Error{Code: desk.EInvalid, Message: rq.loc.T("chat.transfer_pick"), Fields: map[string]string{"to": rq.loc.T("chat.transfer_pick")}}
	}
	var toAgent, toTeam *int64
	if to[0] == 'a' {
		toAgent = &target
	} else {
		toTeam = &target
	}
	c, err := svc.Transfer(r.Context(), rq.actor, id, toAgent, toTeam)
	if err != nil {
		return err
	}
	name := ""
	if c.Agent != nil {
		name = c.Agent.Name
	} else if c.Team != nil {
		name = c.Team.Name
	}
	return a.afterChat(w, r, rq, svc, id, rq.loc.T("chat.transferred", "name", name))
}

// chatEnd ends the chat, resolving its ticket when asked.
func (a *app) chatEnd(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	resolve := r.PostFormValue("resolve") == "1"
	if _, err := svc.End(r.Context(), rq.actor, id, resolve); err != nil {
		return err
	}
	msg := rq.loc.T("chat.ended_toast")
	if resolve {
		msg = rq.loc.T("chat.ended_resolved")
	}
	return a.afterChat(w, r, rq, svc, id, msg)
}

// afterChat answers a transfer or an end: the chat's panes again with a
// toast for htmx, else a redirect to the chat.
func (a *app) afterChat(w http.ResponseWriter, r *http.Request, rq *request, svc *chat.Service, id int64, toast string) error {
	if !rq.htmx {
		http.Redirect(w, r, "/chats/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
	v, err := a.loadChat(r, rq, svc, true)
	if err != nil {
		return err
	}
	a.render(w, r, rq, http.StatusOK, "chat-changed", a.pageData(r, rq, toast, v))
	return nil
}
