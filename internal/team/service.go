// Package team manages the people who work the desk: agents (with roles
// and passwords) and teams. Reading is open to every agent; changing is
// for admins.
package team

import (
	"context"
	"net/mail"
	"strings"
	"unicode/utf8"

	"switchboard/internal/auth"
	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// Service implements agent and team management. Construct with New.
type Service struct {
	st  *store.Store
	clk desk.Clock
}

// New returns the agent and team service. A nil clock is the system clock.
func New(st *store.Store, clk desk.Clock) *Service {
	if clk == nil {
		clk = desk.SystemClock{}
	}
	return &Service{st: st, clk: clk}
}

// NewAgent is the input to create an agent.
type NewAgent struct {
	Email    string
	Name     string
	Role     desk.Role
	Password string // optional: an agent without one cannot sign in yet
	TeamIDs  []int64
}

// AgentUpdate is a partial change to an agent; nil fields are unchanged.
type AgentUpdate struct {
	Name     *string
	Role     *desk.Role
	Active   *bool
	Password *string
	TeamIDs  *[]int64
}

func invalid(field, why string) error {
	return &desk.Error{Code: desk.EInvalid, Message: "Please check the " + field + ".", Fields: map[string]string{field: why}}
}

// Agents lists agents by name.
func (s *Service) Agents(ctx context.Context, a desk.Actor) ([]desk.Agent, error) {
	if err := a.RequireAgent(); err != nil {
		return nil, err
	}
	out, err := s.st.Read().Agents(ctx)
	if out == nil && err == nil {
		out = []desk.Agent{}
	}
	return out, err
}

// Agent returns one agent.
func (s *Service) Agent(ctx context.Context, a desk.Actor, id int64) (desk.Agent, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Agent{}, err
	}
	return s.st.Read().Agent(ctx, id)
}

// AgentByEmail returns one agent by email (case-insensitive).
func (s *Service) AgentByEmail(ctx context.Context, a desk.Actor, email string) (desk.Agent, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Agent{}, err
	}
	ag, _, err := s.st.Read().AgentCredentials(ctx, email)
	return ag, err
}

// CreateAgent adds an agent (admin only); EConflict if the email is taken.
func (s *Service) CreateAgent(ctx context.Context, a desk.Actor, in NewAgent) (desk.Agent, error) {
	if err := a.RequireAdmin(); err != nil {
		return desk.Agent{}, err
	}
	fields := map[string]string{}
	email := strings.TrimSpace(in.Email)
	if addr, err := mail.ParseAddress(email); err != nil || !strings.EqualFold(addr.Address, email) {
		fields["email"] = "a valid email address is required"
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		fields["name"] = "required"
	} else if utf8.RuneCountInString(name) > 200 {
		fields["name"] = "at most 200 characters"
	}
	if in.Role == "" {
		in.Role = desk.RoleAgent
	}
	if !in.Role.Valid() {
		fields["role"] = "admin or agent"
	}
	if in.Password != "" && utf8.RuneCountInString(in.Password) < auth.MinPasswordLength {
		fields["password"] = "at least 8 characters"
	}
	if len(fields) > 0 {
		return desk.Agent{}, &desk.Error{Code: desk.EInvalid, Message: "Please correct the highlighted fields.", Fields: fields}
	}
	hash := ""
	if in.Password != "" {
		var err error
		if hash, err = auth.HashPassword(in.Password); err != nil {
			return desk.Agent{}, err
		}
	}
	var ag desk.Agent
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		id, err := tx.InsertAgent(ctx, desk.Agent{Email: email, Name: name, Role: in.Role, Active: true, CreatedAt: store.Now(s.clk.Now())}, hash)
		if desk.ErrorCode(err) == desk.EConflict {
			return &desk.Error{Code: desk.EConflict, Message: "An agent with that email already exists.", Fields: map[string]string{"email": "already taken"}}
		}
		if err != nil {
			return err
		}
		if len(in.TeamIDs) > 0 {
			if err := s.checkTeams(ctx, tx, in.TeamIDs); err != nil {
				return err
			}
			if err := tx.SetAgentTeams(ctx, id, in.TeamIDs); err != nil {
				return err
			}
		}
		ag, err = tx.Agent(ctx, id)
		return err
	})
	return ag, err
}

func (s *Service) checkTeams(ctx context.Context, tx *store.Tx, ids []int64) error {
	for _, id := range ids {
		if _, err := tx.Team(ctx, id); desk.IsNotFound(err) {
			return invalid("teams", "no such team")
		} else if err != nil {
			return err
		}
	}
	return nil
}

