package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// seedChat makes, through the API and the chat service, a chat channel
// ({{chatchannel}}, key {{chatkey}}), a channel to delete
// ({{doomedchannel}}), and a visitor ({{visitor}}) whose chat
// ({{chat}}) is queued.
func (e *testEnv) seedChat() {
	e.t.Helper()
	res := e.do("POST", "/api/v1/chat/channels", roleAdmin, `{"name":"Website","origins":["https://www.acme.example"],"team":{{team}}}`, "")
	if res.Code != http.StatusCreated {
		e.t.Fatalf("seed chat channel: %d %s", res.Code, res.Body)
	}
	e.save(res, map[string]string{"chatchannel": "id", "chatkey": "key"})
	res = e.do("POST", "/api/v1/chat/channels", roleAdmin, `{"name":"Doomed"}`, "")
	if res.Code != http.StatusCreated {
		e.t.Fatalf("seed doomed chat channel: %d %s", res.Code, res.Body)
	}
	e.save(res, map[string]string{"doomedchannel": "id"})
	c := e.startChat("Iva", "iva@example.com", "Is the Pro plan billed monthly?")
	e.vars["chat"], e.vars["visitor"] = fmt.Sprint(c.ID), fmt.Sprint(c.VisitorID)
}

// startChat has a new visitor open a page with the widget and start a chat.
func (e *testEnv) startChat(name, email, text string) desk.Chat {
	e.t.Helper()
	ctx := context.Background()
	svc, key := e.cfg.Chat, e.vars["chatkey"]
	w, err := svc.Connect(ctx, key, chat.Hello{URL: "https://www.acme.example/pricing", Title: "Pricing", Language: "hr"})
	if err != nil {
		e.t.Fatal(err)
	}
	_, v, err := svc.Authenticate(ctx, key, w.Token)
	if err != nil {
		e.t.Fatal(err)
	}
	sent, err := svc.Start(ctx, v, chat.StartInput{Name: name, Email: email, Text: text, ClientID: "c1"})
	if err != nil {
		e.t.Fatal(err)
	}
	return sent.Chat
}

