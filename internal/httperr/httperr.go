// Package httperr maps desk.Error codes to HTTP statuses: the one place the
// domain's error codes become statuses, shared by the REST API
// (problem+json) and the agent app (HTML pages and htmx fragments).
package httperr

import (
	"net/http"

	"switchboard/internal/desk"
)

// Status returns the HTTP status for a desk error code; unknown codes and
// EInternal are 500.
func Status(c desk.Code) int {
	switch c {
	case desk.EInvalid:
		return http.StatusUnprocessableEntity
	case desk.ENotFound:
		return http.StatusNotFound
	case desk.EConflict:
		return http.StatusConflict
	case desk.EUnauthorized:
		return http.StatusUnauthorized
	case desk.EForbidden:
		return http.StatusForbidden
	case desk.ERateLimited:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}
