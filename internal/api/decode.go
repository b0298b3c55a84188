package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"switchboard/internal/desk"
)

// MaxBodyBytes is the largest request body the API reads (1 MiB).
const MaxBodyBytes = 1 << 20

// decodeJSON reads the request body as one JSON object into dst. It rejects
// a wrong Content-Type (415), a body over MaxBodyBytes (413), malformed or
// empty JSON and trailing data (400), and unknown fields or values of the
// wrong type (422, naming the field). On failure it has written the problem
// and returns false.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) bool {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || (mt != "application/json" && mt != "application/merge-patch+json") {
		problem(w, r, http.StatusUnsupportedMediaType, "unsupported_media_type",
			"The request body must be JSON, sent with Content-Type: application/json.")
		return false
	}
	body := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err = dec.Decode(dst)
	if err == nil {
		// Exactly one value: anything but whitespace after it is an error.
		if _, terr := dec.Token(); terr != io.EOF {
			var mbe *http.MaxBytesError
			if errors.As(terr, &mbe) {
				err = terr
			} else {
				err = errors.New("trailing data after the JSON object")
			}
		}
	}
	if err == nil {
		return true
	}
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		ute *json.UnmarshalTypeError
		fe  *fieldError
	)
	switch {
	case errors.As(err, &mbe):
		problem(w, r, http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("The request body is larger than %d bytes.", MaxBodyBytes))
	case errors.Is(err, io.EOF):
		problem(w, r, http.StatusBadRequest, "malformed_json", "The request body is empty; a JSON object is required.")
	case errors.As(err, &fe):
		invalid(w, r, fe.field, fe.why)
	case errors.As(err, &ute):
		field := ute.Field
		if field == "" {
			problem(w, r, http.StatusBadRequest, "malformed_json", "The request body must be a JSON object.")
			return false
		}
		invalid(w, r, field, "must be "+jsonKind(ute.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		invalid(w, r, name, "unknown field")
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		problem(w, r, http.StatusBadRequest, "malformed_json", "The request body is not valid JSON.")
	default:
		problem(w, r, http.StatusBadRequest, "malformed_json", "The request body is not valid JSON: "+err.Error()+".")
	}
	return false
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"):
		return "an integer"
	case strings.HasPrefix(k, "float"):
		return "a number"
	case k == "string":
		return "a string"
	case k == "bool":
		return "a boolean"
	case k == "slice", k == "array":
		return "an array"
	case k == "map", k == "struct":
		return "an object"
	default:
		return "of another type"
	}
}

// fieldError is a decoding error attributed to one field by a custom
// unmarshaler.
type fieldError struct{ field, why string }

func (e *fieldError) Error() string { return e.field + ": " + e.why }

// nullableID is a JSON field that may be absent (Set false), null (Set and
// Null) or an integer id.
type nullableID struct {
	Set  bool
	Null bool
	ID   int64
	name string
}

// UnmarshalJSON implements json.Unmarshaler; it is called for null too.
func (n *nullableID) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Null = true
		return nil
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || id <= 0 {
		return &fieldError{field: n.name, why: "must be a positive integer id or null"}
	}
	n.ID = id
	return nil
}

// ptr returns the id as a pointer when set and not null.
func (n nullableID) ptr() *int64 {
	if !n.Set || n.Null {
		return nil
	}
	id := n.ID
	return &id
}

// pathID parses the {name} path value as a positive integer id. On failure
// it writes a 404 problem (no resource has a non-numeric id) and returns false.
func pathID(w http.ResponseWriter, r *http.Request, name, what string) (int64, bool) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		problem(w, r, http.StatusNotFound, string(desk.ENotFound),
			fmt.Sprintf("There is no %s with id %q: ids are positive integers.", what, v))
		return 0, false
	}
	return id, true
}

// queryLimit parses the limit query parameter (1–100, 0 when absent).
func queryLimit(w http.ResponseWriter, r *http.Request) (int, bool) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100 {
		invalid(w, r, "limit", "must be an integer from 1 to 100")
		return 0, false
	}
	return n, true
}

// queryID parses an optional numeric id query parameter.
func queryID(w http.ResponseWriter, r *http.Request, name string) (*int64, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		invalid(w, r, name, "must be a positive integer id")
		return nil, false
	}
	return &id, true
}
