package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"switchboard/internal/desk"
	"switchboard/internal/httperr"
)

// problemType is the base of every problem "type" URI; the suffix is the
// error code (for example "urn:switchboard:problem:not_found").
const problemType = "urn:switchboard:problem:"

// Problem is an RFC 9457 problem details body, sent as
// application/problem+json for every error the API returns.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Code is the machine-readable error code (desk.Code or an HTTP-level code
	// such as "malformed_json").
	Code string `json:"code"`
	// Errors names invalid input fields and why (422 only).
	Errors map[string]string `json:"errors,omitempty"`
}

// StatusClientClosedRequest is the status recorded (never seen by the
// client) when the client canceled the request before it was answered.
const StatusClientClosedRequest = 499

// writeError answers with the problem+json form of a service error. Internal
// errors are logged with their real cause and answered with a generic detail.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away; nobody reads this answer. 499 (nginx's
		// "client closed request") keeps it out of the 5xx error counts.
		s.log.DebugContext(r.Context(), "api: client closed request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path))
		writeProblem(w, r, Problem{Status: StatusClientClosedRequest, Title: "Client Closed Request",
			Code: "canceled", Detail: "The request was canceled by the client."})
		return
	case errors.Is(err, context.DeadlineExceeded):
		s.log.WarnContext(r.Context(), "api: request timed out",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
		w.Header().Set("Retry-After", "1")
		problem(w, r, http.StatusServiceUnavailable, "timeout", "The request took too long; retry later.")
		return
	}
	code := desk.ErrorCode(err)
	status := httperr.Status(code)
	p := Problem{Status: status, Code: string(code), Detail: desk.ErrorMessage(err)}
	var de *desk.Error
	if errors.As(err, &de) && len(de.Fields) > 0 {
		p.Errors = de.Fields
	}
	if status == http.StatusInternalServerError {
		s.log.ErrorContext(r.Context(), "api: internal error",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
		p.Code = string(desk.EInternal)
		p.Detail = "An internal error occurred."
		p.Errors = nil
	}
	writeProblem(w, r, p)
}

// writeProblem fills in the defaults of p and writes it.
func writeProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	if p.Type == "" {
		p.Type = problemType + p.Code
	}
	if p.Instance == "" && r != nil {
		p.Instance = r.URL.Path
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("X-Content-Type-Options", "nosniff")
	switch p.Status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Bearer realm="switchboard"`)
	case http.StatusTooManyRequests:
		if h.Get("Retry-After") == "" {
			h.Set("Retry-After", "1")
		}
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// problem writes a problem with the given status, code and detail.
func problem(w http.ResponseWriter, r *http.Request, status int, code, detail string) {
	writeProblem(w, r, Problem{Status: status, Code: code, Detail: detail})
}

// invalid writes a 422 problem naming one invalid field.
func invalid(w http.ResponseWriter, r *http.Request, field, why string) {
	writeProblem(w, r, Problem{
		Status: http.StatusUnprocessableEntity, Code: string(desk.EInvalid),
		Detail: "The " + strconv.Quote(field) + " field is invalid: " + why + ".",
		Errors: map[string]string{field: why},
	})
}
