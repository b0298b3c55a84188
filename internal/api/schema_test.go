package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// docSchemas holds openapi.json decoded generically, for checking answers
// against the documented response schemas.
type docSchemas struct {
	doc map[string]any
}

func loadDocSchemas(t testing.TB) *docSchemas {
	var d map[string]any
	if err := json.Unmarshal(openAPIDoc, &d); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return &docSchemas{doc: d}
}

// resolve follows a local $ref.
func (d *docSchemas) resolve(v map[string]any) map[string]any {
	for {
		ref, ok := v["$ref"].(string)
		if !ok {
			return v
		}
		var cur any = d.doc
		for _, seg := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = cur.(map[string]any)[seg]
		}
		v = cur.(map[string]any)
	}
}

// responseSchema finds the documented schema of an answer: the operation
// of method and route pattern path, the status, and the content type.
func (d *docSchemas) responseSchema(method, path string, status int, ctype string) (map[string]any, error) {
	paths := d.doc["paths"].(map[string]any)
	item, ok := paths[path].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("path %s not documented", path)
	}
	op, ok := item[strings.ToLower(method)].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s %s not documented", method, path)
	}
	resp, ok := op["responses"].(map[string]any)[strconv.Itoa(status)].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s %s: status %d not documented", method, path, status)
	}
	resp = d.resolve(resp)
	content, _ := resp["content"].(map[string]any)
	media, ok := content[ctype].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s %s %d: content type %s not documented", method, path, status, ctype)
	}
	return media["schema"].(map[string]any), nil
}

// validate checks v against a JSON Schema subset (type, required,
// properties, additionalProperties as a schema, items, enum, oneOf) and
// returns every mismatch.
func (d *docSchemas) validate(schema map[string]any, v any, at string) []string {
	schema = d.resolve(schema)
	var errs []string
	if alts, ok := schema["oneOf"].([]any); ok {
		for _, a := range alts {
			if len(d.validate(a.(map[string]any), v, at)) == 0 {
				return nil
			}
		}
		return []string{at + ": matches no oneOf alternative"}
	}
	if types := schemaTypes(schema["type"]); len(types) > 0 && !slices.Contains(types, jsonType(v)) &&
		!(jsonType(v) == "integer" && slices.Contains(types, "number")) {
		return []string{fmt.Sprintf("%s: %s, want %v", at, jsonType(v), types)}
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, v) {
		errs = append(errs, fmt.Sprintf("%s: %v not in enum %v", at, v, enum))
	}
	switch x := v.(type) {
	case map[string]any:
		for _, r := range asSlice(schema["required"]) {
			if _, ok := x[r.(string)]; !ok {
				errs = append(errs, at+": required "+r.(string)+" missing")
			}
		}
		props, _ := schema["properties"].(map[string]any)
		for k, val := range x {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, d.validate(ps, val, at+"."+k)...)
			} else if ap, ok := schema["additionalProperties"].(map[string]any); ok {
				errs = append(errs, d.validate(ap, val, at+"."+k)...)
			} else if schema["additionalProperties"] == false || (props != nil && schema["additionalProperties"] == nil) {
				errs = append(errs, at+": undocumented property "+k)
			}
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, val := range x {
				errs = append(errs, d.validate(items, val, at+"."+strconv.Itoa(i))...)
			}
		}
	}
	return errs
}

func schemaTypes(t any) []string {
	switch x := t.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, s := range x {
			out = append(out, s.(string))
		}
		return out
	}
	return nil
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// checkAgainstDoc validates an answer of the API against openapi.json.
func (e *testEnv) checkAgainstDoc(name string, req *http.Request, res response) {
	e.t.Helper()
	if e.schemas == nil {
		e.schemas = loadDocSchemas(e.t)
	}
	_, pattern := e.h.(*server).mux.Handler(req)
	if pattern == "" {
		return // 404/405 from the router: checked as plain problems
	}
	method, path, _ := strings.Cut(pattern, " ")
	if method == "GET" && req.Method == "HEAD" {
		return
	}
	ctype := res.Header.Get("Content-Type")
	schema, err := e.schemas.responseSchema(method, path, res.Code, ctype)
	if err != nil {
		e.t.Errorf("%s: %v", name, err)
		return
	}
	for _, msg := range e.schemas.validate(schema, res.JSON, "body") {
		e.t.Errorf("%s: answer does not match openapi.json: %s", name, msg)
	}
}

// TestSchemaValidator makes sure the checker used on every answer really
// rejects what the document does not allow.
func TestSchemaValidator(t *testing.T) {
	d := loadDocSchemas(t)
	ticket := map[string]any{"$ref": "#/components/schemas/Ticket"}
	var v any
	_ = json.Unmarshal([]byte(`{"id":1,"number":2,"subject":"s","status":"new","priority":"normal","channel":"api",
		"requester":{"id":1,"email":"a@b.c","name":""},"assignee":null,"team":null,"tags":[],
		"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","first_response_at":null,"resolved_at":null}`), &v)
	if errs := d.validate(ticket, v, "t"); len(errs) != 0 {
		t.Fatalf("valid ticket rejected: %v", errs)
	}
	bad := []string{
		`{"id":1}`,
		`{"id":"1","number":2,"subject":"s","status":"new","priority":"normal","channel":"api","requester":{"id":1,"email":"","name":""},"assignee":null,"team":null,"tags":[],"created_at":"","updated_at":"","first_response_at":null,"resolved_at":null}`,
		`{"id":1,"number":2,"subject":"s","status":"done","priority":"normal","channel":"api","requester":{"id":1,"email":"","name":""},"assignee":null,"team":null,"tags":[],"created_at":"","updated_at":"","first_response_at":null,"resolved_at":null}`,
		`{"id":1,"number":2,"subject":"s","status":"new","priority":"normal","channel":"api","requester":{"id":1,"email":"","name":""},"assignee":null,"team":null,"tags":null,"created_at":"","updated_at":"","first_response_at":null,"resolved_at":null}`,
		`{"id":1,"number":2,"subject":"s","status":"new","priority":"normal","channel":"api","requester":{"id":1,"email":"","name":""},"assignee":{"id":1},"team":null,"tags":[],"created_at":"","updated_at":"","first_response_at":null,"resolved_at":null}`,
		`{"id":1,"number":2,"subject":"s","status":"new","priority":"normal","channel":"api","requester":{"id":1,"email":"","name":""},"assignee":null,"team":null,"tags":[],"created_at":"","updated_at":"","first_response_at":null,"resolved_at":null,"secret":1}`,
	}
	for _, b := range bad {
		var v any
		_ = json.Unmarshal([]byte(b), &v)
		if errs := d.validate(ticket, v, "t"); len(errs) == 0 {
			t.Errorf("invalid ticket accepted: %s", b)
		}
	}
}
