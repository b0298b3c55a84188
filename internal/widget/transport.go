package widget

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/httpx"
)

// command is one request from the widget (see the package comment).
type command struct {
	T       string `json:"t"`
	CID     string `json:"cid"`
	Text    string `json:"text"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Comment string `json:"comment"`
	On      bool   `json:"on"`
	Seq     int64  `json:"seq"`
	Score   int    `json:"score"`
	Lang    string `json:"lang"`
}

// do runs a command for a visitor and returns the frame that answers it
// (none for typing and seen, which answer nothing when they succeed).
func (h *handler) do(ctx context.Context, v chat.Visitor, c command, file *chat.File) []chat.Frame {
	key := strconv.FormatInt(v.VisitorID, 10)
	now := time.Now()
	fail := func(err error) []chat.Frame { return []chat.Frame{chat.ErrFrame(c.T, c.CID, err)} }
	switch c.T {
	case "start", "msg":
		if file != nil && !h.uploads.allow(key, now) || !h.messages.allow(key, now) {
			return fail(errRate)
		}
		var sent chat.Sent
		var err error
		if c.T == "start" {
			sent, err = h.cfg.Chat.Start(ctx, v, chat.StartInput{Name: c.Name, Email: c.Email, Text: c.Text, ClientID: c.CID, File: file})
		} else {
			sent, err = h.cfg.Chat.Post(ctx, v, c.Text, c.CID, file)
		}
		if err != nil {
			return fail(err)
		}
		return []chat.Frame{{T: "ack", Req: c.T, CID: c.CID, Seq: sent.Entry.Seq, Chat: chat.Wire(&sent.Chat)}}
	case "typing":
		if !h.typing.allow(key, now) {
			return nil // typing is best effort
		}
		if err := h.cfg.Chat.VisitorTyping(ctx, v, c.On); err != nil {
			return fail(err)
		}
		return nil
	case "seen":
		if err := h.cfg.Chat.VisitorSeen(ctx, v, c.Seq); err != nil {
			return fail(err)
		}
		return nil
	case "rate":
		if !h.messages.allow(key, now) {
			return fail(errRate)
		}
		ch, err := h.cfg.Chat.Rate(ctx, v, c.Score, c.Comment)
		if err != nil {
			return fail(err)
		}
		return []chat.Frame{{T: "ok", Req: c.T, Chat: chat.Wire(&ch)}}
	case "transcript":
		if !h.messages.allow(key, now) {
			return fail(errRate)
		}
		var T func(string, ...any) string
		if h.cfg.Catalogue != nil {
			T = h.cfg.Catalogue.For(c.Lang).T
		}
		if err := h.cfg.Chat.Transcript(ctx, v, c.Email, T); err != nil {
			return fail(err)
		}
		return []chat.Frame{{T: "ok", Req: c.T}}
	case "email":
		if !h.messages.allow(key, now) {
			return fail(errRate)
		}
		if err := h.cfg.Chat.LeaveEmail(ctx, v, c.Email); err != nil {
			return fail(err)
		}
		return []chat.Frame{{T: "ok", Req: c.T}}
	case "end":
		ch, err := h.cfg.Chat.EndByVisitor(ctx, v)
		if err != nil {
			return fail(err)
		}
		return []chat.Frame{{T: "ok", Req: c.T, Chat: chat.Wire(&ch)}}
	case "offline":
		if !h.messages.allow(key, now) {
			return fail(errRate)
		}
		t, err := h.cfg.Chat.Offline(ctx, v, c.Name, c.Email, c.Text)
		if err != nil {
			return fail(err)
		}
		return []chat.Frame{{T: "ok", Req: c.T, Ticket: t.Number}}
	case "ping":
		return []chat.Frame{{T: "pong"}}
	}
	return fail(desk.Errorf(desk.EInvalid, "Unknown request %q.", desk.Clip(c.T, 20)))
}

// send runs one command posted over HTTP (the fallback transports).
func (h *handler) send(w http.ResponseWriter, r *http.Request) {
	_, v, ok := h.visitor(w, r)
	if !ok {
		return
	}
	var c command
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxCommand)).Decode(&c); err != nil {
		h.problem(w, r, desk.Errorf(desk.EInvalid, "The request is not valid JSON."))
		return
	}
	frames := h.do(r.Context(), v, c, nil)
	if frames == nil {
		frames = []chat.Frame{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"frames": frames})
}

// upload receives a file (multipart: file, cid, text; name and email when
// it starts a chat) and sends it as a message.
func (h *handler) upload(w http.ResponseWriter, r *http.Request) {
	ch, v, ok := h.visitor(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, min(ch.MaxUpload, chat.MaxUploadLimit)+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		h.problem(w, r, &desk.Error{Code: desk.EInvalid, Message: fmt.Sprintf("The file is too large (at most %d MiB) or the upload broke off.", max(ch.MaxUpload>>20, 1)),
			Fields: map[string]string{"file": chat.FileTooLarge}})
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	f, fh, err := r.FormFile("file")
	if err != nil {
		h.problem(w, r, desk.Errorf(desk.EInvalid, "Choose a file to send."))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, ch.MaxUpload+1))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	c := command{T: r.FormValue("t"), CID: r.FormValue("cid"), Text: r.FormValue("text"), Name: r.FormValue("name"), Email: r.FormValue("email")}
	if c.T != "start" {
		c.T = "msg"
	}
	frames := h.do(r.Context(), v, c, &chat.File{Name: fh.Filename, Data: data})
	if len(frames) == 1 && frames[0].T == "error" {
		h.log.Info("chat upload refused", "visitor", v.VisitorID, "file", desk.Clip(fh.Filename, 100), "size", len(data), "why", frames[0].Message)
	}
	writeJSON(w, http.StatusOK, map[string]any{"frames": frames})
}

// file serves a file of one of the visitor's chats. Pictures show inline;
// everything else downloads. Links carry the token in the query, so the
// origin is not checked (navigations send none).
func (h *handler) file(w http.ResponseWriter, r *http.Request) {
	_, v, err := h.cfg.Chat.Authenticate(r.Context(), r.PathValue("key"), r.URL.Query().Get("token"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.problem(w, r, desk.Errorf(desk.ENotFound, "File not found."))
		return
	}
	a, data, err := h.cfg.Chat.VisitorFile(r.Context(), v, id)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.ContentType)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; sandbox")
	hd.Set("Cross-Origin-Resource-Policy", "cross-origin") // pictures show on the visitor's site
	hd.Set("Cache-Control", "private, max-age=3600")
	disp := "attachment"
	switch a.ContentType {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		disp = "inline"
	}
	hd.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": a.Filename}))
	http.ServeContent(w, r, "", time.Time{}, strings.NewReader(string(data)))
}

// live is what the three transports share: the hub connection, and the
// frames it owes the widget.
func (h *handler) open(w http.ResponseWriter, r *http.Request) (chat.Visitor, *chat.Conn, bool) {
	_, v, ok := h.visitor(w, r)
	if !ok {
		return v, nil, false
	}
	if !h.conns.allow(httpx.ClientIP(r), time.Now()) {
		h.problem(w, r, errRate)
		return v, nil, false
	}
	chatID, seq := after(r)
	return v, h.cfg.Hub.Register(v, chatID, seq), true
}

// pump writes the hello, then live frames, until the connection or the
// server ends. write sends frames; ping, when not nil, runs every
// pingEvery; replies are frames answering the widget's commands.
func (h *handler) pump(ctx context.Context, conn *chat.Conn, write func([]chat.Frame) error, ping func() error, replies <-chan []chat.Frame) error {
	hello, err := conn.Hello(ctx)
	if err != nil {
		return err
	}
	if err := write(hello); err != nil {
		return err
	}
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for {
		var frames []chat.Frame
		select {
		case <-ctx.Done():
			return nil
		case <-h.cfg.Context.Done():
			return nil
		case ev := <-conn.Events():
			if frames, err = conn.Translate(ctx, ev); err != nil {
				return err
			}
		case <-conn.Behind():
			if frames, err = conn.CatchUp(ctx); err != nil {
				return err
			}
		case frames = <-replies:
		case <-t.C:
			if ping != nil {
				if err := ping(); err != nil {
					return err
				}
			}
			continue
		}
		if len(frames) > 0 {
			if err := write(frames); err != nil {
				return err
			}
		}
	}
}

// websocket is the live connection: frames out, commands in.
func (h *handler) websocket(w http.ResponseWriter, r *http.Request) {
	v, conn, ok := h.open(w, r)
	if !ok {
		return
	}
	defer conn.Close()
	// The origin was checked against the channel above.
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	defer ws.CloseNow()
	ws.SetReadLimit(maxCommand)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	replies := make(chan []chat.Frame, 8)
	go func() {
		defer cancel()
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				return
			}
			var c command
			var frames []chat.Frame
			if err := json.Unmarshal(b, &c); err != nil {
				frames = []chat.Frame{chat.ErrFrame("", "", desk.Errorf(desk.EInvalid, "The request is not valid JSON."))}
			} else {
				frames = h.do(ctx, v, c, nil)
			}
			if len(frames) > 0 {
				select {
				case replies <- frames:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	write := func(frames []chat.Frame) error {
		for _, f := range frames {
			b, err := json.Marshal(f)
			if err != nil {
				return err
			}
			wctx, c := context.WithTimeout(ctx, writeWait)
			err = ws.Write(wctx, websocket.MessageText, b)
			c()
			if err != nil {
				return err
			}
		}
		return nil
	}
	// A ping waits for the widget's pong, so it runs beside the pump,
	// which goes on delivering frames meanwhile (a round trip to a busy
	// browser can take a while); no pong within writeWait ends the
	// connection.
	var pinging atomic.Bool
	ping := func() error {
		if !pinging.CompareAndSwap(false, true) {
			return nil // the last one is still waiting
		}
		go func() {
			defer pinging.Store(false)
			pctx, c := context.WithTimeout(ctx, writeWait)
			defer c()
			if err := ws.Ping(pctx); err != nil && ctx.Err() == nil {
				h.log.Info("chat websocket ping failed", "visitor", v.VisitorID, "err", err)
				cancel()
			}
		}()
		return nil
	}
	if err := h.pump(ctx, conn, write, ping, replies); err != nil && ctx.Err() == nil {
		h.log.Info("chat websocket ended", "visitor", v.VisitorID, "err", err)
		ws.Close(websocket.StatusInternalError, "error")
		return
	}
	ws.Close(websocket.StatusGoingAway, "bye")
}

// sse is the fallback live stream: frames as Server-Sent Events; the
// widget posts its commands to /send.
func (h *handler) sse(w http.ResponseWriter, r *http.Request) {
	_, conn, ok := h.open(w, r)
	if !ok {
		return
	}
	defer conn.Close()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	write := func(frames []chat.Frame) error {
		for _, f := range frames {
			b, err := json.Marshal(f)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
				return err
			}
		}
		return rc.Flush()
	}
	ping := func() error {
		if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
			return err
		}
		return rc.Flush()
	}
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return
	}
	_ = h.pump(r.Context(), conn, write, ping, nil)
}

// poll is the last resort: one request answers with what the widget is
// owed, waiting up to pollWait for something new.
func (h *handler) poll(w http.ResponseWriter, r *http.Request) {
	_, conn, ok := h.open(w, r)
	if !ok {
		return
	}
	defer conn.Close()
	ctx := r.Context()
	frames, err := conn.Hello(ctx)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	if len(frames) <= 1 { // nothing but the hello: wait for news
		timer := time.NewTimer(pollWait)
		defer timer.Stop()
	wait:
		for {
			var more []chat.Frame
			select {
			case <-ctx.Done():
				return
			case <-h.cfg.Context.Done():
				break wait
			case <-timer.C:
				break wait
			case ev := <-conn.Events():
				more, err = conn.Translate(ctx, ev)
			case <-conn.Behind():
				more, err = conn.CatchUp(ctx)
			}
			if err != nil {
				h.problem(w, r, err)
				return
			}
			if len(more) > 0 {
				frames = append(frames, more...)
				break wait
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"frames": frames})
}
