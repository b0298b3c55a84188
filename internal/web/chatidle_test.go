package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
	"switchboard/internal/ticket"
)

// TestChatAdminIdleSettings: the channel form sets, in minutes, how long a
// chat rings before it is missed and how long after the visitor left an
// ongoing chat ends (0 never; empty the default), and refuses anything
// else with the field's error.
func TestChatAdminIdleSettings(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		form := func(kv ...string) url.Values {
			v := url.Values{"name": {"Docs"}, "color": {"#2563eb"}, "position": {"right"}, "prechat_name": {"optional"},
				"prechat_email": {"optional"}, "max_upload": {"10"}, "active": {"1"}}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		e.run(t, []scenario{
			{name: "defaults", req: req{method: "GET", path: "/admin/chat", role: "admin"}, status: 200,
				contains: []string{`name="queue_timeout" type="number" min="0" max="1440" step="any" value="3" aria-describedby="hint-queue_timeout"`,
					`name="end_after_left" type="number" min="0" max="1440" step="any" value="10" aria-describedby="hint-end_after_left"`,
					"Missed after (minutes)", "End after the visitor left (minutes)", "0: never."}},
			{name: "add", req: req{method: "POST", path: "/admin/chat", role: "admin", form: form("queue_timeout", "1,5", "end_after_left", "0")},
				status: 303, headers: map[string]string{"Location": "/admin/chat/"}},
		})
		chs, err := e.chat.Channels(ctx, desk.System)
		if err != nil || len(chs) != 1 || chs[0].QueueTimeout != 90*time.Second || chs[0].EndAfterLeft != 0 {
			t.Fatalf("added: %v %+v", err, chs)
		}
		page := "/admin/chat/" + fmt.Sprint(chs[0].ID)
		e.run(t, []scenario{
			{name: "page", req: req{method: "GET", path: page, role: "admin"}, status: 200,
				contains: []string{`name="queue_timeout" type="number" min="0" max="1440" step="any" value="1.5"`,
					`name="end_after_left" type="number" min="0" max="1440" step="any" value="0"`}},
			{name: "refused", req: req{method: "POST", path: page, role: "admin", form: form("queue_timeout", "-1", "end_after_left", "soon")},
				status: 422, contains: []string{`value="-1" aria-invalid="true" aria-describedby="err-queue_timeout hint-queue_timeout"`,
					`value="soon" aria-invalid="true" aria-describedby="err-end_after_left hint-end_after_left"`,
					`<span class="field-error" id="err-queue_timeout">a number of minutes from 0 (never) to 1440</span>`,
					`<span class="field-error" id="err-end_after_left">a number of minutes from 0 (never) to 1440</span>`}},
			{name: "over a day", req: req{method: "POST", path: page, role: "admin", form: form("queue_timeout", "1441", "end_after_left", "5")},
				status: 422, contains: []string{`id="err-queue_timeout"`}, absent: []string{`id="err-end_after_left"`}},
		})
		if got, _ := e.chat.Channel(ctx, desk.System, chs[0].ID); got.QueueTimeout != 90*time.Second || got.EndAfterLeft != 0 {
			t.Fatalf("changed by a refused form: %+v", got)
		}
		e.run(t, []scenario{
			{name: "a day, and empty for the default", req: req{method: "POST", path: page, role: "admin", form: form("queue_timeout", "1440", "end_after_left", "")},
				status: 303},
		})
		if got, _ := e.chat.Channel(ctx, desk.System, chs[0].ID); got.QueueTimeout != 24*time.Hour || got.EndAfterLeft != chat.DefaultEndAfterLeft {
			t.Fatalf("saved: %+v", got)
		}
	})
}

// TestChatsEndingByThemselves: when the sweep (here another process's, an
// hour later) ends a ringing chat as missed and an agent's chat whose
// visitor left, the agent's stream says so, the chat page shows why, and
// so does the ticket's timeline.
func TestChatsEndingByThemselves(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		e.app.cfg.Context = ctx
		srv := httptest.NewServer(e.h)
		defer func() { cancel(); srv.CloseClientConnections(); srv.Close() }()
		bo := e.actors["agent"]
		mine := e.acceptedChat(t, bo, "Iva", "My order is late")
		ringing := e.startChat(t, "Marko", "Hello?")
		s := e.openEvents(t, ctx, srv.URL, "agent")

		clk := desk.NewFixedClock(time.Now().Add(time.Hour))
		sweeper := chat.New(st, ticket.New(st, e.broker, clk), e.broker, clk, chat.Options{})
		if missed, ended, err := sweeper.Sweep(ctx); err != nil || missed != 1 || ended != 1 {
			t.Fatalf("sweep: %d missed, %d ended, %v", missed, ended, err)
		}
		got := map[int64]string{}
		for len(got) < 2 {
			d := s.next("chat")
			for _, c := range []desk.Chat{mine, ringing} {
				if strings.Contains(d, `"type":"chat.state"`) && strings.Contains(d, fmt.Sprintf(`"chat_id":%d,`, c.ID)) {
					got[c.ID] = d
				}
			}
		}
		for id, d := range got {
			if !strings.Contains(d, `"status":"ended"`) || !strings.Contains(d, `"ring":true`) {
				t.Errorf("chat %d: %s", id, d)
			}
		}
		e.run(t, []scenario{
			{name: "the agent's chat ended", req: req{method: "GET", path: fmt.Sprintf("/chats/%d/log", mine.ID), role: "agent", htmx: true}, status: 200,
				contains: []string{"The chat ended: the visitor left", `class="chat-ended"`, `<span class="badge cs-ended">Ended</span>`}},
			{name: "the missed chat", req: req{method: "GET", path: fmt.Sprintf("/chats/%d", ringing.ID), role: "agent"}, status: 200,
				contains: []string{"Missed: the visitor left before anyone accepted", `class="chat-ended"`},
				absent:   []string{`/chats/` + fmt.Sprint(ringing.ID) + `/accept`}},
			{name: "timeline of the missed chat", req: req{method: "GET", path: fmt.Sprintf("/tickets/%d/timeline", ringing.TicketID), role: "agent", htmx: true},
				status: 200, contains: []string{"<strong>System</strong> marked the chat missed: the visitor left before anyone accepted it"}},
			{name: "timeline of the ended chat", req: req{method: "GET", path: fmt.Sprintf("/tickets/%d/timeline", mine.TicketID), role: "agent", htmx: true},
				status: 200, contains: []string{"<strong>System</strong> ended the chat: the visitor left"}},
		})
	})
}