// TestChatAPI manages chat channels as an admin (the identity secret only
// in answers about one channel) and reads chats, their logs and the
// visitors online as an agent.
func TestChatAPI(t *testing.T) {
	eachEngine(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		e.seedChat()
		ctx := context.Background()
		agentID := e.vars["agent"]
		var aid int64
		fmt.Sscan(agentID, &aid)
		alan := desk.Actor{Kind: desk.ActorAgent, AgentID: aid, Name: "Alan Agent", Role: desk.RoleAgent}
		// Two more chats: one Alan ended and the visitor rated, one active.
		ended := e.startChat("Ben", "ben@example.com", "Can I get an invoice?")
		if _, err := e.cfg.Chat.Accept(ctx, alan, ended.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.cfg.Tickets.AddMessage(ctx, alan, ended.TicketID, desk.NewMessage{Text: "Sure, on its way."}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.cfg.Chat.End(ctx, alan, ended.ID, true); err != nil {
			t.Fatal(err)
		}
		active := e.startChat("", "", "Hello?")
		if _, err := e.cfg.Chat.Accept(ctx, alan, active.ID); err != nil {
			t.Fatal(err)
		}
		e.vars["ended"], e.vars["active"], e.vars["endedticket"] = fmt.Sprint(ended.ID), fmt.Sprint(active.ID), fmt.Sprint(ended.TicketID)
		runSteps(t, e, []step{
			// Channels.
			{name: "list as agent", method: "GET", path: "/api/v1/chat/channels", status: 200,
				json: map[string]any{"items.#": 2, "items.0.name": "Doomed", "items.1.name": "Website", "items.1.key": "{{chatkey}}",
					"items.1.team.name": "Billing", "items.1.origins": []string{"https://www.acme.example"},
					"items.1.embed":           `<script src="http://switchboard.test/chat/widget.js" data-channel="{{chatkey}}" async></script>`,
					"items.1.identity_secret": absent, "items.1.token_secret": absent, "next_cursor": nil}},
			{name: "get as agent", method: "GET", path: "/api/v1/chat/channels/{{chatchannel}}", status: 403},
			{name: "get", method: "GET", path: "/api/v1/chat/channels/{{chatchannel}}", role: roleAdmin, status: 200,
				json: map[string]any{"name": "Website", "identity_secret": notNull, "color": "#2563eb", "position": "right",
					"languages": []string{}, "prechat.name": "optional", "prechat.email": "optional", "max_upload": 10 << 20,
					"queue_timeout": 180, "end_after_left": 600, "mailbox_id": nil, "active": true}, save: map[string]string{"secret0": "identity_secret"}},
			// Rotating the identity secret: admins only, no body or an empty object.
			{name: "rotate as agent", method: "POST", path: "/api/v1/chat/channels/{{chatchannel}}/identity-secret", status: 403},
			{name: "rotate", method: "POST", path: "/api/v1/chat/channels/{{chatchannel}}/identity-secret", role: roleAdmin, status: 200,
				json: map[string]any{"id": "{{chatchannel}}", "name": "Website", "key": "{{chatkey}}", "identity_secret": notNull, "token_secret": absent},
				save: map[string]string{"secret1": "identity_secret"}},
			{name: "rotate with an empty object", method: "POST", path: "/api/v1/chat/channels/{{chatchannel}}/identity-secret", role: roleAdmin,
				body: `{}`, status: 200, save: map[string]string{"secret2": "identity_secret"}},
			{name: "rotate with a field", method: "POST", path: "/api/v1/chat/channels/{{chatchannel}}/identity-secret", role: roleAdmin,
				body: `{"identity_secret":"mine"}`, status: 422, json: map[string]any{"errors.identity_secret": "unknown field"}},
			{name: "rotate with text", method: "POST", path: "/api/v1/chat/channels/{{chatchannel}}/identity-secret", role: roleAdmin,
				body: `please`, ctype: "text/plain", status: 415},
			{name: "rotate missing", method: "POST", path: "/api/v1/chat/channels/999999/identity-secret", role: roleAdmin, status: 404},
			{name: "create full", method: "POST", path: "/api/v1/chat/channels", role: roleAdmin,
				body: `{"name":"Shop","team":null,"origins":["https://shop.acme.example/cart","https://*.acme.example"],"color":"#AA3300",
					"greeting":"Hi!","position":"left","languages":["hr","en"],"prechat":{"email":"required"},"max_upload":1048576,
					"queue_timeout":90,"end_after_left":0,"active":false}`,
				status: 201, header: map[string]string{"Location": "http://switchboard.test/api/v1/chat/channels/"},
				json: map[string]any{"origins": []string{"https://shop.acme.example", "https://*.acme.example"}, "color": "#aa3300",
					"languages": []string{"hr", "en"}, "prechat.name": "optional", "prechat.email": "required", "max_upload": 1048576,
					"queue_timeout": 90, "end_after_left": 0, "active": false, "team": nil, "identity_secret": notNull},
				save: map[string]string{"shop": "id"}},
			{name: "create refused", method: "POST", path: "/api/v1/chat/channels", role: roleAdmin,
				body: `{"name":"","origins":["ftp://x.example"],"color":"red","position":"top","languages":["de"],"prechat":{"name":"maybe"},"max_upload":999999999,
					"queue_timeout":-1,"end_after_left":86401}`,
				status: 422, json: map[string]any{"errors.name": present, "errors.origins": present, "errors.color": present, "errors.position": present,
					"errors.languages": present, "errors.prechat_name": present, "errors.max_upload": present,
					"errors.queue_timeout": present, "errors.end_after_left": present}},
			{name: "create unknown field", method: "POST", path: "/api/v1/chat/channels", role: roleAdmin, body: `{"name":"X","token_secret":"x"}`, status: 422},
			{name: "create unknown team", method: "POST", path: "/api/v1/chat/channels", role: roleAdmin, body: `{"name":"X","team":999999}`, status: 422,
				json: map[string]any{"errors.team": "no such team"}},
			{name: "create as agent", method: "POST", path: "/api/v1/chat/channels", body: `{"name":"X"}`, status: 403},
			{name: "patch", method: "PATCH", path: "/api/v1/chat/channels/{{shop}}", role: roleAdmin,
				body: `{"team":{{team}},"prechat":{"name":"off"},"active":true,"greeting":"Hello there"}`, status: 200,
				json: map[string]any{"team.name": "Billing", "prechat.name": "off", "prechat.email": "required", "active": true,
					"greeting": "Hello there", "color": "#aa3300", "position": "left", "origins": []string{"https://shop.acme.example", "https://*.acme.example"}}},
			{name: "patch clears team", method: "PATCH", path: "/api/v1/chat/channels/{{shop}}", role: roleAdmin, body: `{"team":null,"origins":[]}`, status: 200,
				json: map[string]any{"team": nil, "origins": []string{}, "greeting": "Hello there"}},
			{name: "patch refused", method: "PATCH", path: "/api/v1/chat/channels/{{shop}}", role: roleAdmin, body: `{"max_upload":0}`, status: 422,
				json: map[string]any{"errors.max_upload": present}},
			{name: "patch idle settings", method: "PATCH", path: "/api/v1/chat/channels/{{shop}}", role: roleAdmin,
				body: `{"queue_timeout":0,"end_after_left":86400}`, status: 200,
				json: map[string]any{"queue_timeout": 0, "end_after_left": 86400, "max_upload": 1048576}},
			{name: "patch idle settings refused", method: "PATCH", path: "/api/v1/chat/channels/{{shop}}", role: roleAdmin,
				body: `{"queue_timeout":9223372036854775807}`, status: 422, json: map[string]any{"errors.queue_timeout": present}},
			{name: "patch idle settings of a wrong type", method: "PATCH", path: "/api/v1/chat/channels/{{shop}}", role: roleAdmin,
				body: `{"end_after_left":"10m"}`, status: 422, json: map[string]any{"errors.end_after_left": present}},
			{name: "patch missing", method: "PATCH", path: "/api/v1/chat/channels/999999", role: roleAdmin, body: `{"name":"x"}`, status: 404},
			{name: "delete", method: "DELETE", path: "/api/v1/chat/channels/{{shop}}", role: roleAdmin, status: 204},
			{name: "delete again", method: "DELETE", path: "/api/v1/chat/channels/{{shop}}", role: roleAdmin, status: 404},

			// Chats.
			{name: "all chats", method: "GET", path: "/api/v1/chats", status: 200,
				json: map[string]any{"items.#": 3, "items.0.id": "{{active}}", "items.0.status": "active", "items.0.agent.name": "Alan Agent",
					"items.1.id": "{{ended}}", "items.2.id": "{{chat}}", "items.2.status": "queued", "items.2.agent": nil,
					"items.2.visitor_name": "Iva", "items.2.visitor_verified": false, "items.2.team.name": "Billing", "next_cursor": nil}},
			{name: "first page", method: "GET", path: "/api/v1/chats?limit=2", status: 200,
				json: map[string]any{"items.#": 2, "next_cursor": notNull}, save: map[string]string{"next": "next_cursor"}},
			{name: "second page", method: "GET", path: "/api/v1/chats?limit=2&cursor={{next}}", status: 200,
				json: map[string]any{"items.#": 1, "items.0.id": "{{chat}}", "next_cursor": nil}},
			{name: "ended", method: "GET", path: "/api/v1/chats?status=ended", status: 200,
				json: map[string]any{"items.#": 1, "items.0.id": "{{ended}}", "items.0.ended_at": notNull, "items.0.accepted_at": notNull,
					"items.0.ticket_id": "{{endedticket}}", "items.0.transcript_sent_to": []string{}}},
			{name: "bad status", method: "GET", path: "/api/v1/chats?status=open", status: 422, json: map[string]any{"errors.status": present}},
			{name: "bad cursor", method: "GET", path: "/api/v1/chats?cursor=nope", status: 422},
			{name: "bad limit", method: "GET", path: "/api/v1/chats?limit=500", status: 422},
			{name: "chat with its log", method: "GET", path: "/api/v1/chats/{{ended}}", status: 200,
				json: map[string]any{"status": "ended", "entries.#": 4,
					"entries.0.seq": 1, "entries.0.author": "visitor", "entries.0.text": "Can I get an invoice?", "entries.0.message_id": notNull,
					"entries.0.agent_id": nil, "entries.0.name": "Ben", "entries.0.files": []any{},
					"entries.1.kind": "event", "entries.1.event": "accepted", "entries.1.agent_id": "{{agent}}",
					"entries.2.author": "agent", "entries.2.text": "Sure, on its way.", "entries.3.event": "ended", "entries.0.cid": absent}},
			{name: "missing chat", method: "GET", path: "/api/v1/chats/999999", status: 404},

			// Visitors on the site now.
			{name: "visitors", method: "GET", path: "/api/v1/visitors", status: 200,
				json: map[string]any{"items.#": 3, "items.0.chat_id": "{{active}}", "items.1.chat_id": nil, "items.2.id": "{{visitor}}",
					"items.2.chat_id": "{{chat}}", "items.2.current_url": "https://www.acme.example/pricing", "items.2.language": "hr",
					"items.2.contact.email": "iva@example.com", "items.2.email": "iva@example.com", "items.2.verified": false,
					"items.2.page_views": 1, "next_cursor": nil}},
			{name: "one visitor", method: "GET", path: "/api/v1/visitors?limit=1", status: 200, json: map[string]any{"items.#": 1}},
		})

		// Each rotation gave a new secret; only the latest signs identities
		// (the channel's cached copy was dropped), and GET shows it.
		s0, s1, s2 := e.vars["secret0"], e.vars["secret1"], e.vars["secret2"]
		if s0 == s1 || s1 == s2 || s0 == s2 || len(s2) < 32 {
			t.Errorf("secrets after rotating: %q %q %q", s0, s1, s2)
		}
		if res := e.do("GET", "/api/v1/chat/channels/{{chatchannel}}", roleAdmin, "", ""); fmt.Sprint(res.JSON.(map[string]any)["identity_secret"]) != s2 {
			t.Errorf("GET after rotating: %s", res.Body)
		}
		for secret, signed := range map[string]bool{s0: false, s1: false, s2: true} {
			id := &chat.Identity{ID: "u-" + secret[:8], Email: "signed@example.com", Hash: chat.IdentityHash(secret, "u-"+secret[:8], "signed@example.com")}
			w, err := e.cfg.Chat.Connect(ctx, e.vars["chatkey"], chat.Hello{Identity: id})
			if err != nil {
				t.Fatal(err)
			}
			if got := w.Visitor.ExternalID != ""; got != signed {
				t.Errorf("identity signed with secret %q (signed %v): visitor %+v", secret[:8], signed, w.Visitor)
			}
		}
		// The visitor signed in is verified in the API; the others are not.
		res := e.do("GET", "/api/v1/visitors", roleAgent, "", "")
		verified := 0
		for _, it := range res.JSON.(map[string]any)["items"].([]any) {
			v := it.(map[string]any)
			if v["verified"] == true {
				verified++
				if v["external_id"] != "u-"+s2[:8] || v["email"] != "signed@example.com" {
					t.Errorf("verified visitor: %v", v)
				}
			} else if v["verified"] != false {
				t.Errorf("visitor without verified: %v", v)
			}
		}
		if verified != 1 {
			t.Errorf("%d verified visitors, want 1: %s", verified, res.Body)
		}

		// Without live chat the routes answer 404.
		cfg := e.cfg
		cfg.Chat = nil
		e.h = New(cfg)
		for _, p := range []string{"/api/v1/chat/channels", "/api/v1/chats", "/api/v1/visitors"} {
			res := e.do("GET", p, roleAgent, "", "")
			if res.Code != http.StatusNotFound || !strings.Contains(string(res.Body), "Live chat is not enabled") {
				t.Errorf("%s without chat: %d %s", p, res.Code, res.Body)
			}
		}
	})
}
