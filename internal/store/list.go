package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"switchboard/internal/desk"
)

// Page size bounds of ListTickets.
const (
	DefaultLimit = 25
	MaxLimit     = 100
)

// encodeCursor makes the opaque keyset cursor after a ticket.
func encodeCursor(at time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + ":" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (time.Time, int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, 0, desk.Errorf(desk.EInvalid, "Invalid cursor.")
	}
	a, b, ok := strings.Cut(string(raw), ":")
	us, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return time.Time{}, 0, desk.Errorf(desk.EInvalid, "Invalid cursor.")
	}
	return time.UnixMicro(us).UTC(), id, nil
}

// searchTerms splits a query into lower-case words of letters and digits.
func searchTerms(q string) []string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) > 8 {
		words = words[:8]
	}
	return words
}

// ticketNumberQuery returns the number in "#1234" or "1234".
func ticketNumberQuery(q string) (int64, bool) {
	q = strings.TrimPrefix(strings.TrimSpace(q), "#")
	n, err := strconv.ParseInt(q, 10, 64)
	return n, err == nil && n > 0
}

// ListTickets returns one page of tickets matching f, by last activity
// (newest first) then id, with keyset pagination. Several statuses are
// read as a UNION ALL of one index range per status, so every page is
// an index walk however many tickets there are.
func (tx *Tx) ListTickets(ctx context.Context, f desk.TicketFilter) (desk.TicketPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	var conds []string
	var args []any
	none := false // the filter matches nothing: check the rest, read nothing
	from := "tickets t"
	if f.Unassigned {
		conds = append(conds, "t.assignee_id IS NULL")
	} else if f.AssigneeID != nil {
		conds, args = append(conds, "t.assignee_id = ?"), append(args, *f.AssigneeID)
	}
	if f.TeamID != nil {
		conds, args = append(conds, "t.team_id = ?"), append(args, *f.TeamID)
	}
	if tag := strings.ToLower(strings.TrimSpace(f.Tag)); tag != "" {
		c, join, a, ok, err := tx.tagCond(ctx, tag, limit)
		if err != nil {
			return desk.TicketPage{}, err
		}
		none = !ok // no such tag: no ticket carries it
		from = join
		conds, args = append(conds, c), append(args, a...)
	}
	if f.Priority != "" {
		conds, args = append(conds, "t.priority = ?"), append(args, string(f.Priority))
	}
	if f.Channel != "" {
		conds, args = append(conds, "t.channel = ?"), append(args, string(f.Channel))
	}
	if f.RequesterID != nil {
		conds, args = append(conds, "t.requester_id = ?"), append(args, *f.RequesterID)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		terms := searchTerms(q)
		num, isNum := ticketNumberQuery(q)
		switch {
		case isNum && len(terms) > 0:
			c, a, err := tx.searchCond(ctx, terms, limit)
			if err != nil {
				return desk.TicketPage{}, err
			}
			conds = append(conds, "(t.number = ? OR "+c+")")
			args = append(append(args, num), a...)
		case isNum:
			conds, args = append(conds, "t.number = ?"), append(args, num)
		case len(terms) > 0:
			c, a, err := tx.searchCond(ctx, terms, limit)
			if err != nil {
				return desk.TicketPage{}, err
			}
			conds, args = append(conds, c), append(args, a...)
		default:
			return desk.TicketPage{Items: []desk.Ticket{}}, nil
		}
	}
	if f.Cursor != "" {
		at, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return desk.TicketPage{}, err
		}
		// A row value, so that both engines make it a range of the index
		// (the OR form is a filter on PostgreSQL).
		conds, args = append(conds, "(t.last_activity_at, t.id) < (?, ?)"), append(args, at, id)
	}
	statuses := dedupe(f.Statuses)
	if len(statuses) == 0 && f.RequesterID == nil && strings.TrimSpace(f.Query) == "" &&
		(f.Unassigned || f.AssigneeID != nil || f.TeamID != nil || f.Priority != "" || f.Channel != "") {
		// The indexes of these filters are (column, status, activity, id):
		// without a status they would sort every matching ticket, so read
		// one index range per status instead. Every ticket has one of them.
		statuses = desk.Statuses
	}
	for _, s := range statuses {
		if !s.Valid() {
			return desk.TicketPage{}, &desk.Error{Code: desk.EInvalid, Message: "Unknown status.", Fields: map[string]string{"status": "unknown status " + string(s)}}
		}
	}
	if none {
		return desk.TicketPage{Items: []desk.Ticket{}}, nil
	}
	const order = " ORDER BY t.last_activity_at DESC, t.id DESC LIMIT ?"
	where := func(extra ...string) string {
		all := append(extra, conds...)
		if len(all) == 0 {
			return ""
		}
		return " WHERE " + strings.Join(all, " AND ")
	}
	var query string
	var qargs []any
	switch len(statuses) {
	case 0:
		query = "SELECT t.id, t.last_activity_at FROM " + from + where() + order
		qargs = append(args, limit+1)
	case 1:
		query = "SELECT t.id, t.last_activity_at FROM " + from + where("t.status = ?") + order
		qargs = append(append([]any{string(statuses[0])}, args...), limit+1)
	default:
		parts := make([]string, len(statuses))
		for i, s := range statuses {
			parts[i] = fmt.Sprintf("SELECT * FROM (SELECT t.id, t.last_activity_at AS la FROM %s%s%s) s%d",
				from, where("t.status = ?"), order, i)
			qargs = append(append(append(qargs, string(s)), args...), limit+1)
		}
		query = "SELECT id, la FROM (" + strings.Join(parts, " UNION ALL ") + ") u ORDER BY la DESC, id DESC LIMIT ?"
		qargs = append(qargs, limit+1)
	}
	rows, err := tx.query(ctx, query, qargs...)
	if err != nil {
		return desk.TicketPage{}, fmt.Errorf("store: list tickets: %w", err)
	}
	defer rows.Close()
	var ids []int64
	var last time.Time
	for rows.Next() {
		var id int64
		var at time.Time
		if err := rows.Scan(&id, ts{&at}); err != nil {
			return desk.TicketPage{}, fmt.Errorf("store: list tickets: %w", err)
		}
		ids = append(ids, id)
		if len(ids) == limit {
			last = at
		}
	}
	if err := rows.Err(); err != nil {
		return desk.TicketPage{}, fmt.Errorf("store: list tickets: %w", err)
	}
	rows.Close()
	page := desk.TicketPage{}
	if len(ids) > limit {
		ids = ids[:limit]
		page.NextCursor = encodeCursor(last, ids[limit-1])
	}
	page.Items, err = tx.ticketsByIDs(ctx, ids)
	return page, err
}

