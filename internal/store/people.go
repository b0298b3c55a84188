package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/desk"
)

const agentCols = "a.id, a.email, a.name, a.role, a.active, a.created_at"

func scanAgent(sc interface{ Scan(...any) error }, a *desk.Agent) error {
	return sc.Scan(&a.ID, &a.Email, &a.Name, &a.Role, &a.Active, ts{&a.CreatedAt})
}

// InsertAgent stores a new agent (email lower-cased) and returns its id;
// EConflict if the email is taken.
func (tx *Tx) InsertAgent(ctx context.Context, a desk.Agent, passwordHash string) (int64, error) {
	id, err := tx.insertID(ctx, `INSERT INTO agents (email, name, role, password_hash, active, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, strings.ToLower(strings.TrimSpace(a.Email)), a.Name, string(a.Role), passwordHash, a.Active, a.CreatedAt)
	if err != nil {
		return 0, fmt.Errorf("store: insert agent %s: %w", a.Email, err)
	}
	return id, nil
}

// UpdateAgent writes an agent's name, role and active flag.
func (tx *Tx) UpdateAgent(ctx context.Context, a desk.Agent) error {
	tx.authChanged = true
	res, err := tx.exec(ctx, "UPDATE agents SET name = ?, role = ?, active = ? WHERE id = ?", a.Name, string(a.Role), a.Active, a.ID)
	if err != nil {
		return fmt.Errorf("store: update agent %d: %w", a.ID, err)
	}
	return mustAffect(res, "Agent", "update agent %d", a.ID)
}

// SetAgentPassword replaces an agent's password hash.
func (tx *Tx) SetAgentPassword(ctx context.Context, id int64, hash string) error {
	res, err := tx.exec(ctx, "UPDATE agents SET password_hash = ? WHERE id = ?", hash, id)
	if err != nil {
		return fmt.Errorf("store: set password of agent %d: %w", id, err)
	}
	return mustAffect(res, "Agent", "set password of agent %d", id)
}

// Agent returns one agent with its team ids.
func (tx *Tx) Agent(ctx context.Context, id int64) (desk.Agent, error) {
	var a desk.Agent
	err := scanAgent(tx.queryRow(ctx, "SELECT "+agentCols+" FROM agents a WHERE a.id = ?", id), &a)
	if err != nil {
		return a, wrap(err, "Agent", "get agent %d", id)
	}
	return a, tx.fillAgentTeams(ctx, []*desk.Agent{&a})
}

// AgentRef returns the short form of an agent and whether it is active.
func (tx *Tx) AgentRef(ctx context.Context, id int64) (desk.AgentRef, bool, error) {
	var r desk.AgentRef
	var active bool
	err := tx.queryRow(ctx, "SELECT id, email, name, active FROM agents WHERE id = ?", id).Scan(&r.ID, &r.Email, &r.Name, &active)
	if err != nil {
		return r, false, wrap(err, "Agent", "get agent %d", id)
	}
	return r, active, nil
}

// TeamRef returns the short form of a team.
func (tx *Tx) TeamRef(ctx context.Context, id int64) (desk.TeamRef, error) {
	var r desk.TeamRef
	err := tx.queryRow(ctx, "SELECT id, name FROM teams WHERE id = ?", id).Scan(&r.ID, &r.Name)
	if err != nil {
		return r, wrap(err, "Team", "get team %d", id)
	}
	return r, nil
}

// AgentCredentials returns the agent with that email (case-insensitive)
// and its password hash ("" if it has none).
func (tx *Tx) AgentCredentials(ctx context.Context, email string) (desk.Agent, string, error) {
	var a desk.Agent
	var hash string
	err := tx.queryRow(ctx, "SELECT "+agentCols+", a.password_hash FROM agents a WHERE a.email = ?",
		strings.ToLower(strings.TrimSpace(email))).Scan(&a.ID, &a.Email, &a.Name, &a.Role, &a.Active, ts{&a.CreatedAt}, &hash)
	if err != nil {
		return a, "", wrap(err, "Agent", "get agent by email")
	}
	return a, hash, tx.fillAgentTeams(ctx, []*desk.Agent{&a})
}

// Agents lists every agent by name.
func (tx *Tx) Agents(ctx context.Context) ([]desk.Agent, error) {
	rows, err := tx.query(ctx, "SELECT "+agentCols+" FROM agents a ORDER BY a.name, a.id")
	if err != nil {
		return nil, fmt.Errorf("store: list agents: %w", err)
	}
	defer rows.Close()
	var out []desk.Agent
	for rows.Next() {
		var a desk.Agent
		if err := scanAgent(rows, &a); err != nil {
			return nil, fmt.Errorf("store: list agents: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list agents: %w", err)
	}
	ptrs := make([]*desk.Agent, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, tx.fillAgentTeams(ctx, ptrs)
}

func (tx *Tx) fillAgentTeams(ctx context.Context, as []*desk.Agent) error {
	if len(as) == 0 {
		return nil
	}
	byID := make(map[int64]*desk.Agent, len(as))
	args := make([]any, len(as))
	for i, a := range as {
		a.TeamIDs = []int64{}
		byID[a.ID] = a
		args[i] = a.ID
	}
	rows, err := tx.query(ctx, "SELECT agent_id, team_id FROM team_members WHERE agent_id IN ("+placeholders(len(args))+") ORDER BY team_id", args...)
	if err != nil {
		return fmt.Errorf("store: agent teams: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var aid, tid int64
		if err := rows.Scan(&aid, &tid); err != nil {
			return fmt.Errorf("store: agent teams: %w", err)
		}
		byID[aid].TeamIDs = append(byID[aid].TeamIDs, tid)
	}
	return rows.Err()
}

// CountActiveAdmins counts active admins other than exceptID (0 for none).
func (tx *Tx) CountActiveAdmins(ctx context.Context, exceptID int64) (int, error) {
	var n int
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM agents WHERE role = 'admin' AND active = ? AND id <> ?", true, exceptID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count admins: %w", err)
	}
	return n, nil
}

// SetAgentTeams replaces the teams an agent belongs to.
func (tx *Tx) SetAgentTeams(ctx context.Context, agentID int64, teamIDs []int64) error {
	if _, err := tx.exec(ctx, "DELETE FROM team_members WHERE agent_id = ?", agentID); err != nil {
		return fmt.Errorf("store: set teams of agent %d: %w", agentID, err)
	}
	for _, t := range dedupe(teamIDs) {
		if _, err := tx.exec(ctx, "INSERT INTO team_members (team_id, agent_id) VALUES (?, ?)", t, agentID); err != nil {
			return fmt.Errorf("store: set teams of agent %d: %w", agentID, err)
		}
	}
	return nil
}

// InsertTeam stores a team and returns its id; EConflict if the name is taken.
func (tx *Tx) InsertTeam(ctx context.Context, name string, at time.Time) (int64, error) {
	id, err := tx.insertID(ctx, "INSERT INTO teams (name, created_at) VALUES (?, ?)", name, at)
	if err != nil {
		return 0, fmt.Errorf("store: insert team %q: %w", name, err)
	}
	return id, nil
}

// RenameTeam changes a team's name.
func (tx *Tx) RenameTeam(ctx context.Context, id int64, name string) error {
	res, err := tx.exec(ctx, "UPDATE teams SET name = ? WHERE id = ?", name, id)
	if err != nil {
		return fmt.Errorf("store: rename team %d: %w", id, err)
	}
	return mustAffect(res, "Team", "rename team %d", id)
}

// SetTeamMembers replaces a team's members.
func (tx *Tx) SetTeamMembers(ctx context.Context, teamID int64, agentIDs []int64) error {
	if _, err := tx.exec(ctx, "DELETE FROM team_members WHERE team_id = ?", teamID); err != nil {
		return fmt.Errorf("store: set members of team %d: %w", teamID, err)
	}
	for _, a := range dedupe(agentIDs) {
		if _, err := tx.exec(ctx, "INSERT INTO team_members (team_id, agent_id) VALUES (?, ?)", teamID, a); err != nil {
			return fmt.Errorf("store: set members of team %d: %w", teamID, err)
		}
	}
	return nil
}

// DeleteTeam removes a team; its tickets become teamless.
func (tx *Tx) DeleteTeam(ctx context.Context, id int64) error {
	if _, err := tx.exec(ctx, "UPDATE tickets SET team_id = NULL WHERE team_id = ?", id); err != nil {
		return fmt.Errorf("store: delete team %d: %w", id, err)
	}
	res, err := tx.exec(ctx, "DELETE FROM teams WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("store: delete team %d: %w", id, err)
	}
	return mustAffect(res, "Team", "delete team %d", id)
}

// Team returns one team with its member ids.
func (tx *Tx) Team(ctx context.Context, id int64) (desk.Team, error) {
	var t desk.Team
	err := tx.queryRow(ctx, "SELECT id, name, created_at FROM teams WHERE id = ?", id).Scan(&t.ID, &t.Name, ts{&t.CreatedAt})
	if err != nil {
		return t, wrap(err, "Team", "get team %d", id)
	}
	return t, tx.fillTeamMembers(ctx, []*desk.Team{&t})
}

// Teams lists teams by name with their member ids.
func (tx *Tx) Teams(ctx context.Context) ([]desk.Team, error) {
	rows, err := tx.query(ctx, "SELECT id, name, created_at FROM teams ORDER BY name, id")
	if err != nil {
		return nil, fmt.Errorf("store: list teams: %w", err)
	}
	defer rows.Close()
	var out []desk.Team
	for rows.Next() {
		var t desk.Team
		if err := rows.Scan(&t.ID, &t.Name, ts{&t.CreatedAt}); err != nil {
			return nil, fmt.Errorf("store: list teams: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list teams: %w", err)
	}
	ptrs := make([]*desk.Team, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, tx.fillTeamMembers(ctx, ptrs)
}

func (tx *Tx) fillTeamMembers(ctx context.Context, ts []*desk.Team) error {
	if len(ts) == 0 {
		return nil
	}
	byID := make(map[int64]*desk.Team, len(ts))
	args := make([]any, len(ts))
	for i, t := range ts {
		t.AgentIDs = []int64{}
		byID[t.ID] = t
		args[i] = t.ID
	}
	rows, err := tx.query(ctx, "SELECT team_id, agent_id FROM team_members WHERE team_id IN ("+placeholders(len(args))+") ORDER BY agent_id", args...)
	if err != nil {
		return fmt.Errorf("store: team members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var tid, aid int64
		if err := rows.Scan(&tid, &aid); err != nil {
			return fmt.Errorf("store: team members: %w", err)
		}
		byID[tid].AgentIDs = append(byID[tid].AgentIDs, aid)
	}
	return rows.Err()
}

func dedupe[T comparable](xs []T) []T {
	seen := make(map[T]bool, len(xs))
	out := xs[:0:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// mustAffect returns ENotFound of what when res changed no rows.
func mustAffect(res interface{ RowsAffected() (int64, error) }, what, format string, args ...any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: "+format+": %w", append(args, err)...)
	}
	if n == 0 {
		return fmt.Errorf("store: "+format+": %w", append(args, notFound(what))...)
	}
	return nil
}
