package desk

import "time"

// MessageKind tells a public reply from an internal note.
type MessageKind string

// Message kinds.
const (
	KindReply MessageKind = "reply"
	KindNote  MessageKind = "note"
)

// Direction tells whether a message came from the customer or went to them.
type Direction string

// Directions.
const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
)

// Message is one entry in a ticket's thread.
type Message struct {
	ID          int64        `json:"id"`
	TicketID    int64        `json:"ticket_id"`
	Kind        MessageKind  `json:"kind"`
	Internal    bool         `json:"internal"` // Kind == KindNote
	Direction   Direction    `json:"direction"`
	Channel     Channel      `json:"channel"`
	Author      *AgentRef    `json:"author"`  // agent author, if any
	Contact     *ContactRef  `json:"contact"` // customer author, if any
	Text        string       `json:"text"`
	HTML        string       `json:"html"` // sanitized
	Attachments []Attachment `json:"attachments"`
	CreatedAt   time.Time    `json:"created_at"`
	// FullText is the whole text of an email when Text holds only what
	// the sender wrote now (quoted history and signature stripped); ""
	// when nothing was stripped.
	FullText string `json:"full_text,omitempty"`
	// Delivery is the state of the email carrying an outbound reply, nil
	// when the reply was not sent by email.
	Delivery *Delivery `json:"delivery,omitempty"`
}

// NewMessage is the input to add a message to a ticket.
type NewMessage struct {
	Text     string
	HTML     string // optional; sanitized by the service
	Internal bool   // an internal note
	// Inbound marks a message from the customer (e.g. the API posting on the
	// customer's behalf); otherwise the actor's agent is the author.
	Inbound     bool
	Attachments []NewAttachment
	// Status optionally changes the ticket's status in the same action
	// ("send and resolve").
	Status *Status
	// FullText is the whole text when Text is what an email's sender
	// wrote now (see Message.FullText).
	FullText string
	// Channel overrides the ticket's channel for this message (an email
	// reply on a chat ticket); "" means the ticket's channel.
	Channel Channel
	// Quiet adds the message without sending it to the customer (mail the
	// customer sent, or a reply already delivered elsewhere).
	Quiet bool
	// From is the author of an inbound message when it is not the
	// requester (a colleague of theirs replying on the thread).
	From *ContactRef
}

// Attachment is a stored file on a message, content-addressed by SHA-256.
type Attachment struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Inline      bool   `json:"inline"`
	ContentID   string `json:"content_id"`
}

// NewAttachment is an uploaded file to store with a message.
type NewAttachment struct {
	Filename    string
	ContentType string
	Data        []byte
	Inline      bool
	ContentID   string
}