// Counts returns the inbox view counts for agentID: its active (new or
// open) tickets, active unassigned ones, all active, pending, and active
// per team (every team present, zero included). It sums the running
// counters that triggers keep in ticket_counts: a few hundred rows
// whatever the number of tickets.
func (tx *Tx) Counts(ctx context.Context, agentID int64) (desk.ViewCounts, error) {
	c := desk.ViewCounts{Teams: map[int64]int{}}
	teams, err := tx.query(ctx, "SELECT id FROM teams")
	if err != nil {
		return c, fmt.Errorf("store: count views: %w", err)
	}
	defer teams.Close()
	for teams.Next() {
		var id int64
		if err := teams.Scan(&id); err != nil {
			return c, fmt.Errorf("store: count views: %w", err)
		}
		c.Teams[id] = 0
	}
	if err := teams.Err(); err != nil {
		return c, fmt.Errorf("store: count views: %w", err)
	}
	teams.Close()
	rows, err := tx.query(ctx, `SELECT status, assignee_id, team_id, SUM(n) FROM ticket_counts
		GROUP BY status, assignee_id, team_id`)
	if err != nil {
		return c, fmt.Errorf("store: count views: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st desk.Status
		var assignee, team int64
		var n int
		if err := rows.Scan(&st, &assignee, &team, &n); err != nil {
			return c, fmt.Errorf("store: count views: %w", err)
		}
		if st == desk.StatusPending {
			c.Pending += n
			continue
		}
		c.Open += n
		if assignee == 0 {
			c.Unassigned += n
		} else if assignee == agentID {
			c.Mine += n
		}
		if _, ok := c.Teams[team]; ok {
			c.Teams[team] += n
		}
	}
	return c, rows.Err()
}

// tagCond returns the condition for a tag filter, its arguments and the
// FROM clause it needs (tickets as t); ok is false when there is no such
// tag. Two plans: walk the inbox order and probe each ticket's tags,
// about limit×tickets/tagged steps (good for a common tag), or collect
// the tagged tickets and sort them, about tagged steps (good for a rare
// one). PostgreSQL's planner weighs them from its statistics of the tag
// id, which is written into the query text: as a parameter, the prepared
// statement soon gets a generic plan that walks for every tag, and a
// rare tag after a common one took 7 ms instead of 0.1 ms at 100k.
// SQLite is told: it walks when tagged² ≥ limit×tickets, found with a
// count bounded by that square root, and otherwise starts from
// ticket_tags (CROSS JOIN fixes the order: with an IN list it would
// still walk a team or status index, long for a rare tag).
func (tx *Tx) tagCond(ctx context.Context, tag string, limit int) (cond, from string, args []any, ok bool, err error) {
	var tagID int64
	err = tx.queryRow(ctx, "SELECT id FROM tags WHERE name = ?", tag).Scan(&tagID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil, false, nil
	}
	if err != nil {
		return "", "", nil, false, fmt.Errorf("store: find tag %q: %w", tag, err)
	}
	if tx.pg {
		return "t.id IN (SELECT tt.ticket_id FROM ticket_tags tt WHERE tt.tag_id = " + strconv.FormatInt(tagID, 10) + ")",
			"tickets t", nil, true, nil
	}
	bound, err := tx.walkBound(ctx, limit)
	if err != nil {
		return "", "", nil, false, err
	}
	var n int
	err = tx.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM ticket_tags WHERE tag_id = ? LIMIT ?)`, tagID, bound).Scan(&n)
	if err != nil {
		return "", "", nil, false, fmt.Errorf("store: count tag %q: %w", tag, err)
	}
	if n < bound {
		return "t.id = tt.ticket_id AND tt.tag_id = ?", "ticket_tags tt CROSS JOIN tickets t", []any{tagID}, true, nil
	}
	return "EXISTS (SELECT 1 FROM ticket_tags tt WHERE tt.ticket_id = t.id AND tt.tag_id = ?)", "tickets t", []any{tagID}, true, nil
}

// walkBound is how many matching tickets make walking the inbox order
// cheaper than collecting and sorting the matches: the square root of
// limit × tickets (the highest id stands in for the count).
func (tx *Tx) walkBound(ctx context.Context, limit int) (int, error) {
	var tickets int64
	if err := tx.queryRow(ctx, "SELECT coalesce(max(id), 0) FROM tickets").Scan(&tickets); err != nil {
		return 0, fmt.Errorf("store: count tickets: %w", err)
	}
	return max(100, int(math.Sqrt(float64(limit+1)*float64(tickets)))), nil
}
