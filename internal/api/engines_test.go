package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// eachEngine runs fn as a subtest against a fresh SQLite store and a fresh
// PostgreSQL store. PostgreSQL being unreachable fails the test.
func eachEngine(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	storetest.ForEach(t, fn)
}

func newRequest(method, path, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	return httptest.NewRequest(method, path, rd)
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
