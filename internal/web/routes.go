package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"switchboard/internal/auth"
	"switchboard/internal/desk"
	"switchboard/internal/i18n"
)

// access says who may use a route.
type access int

const (
	public access = iota // anyone, signed in or not
	agent                // any signed-in agent
	admin                // admins only
)

// kind says how a route answers, which decides how it fails: pages
// redirect anonymous users to the sign-in page, fragments and the event
// stream answer 401, actions are POSTs that need the CSRF token.
type kind int

const (
	page kind = iota
	fragment
	action
	stream
)

// route is one entry of the route table.
type route struct {
	method  string
	pattern string
	access  access
	kind    kind
	h       func(w http.ResponseWriter, r *http.Request, rq *request) error
}

// request is what every handler gets: the signed-in actor and session, the
// localizer, and whether htmx made the request.
type request struct {
	actor desk.Actor
	sess  auth.Session
	loc   *i18n.Localizer
	htmx  bool
}

// signedIn reports whether an agent is signed in.
func (rq *request) signedIn() bool { return rq.actor.AgentID != 0 }

// routes is the route table; the authorization test walks all of it.
func (a *app) routes() []route {
	return []route{
		{"GET", "/{$}", agent, page, a.home},
		{"GET", "/login", public, page, a.loginPage},
		{"POST", "/login", public, action, a.login},
		{"POST", "/logout", agent, action, a.logout},

		{"GET", "/inbox", agent, page, a.inbox},
		{"GET", "/inbox/list", agent, fragment, a.inboxList},
		{"GET", "/inbox/views", agent, fragment, a.inboxViews},

		{"GET", "/tickets/{id}", agent, page, a.ticketPage},
		{"GET", "/tickets/{id}/head", agent, fragment, a.ticketHead},
		{"GET", "/tickets/{id}/thread", agent, fragment, a.ticketThread},
		{"GET", "/tickets/{id}/side", agent, fragment, a.ticketSide},
		{"GET", "/tickets/{id}/timeline", agent, fragment, a.ticketTimeline},
		{"GET", "/tickets/{id}/presence", agent, fragment, a.presenceFragment},
		{"POST", "/tickets/{id}/presence", agent, action, a.presenceBeat},
		{"POST", "/tickets/{id}/messages", agent, action, a.addMessage},
		{"POST", "/tickets/{id}/update", agent, action, a.updateTicket},
		{"POST", "/tickets/{id}/merge", agent, action, a.mergeTicket},
		{"POST", "/tickets/{id}/deliveries/{oid}/retry", agent, action, a.retryDelivery},
		{"GET", "/tickets/{id}/canned", agent, fragment, a.cannedPicker},
		{"POST", "/canned/{id}/use", agent, action, a.cannedUse},
		{"GET", "/attachments/{id}", agent, page, a.attachment},
		{"GET", "/contacts/{id}", agent, page, a.contactPage},
		{"POST", "/contacts/{id}", agent, action, a.updateContact},
		{"GET", "/events", agent, stream, a.events},
		{"GET", "/shortcuts", agent, fragment, a.shortcuts},

		{"GET", "/chats", agent, page, a.chatsPage},
		{"GET", "/chats/ring", agent, fragment, a.chatRing},
		{"GET", "/chats/list", agent, fragment, a.chatList},
		{"POST", "/chats/status", agent, action, a.chatStatus},
		{"GET", "/chats/{id}", agent, page, a.chatPage},
		{"GET", "/chats/{id}/log", agent, fragment, a.chatLog},
		{"GET", "/chats/{id}/visitor", agent, fragment, a.chatVisitor},
		{"POST", "/chats/{id}/accept", agent, action, a.chatAccept},
		{"POST", "/chats/{id}/messages", agent, action, a.chatMessage},
		{"POST", "/chats/{id}/typing", agent, action, a.chatTyping},
		{"POST", "/chats/{id}/seen", agent, action, a.chatSeen},
		{"POST", "/chats/{id}/transfer", agent, action, a.chatTransfer},
		{"POST", "/chats/{id}/end", agent, action, a.chatEnd},
		{"GET", "/visitors", agent, page, a.visitorsPage},
		{"GET", "/visitors/list", agent, fragment, a.visitorsList},

		{"GET", "/admin", admin, page, a.adminHome},
		{"GET", "/admin/agents", admin, page, a.adminAgents},
		{"POST", "/admin/agents", admin, action, a.createAgent},
		{"POST", "/admin/agents/{id}", admin, action, a.updateAgent},
		{"GET", "/admin/teams", admin, page, a.adminTeams},
		{"POST", "/admin/teams", admin, action, a.createTeam},
		{"POST", "/admin/teams/{id}", admin, action, a.updateTeam},
		{"POST", "/admin/teams/{id}/delete", admin, action, a.deleteTeam},
		{"GET", "/admin/tokens", admin, page, a.adminTokens},
		{"POST", "/admin/tokens", admin, action, a.createToken},
		{"POST", "/admin/tokens/{id}/revoke", admin, action, a.revokeToken},
		{"GET", "/admin/mailboxes", admin, page, a.adminMailboxes},
		{"POST", "/admin/mailboxes", admin, action, a.createMailbox},
		{"GET", "/admin/mailboxes/{id}", admin, page, a.editMailboxPage},
		{"POST", "/admin/mailboxes/{id}", admin, action, a.updateMailbox},
		{"POST", "/admin/mailboxes/{id}/delete", admin, action, a.deleteMailbox},
		{"GET", "/admin/canned", admin, page, a.adminCanned},
		{"POST", "/admin/canned", admin, action, a.createCanned},
		{"GET", "/admin/canned/{id}", admin, page, a.editCannedPage},
		{"POST", "/admin/canned/{id}", admin, action, a.updateCanned},
		{"POST", "/admin/canned/{id}/delete", admin, action, a.deleteCanned},
		{"GET", "/admin/chat", admin, page, a.adminChat},
		{"POST", "/admin/chat", admin, action, a.createChannel},
		{"GET", "/admin/chat/{id}", admin, page, a.editChannelPage},
		{"POST", "/admin/chat/{id}", admin, action, a.updateChannel},
		{"POST", "/admin/chat/{id}/delete", admin, action, a.deleteChannel},
		{"POST", "/admin/chat/{id}/rotate", admin, action, a.rotateChannelSecret},
		{"POST", "/admin/chat/{id}/invitations", admin, action, a.createInvitation},
		{"POST", "/admin/chat/{id}/invitations/{iid}", admin, action, a.updateInvitation},
		{"POST", "/admin/chat/{id}/invitations/{iid}/delete", admin, action, a.deleteInvitation},
	}
}