// UpdateAgent changes an agent (admin only). An admin cannot demote or
// deactivate the last active admin. Deactivating an agent or changing its
// password ends its sessions.
func (s *Service) UpdateAgent(ctx context.Context, a desk.Actor, id int64, u AgentUpdate) (desk.Agent, error) {
	if err := a.RequireAdmin(); err != nil {
		return desk.Agent{}, err
	}
	if u.Name != nil && strings.TrimSpace(*u.Name) == "" {
		return desk.Agent{}, invalid("name", "required")
	}
	if u.Role != nil && !u.Role.Valid() {
		return desk.Agent{}, invalid("role", "admin or agent")
	}
	hash := ""
	if u.Password != nil {
		if utf8.RuneCountInString(*u.Password) < auth.MinPasswordLength {
			return desk.Agent{}, invalid("password", "at least 8 characters")
		}
		var err error
		if hash, err = auth.HashPassword(*u.Password); err != nil {
			return desk.Agent{}, err
		}
	}
	var ag desk.Agent
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if ag, err = tx.Agent(ctx, id); err != nil {
			return err
		}
		wasAdmin := ag.Active && ag.Role == desk.RoleAdmin
		if u.Name != nil {
			ag.Name = strings.TrimSpace(*u.Name)
		}
		if u.Role != nil {
			ag.Role = *u.Role
		}
		deactivated := false
		if u.Active != nil {
			deactivated = ag.Active && !*u.Active
			ag.Active = *u.Active
		}
		if wasAdmin && !(ag.Active && ag.Role == desk.RoleAdmin) {
			n, err := tx.CountActiveAdmins(ctx, id)
			if err != nil {
				return err
			}
			if n == 0 {
				return desk.Errorf(desk.EConflict, "This is the last active administrator; make someone else an administrator first.")
			}
		}
		if err := tx.UpdateAgent(ctx, ag); err != nil {
			return err
		}
		if hash != "" {
			if err := tx.SetAgentPassword(ctx, id, hash); err != nil {
				return err
			}
		}
		if deactivated || hash != "" {
			if err := tx.DeleteAgentSessions(ctx, id); err != nil {
				return err
			}
		}
		if u.TeamIDs != nil {
			if err := s.checkTeams(ctx, tx, *u.TeamIDs); err != nil {
				return err
			}
			if err := tx.SetAgentTeams(ctx, id, *u.TeamIDs); err != nil {
				return err
			}
		}
		ag, err = tx.Agent(ctx, id)
		return err
	})
	return ag, err
}

// Teams lists teams by name.
func (s *Service) Teams(ctx context.Context, a desk.Actor) ([]desk.Team, error) {
	if err := a.RequireAgent(); err != nil {
		return nil, err
	}
	out, err := s.st.Read().Teams(ctx)
	if out == nil && err == nil {
		out = []desk.Team{}
	}
	return out, err
}

// Team returns one team.
func (s *Service) Team(ctx context.Context, a desk.Actor, id int64) (desk.Team, error) {
	if err := a.RequireAgent(); err != nil {
		return desk.Team{}, err
	}
	return s.st.Read().Team(ctx, id)
}

func teamName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", invalid("name", "required")
	}
	if utf8.RuneCountInString(name) > 100 {
		return "", invalid("name", "at most 100 characters")
	}
	return name, nil
}

func (s *Service) checkAgents(ctx context.Context, tx *store.Tx, ids []int64) error {
	for _, id := range ids {
		if _, err := tx.Agent(ctx, id); desk.IsNotFound(err) {
			return invalid("agents", "no such agent")
		} else if err != nil {
			return err
		}
	}
	return nil
}

func nameConflict(err error) error {
	if desk.ErrorCode(err) == desk.EConflict {
		return &desk.Error{Code: desk.EConflict, Message: "A team with that name already exists.", Fields: map[string]string{"name": "already taken"}}
	}
	return err
}

// CreateTeam adds a team (admin only); EConflict if the name is taken.
func (s *Service) CreateTeam(ctx context.Context, a desk.Actor, name string, agentIDs []int64) (desk.Team, error) {
	if err := a.RequireAdmin(); err != nil {
		return desk.Team{}, err
	}
	name, err := teamName(name)
	if err != nil {
		return desk.Team{}, err
	}
	var t desk.Team
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		id, err := tx.InsertTeam(ctx, name, store.Now(s.clk.Now()))
		if err != nil {
			return nameConflict(err)
		}
		if err := s.checkAgents(ctx, tx, agentIDs); err != nil {
			return err
		}
		if err := tx.SetTeamMembers(ctx, id, agentIDs); err != nil {
			return err
		}
		t, err = tx.Team(ctx, id)
		return err
	})
	return t, err
}

// UpdateTeam renames a team and/or replaces its members (admin only).
func (s *Service) UpdateTeam(ctx context.Context, a desk.Actor, id int64, name *string, agentIDs *[]int64) (desk.Team, error) {
	if err := a.RequireAdmin(); err != nil {
		return desk.Team{}, err
	}
	var n string
	if name != nil {
		var err error
		if n, err = teamName(*name); err != nil {
			return desk.Team{}, err
		}
	}
	var t desk.Team
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Team(ctx, id); err != nil {
			return err
		}
		if name != nil {
			if err := tx.RenameTeam(ctx, id, n); err != nil {
				return nameConflict(err)
			}
		}
		if agentIDs != nil {
			if err := s.checkAgents(ctx, tx, *agentIDs); err != nil {
				return err
			}
			if err := tx.SetTeamMembers(ctx, id, *agentIDs); err != nil {
				return err
			}
		}
		var err error
		t, err = tx.Team(ctx, id)
		return err
	})
	return t, err
}

// DeleteTeam removes a team (admin only); its tickets become teamless.
func (s *Service) DeleteTeam(ctx context.Context, a desk.Actor, id int64) error {
	if err := a.RequireAdmin(); err != nil {
		return err
	}
	return s.st.Write(ctx, func(tx *store.Tx) error { return tx.DeleteTeam(ctx, id) })
}
