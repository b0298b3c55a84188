package desk

// ActorKind tells who performs an action.
type ActorKind string

// Actor kinds.
const (
	ActorAgent  ActorKind = "agent"  // a signed-in agent (web)
	ActorAPI    ActorKind = "api"    // an API token acting as its agent
	ActorSystem ActorKind = "system" // the product itself (demo loader, automations, CLI)
)

// Actor is who performs a service call; services authorize against it.
type Actor struct {
	Kind    ActorKind
	AgentID int64
	Name    string
	Role    Role
}

// System is the actor for actions the product takes by itself.
var System = Actor{Kind: ActorSystem, Name: "System", Role: RoleAdmin}

// IsAdmin reports whether the actor may manage agents, teams and tokens.
func (a Actor) IsAdmin() bool { return a.Kind == ActorSystem || a.Role == RoleAdmin }

// IsAgent reports whether the actor may work tickets (any agent, admin or system).
func (a Actor) IsAgent() bool {
	return a.Kind == ActorSystem || (a.AgentID != 0 && (a.Role == RoleAgent || a.Role == RoleAdmin))
}

// RequireAgent returns EForbidden unless the actor may work tickets.
func (a Actor) RequireAgent() error {
	if !a.IsAgent() {
		return Errorf(EForbidden, "You need to be signed in as an agent.")
	}
	return nil
}

// RequireAdmin returns EForbidden unless the actor is an admin.
func (a Actor) RequireAdmin() error {
	if !a.IsAdmin() {
		return Errorf(EForbidden, "Only administrators can do this.")
	}
	return nil
}
