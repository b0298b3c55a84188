package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// openAPIDocument is the part of the OpenAPI document the tests read.
type openAPIDocument struct {
	OpenAPI    string                                `json:"openapi"`
	Info       struct{ Title, Version string }       `json:"info"`
	Security   []map[string][]string                 `json:"security"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		SecuritySchemes map[string]struct{ Type, Scheme string } `json:"securitySchemes"`
		Schemas         map[string]json.RawMessage               `json:"schemas"`
		Responses       map[string]json.RawMessage               `json:"responses"`
		Parameters      map[string]json.RawMessage               `json:"parameters"`
	} `json:"components"`
}

type openAPIOperation struct {
	OperationID string                     `json:"operationId"`
	Security    *[]map[string][]string     `json:"security"`
	Parameters  []map[string]any           `json:"parameters"`
	RequestBody map[string]any             `json:"requestBody"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func loadOpenAPI(t *testing.T) openAPIDocument {
	t.Helper()
	var doc openAPIDocument
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc
}

func TestOpenAPIShape(t *testing.T) {
	doc := loadOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	if doc.Info.Title == "" || doc.Info.Version == "" {
		t.Errorf("info.title and info.version are required")
	}
	if len(doc.Paths) == 0 {
		t.Fatalf("no paths")
	}
	b, ok := doc.Components.SecuritySchemes["bearer"]
	if !ok || b.Type != "http" || b.Scheme != "bearer" {
		t.Errorf("components.securitySchemes.bearer = %+v, want type http scheme bearer", b)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearer"] == nil {
		t.Errorf("top-level security must require bearer, got %v", doc.Security)
	}
	if _, ok := doc.Components.Schemas["Problem"]; !ok {
		t.Errorf("components.schemas.Problem is missing")
	}
	// Every $ref points at something that exists.
	refs := regexp.MustCompile(`"\$ref":\s*"#/components/(\w+)/(\w+)"`).FindAllStringSubmatch(string(openAPIDoc), -1)
	if len(refs) == 0 {
		t.Fatalf("no $ref found")
	}
	for _, m := range refs {
		var set map[string]json.RawMessage
		switch m[1] {
		case "schemas":
			set = doc.Components.Schemas
		case "responses":
			set = doc.Components.Responses
		case "parameters":
			set = doc.Components.Parameters
		}
		if _, ok := set[m[2]]; !ok {
			t.Errorf("dangling $ref #/components/%s/%s", m[1], m[2])
		}
	}
	// Every error response is problem+json.
	for name, raw := range doc.Components.Responses {
		if !strings.Contains(string(raw), `"application/problem+json"`) {
			t.Errorf("components.responses.%s is not application/problem+json", name)
		}
	}
}

// TestOpenAPIMatchesRoutes checks the document against the route table that
// registers the handlers: every route is documented with its operationId,
// and every documented operation is registered.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	type key struct{ method, path string }
	documented := map[key]openAPIOperation{}
	for path, item := range doc.Paths {
		var pathParams []map[string]any
		if raw, ok := item["parameters"]; ok {
			if err := json.Unmarshal(raw, &pathParams); err != nil {
				t.Fatalf("%s parameters: %v", path, err)
			}
		}
		for m, raw := range item {
			if !slices.Contains(httpMethods, m) {
				continue
			}
			var op openAPIOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", m, path, err)
			}
			documented[key{strings.ToUpper(m), path}] = op
			checkOperation(t, doc, strings.ToUpper(m)+" "+path, path, append(slices.Clone(pathParams), op.Parameters...), op)
		}
	}
	registered := map[key]bool{}
	ids := map[string]bool{}
	for _, rt := range routes {
		k := key{rt.Method, rt.Path}
		registered[k] = true
		if ids[rt.OperationID] {
			t.Errorf("operationId %s used twice", rt.OperationID)
		}
		ids[rt.OperationID] = true
		op, ok := documented[k]
		if !ok {
			t.Errorf("route %s %s is not in openapi.json", rt.Method, rt.Path)
			continue
		}
		if op.OperationID != rt.OperationID {
			t.Errorf("%s %s: operationId %q in openapi.json, %q in the route table", rt.Method, rt.Path, op.OperationID, rt.OperationID)
		}
		public := op.Security != nil && len(*op.Security) == 0
		if public != rt.Public {
			t.Errorf("%s %s: public in openapi.json = %v, in the route table = %v", rt.Method, rt.Path, public, rt.Public)
		}
	}
	for k := range documented {
		if !registered[k] {
			t.Errorf("openapi.json documents %s %s, which is not a route", k.method, k.path)
		}
	}
	// And the handler really serves each route: a request without a token is
	// answered by the route (401 or 200), never 404 or 405.
	h := New(Config{})
	for _, rt := range routes {
		path := strings.ReplaceAll(rt.Path, "{id}", "1")
		req := httptest.NewRequest(rt.Method, path, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		want := http.StatusUnauthorized
		if rt.Public {
			want = http.StatusOK
		}
		if rec.Code != want {
			t.Errorf("%s %s without a token = %d, want %d", rt.Method, path, rec.Code, want)
		}
	}
}

