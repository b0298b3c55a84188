package httperr

import (
	"errors"
	"testing"

	"switchboard/internal/desk"
)

func TestStatus(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{desk.Errorf(desk.EInvalid, "x"), 422},
		{desk.Errorf(desk.ENotFound, "x"), 404},
		{desk.Errorf(desk.EConflict, "x"), 409},
		{desk.Errorf(desk.EUnauthorized, "x"), 401},
		{desk.Errorf(desk.EForbidden, "x"), 403},
		{desk.Errorf(desk.ERateLimited, "x"), 429},
		{desk.Errorf(desk.EInternal, "x"), 500},
		{errors.New("plain"), 500},
	} {
		if got := Status(desk.ErrorCode(c.err)); got != c.want {
			t.Errorf("%v: status %d, want %d", c.err, got, c.want)
		}
	}
}
