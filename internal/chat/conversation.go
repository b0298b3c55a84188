package chat

import (
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/internal/desk"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/ticket"
)

// badEmail is the error for an address the visitor typed that is none.
func badEmail() error {
	return &desk.Error{Code: desk.EInvalid, Message: "Please give a valid email address.", Fields: map[string]string{"email": "not an email address"}}
}

// normalizeEmail is ticket.NormalizeEmail within the 254 characters an
// address may have (a visitor types it).
func normalizeEmail(s string) (string, bool) {
	if len(strings.TrimSpace(s)) > 254 {
		return "", false
	}
	return ticket.NormalizeEmail(s)
}

// File is a file a visitor sends in a chat.
type File struct {
	Name string
	Data []byte
}

// allowed file types: the extension and the content types its bytes may
// sniff as (http.DetectContentType). Active content (HTML, SVG, scripts,
// executables) is refused whatever it is called.
var allowedFiles = map[string][]string{
	".png": {"image/png"}, ".jpg": {"image/jpeg"}, ".jpeg": {"image/jpeg"}, ".gif": {"image/gif"},
	".webp": {"image/webp"}, ".pdf": {"application/pdf"},
	".txt": {"text/plain; charset=utf-8", "text/plain; charset=utf-16be", "text/plain; charset=utf-16le"},
	".csv": {"text/plain; charset=utf-8"}, ".log": {"text/plain; charset=utf-8"},
	".zip": {"application/zip"}, ".docx": {"application/zip"}, ".xlsx": {"application/zip"},
	".pptx": {"application/zip"}, ".odt": {"application/zip"}, ".ods": {"application/zip"},
}

// contentTypes are the types files are stored (and later served) as.
var contentTypes = map[string]string{
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
	".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8", ".csv": "text/csv; charset=utf-8",
	".log": "text/plain; charset=utf-8", ".zip": "application/zip",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":  "application/vnd.oasis.opendocument.text", ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}

// Why an upload is refused, in the error's Fields["file"]: stable codes a
// client maps to its own words (the widget shows them in the visitor's
// language), where Message is English for logs and API users.
const (
	FileTooLarge       = "too_large"
	FileTypeNotAllowed = "type_not_allowed"
	FileContentWrong   = "content_mismatch" // the bytes are not what the name says
)

// CheckFile scans an upload for its type and size: it returns the content
// type to store it as, or a desk.EInvalid error saying what is wrong.
func CheckFile(name string, data []byte, maxSize int64) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 || strings.ContainsAny(name, "/\\\x00") {
		return "", desk.Errorf(desk.EInvalid, "The file needs a plain name.")
	}
	if int64(len(data)) > maxSize {
		return "", &desk.Error{Code: desk.EInvalid, Message: fmt.Sprintf("The file is larger than %s.", humanSize(maxSize)),
			Fields: map[string]string{"file": FileTooLarge}}
	}
	if len(data) == 0 {
		return "", desk.Errorf(desk.EInvalid, "The file is empty.")
	}
	ext := strings.ToLower(filepath.Ext(name))
	want, ok := allowedFiles[ext]
	if !ok {
		return "", &desk.Error{Code: desk.EInvalid, Message: "This type of file cannot be sent here: send pictures, PDF, text, office documents or zip archives.",
			Fields: map[string]string{"file": FileTypeNotAllowed}}
	}
	got := http.DetectContentType(data)
	match := false
	for _, w := range want {
		if got == w {
			match = true
		}
	}
	if !match {
		return "", &desk.Error{Code: desk.EInvalid, Message: fmt.Sprintf("The file's content (%s) does not match its name.", got),
			Fields: map[string]string{"file": FileContentWrong}}
	}
	return contentTypes[ext], nil
}

func humanSize(n int64) string {
	if n >= 1<<20 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n>>10, 10) + " KiB"
}

// StartInput is the pre-chat form and the visitor's first message.
type StartInput struct {
	Name     string
	Email    string
	Text     string
	ClientID string
	File     *File
}

// Sent is the result of a visitor's message: the stored entry, and
// whether it was already there (a resend).
type Sent struct {
	Chat      desk.Chat
	Entry     desk.ChatEntry
	Duplicate bool
}

