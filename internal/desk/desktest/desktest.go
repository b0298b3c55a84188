// Package desktest holds the small assertions the service tests share.
package desktest

import (
	"testing"

	"switchboard/internal/desk"
)

// Must fails the test at once when err is not nil.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// WantCode fails the test at once unless err carries the desk error code.
func WantCode(t testing.TB, err error, code desk.Code) {
	t.Helper()
	if got := desk.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}
