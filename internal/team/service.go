// Package team manages the people who work the desk: agents (with roles
// and passwords) and teams. Reading is open to every agent; changing is
// for admins.
package team

import (
	"context"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// Service implements agent and team management. Construct with New.
type Service struct{}

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

// Agents lists agents by name.
func (s *Service) Agents(ctx context.Context, a desk.Actor) ([]desk.Agent, error) {
	panic("not implemented yet")
}

// Agent returns one agent.
func (s *Service) Agent(ctx context.Context, a desk.Actor, id int64) (desk.Agent, error) {
	panic("not implemented yet")
}

// AgentByEmail returns one agent by email (case-insensitive).
func (s *Service) AgentByEmail(ctx context.Context, a desk.Actor, email string) (desk.Agent, error) {
	panic("not implemented yet")
}

// CreateAgent adds an agent (admin only); EConflict if the email is taken.
func (s *Service) CreateAgent(ctx context.Context, a desk.Actor, in NewAgent) (desk.Agent, error) {
	panic("not implemented yet")
}

// UpdateAgent changes an agent (admin only). An admin cannot demote or
// deactivate the last active admin.
func (s *Service) UpdateAgent(ctx context.Context, a desk.Actor, id int64, u AgentUpdate) (desk.Agent, error) {
	panic("not implemented yet")
}

// Teams lists teams by name.
func (s *Service) Teams(ctx context.Context, a desk.Actor) ([]desk.Team, error) {
	panic("not implemented yet")
}

// CreateTeam adds a team (admin only).
func (s *Service) CreateTeam(ctx context.Context, a desk.Actor, name string, agentIDs []int64) (desk.Team, error) {
	panic("not implemented yet")
}

// UpdateTeam renames a team and/or replaces its members (admin only).
func (s *Service) UpdateTeam(ctx context.Context, a desk.Actor, id int64, name *string, agentIDs *[]int64) (desk.Team, error) {
	panic("not implemented yet")
}

// DeleteTeam removes a team (admin only); its tickets become teamless.
func (s *Service) DeleteTeam(ctx context.Context, a desk.Actor, id int64) error {
	panic("not implemented yet")
}

// New returns the agent and team service.
func New(st *store.Store, clk desk.Clock) *Service { panic("not implemented yet") }