func checkOperation(t *testing.T, doc openAPIDocument, name, path string, params []map[string]any, op openAPIOperation) {
	t.Helper()
	if op.OperationID == "" {
		t.Errorf("%s: no operationId", name)
	}
	// Resolve parameter references and check each {name} in the path is declared.
	declared := map[string]bool{}
	for _, p := range params {
		if ref, ok := p["$ref"].(string); ok {
			var rp map[string]any
			_ = json.Unmarshal(doc.Components.Parameters[strings.TrimPrefix(ref, "#/components/parameters/")], &rp)
			p = rp
		}
		if p["in"] == "path" {
			declared[p["name"].(string)] = true
			if p["required"] != true {
				t.Errorf("%s: path parameter %v must be required", name, p["name"])
			}
		}
	}
	for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(path, -1) {
		if !declared[m[1]] {
			t.Errorf("%s: path parameter %s is not declared", name, m[1])
		}
	}
	ok2xx := false
	for code := range op.Responses {
		if strings.HasPrefix(code, "2") {
			ok2xx = true
		}
	}
	if !ok2xx {
		t.Errorf("%s: no 2xx response", name)
	}
	public := op.Security != nil && len(*op.Security) == 0
	if !public {
		if _, ok := op.Responses["401"]; !ok {
			t.Errorf("%s: a protected operation must document 401", name)
		}
	}
	if strings.HasPrefix(name, "POST") || strings.HasPrefix(name, "PATCH") {
		if op.RequestBody == nil {
			t.Errorf("%s: no requestBody", name)
		}
		for _, code := range []string{"400", "413", "415", "422"} {
			if _, ok := op.Responses[code]; !ok {
				t.Errorf("%s: a body-taking operation must document %s", name, code)
			}
		}
	}
}

// TestOpenAPIRequestBodies checks each documented request schema lists
// exactly the JSON fields its Go request type accepts (unknown fields are
// rejected, so a missing or extra one would mislead clients).
func TestOpenAPIRequestBodies(t *testing.T) {
	d := loadDocSchemas(t)
	cases := []struct {
		schema string
		typ    any
	}{
		{"NewTicket", createTicketRequest{}},
		{"TicketUpdate", updateTicketRequest{}},
		{"NewMessage", addMessageRequest{}},
		{"NewMailbox", createMailboxRequest{}},
		{"MailboxUpdate", updateMailboxRequest{}},
		{"NewChatChannel", createChatChannelRequest{}},
		{"ChatChannelUpdate", updateChatChannelRequest{}},
		{"IdentitySecretRotation", rotateIdentitySecretRequest{}},
		{"NewCannedResponse", createCannedRequest{}},
		{"CannedResponseUpdate", updateCannedRequest{}},
	}
	for _, c := range cases {
		s := d.resolve(map[string]any{"$ref": "#/components/schemas/" + c.schema})
		var documented []string
		for k := range s["properties"].(map[string]any) {
			documented = append(documented, k)
		}
		slices.Sort(documented)
		var accepted []string
		rt := reflect.TypeOf(c.typ)
		for i := range rt.NumField() {
			if tag, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ","); tag != "" && tag != "-" {
				accepted = append(accepted, tag)
			}
		}
		slices.Sort(accepted)
		if !slices.Equal(documented, accepted) {
			t.Errorf("%s: documented %v, accepted %v", c.schema, documented, accepted)
		}
		if s["additionalProperties"] != false {
			t.Errorf("%s: additionalProperties must be false (unknown fields are rejected)", c.schema)
		}
	}
}