func checkText(text, clientID string, hasFile bool) (string, error) {
	text = strings.TrimSpace(strings.ToValidUTF8(text, ""))
	if text == "" && !hasFile {
		return "", &desk.Error{Code: desk.EInvalid, Message: "Write a message first.", Fields: map[string]string{"text": "required"}}
	}
	if utf8.RuneCountInString(text) > MaxMessageLength {
		return "", &desk.Error{Code: desk.EInvalid, Message: fmt.Sprintf("A message has at most %d characters.", MaxMessageLength),
			Fields: map[string]string{"text": "too long"}}
	}
	if clientID == "" || len(clientID) > 64 {
		return "", desk.Errorf(desk.EInvalid, "The message needs a client id (1 to 64 characters).")
	}
	return text, nil
}

// Start opens a chat with the visitor's first message (and the pre-chat
// form): a ticket with channel chat for the channel's team, requested by
// the contact with that email (or a new contact without one), which rings
// the available agents. A visitor whose chat is still open just sends
// the message to it.
func (s *Service) Start(ctx context.Context, v Visitor, in StartInput) (Sent, error) {
	ch, err := s.channelFor(ctx, v)
	if err != nil {
		return Sent{}, err
	}
	text, err := checkText(in.Text, in.ClientID, in.File != nil)
	if err != nil {
		return Sent{}, err
	}
	name := clean(in.Name, 200)
	email := ""
	fields := map[string]string{}
	if strings.TrimSpace(in.Email) != "" {
		var ok bool
		if email, ok = normalizeEmail(in.Email); !ok {
			fields["email"] = "not an email address"
		}
	}
	if ch.Prechat.Name == desk.FieldRequired && name == "" {
		fields["name"] = "required"
	}
	if ch.Prechat.Email == desk.FieldRequired && email == "" && fields["email"] == "" {
		fields["email"] = "required"
	}
	var files []desk.NewAttachment
	if in.File != nil {
		ct, err := CheckFile(in.File.Name, in.File.Data, ch.MaxUpload)
		if err != nil {
			return Sent{}, err
		}
		files = append(files, desk.NewAttachment{Filename: in.File.Name, ContentType: ct, Data: in.File.Data})
	}
	var out Sent
	created := false
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		vis, err := tx.ChatVisitor(ctx, v.VisitorID)
		if err != nil {
			return err
		}
		if c, err := tx.LatestChat(ctx, v.VisitorID); err == nil && c.Open() {
			out, err = s.send(ctx, tx, ch, c, text, in.ClientID, files)
			return err
		} else if err != nil && !desk.IsNotFound(err) {
			return err
		}
		if len(fields) > 0 {
			return &desk.Error{Code: desk.EInvalid, Message: "Please correct the highlighted fields.", Fields: fields}
		}
		now := s.now()
		if name != "" {
			vis.Name = name
		}
		if _, _, err := s.identify(ctx, tx, &vis, email); err != nil {
			return err
		}
		if vis.Contact == nil {
			label := vis.Name
			if label == "" {
				label = "Visitor " + strconv.FormatInt(vis.ID, 10)
			}
			cid, err := tx.InsertContact(ctx, desk.Contact{Name: label, CreatedAt: now})
			if err != nil {
				return err
			}
			vis.Contact = &desk.ContactRef{ID: cid, Name: label}
		}
		vis.LastSeenAt = now
		if err := tx.SaveChatVisitor(ctx, vis); err != nil {
			return err
		}
		nt := desk.NewTicket{Subject: subjectOf(text, files, ch.Name), Body: text, RequesterID: vis.Contact.ID,
			Channel: desk.ChannelChat, Inbound: true, Attachments: files}
		if ch.Team != nil {
			nt.TeamID = &ch.Team.ID
		}
		t, m, err := s.tickets.CreateTx(ctx, tx, desk.System, nt)
		if err != nil {
			return err
		}
		if ch.MailboxID != nil {
			if err := tx.SetTicketMailbox(ctx, t.ID, *ch.MailboxID); err != nil {
				return err
			}
		}
		c := desk.Chat{ChannelID: ch.ID, VisitorID: vis.ID, TicketID: t.ID, Team: ch.Team, Status: desk.ChatQueued, StartedAt: now, QueuedAt: &now}
		if err := tx.InsertChat(ctx, &c); err != nil {
			return err
		}
		e := desk.ChatEntry{Kind: desk.EntryMessage, Author: desk.AuthorVisitor, Name: vis.Name, MessageID: m.ID,
			ClientID: in.ClientID, Body: text, CreatedAt: now, Files: m.Attachments}
		if err := s.appendEntry(ctx, tx, c, &e); err != nil {
			return err
		}
		// What a read of the chat would add, known here already.
		c.LastSeq, c.TicketNumber, c.Preview, c.VisitorName = e.Seq, t.Number, t.Preview, orName(vis.Name, vis.Email)
		out = Sent{Chat: c, Entry: e}
		created = true
		return nil
	})
	if err != nil {
		return Sent{}, err
	}
	if created {
		s.tickets.Publish(ctx, realtime.TicketCreated, out.Chat.TicketID, desk.Actor{})
		s.publishState(ctx, out.Chat, 0)
	} else if !out.Duplicate {
		s.tickets.Publish(ctx, realtime.MessageCreated, out.Chat.TicketID, desk.Actor{})
	}
	if !out.Duplicate {
		s.publishEntry(ctx, out.Chat, out.Entry)
	}
	return out, nil
}

