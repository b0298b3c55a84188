package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
)

// ChatChannel is the API form of a chat channel. Embed is the snippet a
// site pastes. IdentitySecret, with which the site signs its signed-in
// users, is in the answers about one channel (to admins, who alone may
// ask), never in the list; the secret signing visitor tokens never leaves
// the server.
type ChatChannel struct {
	ID             int64         `json:"id"`
	Key            string        `json:"key"`
	Name           string        `json:"name"`
	Team           *desk.TeamRef `json:"team"`
	MailboxID      *int64        `json:"mailbox_id"`
	Origins        []string      `json:"origins"`
	Color          string        `json:"color"`
	Greeting       string        `json:"greeting"`
	Position       string        `json:"position"`
	Languages      []string      `json:"languages"`
	Prechat        desk.Prechat  `json:"prechat"`
	MaxUpload      int64         `json:"max_upload"`
	QueueTimeout   int64         `json:"queue_timeout"`  // seconds a chat rings before it is missed; 0 never
	EndAfterLeft   int64         `json:"end_after_left"` // seconds after its visitor left an ongoing chat ends; 0 never
	Active         bool          `json:"active"`
	Embed          string        `json:"embed"`
	IdentitySecret *string       `json:"identity_secret,omitempty"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
}

// channelOut is the API form of c; withSecret adds the identity secret.
func (s *server) channelOut(c desk.ChatChannel, withSecret bool) ChatChannel {
	out := ChatChannel{
		ID: c.ID, Key: c.PublicKey, Name: c.Name, Team: c.Team, MailboxID: c.MailboxID,
		Origins: nonNil(c.Origins), Color: c.Color, Greeting: c.Greeting, Position: c.Position,
		Languages: nonNil(c.Languages), Prechat: c.Prechat, MaxUpload: c.MaxUpload, Active: c.Active,
		QueueTimeout: int64(c.QueueTimeout / time.Second), EndAfterLeft: int64(c.EndAfterLeft / time.Second),
		Embed: chat.EmbedSnippet(s.cfg.BaseURL, c), CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
	}
	if withSecret {
		secret := c.IdentitySecret
		out.IdentitySecret = &secret
	}
	return out
}

// Chat is the API form of a live chat; its messages are also the
// messages of its ticket.
type Chat struct {
	ID               int64           `json:"id"`
	ChannelID        int64           `json:"channel_id"`
	VisitorID        int64           `json:"visitor_id"`
	TicketID         int64           `json:"ticket_id"`
	TicketNumber     int64           `json:"ticket_number"`
	Status           desk.ChatStatus `json:"status"`
	Team             *desk.TeamRef   `json:"team"`
	Agent            *desk.AgentRef  `json:"agent"`
	VisitorName      string          `json:"visitor_name"`
	VisitorVerified  bool            `json:"visitor_verified"`
	Preview          string          `json:"preview"`
	Rating           *int            `json:"rating"`
	RatingComment    string          `json:"rating_comment"`
	TranscriptSentTo []string        `json:"transcript_sent_to"`
	StartedAt        time.Time       `json:"started_at"`
	AcceptedAt       *time.Time      `json:"accepted_at"`
	EndedAt          *time.Time      `json:"ended_at"`
}

// ChatDetail is a chat with its log.
type ChatDetail struct {
	Chat
	Entries []ChatEntry `json:"entries"`
}

// ChatEntry is one numbered line of a chat's log: a message or an event.
type ChatEntry struct {
	Seq       int64             `json:"seq"`
	Kind      string            `json:"kind"`
	Author    string            `json:"author"`
	AgentID   *int64            `json:"agent_id"`
	Name      string            `json:"name"`
	MessageID *int64            `json:"message_id"`
	Text      string            `json:"text"`
	Event     string            `json:"event"`
	Files     []desk.Attachment `json:"files"`
	At        time.Time         `json:"at"`
}

// Visitor is the API form of a visitor on a site with the widget.
type Visitor struct {
	ID           int64            `json:"id"`
	ChannelID    int64            `json:"channel_id"`
	Contact      *desk.ContactRef `json:"contact"`
	ExternalID   string           `json:"external_id"`
	Name         string           `json:"name"`
	Email        string           `json:"email"`
	Verified     bool             `json:"verified"`
	Language     string           `json:"language"`
	TimeZone     string           `json:"time_zone"`
	UserAgent    string           `json:"user_agent"`
	Referrer     string           `json:"referrer"`
	CurrentURL   string           `json:"current_url"`
	CurrentTitle string           `json:"current_title"`
	Visits       int              `json:"visits"`
	PageViews    int              `json:"page_views"`
	FirstSeenAt  time.Time        `json:"first_seen_at"`
	VisitAt      time.Time        `json:"visit_at"`
	LastSeenAt   time.Time        `json:"last_seen_at"`
	ChatID       *int64           `json:"chat_id"`
}

func idPtr(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func chatOut(c desk.Chat) Chat {
	sent := []string{}
	for _, a := range strings.Split(c.TranscriptTo, "\n") {
		if a = strings.TrimSpace(a); a != "" {
			sent = append(sent, a)
		}
	}
	return Chat{
		ID: c.ID, ChannelID: c.ChannelID, VisitorID: c.VisitorID, TicketID: c.TicketID, TicketNumber: c.TicketNumber,
		Status: c.Status, Team: c.Team, Agent: c.Agent, VisitorName: c.VisitorName, VisitorVerified: c.VisitorVerified, Preview: c.Preview,
		Rating: c.Rating, RatingComment: c.RatingComment, TranscriptSentTo: sent,
		StartedAt: c.StartedAt.UTC(), AcceptedAt: utcPtr(c.AcceptedAt), EndedAt: utcPtr(c.EndedAt),
	}
}

func entryOut(e desk.ChatEntry) ChatEntry {
	return ChatEntry{Seq: e.Seq, Kind: e.Kind, Author: e.Author, AgentID: idPtr(e.AgentID), Name: e.Name,
		MessageID: idPtr(e.MessageID), Text: e.Body, Event: e.Event, Files: nonNil(e.Files), At: e.CreatedAt.UTC()}
}

func visitorOut(v desk.ChatVisitor) Visitor {
	return Visitor{
		ID: v.ID, ChannelID: v.ChannelID, Contact: v.Contact, ExternalID: v.ExternalID, Name: v.Name, Email: v.Email, Verified: v.Verified,
		Language: v.Language, TimeZone: v.TimeZone, UserAgent: v.UserAgent, Referrer: v.Referrer,
		CurrentURL: v.CurrentURL, CurrentTitle: v.CurrentTitle, Visits: v.Visits, PageViews: v.PageViews,
		FirstSeenAt: v.FirstSeenAt.UTC(), VisitAt: v.VisitAt.UTC(), LastSeenAt: v.LastSeenAt.UTC(), ChatID: idPtr(v.ChatID),
	}
}

// createChatChannelRequest is the body of POST /chat/channels.
type createChatChannelRequest struct {
	Name      string        `json:"name"`
	Team      nullableID    `json:"team"`
	MailboxID nullableID    `json:"mailbox_id"`
	Origins   []string      `json:"origins"`
	Color     string        `json:"color"`
	Greeting  string        `json:"greeting"`
	Position  string        `json:"position"`
	Languages []string      `json:"languages"`
	Prechat   *desk.Prechat `json:"prechat"`
	MaxUpload int64         `json:"max_upload"`
	// QueueTimeout and EndAfterLeft in seconds: absent takes the
	// defaults, 0 is never.
	QueueTimeout *int64 `json:"queue_timeout"`
	EndAfterLeft *int64 `json:"end_after_left"`
	Active       *bool  `json:"active"`
}

// updateChatChannelRequest is the body of PATCH /chat/channels/{id}:
// absent fields are unchanged; team or mailbox_id null removes it.
type updateChatChannelRequest struct {
	Name         *string       `json:"name"`
	Team         nullableID    `json:"team"`
	MailboxID    nullableID    `json:"mailbox_id"`
	Origins      *[]string     `json:"origins"`
	Color        *string       `json:"color"`
	Greeting     *string       `json:"greeting"`
	Position     *string       `json:"position"`
	Languages    *[]string     `json:"languages"`
	Prechat      *desk.Prechat `json:"prechat"`
	MaxUpload    *int64        `json:"max_upload"`
	QueueTimeout *int64        `json:"queue_timeout"`
	EndAfterLeft *int64        `json:"end_after_left"`
	Active       *bool         `json:"active"`
}

// durationOf reads a number of seconds (nil stays nil). Values too large
// for a time.Duration stay too large, for the service to refuse.
func durationOf(secs *int64) *time.Duration {
	if secs == nil {
		return nil
	}
	d := time.Duration(min(max(*secs, -1), 1<<32)) * time.Second
	return &d
}

// rotateIdentitySecretRequest is the optional body of POST
// /chat/channels/{id}/identity-secret: an empty object (it has no fields).
type rotateIdentitySecretRequest struct{}

// chatService returns the chat service, writing a 404 problem when live
// chat is not part of this server.
func (s *server) chatService(w http.ResponseWriter, r *http.Request) (*chat.Service, bool) {
	if s.cfg.Chat == nil {
		problem(w, r, http.StatusNotFound, string(desk.ENotFound), "Live chat is not enabled on this server.")
		return nil, false
	}
	return s.cfg.Chat, true
}

func (s *server) listChatChannels(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.chatService(w, r)
	if !ok {
		return
	}
	cs, err := svc.Channels(r.Context(), actorOf(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]ChatChannel, len(cs))
	for i, c := range cs {
		items[i] = s.channelOut(c, false)
	}
	writeJSON(w, http.StatusOK, list[ChatChannel]{Items: items})
}

func (s *server) createChatChannel(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.chatService(w, r)
	if !ok {
		return
	}
	req := createChatChannelRequest{Team: nullableID{name: "team"}, MailboxID: nullableID{name: "mailbox_id"}}
	if !decodeJSON(w, r, &req) {
		return
	}
	in := chat.ChannelInput{Name: req.Name, TeamID: req.Team.ptr(), MailboxID: req.MailboxID.ptr(), Origins: req.Origins,
		Color: req.Color, Greeting: req.Greeting, Position: req.Position, Languages: req.Languages,
		MaxUpload: req.MaxUpload, Active: req.Active == nil || *req.Active,
		QueueTimeout: durationOf(req.QueueTimeout), EndAfterLeft: durationOf(req.EndAfterLeft)}
	if req.Prechat != nil {
		in.Prechat = *req.Prechat
	}
	c, err := svc.CreateChannel(r.Context(), actorOf(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", s.cfg.BaseURL+Prefix+"/chat/channels/"+strconv.FormatInt(c.ID, 10))
	writeJSON(w, http.StatusCreated, s.channelOut(c, true))
}

func (s *server) getChatChannel(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.chatService(w, r)
	if !ok {
		return
	}
	id, ok := pathID(w, r, "id", "chat channel")
	if !ok {
		return
	}
	c, err := svc.Channel(r.Context(), actorOf(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.channelOut(c, true))
}

func (s *server) updateChatChannel(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.chatService(w, r)
	if !ok {
		return
	}
	id, ok := pathID(w, r, "id", "chat channel")
	if !ok {
		return
	}
	req := updateChatChannelRequest{Team: nullableID{name: "team"}, MailboxID: nullableID{name: "mailbox_id"}}
	if !decodeJSON(w, r, &req) {
		return
	}
	p := chat.ChannelPatch{Name: req.Name, Origins: req.Origins, Color: req.Color, Greeting: req.Greeting,
		Position: req.Position, Languages: req.Languages, Prechat: req.Prechat, MaxUpload: req.MaxUpload, Active: req.Active,
		QueueTimeout: durationOf(req.QueueTimeout), EndAfterLeft: durationOf(req.EndAfterLeft)}
	if req.Team.Set {
		team := req.Team.ID // 0 when null: no team
		p.TeamID = &team
	}
	if req.MailboxID.Set {
		mb := req.MailboxID.ID
		p.MailboxID = &mb
	}
	c, err := svc.PatchChannel(r.Context(), actorOf(r), id, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.channelOut(c, true))
}

// rotateIdentitySecret gives the channel a new identity secret and answers
// with the channel carrying it (admins only): the old secret stops
// verifying at once, so the site must sign with the new one.
func (s *server) rotateIdentitySecret(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.chatService(w, r)
	if !ok {
		return
	}
	id, ok := pathID(w, r, "id", "chat channel")
	if !ok {
		return
	}
	if r.ContentLength != 0 && !decodeJSON(w, r, &rotateIdentitySecretRequest{}) {
		return
	}
	c, err := svc.RotateIdentitySecret(r.Context(), actorOf(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.channelOut(c, true))
}

func (s *server) deleteChatChannel(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.chatService(w, r)
	if !ok {
		return
	}
	id, ok := pathID(w, r, "id", "chat channel")
	if !ok {
		return
	}
	if err := svc.DeleteChannel(r.Context(), actorOf(r), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) listChats(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.chatService(w, r)
	if !ok {
		return
	}
	f := chat.ChatFilter{Status: desk.ChatStatus(r.URL.Query().Get("status")), Cursor: r.URL.Query().Get("cursor")}
	if f.Limit, ok = queryLimit(w, r); !ok {
		return
	}
	page, err := svc.ListChats(r.Context(), actorOf(r), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[Chat]{Items: mapSlice(page.Items, chatOut), NextCursor: cursorPtr(page.NextCursor)})
}

func (s *server) getChat(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.chatService(w, r)
	if !ok {
		return
	}
	id, ok := pathID(w, r, "id", "chat")
	if !ok {
		return
	}
	c, es, err := svc.Chat(r.Context(), actorOf(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ChatDetail{Chat: chatOut(c), Entries: mapSlice(es, entryOut)})
}

func (s *server) listVisitors(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.chatService(w, r)
	if !ok {
		return
	}
	limit, ok := queryLimit(w, r)
	if !ok {
		return
	}
	if limit == 0 {
		limit = 100
	}
	vs, err := svc.Visitors(r.Context(), actorOf(r), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[Visitor]{Items: mapSlice(vs, visitorOut)})
}
