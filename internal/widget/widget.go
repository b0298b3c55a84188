// Package widget is the HTTP side of the live-chat widget that sites embed
// with one <script> tag: the script itself, the visitor's session, the
// live connection (WebSocket, with Server-Sent Events and long polling as
// fallbacks where WebSockets are blocked), commands, uploads and files.
//
// Every route but the script is under /chat/{key}/, key being the chat
// channel's public key. A page's Origin must be one the channel allows
// (or Switchboard's own, for its demo page); answers carry CORS headers
// for that origin only. The visitor is identified by a token the session
// route signs (chat.Service.Connect), sent in the X-Chat-Token header or,
// where a browser cannot set headers (WebSocket, EventSource, file
// links), in the token query parameter.
//
// The wire format is JSON frames (chat.Frame) from the server and
// commands from the widget:
//
//	{"t":"start","cid","text","name","email"}  open a chat (pre-chat form and first message)
//	{"t":"msg","cid","text"}                    a message; answered by an ack with its seq
//	{"t":"typing","on":true}                    the visitor types (or stopped)
//	{"t":"seen","seq":12}                       the visitor read up to entry 12
//	{"t":"rate","score":5,"comment":"..."}      rate the chat 1..5
//	{"t":"transcript","email":"..."}            email me the transcript
//	{"t":"end"}                                 end the chat
//	{"t":"email","email":"..."}                 answer me by email (a missed chat without one)
//	{"t":"offline","name","email","text"}       leave a message (no agent online)
//	{"t":"ping"}                                keep-alive; answered by pong
//
// A connection says which chat it shows and the last entry it has
// (?chat=&after=); it first gets a hello frame and every entry after that
// one, then live frames. Entries carry consecutive seq numbers, so a
// widget that reconnects loses nothing and shows nothing twice, and a
// message resent with the same cid is stored once.
//
// Errors are an error frame or a problem+json body, both with a code and,
// for input, fields. A file refused for its size or type names why in
// fields.file (chat.FileTooLarge, FileTypeNotAllowed, FileContentWrong);
// the widget says that in the visitor's language, not the English detail.
package widget

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/httperr"
	"switchboard/internal/httpx"
	"switchboard/internal/i18n"
)

// Config is what the widget's handler needs.
type Config struct {
	Chat      *chat.Service
	Hub       *chat.Hub
	Catalogue *i18n.Catalogue
	// BaseURL is Switchboard's public URL: its origin may always use the
	// widget (the demo page).
	BaseURL string
	Logger  *slog.Logger
	// Context, when done, ends every live connection (graceful shutdown).
	Context context.Context
}

//go:embed static
var static embed.FS

// Limits per visitor and per IP.
const (
	maxCommand  = 64 << 10 // bytes in one command
	pollWait    = 25 * time.Second
	pingEvery   = 25 * time.Second
	writeWait   = 10 * time.Second
	maxFileForm = chat.MaxUploadLimit + 1<<20
)

type handler struct {
	cfg      Config
	log      *slog.Logger
	mux      *http.ServeMux
	self     string  // our own origin
	sessions *bucket // per IP
	messages *bucket // per visitor
	uploads  *bucket // per visitor
	typing   *bucket // per visitor
	conns    *bucket // per IP
}

// New returns the handler of /chat/.
func New(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	h := &handler{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(),
		sessions: newBucket(60, 30), messages: newBucket(40, 15), uploads: newBucket(10, 5),
		typing: newBucket(120, 20), conns: newBucket(120, 60)}
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Host != "" {
		h.self = strings.ToLower(u.Scheme + "://" + u.Host)
	}
	h.mux.HandleFunc("GET /chat/widget.js", h.script)
	h.mux.HandleFunc("GET /chat/demo", h.demo)
	h.mux.HandleFunc("GET /chat/demo.css", h.demoStyle)
	h.mux.HandleFunc("OPTIONS /chat/{key}/{what}", h.preflight)
	h.mux.HandleFunc("POST /chat/{key}/session", h.session)
	h.mux.HandleFunc("GET /chat/{key}/ws", h.websocket)
	h.mux.HandleFunc("GET /chat/{key}/events", h.sse)
	h.mux.HandleFunc("GET /chat/{key}/poll", h.poll)
	h.mux.HandleFunc("POST /chat/{key}/send", h.send)
	h.mux.HandleFunc("POST /chat/{key}/upload", h.upload)
	h.mux.HandleFunc("GET /chat/{key}/files/{id}", h.file)
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *handler) script(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin") // sites with COEP may load it
	b, err := static.ReadFile("static/widget.js")
	if err != nil {
		h.problem(w, r, desk.Errorf(desk.ENotFound, "The widget script is missing from this build."))
		return
	}
	http.ServeContent(w, r, "widget.js", time.Time{}, strings.NewReader(string(b)))
}

