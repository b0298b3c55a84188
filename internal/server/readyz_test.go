package server

import (
	"net/http"
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
		st.Close()
		if rec := get(t, s.Handler(), "/readyz"); rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("readyz with a closed database = %d", rec.Code)
		}
		if rec := get(t, s.Handler(), "/healthz"); rec.Code != http.StatusOK {
			t.Fatalf("healthz = %d", rec.Code)
		}
	})
}
