package web

import (
	"net/url"
	"reflect"
	"testing"

	"switchboard/internal/desk"
	"switchboard/internal/i18n"
)

func TestFilterToDesk(t *testing.T) {
	me := int64(7)
	active := []desk.Status{desk.StatusNew, desk.StatusOpen}
	i64 := func(v int64) *int64 { return &v }
	tests := []struct {
		query string
		want  desk.TicketFilter
	}{
		{"", desk.TicketFilter{Statuses: active}},
		{"view=bogus", desk.TicketFilter{Statuses: active}},
		{"view=mine", desk.TicketFilter{Statuses: active, AssigneeID: i64(7)}},
		{"view=unassigned", desk.TicketFilter{Statuses: active, Unassigned: true}},
		{"view=pending", desk.TicketFilter{Statuses: []desk.Status{desk.StatusPending}}},
		{"view=resolved", desk.TicketFilter{Statuses: []desk.Status{desk.StatusResolved, desk.StatusClosed}}},
		{"view=spam", desk.TicketFilter{Statuses: []desk.Status{desk.StatusSpam}}},
		{"view=open&team=3&tag=+vip+&priority=urgent&q=refund", desk.TicketFilter{Statuses: active, TeamID: i64(3), Tag: "vip", Priority: desk.PriorityUrgent, Query: "refund"}},
		{"priority=whatever", desk.TicketFilter{Statuses: active}},
		{"assignee=me", desk.TicketFilter{Statuses: active, AssigneeID: i64(7)}},
		{"assignee=none", desk.TicketFilter{Statuses: active, Unassigned: true}},
		{"assignee=12", desk.TicketFilter{Statuses: active, AssigneeID: i64(12)}},
		{"view=unassigned&assignee=12", desk.TicketFilter{Statuses: active, AssigneeID: i64(12)}},
		{"assignee=x", desk.TicketFilter{Statuses: active}},
	}
	for _, tc := range tests {
		q, _ := url.ParseQuery(tc.query)
		got := parseFilter(q).toDesk(me)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %+v, want %+v", tc.query, got, tc.want)
		}
	}
	// The filter survives a round trip through the URL.
	q, _ := url.ParseQuery("view=pending&team=2&assignee=me&tag=vip&priority=high&q=a b")
	f := parseFilter(q)
	if g := parseFilter(f.Values()); g != f {
		t.Errorf("round trip: %+v != %+v", g, f)
	}
	if !f.Filtered() || !f.MoreFiltered() || parseFilter(url.Values{"q": {"x"}}).MoreFiltered() {
		t.Error("Filtered/MoreFiltered")
	}
}

func TestEventText(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	l := cat.For("en")
	tests := []struct {
		ev   desk.Event
		want string
	}{
		{desk.Event{Action: "created"}, "opened the ticket"},
		{desk.Event{Action: "status", Old: "new", New: "open"}, "changed the status from New to Open"},
		{desk.Event{Action: "priority", Old: "normal", New: "urgent"}, "changed the priority from Normal to Urgent"},
		{desk.Event{Action: "assignee", New: "Ana"}, "set the assignee to Ana"},
		{desk.Event{Action: "team", Old: "Billing"}, "cleared the team (was Billing)"},
		{desk.Event{Action: "custom_field", Field: "order", Old: "1", New: "2"}, "changed the order from 1 to 2"},
		{desk.Event{Action: "note"}, "added a note"},
	}
	for _, tc := range tests {
		if got := eventText(l, tc.ev); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.ev, got, tc.want)
		}
	}
}

func TestInitials(t *testing.T) {
	for in, want := range map[string]string{"Ana Admin": "AA", "bo": "B", "": "?", "Đurđa Šimić Kovač": "ĐŠ", "42 Corp": "C"} {
		if got := initials(in); got != want {
			t.Errorf("initials(%q) = %q, want %q", in, got, want)
		}
	}
}