// problem writes an error as application/problem+json (with CORS headers
// already set by the caller when the origin is allowed).
func (h *handler) problem(w http.ResponseWriter, r *http.Request, err error) {
	code := desk.ErrorCode(err)
	status := httperr.Status(code)
	msg := "Something went wrong; please try again."
	var de *desk.Error
	var fields map[string]string
	if errors.As(err, &de) && code != desk.EInternal {
		msg, fields = de.Message, de.Fields
	}
	if status >= 500 {
		h.log.Error("chat widget request failed", "path", r.URL.Path, "err", err)
	} else {
		h.log.Info("chat widget request refused", "path", r.URL.Path, "status", status, "code", code, "msg", msg)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": http.StatusText(status),
		"status": status, "detail": msg, "code": code, "fields": fields})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// originOK checks the request's Origin against the channel (or our own
// origin) and sets the CORS headers for it. A page of Switchboard's own
// (the demo page) may use every channel: browsers send no Origin with its
// same-origin GETs (EventSource, long poll), but mark every request it
// makes with Sec-Fetch-Site, which a page cannot set.
func (h *handler) originOK(w http.ResponseWriter, r *http.Request, ch desk.ChatChannel) bool {
	origin := r.Header.Get("Origin")
	own := r.Header.Get("Sec-Fetch-Site") == "same-origin"
	if origin == "" {
		return own
	}
	if !own && !chat.OriginAllowed(ch, origin) && (h.self == "" || !strings.EqualFold(origin, h.self)) {
		return false
	}
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", origin)
	hd.Add("Vary", "Origin")
	hd.Set("Access-Control-Allow-Headers", "Content-Type, X-Chat-Token")
	hd.Set("Access-Control-Allow-Methods", "GET, POST")
	hd.Set("Access-Control-Max-Age", "600")
	return true
}

var errOrigin = desk.Errorf(desk.EForbidden, "This site may not use this chat.")

// channel returns the channel of the request's key after checking the
// origin.
func (h *handler) channel(w http.ResponseWriter, r *http.Request) (desk.ChatChannel, bool) {
	ch, err := h.cfg.Chat.PublicChannel(r.Context(), r.PathValue("key"))
	if err != nil {
		h.problem(w, r, err)
		return ch, false
	}
	if !h.originOK(w, r, ch) {
		h.problem(w, r, errOrigin)
		return ch, false
	}
	return ch, true
}

// visitor authenticates the request's token (header, else query) after
// checking the origin.
func (h *handler) visitor(w http.ResponseWriter, r *http.Request) (desk.ChatChannel, chat.Visitor, bool) {
	ch, ok := h.channel(w, r)
	if !ok {
		return ch, chat.Visitor{}, false
	}
	tok := r.Header.Get("X-Chat-Token")
	if tok == "" {
		tok = r.URL.Query().Get("token")
	}
	_, v, err := h.cfg.Chat.Authenticate(r.Context(), ch.PublicKey, tok)
	if err != nil {
		h.problem(w, r, err)
		return ch, v, false
	}
	return ch, v, true
}

