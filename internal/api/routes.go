package api

import (
	_ "embed"
	"net/http"
)

// route is one API operation. The same table registers the handlers and is
// checked against the OpenAPI document in tests, so the two cannot drift.
type route struct {
	Method      string
	Path        string // a net/http pattern path, e.g. /api/v1/tickets/{id}
	OperationID string // the operationId in openapi.json
	Public      bool   // served without a bearer token
	handler     func(*server, http.ResponseWriter, *http.Request)
}

// routes lists every API operation.
var routes = []route{
	{"GET", Prefix + "/openapi.json", "getOpenAPI", true, (*server).openAPI},
	{"POST", Prefix + "/tickets", "createTicket", false, (*server).createTicket},
	{"GET", Prefix + "/tickets", "listTickets", false, (*server).listTickets},
	{"GET", Prefix + "/tickets/{id}", "getTicket", false, (*server).getTicket},
	{"PATCH", Prefix + "/tickets/{id}", "updateTicket", false, (*server).updateTicket},
	{"GET", Prefix + "/tickets/{id}/messages", "listMessages", false, (*server).listMessages},
	{"POST", Prefix + "/tickets/{id}/messages", "addMessage", false, (*server).addMessage},
	{"GET", Prefix + "/tickets/{id}/events", "listEvents", false, (*server).listEvents},
	{"GET", Prefix + "/contacts", "listContacts", false, (*server).listContacts},
	{"GET", Prefix + "/contacts/{id}", "getContact", false, (*server).getContact},
	{"GET", Prefix + "/agents", "listAgents", false, (*server).listAgents},
	{"GET", Prefix + "/teams", "listTeams", false, (*server).listTeams},
	{"GET", Prefix + "/mailboxes", "listMailboxes", false, (*server).listMailboxes},
	{"POST", Prefix + "/mailboxes", "createMailbox", false, (*server).createMailbox},
	{"GET", Prefix + "/mailboxes/{id}", "getMailbox", false, (*server).getMailbox},
	{"PATCH", Prefix + "/mailboxes/{id}", "updateMailbox", false, (*server).updateMailbox},
	{"DELETE", Prefix + "/mailboxes/{id}", "deleteMailbox", false, (*server).deleteMailbox},
	{"GET", Prefix + "/chat/channels", "listChatChannels", false, (*server).listChatChannels},
	{"POST", Prefix + "/chat/channels", "createChatChannel", false, (*server).createChatChannel},
	{"GET", Prefix + "/chat/channels/{id}", "getChatChannel", false, (*server).getChatChannel},
	{"PATCH", Prefix + "/chat/channels/{id}", "updateChatChannel", false, (*server).updateChatChannel},
	{"DELETE", Prefix + "/chat/channels/{id}", "deleteChatChannel", false, (*server).deleteChatChannel},
	{"POST", Prefix + "/chat/channels/{id}/identity-secret", "rotateChatIdentitySecret", false, (*server).rotateIdentitySecret},
	{"GET", Prefix + "/chats", "listChats", false, (*server).listChats},
	{"GET", Prefix + "/chats/{id}", "getChat", false, (*server).getChat},
	{"GET", Prefix + "/visitors", "listVisitors", false, (*server).listVisitors},
	{"GET", Prefix + "/canned-responses", "listCannedResponses", false, (*server).listCannedResponses},
	{"POST", Prefix + "/canned-responses", "createCannedResponse", false, (*server).createCannedResponse},
	{"GET", Prefix + "/canned-responses/{id}", "getCannedResponse", false, (*server).getCannedResponse},
	{"PATCH", Prefix + "/canned-responses/{id}", "updateCannedResponse", false, (*server).updateCannedResponse},
	{"DELETE", Prefix + "/canned-responses/{id}", "deleteCannedResponse", false, (*server).deleteCannedResponse},
}

// openAPIDoc is the OpenAPI 3.1 document of the whole API.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the OpenAPI 3.1 document served at /api/v1/openapi.json.
func OpenAPI() []byte { return openAPIDoc }

func (s *server) openAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(openAPIDoc)
}