// wrap turns a route into an http.Handler: it resolves the session, picks
// the locale, enforces access and CSRF, and maps errors in one place.
func (a *app) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq := &request{
			loc:  a.cat.For(a.cat.Match(r.Header.Get("Accept-Language"))),
			htmx: r.Header.Get("HX-Request") == "true",
		}
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			actor, sess, err := a.cfg.Auth.Session(r.Context(), c.Value)
			switch {
			case err == nil:
				rq.actor, rq.sess = actor, sess
			case desk.ErrorCode(err) == desk.EUnauthorized:
				a.clearSessionCookie(w)
			default:
				a.fail(w, r, rq, err)
				return
			}
		}
		if rt.access != public && !rq.signedIn() {
			a.anonymous(w, r, rq, rt)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
		}
		if r.Method == http.MethodPost && !a.csrfOK(r, rq) {
			a.fail(w, r, rq, desk.Errorf(desk.EForbidden, "%s", rq.loc.T("error.csrf")))
			return
		}
		if rt.access == admin && !rq.actor.IsAdmin() {
			a.fail(w, r, rq, desk.Errorf(desk.EForbidden, "%s", rq.loc.T("error.admin_only")))
			return
		}
		if err := rt.h(w, r, rq); err != nil {
			a.fail(w, r, rq, err)
		}
	})
}

// anonymous answers a request that needs a signed-in agent.
func (a *app) anonymous(w http.ResponseWriter, r *http.Request, rq *request, rt route) {
	target := "/login"
	if r.Method == http.MethodGet && rt.kind == page {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if (rt.kind == page || rt.kind == action) && !rq.htmx {
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	if rq.htmx {
		w.Header().Set("HX-Redirect", target)
	}
	a.fail(w, r, rq, desk.Errorf(desk.EUnauthorized, "%s", rq.loc.T("error.signed_out")))
}

// csrfOK checks the CSRF token of a POST: the session's token for
// signed-in agents, a double-submit cookie for the sign-in form.
func (a *app) csrfOK(r *http.Request, rq *request) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	want := rq.sess.CSRF
	if !rq.signedIn() {
		c, err := r.Cookie(loginCSRFCookie)
		if err != nil {
			return false
		}
		want = c.Value
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// localPath returns next if it is a path on this site, else "/inbox".
func localPath(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n\t") {
		return "/inbox"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/inbox"
	}
	return next
}

func (a *app) home(w http.ResponseWriter, r *http.Request, rq *request) error {
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
	return nil
}

func (a *app) notFound(w http.ResponseWriter, r *http.Request, rq *request) error {
	return desk.Errorf(desk.ENotFound, "%s", rq.loc.T("error.page_not_found"))
}
