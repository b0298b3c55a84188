package web

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"embed"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"switchboard/internal/desk"
	"switchboard/internal/i18n"
)

//go:embed templates/*.html
var templateFS embed.FS

// templateSet is every template parsed with one locale's functions.
type templateSet struct{ t *template.Template }

// pageData is the data every template gets: who is signed in, the CSRF
// token, the locale, and the page's own data in D.
type pageData struct {
	Title string
	Me    desk.Actor
	CSRF  string
	Lang  string
	Path  string
	Nav   string // the top navigation entry to mark current
	// CSS and JS are the page's own static files beyond app.css and
	// app.js, so a page's extra weight stays off the inbox.
	CSS, JS []string
	// Chat is the agent's chat status, ringing chats and chat count for
	// the top bar (nil without live chat, and for htmx requests, which
	// get no top bar).
	Chat *chatBar
	D    any
}

func (a *app) pageData(r *http.Request, rq *request, title string, d any) pageData {
	p := pageData{Title: title, Me: rq.actor, CSRF: rq.sess.CSRF, Lang: rq.loc.Locale,
		Path: r.URL.Path, Nav: "inbox", D: d}
	switch path := r.URL.Path; {
	case path == "/login":
		p.CSS = []string{"pages.css"}
	case strings.HasPrefix(path, "/admin"):
		p.Nav, p.CSS, p.JS = "admin", []string{"pages.css", "admin.css"}, []string{"admin.js"}
	case strings.HasPrefix(path, "/contacts/"):
		p.CSS = []string{"pages.css"}
	case strings.HasPrefix(path, "/chats"):
		p.Nav, p.CSS, p.JS = "chats", []string{"chat.css"}, []string{"chat.js"}
	case strings.HasPrefix(path, "/visitors"):
		p.Nav, p.CSS, p.JS = "visitors", []string{"pages.css", "chat.css"}, []string{"chat.js"}
	}
	// A page's top bar carries the chat bar; htmx fragments have none
	// (a history restore is a whole page again).
	if rq.signedIn() && (!rq.htmx || r.Header.Get("HX-History-Restore-Request") == "true") {
		p.Chat = a.chatBar(r, rq, p.Nav == "chats")
	}
	return p
}

// parseTemplates parses the templates once per shipped locale, so {{t}}
// needs no per-request cloning.
func (a *app) parseTemplates() (map[string]*templateSet, error) {
	out := map[string]*templateSet{}
	for _, locale := range a.cat.Locales() {
		t, err := template.New("").Funcs(a.funcs(a.cat.For(locale))).ParseFS(templateFS, "templates/*.html")
		if err != nil {
			return nil, fmt.Errorf("web: parse templates: %w", err)
		}
		out[locale] = &templateSet{t: t}
	}
	return out, nil
}

func (a *app) funcs(l *i18n.Localizer) template.FuncMap {
	return template.FuncMap{
		"t":  l.T,
		"tn": l.N,
		"ago": func(v any) string {
			switch t := v.(type) {
			case time.Time:
				if t.IsZero() {
					return ""
				}
				return l.Ago(t, a.cfg.Clock.Now())
			case *time.Time:
				if t == nil {
					return ""
				}
				return l.Ago(*t, a.cfg.Clock.Now())
			}
			return ""
		},
		"datetime": func(v any) string {
			switch t := v.(type) {
			case time.Time:
				return l.DateTime(t)
			case *time.Time:
				if t != nil {
					return l.DateTime(*t)
				}
			}
			return ""
		},
		"date":     l.Date,
		"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"asset":    func(name string) string { return a.static.url(name) },
		"initials": initials,
		"avatar":   func(id int64) string { return fmt.Sprintf("av%d", id%8) },
		// messageHTML marks the service's sanitized HTML of a message as
		// safe. It is the only place HTML from data reaches a page.
		"messageHTML": func(m desk.Message) template.HTML { return template.HTML(inlineImages(m)) },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"hasID": func(ids []int64, id int64) bool { return slices.Contains(ids, id) },
		"join":  strings.Join,
		// clip shortens a text to n characters for a one-line preview
		// (CSS cuts it shorter still; this keeps the page light).
		"clip": func(s string, n int) string {
			if r := []rune(s); len(r) > n {
				return string(r[:n]) + "…"
			}
			return s
		},
		// link joins parts into one URL. Use it for a whole href with a
		// query: html/template would query-escape a value placed after "?".
		"link": func(parts ...any) string { return fmt.Sprint(parts...) },
		"size": humanSize,
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"delivery":   deliveryOf,
		"event":      func(ev desk.Event) string { return eventText(l, ev) },
		"statuses":   func() []desk.Status { return desk.Statuses },
		"priorities": func() []desk.Priority { return desk.Priorities },

		// visitor names a chat's visitor (or a visitor), "Visitor 12"
		// before they give a name.
		"visitor": func(v any) string {
			switch x := v.(type) {
			case desk.Chat:
				return visitorLabel(l.T, x.VisitorName, x.VisitorID)
			case desk.ChatVisitor:
				return visitorLabel(l.T, cmp.Or(x.Name, x.Email), x.ID)
			}
			return ""
		},
		"chatStatuses": func() []desk.AgentChatStatus { return chatStatuses },
		"chatEvent":    func(e *desk.ChatEntry) string { return chatEventText(l, e) },
		"oob":          func(v *chatView) *chatView { c := *v; c.OOB = true; return &c },
		"host":         urlHost,
	}
}