// subjectOf makes a chat ticket's subject from the first message.
func subjectOf(text string, files []desk.NewAttachment, channel string) string {
	line, _, _ := strings.Cut(text, "\n")
	line = strings.TrimSpace(line)
	if line == "" && len(files) > 0 {
		line = files[0].Filename
	}
	if utf8.RuneCountInString(line) > 80 {
		line = string([]rune(line)[:79]) + "…"
	}
	if line == "" {
		line = "Chat on " + channel
	}
	return line
}

// identify joins the visitor to the contact owning email (creating one),
// or gives their anonymous contact that email when no one has it. The
// visitor typed the email, so it is not verified. gave reports that the
// visitor's email changed; left is the anonymous contact (made for an
// earlier chat) they moved off to another contact, if so (see follow).
func (s *Service) identify(ctx context.Context, tx *store.Tx, vis *desk.ChatVisitor, email string) (gave bool, left *desk.ContactRef, err error) {
	if email == "" || (vis.Contact != nil && strings.EqualFold(vis.Contact.Email, email)) {
		return false, nil, nil
	}
	vis.Email, vis.Verified = email, false
	if vis.Contact != nil && vis.Contact.Email == "" {
		// An anonymous contact made for an earlier chat: give it the
		// address unless another contact owns it, then move to that one.
		if _, err := tx.ContactIDByEmail(ctx, email); desk.IsNotFound(err) {
			if err := tx.SetContactEmails(ctx, vis.Contact.ID, []string{email}); err != nil {
				return false, nil, err
			}
			vis.Contact.Email = email
			return true, nil, nil
		} else if err != nil {
			return false, nil, err
		}
		anon := *vis.Contact
		left = &anon
	}
	ref, _, err := tx.FindOrCreateRequester(ctx, email, vis.Name, s.now())
	if err != nil {
		return false, nil, err
	}
	vis.Contact = &ref
	return true, left, nil
}

// giveEmail records an email the visitor typed while chat c is theirs:
// identify, save the visitor, and when that changed their email, follow
// (the event on c's ticket, and the ticket moving with them). It reports
// whether the ticket changed.
func (s *Service) giveEmail(ctx context.Context, tx *store.Tx, vis *desk.ChatVisitor, c desk.Chat, addr string) (bool, error) {
	gave, left, err := s.identify(ctx, tx, vis, addr)
	if err != nil {
		return false, err
	}
	if err := tx.SaveChatVisitor(ctx, *vis); err != nil {
		return false, err
	}
	if !gave {
		return false, nil
	}
	return s.follow(ctx, tx, *vis, left, c, addr)
}

