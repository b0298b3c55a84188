package desk

import "time"

// Role is an agent's role.
type Role string

// Roles.
const (
	RoleAdmin Role = "admin"
	RoleAgent Role = "agent"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleAgent }

// Agent is a member of the support team who signs in to the agent app.
type Agent struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Active    bool      `json:"active"`
	TeamIDs   []int64   `json:"team_ids"`
	CreatedAt time.Time `json:"created_at"`
}

// Team groups agents; tickets may belong to one team.
type Team struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	AgentIDs  []int64   `json:"agent_ids"`
	CreatedAt time.Time `json:"created_at"`
}

// Contact is a customer. One contact may have several emails and phones.
type Contact struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Emails    []string  `json:"emails"` // the first is the primary
	Phones    []string  `json:"phones"`
	Company   *Company  `json:"company"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Company groups contacts.
type Company struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Domain string `json:"domain"`
}

// APIToken is an agent's token for the REST API. The secret itself is shown
// once at creation and stored only as a hash.
type APIToken struct {
	ID         int64      `json:"id"`
	AgentID    int64      `json:"agent_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // the first characters, to recognise it
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// Event is one entry in a ticket's timeline: who changed what, when.
type Event struct {
	ID       int64     `json:"id"`
	TicketID int64     `json:"ticket_id"`
	Actor    string    `json:"actor"` // display name of who did it ("System" for automations)
	AgentID  *int64    `json:"agent_id"`
	Action   string    `json:"action"` // created, status, priority, assignee, team, tags, subject, requester, reply, note, merged, merged_from, custom_field, chat_email, ...
	Field    string    `json:"field,omitempty"`
	Old      string    `json:"old,omitempty"`
	New      string    `json:"new,omitempty"`
	At       time.Time `json:"at"`
}
