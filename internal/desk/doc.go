// Package desk holds Switchboard's domain types: tickets, messages, contacts,
// companies, agents, teams, the actor performing an action, the one error type
// with codes, and the injectable clock. It imports nothing internal and never
// net/http; every other package speaks in these types.
package desk