// follow runs after identify reported that the visitor gave an email: it
// records that on chat c's ticket (the address is not verified), and when
// identify moved them off their anonymous contact left, moves the ticket
// to their new contact through the ticket service (which records the
// change), but only while left still requests it: a ticket an agent gave
// to someone else stays theirs. Contacts are never merged. It reports
// whether the ticket changed (the caller publishes realtime.TicketUpdated
// after the commit).
func (s *Service) follow(ctx context.Context, tx *store.Tx, vis desk.ChatVisitor, left *desk.ContactRef, c desk.Chat, email string) (bool, error) {
	if c.VisitorID != vis.ID || vis.Contact == nil {
		return false, nil
	}
	who := orName(vis.Name, "Visitor")
	if err := tx.InsertEvents(ctx, desk.Event{TicketID: c.TicketID, Actor: who, Action: "chat_email", New: email, At: s.now()}); err != nil {
		return false, err
	}
	if left == nil || left.ID == vis.Contact.ID {
		return true, nil
	}
	t, err := tx.TicketForUpdate(ctx, c.TicketID)
	if err != nil {
		return false, err
	}
	if t.Requester.ID != left.ID {
		return true, nil
	}
	// The visitor acts here, through the system: the timeline names them.
	a := desk.Actor{Kind: desk.ActorSystem, Name: who, Role: desk.RoleAdmin}
	if _, _, err := s.tickets.UpdateTx(ctx, tx, a, t.ID, desk.TicketUpdate{RequesterID: &vis.Contact.ID}); err != nil {
		return false, err
	}
	return true, nil
}

// channelFor returns the visitor's channel, cached for channelTTL like
// the channel by key (every message and every widget connection asks).
func (s *Service) channelFor(ctx context.Context, v Visitor) (desk.ChatChannel, error) {
	now := time.Now()
	s.mu.Lock()
	cc, ok := s.channelsByID[v.ChannelID]
	s.mu.Unlock()
	ch := cc.ch
	if !ok || now.Sub(cc.at) >= channelTTL {
		var err error
		if ch, err = s.st.Read().ChatChannel(ctx, v.ChannelID); err != nil {
			return ch, err
		}
		s.mu.Lock()
		if len(s.channelsByID) > 10000 {
			clear(s.channelsByID)
		}
		s.channelsByID[v.ChannelID] = cachedChannel{ch: ch, at: now}
		s.mu.Unlock()
	}
	if !ch.Active {
		return ch, desk.Errorf(desk.ENotFound, "This chat is switched off.")
	}
	return ch, nil
}

// Post adds a visitor's message to their open chat. Sending the same
// client id again returns the stored entry (Duplicate) and stores nothing.
func (s *Service) Post(ctx context.Context, v Visitor, text, clientID string, file *File) (Sent, error) {
	text, err := checkText(text, clientID, file != nil)
	if err != nil {
		return Sent{}, err
	}
	ch, err := s.channelFor(ctx, v)
	if err != nil {
		return Sent{}, err
	}
	var files []desk.NewAttachment
	if file != nil {
		ct, err := CheckFile(file.Name, file.Data, ch.MaxUpload)
		if err != nil {
			return Sent{}, err
		}
		files = append(files, desk.NewAttachment{Filename: file.Name, ContentType: ct, Data: file.Data})
	}
	var out Sent
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		c, err := tx.LatestChat(ctx, v.VisitorID)
		if desk.IsNotFound(err) {
			return desk.Errorf(desk.EConflict, "There is no chat to send to; start one first.")
		}
		if err != nil {
			return err
		}
		out, err = s.send(ctx, tx, ch, c, text, clientID, files)
		return err
	})
	if err != nil {
		return Sent{}, err
	}
	if !out.Duplicate {
		s.tickets.Publish(ctx, realtime.MessageCreated, out.Chat.TicketID, desk.Actor{})
		s.publishEntry(ctx, out.Chat, out.Entry)
	}
	return out, nil
}