// initials returns up to two initials of a name for an avatar.
func initials(name string) string {
	var out []rune
	for f := range strings.FieldsSeq(name) {
		r := []rune(f)
		if len(r) > 0 && unicode.IsLetter(r[0]) {
			out = append(out, unicode.ToUpper(r[0]))
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

func humanSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.0f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}

// render executes the named template into a buffer and writes it with
// the status, so a template error never sends half a page.
func (a *app) render(w http.ResponseWriter, r *http.Request, rq *request, status int, name string, data any) {
	set := a.tpl[rq.loc.Locale]
	if set == nil {
		set = a.tpl[i18n.Fallback]
	}
	var buf bytes.Buffer
	if err := set.t.ExecuteTemplate(&buf, name, data); err != nil {
		a.log.ErrorContext(r.Context(), "web: render", "template", name, "err", err)
		http.Error(w, rq.loc.T("error.internal"), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "HX-Request, Accept-Encoding")
	body := buf.Bytes()
	if len(body) > 1024 && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		var gz bytes.Buffer
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&gz)
		_, _ = zw.Write(body)
		_ = zw.Close()
		gzipWriters.Put(zw)
		h.Set("Content-Encoding", "gzip")
		body = gz.Bytes()
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// gzipWriters reuses compressors for HTML responses.
var gzipWriters = sync.Pool{New: func() any { zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression); return zw }}

// eventText says in words what a timeline entry changed.
func eventText(l *i18n.Localizer, ev desk.Event) string {
	val := func(v string) string {
		switch ev.Action {
		case "status", "priority":
			if v != "" {
				return l.T(ev.Action + "." + v)
			}
		}
		return v
	}
	old, nw := val(ev.Old), val(ev.New)
	switch ev.Action {
	case "status", "priority", "assignee", "team", "tags", "subject", "requester":
		what := l.T("timeline.field." + ev.Action)
		switch {
		case old == "" && nw != "":
			return l.T("timeline.set", "field", what, "new", nw)
		case nw == "" && old != "":
			return l.T("timeline.cleared", "field", what, "old", old)
		}
		return l.T("timeline.changed", "field", what, "old", old, "new", nw)
	case "custom_field":
		return l.T("timeline.changed", "field", ev.Field, "old", old, "new", nw)
	case "chat_missed", "chat_ended":
		if ev.Field == desk.MissedLeft || ev.Field == desk.EndedLeft { // it ended by itself: the visitor left
			return l.T("timeline." + ev.Action + "_left")
		}
	}
	return l.T("timeline."+ev.Action, "field", ev.Field, "old", old, "new", nw)
}

// inlineImages points the cid: images of a message's sanitized HTML at
// the message's own stored parts, so pictures pasted into an email show in
// the thread. A cid: URL is the Content-ID, percent-encoded as much or as
// little as the sender's mail client liked (RFC 2392); one that names no
// part of the message stays as it is and shows nothing.
func inlineImages(m desk.Message) string {
	if !strings.Contains(m.HTML, `src="cid:`) {
		return m.HTML
	}
	byCID := map[string]int64{}
	for _, a := range m.Attachments {
		if a.ContentID != "" {
			byCID[strings.ToLower(a.ContentID)] = a.ID
		}
	}
	return cidSrc.ReplaceAllStringFunc(m.HTML, func(src string) string {
		v := html.UnescapeString(cidSrc.FindStringSubmatch(src)[1])
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
		if id, ok := byCID[strings.ToLower(v)]; ok {
			return fmt.Sprintf(`src="/attachments/%d?inline=1"`, id)
		}
		return src
	})
}

var cidSrc = regexp.MustCompile(`src="cid:([^"]*)"`)

// shortcuts is the keyboard-shortcut sheet, fetched into the layout's
// empty dialog the first time the agent opens it ("?" or the top bar's
// button), so pages do not carry it.
func (a *app) shortcuts(w http.ResponseWriter, r *http.Request, rq *request) error {
	a.render(w, r, rq, http.StatusOK, "shortcuts-body", struct{ Chat bool }{a.cfg.Chat != nil})
	return nil
}
