package widget

import (
	"bytes"
	"html/template"
	"net/http"
	"time"

	"switchboard/internal/desk"
)

// demoCSP is the demo page's Content-Security-Policy: its own stylesheet
// and the widget's script from this origin, the widget's requests,
// WebSocket and pictures to this origin, nothing else.
const demoCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

var demoTemplate = template.Must(template.ParseFS(static, "static/demo.html"))

// demo serves /chat/demo: a plain sample shop page that embeds the widget
// of the channel ?key= names, else of the first active channel, so
// `serve --demo` shows the widget on Switchboard's own origin.
func (h *handler) demo(w http.ResponseWriter, r *http.Request) {
	var data struct {
		Key, Name string
	}
	status := http.StatusOK
	if key := r.URL.Query().Get("key"); key != "" {
		if ch, err := h.cfg.Chat.PublicChannel(r.Context(), key); err == nil {
			data.Key, data.Name = ch.PublicKey, ch.Name
		}
	} else if all, err := h.cfg.Chat.Channels(r.Context(), desk.System); err == nil {
		for _, ch := range all {
			if ch.Active {
				data.Key, data.Name = ch.PublicKey, ch.Name
				break
			}
		}
	}
	if data.Key == "" {
		status = http.StatusNotFound
	}
	var b bytes.Buffer
	if err := demoTemplate.Execute(&b, data); err != nil {
		h.problem(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", demoCSP)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// demoStyle serves the demo page's stylesheet.
func (h *handler) demoStyle(w http.ResponseWriter, r *http.Request) {
	b, err := static.ReadFile("static/demo.css")
	if err != nil {
		h.problem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "demo.css", time.Time{}, bytes.NewReader(b))
}