// send stores a visitor message in chat c (inside tx): as a message of
// the chat's ticket and an entry of its log, unless the client id is
// already there.
func (s *Service) send(ctx context.Context, tx *store.Tx, ch desk.ChatChannel, c desk.Chat, text, clientID string, files []desk.NewAttachment) (Sent, error) {
	if e, err := tx.ChatEntryByClient(ctx, c.ID, clientID); err == nil {
		return Sent{Chat: c, Entry: e, Duplicate: true}, nil
	} else if !desk.IsNotFound(err) {
		return Sent{}, err
	}
	if !c.Open() {
		return Sent{}, desk.Errorf(desk.EConflict, "This chat has ended; start a new one.")
	}
	c, err := tx.ChatForUpdate(ctx, c.ID)
	if err != nil {
		return Sent{}, err
	}
	vis, err := tx.ChatVisitor(ctx, c.VisitorID)
	if err != nil {
		return Sent{}, err
	}
	m, err := s.tickets.AddMessageTx(ctx, tx, desk.System, c.TicketID, desk.NewMessage{Text: text, Inbound: true,
		Channel: desk.ChannelChat, Attachments: files})
	if err != nil {
		return Sent{}, err
	}
	e := desk.ChatEntry{Kind: desk.EntryMessage, Author: desk.AuthorVisitor, Name: vis.Name, MessageID: m.ID,
		ClientID: clientID, Body: text, CreatedAt: m.CreatedAt, Files: m.Attachments}
	if err := s.appendEntry(ctx, tx, c, &e); err != nil {
		return Sent{}, err
	}
	c.LastSeq = e.Seq
	return Sent{Chat: c, Entry: e}, nil
}

// Entries returns the visitor's chat log after seq (at most 500): the
// widget's catch-up after a reload or a reconnect. chatID 0 means the
// visitor's latest chat.
func (s *Service) Entries(ctx context.Context, v Visitor, chatID, after int64) (desk.Chat, []desk.ChatEntry, error) {
	tx := s.st.Read()
	var c desk.Chat
	var err error
	if chatID == 0 {
		c, err = tx.LatestChat(ctx, v.VisitorID)
	} else {
		c, err = tx.Chat(ctx, chatID)
		if err == nil && c.VisitorID != v.VisitorID {
			err = desk.Errorf(desk.ENotFound, "Chat not found.")
		}
	}
	if err != nil {
		return c, nil, err
	}
	es, err := tx.ChatEntries(ctx, c.ID, after, 500)
	return c, es, err
}

// chatOf returns the visitor's latest chat.
func (s *Service) chatOf(ctx context.Context, tx *store.Tx, v Visitor) (desk.Chat, error) {
	c, err := tx.LatestChat(ctx, v.VisitorID)
	if desk.IsNotFound(err) {
		return c, desk.Errorf(desk.EConflict, "There is no chat yet.")
	}
	return c, err
}

// VisitorTyping tells the agents that the visitor started or stopped
// typing in their open chat.
func (s *Service) VisitorTyping(ctx context.Context, v Visitor, on bool) error {
	c, err := s.chatOf(ctx, s.st.Read(), v)
	if err != nil || !c.Open() {
		return err
	}
	s.publish(ctx, EventTyping, c.TicketID, 0, TypingData{ChatID: c.ID, VisitorID: v.VisitorID, Author: desk.AuthorVisitor, Name: c.VisitorName, On: on})
	return nil
}

// VisitorSeen records that the visitor has read their chat up to seq (the
// agents see the mark on their replies).
func (s *Service) VisitorSeen(ctx context.Context, v Visitor, seq int64) error {
	var c desk.Chat
	changed := false
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = s.chatOf(ctx, tx, v); err != nil {
			return err
		}
		changed, err = tx.SetChatSeen(ctx, c.ID, true, seq)
		return err
	})
	if err != nil || !changed {
		return err
	}
	s.publish(ctx, EventSeen, c.TicketID, 0, SeenData{ChatID: c.ID, VisitorID: v.VisitorID, Author: desk.AuthorVisitor, Seq: seq})
	return nil
}

