package web

import (
	"net/http"
	"strconv"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/i18n"
)

// chatBar is the chat part of every page's top bar: the agent's chat
// status, the chats ringing for them (only while they are online), their
// chats with unread messages, and how many open chats they have.
type chatBar struct {
	Status  desk.AgentChatStatus
	Ringing []desk.Chat // queued chats of their teams, oldest first
	Unread  []desk.Chat // their chats with entries they have not read (not on the chats page)
	Count   int         // their chats and the ringing ones
	More    int         // ringing chats beyond those shown
	Here    bool        // on the chats page, which lists the unread chats itself
	OOB     bool        // rendered out of band with the ring fragment
	CSRF    string
}

// Hot reports whether the chat count needs attention.
func (b *chatBar) Hot() bool { return len(b.Ringing) > 0 || len(b.Unread) > 0 }

// chatStatuses are the statuses an agent can choose, in menu order.
var chatStatuses = []desk.AgentChatStatus{desk.AgentOnline, desk.AgentAway, desk.AgentOffline}

// chatBar loads the top bar's chat part; nil without live chat or when it
// cannot be loaded (the page still renders).
func (a *app) chatBar(r *http.Request, rq *request, here bool) *chatBar {
	if a.cfg.Chat == nil || !rq.signedIn() {
		return nil
	}
	ctx := r.Context()
	st, err := a.cfg.Chat.Status(ctx, rq.actor)
	if err != nil {
		a.log.WarnContext(ctx, "web: chat status", "err", err)
		return nil
	}
	open, err := a.cfg.Chat.OpenChats(ctx, rq.actor)
	if err != nil {
		a.log.WarnContext(ctx, "web: open chats", "err", err)
		return nil
	}
	b := &chatBar{Status: st, Count: len(open), Here: here, CSRF: rq.sess.CSRF}
	for _, c := range open {
		switch {
		case c.Status == desk.ChatQueued && st == desk.AgentOnline:
			b.Ringing = append(b.Ringing, c)
		case c.Status == desk.ChatActive && !here && c.LastSeq > c.AgentSeen:
			b.Unread = append(b.Unread, c)
		}
	}
	// A burst of chats shows the oldest few; the rest wait on the chats page.
	if n := len(b.Ringing); n > maxRinging {
		b.More, b.Ringing = n-maxRinging, b.Ringing[:maxRinging]
	}
	if len(b.Unread) > maxRinging {
		b.Unread = b.Unread[:maxRinging]
	}
	return b
}

// maxRinging is how many ringing (and unread) chats the notice shows.
const maxRinging = 3

// chatService returns live chat, or "not found" where it is off.
func (a *app) chatService(rq *request) (*chat.Service, error) {
	if a.cfg.Chat == nil {
		return nil, desk.Errorf(desk.ENotFound, "%s", rq.loc.T("chat.off"))
	}
	return a.cfg.Chat, nil
}

// chatRing answers the top bar's ringing notice with the chat count out of
// band; every page refreshes it when a chat event says so.
func (a *app) chatRing(w http.ResponseWriter, r *http.Request, rq *request) error {
	if _, err := a.chatService(rq); err != nil {
		return err
	}
	b := a.chatBar(r, rq, r.URL.Query().Get("here") == "1")
	if b == nil {
		return desk.Errorf(desk.EInternal, "chat bar unavailable")
	}
	b.OOB = true
	a.render(w, r, rq, http.StatusOK, "ring-fragment", a.pageData(r, rq, "", b))
	return nil
}

// chatStatus sets the agent's chat status and answers with the ringing
// notice (going online shows the chats already waiting).
func (a *app) chatStatus(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	if err := svc.SetStatus(r.Context(), rq.actor, desk.AgentChatStatus(r.PostFormValue("status"))); err != nil {
		return err
	}
	if !rq.htmx {
		http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
		return nil
	}
	return a.chatRing(w, r, rq)
}

// chatAccept takes a ringing chat and goes to it. An agent who was too late
// is told who took it.
func (a *app) chatAccept(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, err := a.chatService(rq)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := svc.Accept(r.Context(), rq.actor, id); err != nil {
		if desk.ErrorCode(err) == desk.EConflict {
			if c, _, gerr := svc.Chat(r.Context(), rq.actor, id); gerr == nil {
				switch {
				case c.Status == desk.ChatEnded:
					return desk.Errorf(desk.EConflict, "%s", rq.loc.T("chat.gone"))
				case c.Agent != nil:
					return desk.Errorf(desk.EConflict, "%s", rq.loc.T("chat.taken", "name", c.Agent.Name))
				}
			}
		}
		return err
	}
	to := "/chats/" + strconv.FormatInt(id, 10)
	if rq.htmx {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// chatEventText says in words what a system line of a chat's log means.
func chatEventText(l *i18n.Localizer, e *desk.ChatEntry) string {
	switch e.Event {
	case desk.ChatEventAccepted:
		return l.T("chat.event.accepted", "name", e.Name)
	case desk.ChatEventTransferred:
		return l.T("chat.event.transferred", "name", e.Name)
	case desk.ChatEventEnded:
		switch e.Body {
		case desk.AuthorVisitor:
			return l.T("chat.event.ended_visitor")
		case desk.EndedLeft:
			return l.T("chat.event.ended_left")
		}
		return l.T("chat.event.ended", "name", e.Name)
	case desk.ChatEventMissed:
		if e.Body == desk.MissedLeft {
			return l.T("chat.event.missed_left")
		}
		return l.T("chat.event.missed")
	case desk.ChatEventRated:
		if e.Body != "" {
			return l.T("chat.event.rated_comment", "n", e.Name, "comment", e.Body)
		}
		return l.T("chat.event.rated", "n", e.Name)
	case desk.ChatEventStarted:
		return l.T("chat.event.started")
	}
	return e.Event
}
