package desk

import "time"

// CannedResponse is a saved reply that agents insert into the composer.
// Its body may hold placeholders such as {{customer.first_name}}, filled
// for the ticket when inserted (see package canned).
type CannedResponse struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
	Body  string `json:"body"`
	// Shortcut is an optional short keyword, lower-case and unique ("" for none).
	Shortcut string `json:"shortcut"`
	// Team is the team whose members see it; nil means every agent.
	Team      *TeamRef  `json:"team"`
	CreatedBy *AgentRef `json:"created_by"`
	// Uses counts how often agents inserted it.
	Uses      int64     `json:"uses"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}