// Rate records the visitor's rating of their latest chat: 1 (bad) to 5
// (good), with an optional comment. Rating again replaces it.
func (s *Service) Rate(ctx context.Context, v Visitor, score int, comment string) (desk.Chat, error) {
	if score < 1 || score > 5 {
		return desk.Chat{}, &desk.Error{Code: desk.EInvalid, Message: "A rating is from 1 to 5.", Fields: map[string]string{"score": "1 to 5"}}
	}
	comment = clean(comment, 1000)
	var c desk.Chat
	var e desk.ChatEntry
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = s.chatOf(ctx, tx, v); err != nil {
			return err
		}
		if c, err = tx.ChatForUpdate(ctx, c.ID); err != nil {
			return err
		}
		c.Rating, c.RatingComment = &score, comment
		if err := tx.SaveChatState(ctx, c); err != nil {
			return err
		}
		e = eventEntry(desk.ChatEventRated, strconv.Itoa(score), 0)
		e.Body = comment
		if err := s.appendEntry(ctx, tx, c, &e); err != nil {
			return err
		}
		return tx.InsertEvents(ctx, desk.Event{TicketID: c.TicketID, Actor: orName(c.VisitorName, "Visitor"), Action: "chat_rating",
			Field: "rating", New: strconv.Itoa(score) + "/5" + commentSuffix(comment), At: s.now()})
	})
	if err != nil {
		return desk.Chat{}, err
	}
	s.publishEntry(ctx, c, e)
	s.tickets.Publish(ctx, realtime.TicketUpdated, c.TicketID, desk.Actor{})
	return c, nil
}

func commentSuffix(c string) string {
	if c == "" {
		return ""
	}
	return ": " + desk.Clip(c, 300)
}

func orName(s, def string) string {
	if strings.TrimSpace(s) != "" {
		return s
	}
	return def
}

// EndByVisitor ends the visitor's open chat (the widget's "End chat").
func (s *Service) EndByVisitor(ctx context.Context, v Visitor) (desk.Chat, error) {
	var c desk.Chat
	var e desk.ChatEntry
	ended := false
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = s.chatOf(ctx, tx, v); err != nil {
			return err
		}
		if c, err = tx.ChatForUpdate(ctx, c.ID); err != nil || !c.Open() {
			return err
		}
		ended = true
		e, err = s.end(ctx, tx, &c, desk.AuthorVisitor, orName(c.VisitorName, "Visitor"), 0)
		return err
	})
	if err != nil || !ended {
		return c, err
	}
	s.publishEntry(ctx, c, e)
	s.publishState(ctx, c, 0)
	s.tickets.Publish(ctx, realtime.TicketUpdated, c.TicketID, desk.Actor{})
	return c, nil
}

// end marks chat c ended (inside tx) and logs who ended it: by is the
// agent, the visitor, or why it ended by itself (desk.EndedLeft).
func (s *Service) end(ctx context.Context, tx *store.Tx, c *desk.Chat, by, name string, agentID int64) (desk.ChatEntry, error) {
	e := eventEntry(desk.ChatEventEnded, name, agentID)
	e.Body = by
	ev := desk.Event{Actor: name, AgentID: ptr(agentID), Action: "chat_ended"}
	if by != desk.AuthorAgent && by != desk.AuthorVisitor {
		ev.Field = by // why the chat ended by itself, e.g. desk.EndedLeft
	}
	return s.finish(ctx, tx, c, e, ev)
}

// finish marks chat c ended (inside tx), appends entry e to its log and
// records ev on its ticket: the common part of ending and missing a chat.
func (s *Service) finish(ctx context.Context, tx *store.Tx, c *desk.Chat, e desk.ChatEntry, ev desk.Event) (desk.ChatEntry, error) {
	now := s.now()
	c.Status, c.EndedAt = desk.ChatEnded, &now
	if err := tx.SaveChatState(ctx, *c); err != nil {
		return desk.ChatEntry{}, err
	}
	e.CreatedAt = now
	if err := s.appendEntry(ctx, tx, *c, &e); err != nil {
		return e, err
	}
	c.LastSeq = e.Seq
	ev.TicketID, ev.At = c.TicketID, now
	return e, tx.InsertEvents(ctx, ev)
}

