package storetest

import (
	"testing"

	"switchboard/internal/store"
)

// Run is the conformance suite: every engine's store must pass it.
// newStore returns a fresh, migrated store for each subtest.
func Run(t *testing.T, newStore func(t *testing.T) *store.Store) {
	t.Helper()
	for _, c := range suite {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newStore(t)) })
	}
}

type suiteCase struct {
	name string
	fn   func(t *testing.T, st *store.Store)
}

var suite = []suiteCase{}