func (h *handler) preflight(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.channel(w, r); !ok {
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

var errRate = desk.Errorf(desk.ERateLimited, "Too many requests; please wait a moment.")

// sessionRequest is the widget's hello on page load.
type sessionRequest struct {
	Token    string         `json:"token"`
	Identity *chat.Identity `json:"identity"`
	URL      string         `json:"url"`
	Title    string         `json:"title"`
	Referrer string         `json:"referrer"`
	Language string         `json:"lang"`
	TimeZone string         `json:"tz"`
}

// sessionResponse is what the widget needs to show itself.
type sessionResponse struct {
	Token   string            `json:"token"`
	Visitor wireVisitor       `json:"visitor"`
	Chat    *chat.WireChat    `json:"chat"`
	Online  bool              `json:"online"`
	Config  wireConfig        `json:"config"`
	Lang    string            `json:"lang"`
	Strings map[string]string `json:"strings"`
}

type wireVisitor struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	Visits int    `json:"visits"`
}

type wireConfig struct {
	Name        string           `json:"name"`
	Color       string           `json:"color"`
	Greeting    string           `json:"greeting"`
	Position    string           `json:"position"`
	Prechat     desk.Prechat     `json:"prechat"`
	MaxUpload   int64            `json:"max_upload"`
	Invitations []wireInvitation `json:"invitations"`
}

type wireInvitation struct {
	URLPattern string `json:"url_pattern"`
	MinSeconds int    `json:"min_seconds"`
	MinVisits  int    `json:"min_visits"`
	Greeting   string `json:"greeting"`
}

func (h *handler) session(w http.ResponseWriter, r *http.Request) {
	ch, ok := h.channel(w, r)
	if !ok {
		return
	}
	if !h.sessions.allow(httpx.ClientIP(r), time.Now()) {
		h.problem(w, r, errRate)
		return
	}
	var in sessionRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxCommand)).Decode(&in); err != nil {
		h.problem(w, r, desk.Errorf(desk.EInvalid, "The request is not valid JSON."))
		return
	}
	wel, err := h.cfg.Chat.Connect(r.Context(), ch.PublicKey, chat.Hello{Token: in.Token, Identity: in.Identity,
		URL: in.URL, Title: in.Title, Referrer: in.Referrer, Language: in.Language, TimeZone: in.TimeZone,
		UserAgent: r.UserAgent()})
	if err != nil {
		h.problem(w, r, err)
		return
	}
	lang := h.language(wel.Channel, in.Language, r.Header.Get("Accept-Language"))
	out := sessionResponse{Token: wel.Token, Chat: chat.Wire(wel.Chat), Online: wel.Online, Lang: lang,
		Visitor: wireVisitor{ID: wel.Visitor.ID, Name: wel.Visitor.Name, Email: wel.Visitor.Email, Visits: wel.Visitor.Visits},
		Config: wireConfig{Name: wel.Channel.Name, Color: wel.Channel.Color, Greeting: wel.Channel.Greeting,
			Position: wel.Channel.Position, Prechat: wel.Channel.Prechat, MaxUpload: wel.Channel.MaxUpload,
			Invitations: []wireInvitation{}},
		Strings: h.strings(lang)}
	for _, v := range wel.Invitations {
		out.Config.Invitations = append(out.Config.Invitations, wireInvitation{URLPattern: v.URLPattern,
			MinSeconds: v.MinSeconds, MinVisits: v.MinVisits, Greeting: v.Greeting})
	}
	writeJSON(w, http.StatusOK, out)
}

// language picks the widget's language: the visitor's browser language
// (navigator.language, then Accept-Language) among those the channel
// offers, else the channel's first, else English.
func (h *handler) language(ch desk.ChatChannel, browser, accept string) string {
	offered := ch.Languages
	if len(offered) == 0 {
		offered = chat.Languages
	}
	pick := func(tag string) string {
		tag = strings.ToLower(strings.TrimSpace(tag))
		base, _, _ := strings.Cut(tag, "-")
		for _, l := range offered {
			if l == base {
				return l
			}
		}
		return ""
	}
	if l := pick(browser); l != "" {
		return l
	}
	if h.cfg.Catalogue != nil {
		if l := pick(h.cfg.Catalogue.Match(accept)); l != "" && accept != "" {
			return l
		}
	}
	for _, part := range strings.Split(accept, ",") {
		tag, _, _ := strings.Cut(part, ";")
		if l := pick(tag); l != "" {
			return l
		}
	}
	if len(ch.Languages) > 0 {
		return ch.Languages[0]
	}
	return "en"
}

// strings returns the widget's texts (catalogue keys widget.*) in lang.
func (h *handler) strings(lang string) map[string]string {
	out := map[string]string{}
	if h.cfg.Catalogue == nil {
		return out
	}
	loc := h.cfg.Catalogue.For(lang)
	for _, k := range h.cfg.Catalogue.Keys(i18n.Fallback) {
		if strings.HasPrefix(k, "widget.") {
			out[strings.TrimPrefix(k, "widget.")] = loc.T(k)
		}
	}
	return out
}

// after reads ?chat=&after= (what the widget already has).
func after(r *http.Request) (int64, int64) {
	chatID, _ := strconv.ParseInt(r.URL.Query().Get("chat"), 10, 64)
	seq, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if chatID < 0 || seq < 0 {
		return 0, 0
	}
	return chatID, seq
}
