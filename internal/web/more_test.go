package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestLoadMore pages the list with the cursor.
func TestLoadMore(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		for i := range 30 {
			if _, err := e.tickets.Create(context.Background(), desk.System, desk.NewTicket{Subject: fmt.Sprintf("Bulk question %02d", i), Body: "x",
				Inbound: true, Requester: desk.ContactInput{Email: fmt.Sprintf("b%d@example.com", i)}}); err != nil {
				t.Fatal(err)
			}
		}
		w := e.do(req{method: "GET", path: "/inbox", role: "agent"})
		body := w.Body.String()
		if n := strings.Count(body, `<li class="row`); n != pageSize {
			t.Fatalf("first page: %d rows", n)
		}
		_, after, ok := strings.Cut(body, `hx-get="/inbox/list?view=open&amp;cursor=`)
		if !ok {
			t.Fatal("no load more button")
		}
		cursor, _, _ := strings.Cut(after, `"`)
		w = e.do(req{method: "GET", path: "/inbox/list?view=open&cursor=" + url.QueryEscape(cursor), role: "agent", htmx: true})
		more := w.Body.String()
		if n := strings.Count(more, `<li class="row`); n != 33-pageSize || strings.Contains(more, "Load more") || strings.Contains(more, `id="list"`) {
			t.Errorf("second page: %d rows\n%.300s", n, more)
		}
		for _, s := range []string{"Refund for order 1042", "Cannot log in"} { // the oldest
			if !strings.Contains(more, s) {
				t.Errorf("second page lacks %q", s)
			}
		}
	})
}

// TestAttachments uploads a file with a reply and downloads it.
func TestAttachments(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("csrf", e.sess["agent"].CSRF)
		_ = mw.WriteField("body", "Here is the label.")
		fw, _ := mw.CreateFormFile("files", "label <1>.html")
		_, _ = fw.Write([]byte("<script>alert(1)</script>"))
		_ = mw.Close()
		r := httptest.NewRequest("POST", fmt.Sprintf("/tickets/%d/messages", e.t1.ID), &buf)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: e.sess["agent"].Token})
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code != 303 {
			t.Fatalf("upload: %d %s", w.Code, w.Body.String())
		}
		page := e.do(req{method: "GET", path: fmt.Sprintf("/tickets/%d", e.t1.ID), role: "agent"}).Body.String()
		_, after, ok := strings.Cut(page, `class="chip" href="/attachments/`)
		if !ok || !strings.Contains(page, "label &lt;1&gt;.html") {
			t.Fatalf("no attachment chip")
		}
		id, _, _ := strings.Cut(after, `"`)
		dl := e.do(req{method: "GET", path: "/attachments/" + id, role: "agent"})
		if dl.Code != 200 || dl.Body.String() != "<script>alert(1)</script>" {
			t.Fatalf("download: %d %q", dl.Code, dl.Body.String())
		}
		h := dl.Header()
		if !strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") || h.Get("Content-Type") != "application/octet-stream" ||
			!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("download headers: %v", h)
		}
		if w := e.do(req{method: "GET", path: "/attachments/999999", role: "agent"}); w.Code != 404 {
			t.Errorf("missing attachment: %d", w.Code)
		}
	})
}

// TestAdminScenarios covers the admin screens' answers, errors included.
func TestAdminScenarios(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		post := func(path string, form url.Values) req {
			return req{method: "POST", path: path, role: "admin", form: form}
		}
		e.run(t, []scenario{
			{name: "agents page", req: req{method: "GET", path: "/admin/agents", role: "admin"}, status: 200, contains: []string{"Ana Admin", "bo@example.com", "Add agent"}},
			{name: "short password", req: post("/admin/agents", url.Values{"name": {"Cy"}, "email": {"cy@example.com"}, "role": {"agent"}, "password": {"short"}}), status: 422},
			{name: "duplicate email", req: post("/admin/agents", url.Values{"name": {"Bo 2"}, "email": {"bo@example.com"}, "role": {"agent"}}), status: 409},
			{name: "create", req: post("/admin/agents", url.Values{"name": {"Cy New"}, "email": {"cy@example.com"}, "role": {"agent"}, "password": {testPassword}, "teams": {fmt.Sprint(e.teamID)}}), status: 303},
			{name: "listed", req: req{method: "GET", path: "/admin/agents", role: "admin"}, status: 200, contains: []string{"Cy New"}},
			{name: "last admin stays", req: post(fmt.Sprintf("/admin/agents/%d", e.admin.ID), url.Values{"role": {"agent"}}), status: 0},
			{name: "deactivate", req: post(fmt.Sprintf("/admin/agents/%d", e.agent.ID), url.Values{"active": {"0"}}), status: 303},
			{name: "deactivated shown", req: req{method: "GET", path: "/admin/agents", role: "admin"}, status: 200, contains: []string{`class="inactive"`}},
			{name: "deactivated agent is signed out", req: req{method: "GET", path: "/inbox", role: "agent"}, status: 303},
			{name: "team empty name", req: post("/admin/teams", url.Values{"name": {""}}), status: 422},
			{name: "team create", req: post("/admin/teams", url.Values{"name": {"VIP"}, "members": {fmt.Sprint(e.admin.ID)}}), status: 303},
			{name: "teams page", req: req{method: "GET", path: "/admin/teams", role: "admin"}, status: 200, contains: []string{`value="VIP"`, `value="Billing"`}},
			{name: "token without agent", req: post("/admin/tokens", url.Values{"name": {"x"}}), status: 422},
			{name: "token create shows secret once", req: post("/admin/tokens", url.Values{"agent": {fmt.Sprint(e.admin.ID)}, "name": {"Zapier"}}), status: 201,
				contains: []string{"Copy it now", `id="secret"`, "Zapier"}},
			{name: "token list hides secret", req: req{method: "GET", path: "/admin/tokens", role: "admin"}, status: 200, contains: []string{"Zapier", "never"}, absent: []string{`id="secret"`}},
		})
	})
}

// TestSecurityHeaders checks every kind of response carries them.
func TestSecurityHeaders(t *testing.T) {
	a := fixtureApp(t)
	h := a.handler()
	for _, path := range []string{"/login", "/static/app.js", "/nope"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if w.Header().Get("X-Frame-Options") != "DENY" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", path, w.Header())
		}
	}
	// No inline script anywhere in the templates (CSP would block it).
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/login", nil))
	b, _ := io.ReadAll(w.Body)
	if strings.Contains(string(b), "<script>") || strings.Contains(string(b), " onclick=") || strings.Contains(string(b), "style=") {
		t.Error("inline script or style on the sign-in page")
	}
}
