package desk

import "time"

// FieldMode says whether a pre-chat form asks for a field.
type FieldMode string

// Field modes.
const (
	FieldRequired FieldMode = "required"
	FieldOptional FieldMode = "optional"
	FieldOff      FieldMode = "off"
)

// Valid reports whether m is a known mode.
func (m FieldMode) Valid() bool {
	return m == FieldRequired || m == FieldOptional || m == FieldOff
}

// Prechat is what the widget asks before a chat starts.
type Prechat struct {
	Name  FieldMode `json:"name"`
	Email FieldMode `json:"email"`
}

// ChatChannel is one website's chat widget: how it looks, who may embed it,
// which team answers it.
type ChatChannel struct {
	ID        int64    `json:"id"`
	PublicKey string   `json:"key"` // names the channel in the embed snippet
	Name      string   `json:"name"`
	Team      *TeamRef `json:"team"`
	// MailboxID is the mailbox that sends transcripts and answers offline
	// messages; nil means the first active one.
	MailboxID *int64   `json:"mailbox_id"`
	Origins   []string `json:"origins"` // e.g. https://www.example.com
	Color     string   `json:"color"`   // #rrggbb
	Greeting  string   `json:"greeting"`
	Position  string   `json:"position"`  // right or left
	Languages []string `json:"languages"` // offered; empty means all
	Prechat   Prechat  `json:"prechat"`
	MaxUpload int64    `json:"max_upload"` // bytes per file
	// QueueTimeout is how long a chat may ring before it ends as missed
	// (answered by email instead); 0 never.
	QueueTimeout time.Duration `json:"queue_timeout"`
	// EndAfterLeft is how long after the visitor left an ongoing chat ends
	// by itself; 0 never.
	EndAfterLeft time.Duration `json:"end_after_left"`
	// TokenSecret signs visitor tokens; IdentitySecret is shared with the
	// site, which signs its logged-in users' identity with it.
	TokenSecret    string    `json:"-"`
	IdentitySecret string    `json:"-"`
	Active         bool      `json:"active"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// ChatInvitation is a proactive invitation rule: on a matching page, after
// some time, for visitors with enough visits, the widget opens with a
// greeting.
type ChatInvitation struct {
	ID         int64     `json:"id"`
	ChannelID  int64     `json:"channel_id"`
	Name       string    `json:"name"`
	URLPattern string    `json:"url_pattern"` // glob: * matches anything
	MinSeconds int       `json:"min_seconds"`
	MinVisits  int       `json:"min_visits"`
	Greeting   string    `json:"greeting"`
	Active     bool      `json:"active"`
	Position   int       `json:"position"`
	CreatedAt  time.Time `json:"created_at"`
}

// ChatVisitor is someone on a site with the widget.
type ChatVisitor struct {
	ID           int64       `json:"id"`
	ChannelID    int64       `json:"channel_id"`
	Contact      *ContactRef `json:"contact"`
	ExternalID   string      `json:"external_id,omitempty"`
	Name         string      `json:"name"`
	Email        string      `json:"email"`
	Language     string      `json:"language"`
	TimeZone     string      `json:"time_zone"`
	UserAgent    string      `json:"user_agent"`
	Referrer     string      `json:"referrer"`
	CurrentURL   string      `json:"current_url"`
	CurrentTitle string      `json:"current_title"`
	Visits       int         `json:"visits"`
	PageViews    int         `json:"page_views"`
	FirstSeenAt  time.Time   `json:"first_seen_at"`
	VisitAt      time.Time   `json:"visit_at"`
	LastSeenAt   time.Time   `json:"last_seen_at"`
	// Verified says the site signed who the visitor is (see chat.Identity):
	// ExternalID, and Email when they have one, came with a signature the
	// channel's identity secret checks. False for what visitors typed
	// themselves (the pre-chat form, a transcript request, the offline
	// form): such an email is a claim nobody checked.
	Verified bool `json:"verified"`
	// ChatID is the visitor's open chat (queued or active), 0 for none;
	// filled by listings.
	ChatID int64 `json:"chat_id,omitempty"`
}

// Returning reports whether the visitor came before this visit.
func (v ChatVisitor) Returning() bool { return v.Visits > 1 }

// PageView is one page a visitor opened.
type PageView struct {
	URL   string    `json:"url"`
	Title string    `json:"title"`
	At    time.Time `json:"at"`
}

// ChatStatus is where a chat is in its life.
type ChatStatus string

// Chat statuses.
const (
	ChatQueued ChatStatus = "queued" // waiting for an agent to accept (ringing)
	ChatActive ChatStatus = "active" // an agent is chatting
	ChatEnded  ChatStatus = "ended"  // over; the ticket lives on
)

// Chat is one live conversation between a visitor and agents; its
// messages are also the messages of its ticket (channel chat).
type Chat struct {
	ID            int64      `json:"id"`
	ChannelID     int64      `json:"channel_id"`
	VisitorID     int64      `json:"visitor_id"`
	TicketID      int64      `json:"ticket_id"`
	Team          *TeamRef   `json:"team"`
	Agent         *AgentRef  `json:"agent"`
	Status        ChatStatus `json:"status"`
	LastSeq       int64      `json:"last_seq"`
	VisitorSeen   int64      `json:"visitor_seen"`
	AgentSeen     int64      `json:"agent_seen"`
	Rating        *int       `json:"rating"`
	RatingComment string     `json:"rating_comment"`
	TranscriptTo  string     `json:"transcript_to"`
	StartedAt     time.Time  `json:"started_at"`
	// QueuedAt is when the chat last started ringing: when it started, or
	// when it was transferred to a team's queue.
	QueuedAt   *time.Time `json:"queued_at"`
	AcceptedAt *time.Time `json:"accepted_at"`
	EndedAt    *time.Time `json:"ended_at"`
	// Filled by listings for the agent side.
	TicketNumber int64  `json:"ticket_number,omitempty"`
	VisitorName  string `json:"visitor_name,omitempty"`
	Preview      string `json:"preview,omitempty"`
	// VisitorVerified is the visitor's ChatVisitor.Verified.
	VisitorVerified bool `json:"visitor_verified,omitempty"`
}

// Open reports whether the chat is still live (queued or active).
func (c Chat) Open() bool { return c.Status == ChatQueued || c.Status == ChatActive }

// Entry kinds and authors of a chat's log.
const (
	EntryMessage = "message"
	EntryEvent   = "event"

	AuthorVisitor = "visitor"
	AuthorAgent   = "agent"
	AuthorSystem  = "system"
)

// Chat log events (ChatEntry.Event).
const (
	ChatEventStarted     = "started"
	ChatEventAccepted    = "accepted"
	ChatEventTransferred = "transferred"
	ChatEventEnded       = "ended"
	ChatEventRated       = "rated"
	// ChatEventMissed ends a chat nobody accepted: it rang too long
	// (Body MissedTimeout) or the visitor left (Body MissedLeft).
	ChatEventMissed = "missed"
)

// Why a chat ended by itself: the Body of its missed or ended entry, and
// the Field of its ticket event.
const (
	MissedTimeout = "timeout"      // rang longer than the channel's queue timeout
	MissedLeft    = "visitor_left" // the visitor left while it rang
	EndedLeft     = "visitor_left" // an ongoing chat whose visitor left (entry Body of ChatEventEnded)
)

// ChatEntry is one numbered line of a chat's log as the visitor sees it: a
// message, or an event such as "Ana joined". Seq counts from 1 per chat
// without gaps, so a widget that has entries up to n asks for the rest.
type ChatEntry struct {
	ChatID    int64        `json:"chat_id"`
	Seq       int64        `json:"seq"`
	Kind      string       `json:"kind"`
	Author    string       `json:"author"`
	AgentID   int64        `json:"agent_id,omitempty"`
	Name      string       `json:"name"`
	MessageID int64        `json:"message_id,omitempty"`
	ClientID  string       `json:"cid,omitempty"`
	Body      string       `json:"text"`
	Event     string       `json:"event,omitempty"`
	Files     []Attachment `json:"files,omitempty"`
	CreatedAt time.Time    `json:"at"`
}

// AgentChatStatus is whether an agent takes chats.
type AgentChatStatus string

// Agent chat statuses.
const (
	AgentOnline  AgentChatStatus = "online"
	AgentAway    AgentChatStatus = "away"
	AgentOffline AgentChatStatus = "offline"
)

// Valid reports whether s is a known status.
func (s AgentChatStatus) Valid() bool {
	return s == AgentOnline || s == AgentAway || s == AgentOffline
}
