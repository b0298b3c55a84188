package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"switchboard/internal/desk"
)

// CannedFilter selects canned responses.
type CannedFilter struct {
	// Q keeps the responses whose title, shortcut or body contains every
	// word of it, ignoring case and accents ("placanje" finds "Plaćanje").
	// Only the first MaxCannedWords words count.
	Q string
	// VisibleTo keeps the responses agent VisibleTo sees as a member:
	// those for everyone and those of its teams. 0 keeps every response.
	VisibleTo int64
	// Popular orders the most used first (for the composer's picker);
	// otherwise by title, ignoring case and accents. Either way a response whose shortcut is exactly
	// Q comes first.
	Popular bool
	// Limit caps the number of responses (0 for no cap).
	Limit int
}

// MaxCannedWords is how many words of CannedFilter.Q are searched for.
const MaxCannedWords = 6

const cannedCols = `c.id, c.title, c.body, c.shortcut, c.team_id, t.name, c.created_by, a.email, a.name,
	c.uses, c.created_at, c.updated_at`

const cannedFrom = ` FROM canned_responses c LEFT JOIN teams t ON t.id = c.team_id LEFT JOIN agents a ON a.id = c.created_by`

func scanCanned(sc interface{ Scan(...any) error }, c *desk.CannedResponse) error {
	var shortcut, teamName, agentEmail, agentName sql.NullString
	var teamID, agentID sql.NullInt64
	if err := sc.Scan(&c.ID, &c.Title, &c.Body, &shortcut, &teamID, &teamName, &agentID, &agentEmail, &agentName,
		&c.Uses, ts{&c.CreatedAt}, ts{&c.UpdatedAt}); err != nil {
		return err
	}
	c.Shortcut = shortcut.String
	c.Team, c.CreatedBy = nil, nil
	if teamID.Valid {
		c.Team = &desk.TeamRef{ID: teamID.Int64, Name: teamName.String}
	}
	if agentID.Valid {
		c.CreatedBy = &desk.AgentRef{ID: agentID.Int64, Email: agentEmail.String, Name: agentName.String}
	}
	return nil
}

// FoldText is the form text is searched in: lower-case, without accents
// and with runs of white space made one space.
func FoldText(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	if out, _, err := transform.String(t, s); err == nil {
		s = out
	}
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

func cannedSearch(c *desk.CannedResponse) string {
	return FoldText(c.Title + "\n" + c.Shortcut + "\n" + c.Body)
}

// nullText returns nil for "", else s (for nullable unique text columns).
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// InsertCannedResponse stores a new canned response, setting c.ID. The
// caller has lower-cased the shortcut; a taken one is desk.EConflict.
func (tx *Tx) InsertCannedResponse(ctx context.Context, c *desk.CannedResponse) error {
	var by any
	if c.CreatedBy != nil {
		by = c.CreatedBy.ID
	}
	id, err := tx.insertID(ctx, `INSERT INTO canned_responses (title, body, shortcut, team_id, created_by, uses, title_key, search, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Title, c.Body, nullText(c.Shortcut), teamID(c.Team), by, c.Uses, FoldText(c.Title), cannedSearch(c), c.CreatedAt, c.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: insert canned response %q: %w", c.Title, err)
	}
	c.ID = id
	return nil
}

// UpdateCannedResponse saves the title, body, shortcut, team and
// updated_at of a canned response.
func (tx *Tx) UpdateCannedResponse(ctx context.Context, c desk.CannedResponse) error {
	res, err := tx.exec(ctx, `UPDATE canned_responses SET title = ?, body = ?, shortcut = ?, team_id = ?, title_key = ?, search = ?,
		updated_at = ? WHERE id = ?`, c.Title, c.Body, nullText(c.Shortcut), teamID(c.Team), FoldText(c.Title), cannedSearch(&c), c.UpdatedAt, c.ID)
	if err != nil {
		return fmt.Errorf("store: update canned response %d: %w", c.ID, err)
	}
	return mustAffect(res, "Canned response", "update canned response %d", c.ID)
}

// DeleteCannedResponse removes a canned response.
func (tx *Tx) DeleteCannedResponse(ctx context.Context, id int64) error {
	res, err := tx.exec(ctx, "DELETE FROM canned_responses WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("store: delete canned response %d: %w", id, err)
	}
	return mustAffect(res, "Canned response", "delete canned response %d", id)
}

// CountCannedUse adds one to a canned response's use counter.
func (tx *Tx) CountCannedUse(ctx context.Context, id int64) error {
	res, err := tx.exec(ctx, "UPDATE canned_responses SET uses = uses + 1 WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("store: count use of canned response %d: %w", id, err)
	}
	return mustAffect(res, "Canned response", "count use of canned response %d", id)
}

// CannedResponse returns one canned response by id.
func (tx *Tx) CannedResponse(ctx context.Context, id int64) (desk.CannedResponse, error) {
	var c desk.CannedResponse
	err := scanCanned(tx.queryRow(ctx, "SELECT "+cannedCols+cannedFrom+" WHERE c.id = ?", id), &c)
	return c, wrap(err, "Canned response", "get canned response %d", id)
}

// CannedVisible reports whether agent sees canned response id as a
// member: it is for everyone or for one of the agent's teams.
func (tx *Tx) CannedVisible(ctx context.Context, id, agent int64) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM canned_responses c WHERE c.id = ? AND (c.team_id IS NULL
		OR c.team_id IN (SELECT tm.team_id FROM team_members tm WHERE tm.agent_id = ?))`, id, agent).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: canned response %d visible to %d: %w", id, agent, mapErr(err))
	}
	return n > 0, nil
}

// CannedResponses lists the canned responses f selects.
func (tx *Tx) CannedResponses(ctx context.Context, f CannedFilter) ([]desk.CannedResponse, error) {
	var where []string
	var args []any
	if f.VisibleTo != 0 {
		where = append(where, "(c.team_id IS NULL OR c.team_id IN (SELECT tm.team_id FROM team_members tm WHERE tm.agent_id = ?))")
		args = append(args, f.VisibleTo)
	}
	words := strings.Fields(FoldText(f.Q))
	if len(words) > MaxCannedWords {
		words = words[:MaxCannedWords]
	}
	for _, w := range words {
		where = append(where, `c.search LIKE ? ESCAPE '\'`)
		args = append(args, "%"+escapeLike(w)+"%")
	}
	q := "SELECT " + cannedCols + cannedFrom
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	// An exact shortcut first, then by use or title.
	q += " ORDER BY CASE WHEN c.shortcut = ? THEN 0 ELSE 1 END, "
	args = append(args, strings.ToLower(strings.TrimSpace(f.Q)))
	if f.Popular {
		q += "c.uses DESC, "
	}
	// The folded title in byte order, the same on both engines whatever
	// the PostgreSQL database's collation.
	q += "c.title_key"
	if tx.pg {
		q += ` COLLATE "C"`
	}
	q += ", c.id"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list canned responses: %w", err)
	}
	defer rows.Close()
	out := []desk.CannedResponse{}
	for rows.Next() {
		var c desk.CannedResponse
		if err := scanCanned(rows, &c); err != nil {
			return nil, fmt.Errorf("store: list canned responses: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list canned responses: %w", err)
	}
	return out, nil
}
