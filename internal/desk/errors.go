package desk

import (
	"errors"
	"fmt"
)

// Code classifies an Error. Each code maps to one HTTP status, HTML page,
// htmx fragment or problem+json body in the web and api packages.
type Code string

// Error codes.
const (
	EInvalid      Code = "invalid"      // the input is malformed or breaks a rule (422)
	ENotFound     Code = "not_found"    // no such thing, or not visible to the actor (404)
	EConflict     Code = "conflict"     // a uniqueness or state conflict (409)
	EUnauthorized Code = "unauthorized" // no or bad credentials (401)
	EForbidden    Code = "forbidden"    // authenticated but not allowed (403)
	ERateLimited  Code = "rate_limited" // too many attempts (429)
	EInternal     Code = "internal"     // anything else (500)
)

// Error is the one error type the domain returns. Message is safe to show to
// the user; Fields optionally names invalid input fields and why.
type Error struct {
	Code    Code
	Message string
	Fields  map[string]string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-facing message of err: the Message of an
// *Error, or a generic text for internal errors (whose details must not leak).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// IsNotFound reports whether err carries ENotFound.
func IsNotFound(err error) bool { return ErrorCode(err) == ENotFound }
