package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"switchboard/internal/desk"
)

// Inbox views. Team views are "open" narrowed to a team.
var viewKeys = []string{"mine", "unassigned", "open", "pending", "resolved", "spam"}

// pageSize is how many rows the list shows before "Load more".
const pageSize = 20

// inboxFilter is the inbox view and filters, as carried in the URL.
type inboxFilter struct {
	View     string
	TeamID   int64
	Assignee string // "", "me", "none" or an agent id
	Tag      string
	Priority string
	Q        string
}

func parseFilter(q url.Values) inboxFilter {
	f := inboxFilter{View: q.Get("view"), Assignee: q.Get("assignee"),
		Tag: strings.TrimSpace(q.Get("tag")), Priority: q.Get("priority"), Q: strings.TrimSpace(q.Get("q"))}
	found := false
	for _, k := range viewKeys {
		found = found || k == f.View
	}
	if !found {
		f.View = "open"
	}
	f.TeamID, _ = strconv.ParseInt(q.Get("team"), 10, 64)
	if !desk.Priority(f.Priority).Valid() {
		f.Priority = ""
	}
	return f
}

// Values encodes the filter for a URL.
func (f inboxFilter) Values() url.Values {
	v := url.Values{}
	v.Set("view", f.View)
	if f.TeamID != 0 {
		v.Set("team", strconv.FormatInt(f.TeamID, 10))
	}
	for k, s := range map[string]string{"assignee": f.Assignee, "tag": f.Tag, "priority": f.Priority, "q": f.Q} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// Query is the encoded filter.
func (f inboxFilter) Query() string { return f.Values().Encode() }

// Filtered reports whether any filter beyond the view is set.
func (f inboxFilter) Filtered() bool {
	return f.TeamID != 0 || f.Assignee != "" || f.Tag != "" || f.Priority != "" || f.Q != ""
}

// MoreFiltered reports whether a filter behind the "Filters" toggle is set.
func (f inboxFilter) MoreFiltered() bool {
	return f.TeamID != 0 || f.Assignee != "" || f.Tag != "" || f.Priority != ""
}

// toDesk turns the view and filters into a service filter for agent me.
func (f inboxFilter) toDesk(me int64) desk.TicketFilter {
	active := []desk.Status{desk.StatusNew, desk.StatusOpen}
	df := desk.TicketFilter{Tag: f.Tag, Priority: desk.Priority(f.Priority), Query: f.Q}
	switch f.View {
	case "mine":
		df.Statuses, df.AssigneeID = active, &me
	case "unassigned":
		df.Statuses, df.Unassigned = active, true
	case "pending":
		df.Statuses = []desk.Status{desk.StatusPending}
	case "resolved":
		df.Statuses = []desk.Status{desk.StatusResolved, desk.StatusClosed}
	case "spam":
		df.Statuses = []desk.Status{desk.StatusSpam}
	default:
		df.Statuses = active
	}
	if f.TeamID != 0 {
		id := f.TeamID
		df.TeamID = &id
	}
	switch f.Assignee {
	case "":
	case "me":
		df.AssigneeID, df.Unassigned = &me, false
	case "none":
		df.AssigneeID, df.Unassigned = nil, true
	default:
		if id, err := strconv.ParseInt(f.Assignee, 10, 64); err == nil {
			df.AssigneeID, df.Unassigned = &id, false
		}
	}
	return df
}

// viewEntry is one entry of the views navigation.
type viewEntry struct {
	Key, Label, URL string
	Count           int // -1: no count
	Current         bool
	Team            bool
}

// inboxData is the inbox page: navigation, filters, list and open ticket.
type inboxData struct {
	Filter inboxFilter
	Views  []viewEntry
	Page   desk.TicketPage
	Teams  []desk.Team
	Agents []desk.Agent
	Open   *ticketData
	OpenID int64
	Title  string // the view's name
}

// views builds the views navigation with live counts.
func (a *app) views(r *http.Request, rq *request, f inboxFilter, teams []desk.Team) ([]viewEntry, error) {
	c, err := a.cfg.Tickets.Counts(r.Context(), rq.actor)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{"mine": c.Mine, "unassigned": c.Unassigned, "open": c.Open, "pending": c.Pending, "resolved": -1, "spam": -1}
	var out []viewEntry
	for _, k := range viewKeys {
		out = append(out, viewEntry{Key: k, Label: rq.loc.T("view." + k), URL: "/inbox?view=" + k,
			Count: counts[k], Current: f.View == k && f.TeamID == 0})
	}
	for _, t := range teams {
		id := strconv.FormatInt(t.ID, 10)
		out = append(out, viewEntry{Key: "team-" + id, Label: t.Name, URL: "/inbox?view=open&team=" + id,
			Count: c.Teams[t.ID], Current: f.View == "open" && f.TeamID == t.ID, Team: true})
	}
	return out, nil
}

// loadInbox loads everything the inbox panes show.
func (a *app) loadInbox(r *http.Request, rq *request, f inboxFilter) (*inboxData, error) {
	ctx := r.Context()
	d := &inboxData{Filter: f}
	var err error
	defer func() { d.Title = a.inboxTitle(rq, f, d.Teams) }()
	if d.Teams, err = a.cfg.Team.Teams(ctx, rq.actor); err != nil {
		return nil, err
	}
	if d.Agents, err = a.cfg.Team.Agents(ctx, rq.actor); err != nil {
		return nil, err
	}
	if d.Views, err = a.views(r, rq, f, d.Teams); err != nil {
		return nil, err
	}
	df := f.toDesk(rq.actor.AgentID)
	df.Limit = pageSize
	if d.Page, err = a.cfg.Tickets.List(ctx, rq.actor, df); err != nil {
		return nil, err
	}
	return d, nil
}

func (a *app) inbox(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := parseFilter(r.URL.Query())
	d, err := a.loadInbox(r, rq, f)
	if err != nil {
		return err
	}
	a.render(w, r, rq, http.StatusOK, "inbox", a.pageData(r, rq, d.Title, d))
	return nil
}

func (a *app) inboxTitle(rq *request, f inboxFilter, teams []desk.Team) string {
	if f.TeamID != 0 {
		for _, t := range teams {
			if t.ID == f.TeamID {
				return t.Name
			}
		}
	}
	return rq.loc.T("view." + f.View)
}

// inboxList answers the list fragment: the whole list, or with a cursor
// the next rows and a new "load more" button.
func (a *app) inboxList(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := parseFilter(r.URL.Query())
	df := f.toDesk(rq.actor.AgentID)
	df.Limit = pageSize
	df.Cursor = r.URL.Query().Get("cursor")
	pg, err := a.cfg.Tickets.List(r.Context(), rq.actor, df)
	if err != nil {
		return err
	}
	d := &inboxData{Filter: f, Page: pg}
	d.OpenID, _ = strconv.ParseInt(r.URL.Query().Get("open"), 10, 64)
	name := "list"
	if df.Cursor != "" {
		name = "rows"
	}
	a.render(w, r, rq, http.StatusOK, name, a.pageData(r, rq, "", d))
	return nil
}

// inboxViews answers the views navigation with fresh counts.
func (a *app) inboxViews(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := parseFilter(r.URL.Query())
	teams, err := a.cfg.Team.Teams(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	views, err := a.views(r, rq, f, teams)
	if err != nil {
		return err
	}
	a.render(w, r, rq, http.StatusOK, "views", a.pageData(r, rq, "", &inboxData{Filter: f, Views: views}))
	return nil
}
