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

// eachEngineB runs fn as a sub-benchmark against each engine.
func eachEngineB(b *testing.B, fn func(b *testing.B, st *store.Store)) {
	b.Helper()
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) { fn(b, e.Open(b)) })
	}
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
