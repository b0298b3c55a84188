package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestContactEdit edits a customer from the contact page against both
// databases: the page and the ticket side panel show the new data, and
// refused changes say why.
func TestContactEdit(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		globex, err := e.app.cfg.Contacts.CreateCompany(context.Background(), desk.System, "Globex", "globex.example")
		if err != nil {
			t.Fatal(err)
		}
		cid := fmt.Sprint(e.t1.Requester.ID)
		cpath, tpath := "/contacts/"+cid, fmt.Sprintf("/tickets/%d", e.t1.ID)
		get := func(path string) req { return req{method: "GET", path: path, role: "agent"} }
		post := func(form url.Values) req {
			return req{method: "POST", path: cpath, role: "agent", form: form, htmx: true}
		}
		e.run(t, []scenario{
			{name: "edit form on the page", req: get(cpath), status: 200,
				contains: []string{`<summary>Edit</summary>`, `hx-post="` + cpath + `"`, `name="csrf"`, `name="emails"`, `name="company_new"`, `<option value="` + fmt.Sprint(globex.ID) + `">Globex</option>`}},
			{name: "edit name, emails, phones", req: post(url.Values{"name": {"  Cleo Cust "}, "emails": {"Cleo.Work@Example.com\r\n\r\ncleo@example.com\n"}, "phones": {"+385 1 234 567\n\n+385 91 555 0101"}}), status: 200,
				contains: []string{"Contact saved.", `id="contact-card"`, `hx-swap-oob="true"`, "Cleo Cust", "cleo.work@example.com", "&#43;385 91 555 0101"}, absent: []string{"<html"}},
			{name: "page shows the edit", req: get(cpath), status: 200,
				contains: []string{"Cleo Cust", `<dd><a href="mailto:cleo.work@example.com">cleo.work@example.com</a></dd><dd><a href="mailto:cleo@example.com">`, "&#43;385 1 234 567", "&#43;385 91 555 0101"}},
			{name: "ticket side shows the edit", req: get(tpath), status: 200,
				contains: []string{"Cleo Cust", "cleo.work@example.com", "&#43;385 91 555 0101"}},
			{name: "set company", req: post(url.Values{"company": {fmt.Sprint(globex.ID)}}), status: 200,
				contains: []string{"<dd>Globex · globex.example</dd>", `<option value="` + fmt.Sprint(globex.ID) + `" selected>Globex</option>`}},
			{name: "ticket side shows company", req: get(tpath), status: 200, contains: []string{"<dd>Globex</dd>"}},
			{name: "create company inline", req: post(url.Values{"company": {"new"}, "company_new": {" Acme Ltd "}}), status: 200,
				contains: []string{"<dd>Acme Ltd</dd>", `selected>Acme Ltd</option>`}},
			{name: "same name reuses the company", req: post(url.Values{"company": {"new"}, "company_new": {"acme ltd"}}), status: 200,
				contains: []string{"<dd>Acme Ltd</dd>"}, absent: []string{"acme ltd"}},
			{name: "ticket side shows new company", req: get(tpath), status: 200, contains: []string{"<dd>Acme Ltd</dd>"}},
			{name: "clear company", req: post(url.Values{"company": {""}}), status: 200,
				absent: []string{"<dd>Acme Ltd</dd>", "<dd>Globex"}},
			{name: "ticket side without company", req: get(tpath), status: 200, absent: []string{"<dd>Acme Ltd</dd>", "<dd>Globex</dd>"}},
			{name: "new company needs a name", req: post(url.Values{"company": {"new"}, "company_new": {" "}}), status: 422,
				contains: []string{`class="toast error"`, "Type the new company&#39;s name."}},
			{name: "invalid email", req: post(url.Values{"emails": {"cleo@example.com\nnot an email"}, "company_new": {"Initech"}}), status: 422,
				contains: []string{`class="toast error"`, "Please check the email addresses.", "Email: invalid address not an email"},
				headers:  map[string]string{"HX-Retarget": "#toasts"}},
			{name: "no company left behind", req: get(cpath), status: 200, contains: []string{"cleo.work@example.com"}, absent: []string{"Initech"}},
			{name: "no email at all", req: post(url.Values{"emails": {"\n \n"}}), status: 422, contains: []string{"A contact needs an email address."}},
			{name: "email of another contact", req: post(url.Values{"emails": {"cleo@example.com\nDAN@example.com"}}), status: 409,
				contains: []string{"That email address belongs to another contact.", "Email: already in use"}},
			{name: "full page error", req: req{method: "POST", path: cpath, role: "agent", form: url.Values{"emails": {"nope"}}}, status: 422,
				contains: []string{"<html", "Please check the email addresses.", "<strong>Email</strong>: invalid address nope"}},
			{name: "unknown company", req: post(url.Values{"company": {"999999"}}), status: 422, contains: []string{"No such company."}},
			{name: "bad company id", req: post(url.Values{"company": {"abc"}}), status: 422},
			{name: "full page fallback", req: req{method: "POST", path: cpath, role: "admin", form: url.Values{"name": {"Cleo Admin-Edited"}}}, status: 303,
				headers: map[string]string{"Location": cpath}},
			{name: "admin edit shows", req: get(cpath), status: 200, contains: []string{"Cleo Admin-Edited", "cleo.work@example.com"}},
			{name: "missing contact", req: req{method: "POST", path: "/contacts/999999", role: "agent", form: url.Values{"name": {"X"}}}, status: 404},
			{name: "no CSRF", req: req{method: "POST", path: cpath, role: "agent", form: url.Values{"name": {"Hacked"}}, noCSRF: true}, status: 403},
			{name: "anonymous", req: req{method: "POST", path: cpath, form: url.Values{"name": {"Hacked"}}}, status: 303,
				headers: map[string]string{"Location": "/login"}},
			{name: "anonymous htmx", req: req{method: "POST", path: cpath, form: url.Values{"name": {"Hacked"}}, htmx: true}, status: 401,
				headers: map[string]string{"HX-Redirect": "/login"}},
			{name: "refused edits changed nothing", req: get(cpath), status: 200, absent: []string{"Hacked"}},
		})
	})
}