func ptr(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// Transcript emails the visitor's latest chat to the address they give
// (which also joins them to that contact). At most 3 per chat.
//
// An anonymous visitor who gives the email of an existing contact moves
// to that contact, and so does the chat's ticket while the visitor's
// anonymous contact still requests it (see follow).
func (s *Service) Transcript(ctx context.Context, v Visitor, email string, lang func(key string, args ...any) string) error {
	addr, ok := normalizeEmail(email)
	if !ok {
		return badEmail()
	}
	if s.o.Transcripts == nil {
		return desk.Errorf(desk.EConflict, "Transcripts cannot be sent by email here.")
	}
	ch, err := s.channelFor(ctx, v)
	if err != nil {
		return err
	}
	var ticketID int64
	updated := false
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		c, err := s.chatOf(ctx, tx, v)
		if err != nil {
			return err
		}
		if c, err = tx.ChatForUpdate(ctx, c.ID); err != nil {
			return err
		}
		ticketID = c.TicketID
		sent := strings.Count(c.TranscriptTo, "\n") + 1
		if c.TranscriptTo == "" {
			sent = 0
		}
		if sent >= 3 {
			return desk.Errorf(desk.ERateLimited, "The transcript of this chat was already sent three times.")
		}
		vis, err := tx.ChatVisitor(ctx, v.VisitorID)
		if err != nil {
			return err
		}
		if vis.Contact == nil || vis.Contact.Email == "" {
			if updated, err = s.giveEmail(ctx, tx, &vis, c, addr); err != nil {
				return err
			}
		}
		t, err := tx.Ticket(ctx, c.TicketID)
		if err != nil {
			return err
		}
		es, err := tx.ChatEntries(ctx, c.ID, 0, 10000)
		if err != nil {
			return err
		}
		subject, text := transcriptText(ch, c, es, lang)
		if err := s.o.Transcripts.EnqueueTranscript(ctx, tx, ch.MailboxID, t, mail.Address{Name: vis.Name, Address: addr}, subject, text); err != nil {
			return err
		}
		if c.TranscriptTo != "" {
			c.TranscriptTo += "\n"
		}
		c.TranscriptTo += addr
		if err := tx.SaveChatState(ctx, c); err != nil {
			return err
		}
		return tx.InsertEvents(ctx, desk.Event{TicketID: c.TicketID, Actor: orName(vis.Name, "Visitor"), Action: "chat_transcript", New: addr, At: s.now()})
	})
	if err != nil {
		return err
	}
	if updated {
		s.tickets.Publish(ctx, realtime.TicketUpdated, ticketID, desk.Actor{})
	}
	return nil
}

// transcriptText writes a chat's log as a plain-text email.
func transcriptText(ch desk.ChatChannel, c desk.Chat, es []desk.ChatEntry, T func(string, ...any) string) (string, string) {
	if T == nil {
		T = func(k string, _ ...any) string { return k }
	}
	var b strings.Builder
	b.WriteString(T("widget.transcript.intro", "channel", ch.Name, "date", c.StartedAt.Format("2006-01-02 15:04 MST")))
	b.WriteString("\n\n")
	for _, e := range es {
		at := e.CreatedAt.Format("15:04")
		switch e.Kind {
		case desk.EntryMessage:
			who := e.Name
			if who == "" {
				if e.Author == desk.AuthorVisitor {
					who = T("widget.you")
				} else {
					who = T("widget.agent")
				}
			}
			fmt.Fprintf(&b, "[%s] %s:\n", at, who)
			if e.Body != "" {
				for _, l := range strings.Split(e.Body, "\n") {
					b.WriteString("  " + l + "\n")
				}
			}
			for _, f := range e.Files {
				fmt.Fprintf(&b, "  📎 %s (%s)\n", f.Filename, humanSize(max(f.Size, 1024)))
			}
		case desk.EntryEvent:
			switch e.Event {
			case desk.ChatEventAccepted:
				fmt.Fprintf(&b, "[%s] %s\n", at, T("widget.event.accepted", "name", e.Name))
			case desk.ChatEventTransferred:
				fmt.Fprintf(&b, "[%s] %s\n", at, T("widget.event.transferred", "name", e.Name))
			case desk.ChatEventEnded:
				fmt.Fprintf(&b, "[%s] %s\n", at, T("widget.event.ended"))
			case desk.ChatEventMissed:
				fmt.Fprintf(&b, "[%s] %s\n", at, T("widget.event.missed"))
			}
		}
		b.WriteString("\n")
	}
	return T("widget.transcript.subject", "channel", ch.Name), b.String()
}

