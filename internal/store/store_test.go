package store_test

import (
	"context"
	"testing"

	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) *store.Store { return e.Open(t) })
		})
	}
}

func TestMigrateTwice(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		if err := st.Migrate(context.Background()); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		if err := st.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