// TestContactEditBrowser edits a customer in headless Chromium: a refused
// address shows its field message, a good edit updates the card in place.
func TestContactEditBrowser(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, storetest.NewSQLite(t))
	srv := httptest.NewServer(e.h)
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	shot := shooter(t)
	login(t, ctx, srv.URL, "bo@example.com")
	step(t, ctx, "open edit", chromedp.Navigate(fmt.Sprintf("%s/contacts/%d", srv.URL, e.t1.Requester.ID)),
		chromedp.WaitVisible(chromedp.CSS(".contact-edit summary")), chromedp.Click(chromedp.CSS(".contact-edit summary")),
		chromedp.WaitVisible(chromedp.ID("ce-emails")))
	step(t, ctx, "bad address", chromedp.SendKeys(chromedp.ID("ce-emails"), "\nnot an email"),
		chromedp.Click(chromedp.CSS(".contact-edit button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(".toast.error")))
	toast, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.toast.error').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(toast, "Email: invalid address not an email") {
		t.Errorf("error toast %q lacks the field message", toast)
	}
	shot(ctx, "x-contact-edit-error")
	step(t, ctx, "good edit", chromedp.SetValue(chromedp.ID("ce-emails"), "cleo@example.com\ncleo.work@example.com"),
		chromedp.SetValue(chromedp.ID("ce-phones"), "+385 91 555 0101"), chromedp.SendKeys(chromedp.ID("ce-company-new"), "Acme Ltd"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('.toast.error').remove()`), // it may cover the button
		chromedp.Click(chromedp.CSS(".contact-edit button[type=submit]")))
	waitJS(t, ctx, "saved", `document.getElementById('contact-card').textContent.includes('Acme Ltd')`)
	card, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('contact-card').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"cleo.work@example.com", "+385 91 555 0101", "Acme Ltd"} {
		if !strings.Contains(card, s) {
			t.Errorf("card after save lacks %q: %q", s, card)
		}
	}
	step(t, ctx, "reopen", chromedp.Click(chromedp.CSS(".contact-edit summary")), chromedp.WaitVisible(chromedp.ID("ce-emails")))
	shot(ctx, "x-contact-edit")
}
