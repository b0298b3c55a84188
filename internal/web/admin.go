package web

import (
	"net/http"
	"strconv"
	"strings"

	"switchboard/internal/desk"
	"switchboard/internal/team"
)

// adminData is what the admin screens show.
type adminData struct {
	Tab    string
	Agents []desk.Agent
	Teams  []desk.Team
	Tokens []desk.APIToken
	Secret string           // a new token's secret, shown once
	Names  map[int64]string // agent names by id
	// Mailboxes and Form are the mailboxes tab: the list, and the add or
	// edit form with the values and field errors of a refused submission.
	Mailboxes []desk.Mailbox
	Form      *mailboxForm
	Recent    []desk.InboundMail // the edited mailbox's latest mail
	Modes     []desk.InboundMode
	// Canned, Q and CannedForm are the canned responses tab: the list
	// matching the search Q, and the add or edit form.
	Canned       []desk.CannedResponse
	Q            string
	CannedForm   *cannedForm
	Placeholders []string
	// Chat is the chat tab; ChatOn says live chat is configured (the tab
	// shows).
	Chat   *chatAdmin
	ChatOn bool
}

func (a *app) loadAdmin(r *http.Request, rq *request, tab string) (*adminData, error) {
	d := &adminData{Tab: tab, Names: map[int64]string{}, ChatOn: a.cfg.Chat != nil}
	var err error
	if d.Agents, err = a.cfg.Team.Agents(r.Context(), rq.actor); err != nil {
		return nil, err
	}
	for _, ag := range d.Agents {
		d.Names[ag.ID] = ag.Name
	}
	if d.Teams, err = a.cfg.Team.Teams(r.Context(), rq.actor); err != nil {
		return nil, err
	}
	if tab == "mailboxes" {
		if d.Mailboxes, err = a.cfg.Mailboxes.List(r.Context(), rq.actor); err != nil {
			return nil, err
		}
		d.Modes = desk.InboundModes
	}
	if tab == "tokens" {
		if d.Tokens, err = a.cfg.Auth.Tokens(r.Context(), rq.actor); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (a *app) showAdmin(w http.ResponseWriter, r *http.Request, rq *request, tab string, status int, secret string) error {
	d, err := a.loadAdmin(r, rq, tab)
	if err != nil {
		return err
	}
	d.Secret = secret
	a.render(w, r, rq, status, "admin", a.pageData(r, rq, rq.loc.T("admin."+tab), d))
	return nil
}

func (a *app) adminHome(w http.ResponseWriter, r *http.Request, rq *request) error {
	http.Redirect(w, r, "/admin/agents", http.StatusSeeOther)
	return nil
}

func (a *app) adminAgents(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.showAdmin(w, r, rq, "agents", http.StatusOK, "")
}

func (a *app) adminTeams(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.showAdmin(w, r, rq, "teams", http.StatusOK, "")
}

func (a *app) adminTokens(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.showAdmin(w, r, rq, "tokens", http.StatusOK, "")
}

// formIDs reads a repeated form field of ids.
func formIDs(r *http.Request, name string) []int64 {
	out := []int64{}
	for _, v := range r.PostForm[name] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			out = append(out, id)
		}
	}
	return out
}

func back(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func (a *app) createAgent(w http.ResponseWriter, r *http.Request, rq *request) error {
	_ = r.ParseForm()
	in := team.NewAgent{Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Role: desk.Role(r.PostFormValue("role")), Password: r.PostFormValue("password"), TeamIDs: formIDs(r, "teams")}
	if _, err := a.cfg.Team.CreateAgent(r.Context(), rq.actor, in); err != nil {
		return err
	}
	return back(w, r, "/admin/agents")
}

// updateAgent applies the row form of an agent: name, role, active, teams
// and optionally a new password.
func (a *app) updateAgent(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	var u team.AgentUpdate
	if r.PostForm.Has("name") {
		n := strings.TrimSpace(r.PostFormValue("name"))
		u.Name = &n
	}
	if r.PostForm.Has("role") {
		role := desk.Role(r.PostFormValue("role"))
		u.Role = &role
	}
	if r.PostForm.Has("active") {
		act := r.PostFormValue("active") == "1"
		u.Active = &act
	}
	if r.PostForm.Has("teams_present") {
		ids := formIDs(r, "teams")
		u.TeamIDs = &ids
	}
	if p := r.PostFormValue("password"); p != "" {
		u.Password = &p
	}
	if _, err := a.cfg.Team.UpdateAgent(r.Context(), rq.actor, id, u); err != nil {
		return err
	}
	return back(w, r, "/admin/agents")
}

func (a *app) createTeam(w http.ResponseWriter, r *http.Request, rq *request) error {
	_ = r.ParseForm()
	if _, err := a.cfg.Team.CreateTeam(r.Context(), rq.actor, strings.TrimSpace(r.PostFormValue("name")), formIDs(r, "members")); err != nil {
		return err
	}
	return back(w, r, "/admin/teams")
}

func (a *app) updateTeam(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	var name *string
	if r.PostForm.Has("name") {
		n := strings.TrimSpace(r.PostFormValue("name"))
		name = &n
	}
	var members *[]int64
	if r.PostForm.Has("members_present") {
		ids := formIDs(r, "members")
		members = &ids
	}
	if _, err := a.cfg.Team.UpdateTeam(r.Context(), rq.actor, id, name, members); err != nil {
		return err
	}
	return back(w, r, "/admin/teams")
}

func (a *app) deleteTeam(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Team.DeleteTeam(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return back(w, r, "/admin/teams")
}

// createToken makes a token and shows its secret on this response only
// (never in a URL or a later page).
func (a *app) createToken(w http.ResponseWriter, r *http.Request, rq *request) error {
	agentID, err := strconv.ParseInt(r.PostFormValue("agent"), 10, 64)
	if err != nil {
		return desk.Errorf(desk.EInvalid, "%s", rq.loc.T("tokens.pick_agent"))
	}
	secret, _, err := a.cfg.Auth.CreateToken(r.Context(), rq.actor, agentID, strings.TrimSpace(r.PostFormValue("name")))
	if err != nil {
		return err
	}
	return a.showAdmin(w, r, rq, "tokens", http.StatusCreated, secret)
}

func (a *app) revokeToken(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Auth.RevokeToken(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return back(w, r, "/admin/tokens")
}
