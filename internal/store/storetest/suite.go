package storetest

import (
	"testing"

	"switchboard/internal/store"
)

// Run is the conformance suite: every engine's store must pass it.
// newStore returns a fresh, migrated store for each subtest.
func Run(t *testing.T, newStore func(t *testing.T) *store.Store) {
	t.Helper()
	cases := []struct {
		name string
		fn   func(t *testing.T, st *store.Store)
	}{
		{"Migrate/Idempotent", testMigrateIdempotent},
		{"Tickets/RoundTrip", testTicketRoundTrip},
		{"Tickets/Numbers", testTicketNumbers},
		{"Tickets/Create", testCreateTicket},
		{"Tickets/NotFound", testNotFound},
		{"Tickets/Tags", testTags},
		{"Tickets/KeysetPagination", testKeyset},
		{"Tickets/Filters", testFilters},
		{"Tickets/KeysetFilters", testKeysetFilters},
		{"Tickets/Search", testSearch},
		{"Tickets/Counts", testCounts},
		{"Messages/AttachmentsDedupe", testAttachments},
		{"Events/Order", testEvents},
		{"Errors/Conflict", testConflicts},
		{"Errors/ForeignKey", testForeignKey},
		{"Tx/Rollback", testRollback},
		{"Tx/ConcurrentWriters", testConcurrentWriters},
		{"Contacts/FindOrCreate", testFindOrCreate},
		{"Auth/SessionsAndTokens", testSessionsTokens},
		{"Bulk/Insert", testBulkInsert},
		{"Chats/List", testChatList},
		{"Chats/VisitorVerified", testChatVisitorVerified},
		{"Canned/Responses", testCanned},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newStore(t)) })
	}
}
