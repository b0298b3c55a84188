package server

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

func TestReadyzPingsTheDatabase(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		s := New(Options{DB: st})
		if rec := get(t, s.Handler(), "/readyz"); rec.Code != http.StatusOK {
			t.Fatalf("readyz with a live database = %d", rec.Code)
		}
	})
}

func TestReadyzWithAClosedDatabase(t *testing.T) {
	st, err := store.Open(context.Background(), store.Config{URL: "sqlite:" + filepath.Join(t.TempDir(), "db.sqlite")})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	s := New(Options{DB: st})
	if rec := get(t, s.Handler(), "/readyz"); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz with a closed database = %d", rec.Code)
	}
	if rec := get(t, s.Handler(), "/healthz"); rec.Code != http.StatusOK {
		t.Fatalf("healthz = %d", rec.Code)
	}
}
