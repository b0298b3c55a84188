package ticket

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
)

// Update applies a partial change and records each changed field in the
// timeline. Resolving sets resolved_at; reopening clears it. A change
// that changes nothing writes nothing and publishes nothing.
func (s *Service) Update(ctx context.Context, a desk.Actor, id int64, u desk.TicketUpdate) (desk.Ticket, error) {
	var t desk.Ticket
	changed := false
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		t, changed, err = s.UpdateTx(ctx, tx, a, id, u)
		return err
	})
	if err != nil {
		return desk.Ticket{}, err
	}
	if changed {
		s.publish(ctx, realtime.TicketUpdated, t.ID, a)
	}
	return t, nil
}

// UpdateTx is Update inside the caller's write transaction; it reports
// whether anything changed, and the caller publishes
// realtime.TicketUpdated (Publish) after the commit if so.
func (s *Service) UpdateTx(ctx context.Context, tx *store.Tx, a desk.Actor, id int64, u desk.TicketUpdate) (desk.Ticket, bool, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Ticket{}, false, err
	}
	fields := map[string]string{}
	if u.Status != nil && !u.Status.Valid() {
		fields["status"] = "unknown status"
	}
	if u.Priority != nil && !u.Priority.Valid() {
		fields["priority"] = "one of " + desk.Join(desk.Priorities)
	}
	if u.Subject != nil {
		sub := strings.TrimSpace(*u.Subject)
		if sub == "" {
			fields["subject"] = "required"
		} else if utf8.RuneCountInString(sub) > MaxSubjectLength {
			fields["subject"] = "at most 500 characters"
		}
	}
	if u.AssigneeID != nil && u.ClearAssignee {
		fields["assignee"] = "either set or clear the assignee"
	}
	if u.TeamID != nil && u.ClearTeam {
		fields["team"] = "either set or clear the team"
	}
	var setTags, addTags, removeTags []string
	var err error
	if u.Tags != nil {
		if setTags, err = NormalizeTags(*u.Tags); err != nil {
			fields["tags"] = "at most 50 characters per tag"
		}
	}
	if addTags, err = NormalizeTags(u.AddTags); err != nil {
		fields["tags"] = "at most 50 characters per tag"
	}
	if removeTags, err = NormalizeTags(u.RemoveTags); err != nil {
		fields["tags"] = "at most 50 characters per tag"
	}
	if why := checkFields(u.CustomFields); why != "" {
		fields["custom_fields"] = why
	}
	if len(fields) > 0 {
		return desk.Ticket{}, false, &desk.Error{Code: desk.EInvalid, Message: "Please correct the highlighted fields.", Fields: fields}
	}
	now := s.now()
	var t desk.Ticket
	changed := false
	err = func() error {
		var err error
		if t, err = tx.TicketForUpdate(ctx, id); err != nil {
			return err
		}
		var evs []desk.Event
		add := func(action, field, old, new string) {
			evs = append(evs, event(a, t.ID, now, action, field, old, new))
		}
		reindex := false
		if u.Subject != nil && strings.TrimSpace(*u.Subject) != t.Subject {
			sub := strings.TrimSpace(*u.Subject)
			add("subject", "subject", t.Subject, sub)
			t.Subject, reindex = sub, true
		}
		if u.Status != nil && *u.Status != t.Status {
			add("status", "status", string(t.Status), string(*u.Status))
			setStatus(&t, *u.Status, now)
		}
		if u.Priority != nil && *u.Priority != t.Priority {
			add("priority", "priority", string(t.Priority), string(*u.Priority))
			t.Priority = *u.Priority
		}
		if u.ClearAssignee && t.Assignee != nil {
			add("assignee", "assignee", t.Assignee.Name, "")
			t.Assignee = nil
		} else if u.AssigneeID != nil && (t.Assignee == nil || t.Assignee.ID != *u.AssigneeID) {
			ref, err := activeAgent(ctx, tx, *u.AssigneeID)
			if err != nil {
				return err
			}
			add("assignee", "assignee", refName(t.Assignee), ref.Name)
			t.Assignee = ref
		}
		if u.RequesterID != nil && *u.RequesterID != t.Requester.ID {
			c, err := tx.Contact(ctx, *u.RequesterID)
			if desk.IsNotFound(err) {
				return invalid("requester", "no such contact")
			} else if err != nil {
				return err
			}
			ref := desk.ContactRef{ID: c.ID, Name: c.Name}
			if len(c.Emails) > 0 {
				ref.Email = c.Emails[0]
			}
			add("requester", "requester", contactLabel(t.Requester), contactLabel(ref))
			t.Requester = ref
		}
		if u.ClearTeam && t.Team != nil {
			add("team", "team", t.Team.Name, "")
			t.Team = nil
		} else if u.TeamID != nil && (t.Team == nil || t.Team.ID != *u.TeamID) {
			ref, err := existingTeam(ctx, tx, *u.TeamID)
			if err != nil {
				return err
			}
			old := ""
			if t.Team != nil {
				old = t.Team.Name
			}
			add("team", "team", old, ref.Name)
			t.Team = ref
		}
		tags := slices.Clone(t.Tags)
		if u.Tags != nil {
			tags = setTags
		}
		for _, x := range addTags {
			if !slices.Contains(tags, x) {
				tags = append(tags, x)
			}
		}
		tags = slices.DeleteFunc(tags, func(x string) bool { return slices.Contains(removeTags, x) })
		sort.Strings(tags)
		tagsChanged := !slices.Equal(tags, t.Tags)
		if tagsChanged {
			add("tags", "tags", strings.Join(t.Tags, ", "), strings.Join(tags, ", "))
		}
		keys := make([]string, 0, len(u.CustomFields))
		for k := range u.CustomFields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v, key := u.CustomFields[k], strings.TrimSpace(k)
			if key == "" || t.CustomFields[key] == v {
				continue
			}
			add("custom_field", key, t.CustomFields[key], v)
			if v == "" {
				delete(t.CustomFields, key)
			} else {
				t.CustomFields[key] = v
			}
		}
		if len(t.CustomFields) > MaxCustomFields {
			return invalid("custom_fields", fmt.Sprintf("at most %d custom fields", MaxCustomFields))
		}
		if len(evs) == 0 {
			return nil
		}
		changed = true
		t.UpdatedAt = now
		if err := tx.SaveTicket(ctx, t, reindex); err != nil {
			return err
		}
		if tagsChanged {
			if err := tx.SetTicketTags(ctx, t.ID, tags); err != nil {
				return err
			}
		}
		if err := tx.InsertEvents(ctx, evs...); err != nil {
			return err
		}
		t, err = tx.Ticket(ctx, t.ID)
		return err
	}()
	if err != nil {
		return desk.Ticket{}, false, err
	}
	return t, changed, nil
}

// contactLabel names a contact in the timeline: "Name <email>", or
// whichever of the two it has.
func contactLabel(c desk.ContactRef) string {
	switch {
	case c.Name != "" && c.Email != "":
		return c.Name + " <" + c.Email + ">"
	case c.Email != "":
		return c.Email
	}
	return c.Name
}

func refName(r *desk.AgentRef) string {
	if r == nil {
		return ""
	}
	return r.Name
}

// setStatus changes the status, keeping resolved_at consistent: resolving
// (or closing a never-resolved ticket) sets it, reopening clears it.
func setStatus(t *desk.Ticket, st desk.Status, now time.Time) {
	t.Status = st
	switch st {
	case desk.StatusResolved:
		t.ResolvedAt = &now
	case desk.StatusClosed:
		if t.ResolvedAt == nil {
			t.ResolvedAt = &now
		}
	case desk.StatusNew, desk.StatusOpen, desk.StatusPending:
		t.ResolvedAt = nil
	}
}