// Offline takes a message when no agent is available: it becomes a ticket
// (channel chat) answered by email, requested by the contact with that
// email. The visitor is joined to the contact; a chat of theirs still
// open follows them there as in Transcript.
func (s *Service) Offline(ctx context.Context, v Visitor, name, email, text string) (desk.Ticket, error) {
	ch, err := s.channelFor(ctx, v)
	if err != nil {
		return desk.Ticket{}, err
	}
	fields := map[string]string{}
	addr, ok := normalizeEmail(email)
	if !ok {
		fields["email"] = "an email address is needed to answer you"
	}
	text = strings.TrimSpace(strings.ToValidUTF8(text, ""))
	if text == "" {
		fields["text"] = "required"
	} else if utf8.RuneCountInString(text) > 10*MaxMessageLength {
		fields["text"] = "too long"
	}
	if len(fields) > 0 {
		return desk.Ticket{}, &desk.Error{Code: desk.EInvalid, Message: "Please correct the highlighted fields.", Fields: fields}
	}
	name = clean(name, 200)
	var t desk.Ticket
	var updated int64 // the open chat's ticket, when follow changed it
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		vis, err := tx.ChatVisitor(ctx, v.VisitorID)
		if err != nil {
			return err
		}
		if name != "" {
			vis.Name = name
		}
		gave, left, err := s.identify(ctx, tx, &vis, addr)
		if err != nil {
			return err
		}
		if err := tx.SaveChatVisitor(ctx, vis); err != nil {
			return err
		}
		if c, err := tx.LatestChat(ctx, vis.ID); err == nil && c.Open() && gave {
			if changed, err := s.follow(ctx, tx, vis, left, c, addr); err != nil {
				return err
			} else if changed {
				updated = c.TicketID
			}
		} else if err != nil && !desk.IsNotFound(err) {
			return err
		}
		nt := desk.NewTicket{Subject: subjectOf(text, nil, ch.Name), Body: text, RequesterID: vis.Contact.ID,
			Channel: desk.ChannelChat, Inbound: true, Tags: []string{"offline"}}
		if ch.Team != nil {
			nt.TeamID = &ch.Team.ID
		}
		if t, _, err = s.tickets.CreateTx(ctx, tx, desk.System, nt); err != nil {
			return err
		}
		if vis.CurrentURL != "" {
			if err := tx.InsertEvents(ctx, desk.Event{TicketID: t.ID, Actor: orName(vis.Name, vis.Email), Action: "chat_offline",
				Field: "page", New: desk.Clip(vis.CurrentURL, 500), At: s.now()}); err != nil {
				return err
			}
		}
		if ch.MailboxID != nil {
			return tx.SetTicketMailbox(ctx, t.ID, *ch.MailboxID)
		}
		return nil
	})
	if err != nil {
		return desk.Ticket{}, err
	}
	s.tickets.Publish(ctx, realtime.TicketCreated, t.ID, desk.Actor{})
	if updated != 0 {
		s.tickets.Publish(ctx, realtime.TicketUpdated, updated, desk.Actor{})
	}
	return t, nil
}

// VisitorFile returns a file of one of the visitor's chats.
func (s *Service) VisitorFile(ctx context.Context, v Visitor, attachmentID int64) (desk.Attachment, []byte, error) {
	tx := s.st.Read()
	owner, err := tx.ChatFileVisitor(ctx, attachmentID)
	if err != nil {
		return desk.Attachment{}, nil, err
	}
	if owner != v.VisitorID {
		return desk.Attachment{}, nil, desk.Errorf(desk.ENotFound, "File not found.")
	}
	a, data, _, err := tx.Attachment(ctx, attachmentID)
	return a, data, err
}

var _ ticket.Outbox = (*Service)(nil)
