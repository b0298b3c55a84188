package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/desk"
	"switchboard/internal/mailbox"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestChatAdminScreens runs the admin's chat channel requests: the empty
// list, a refused add form shown again with its field errors, the channel
// page with the embed snippet and identity secret, saving, rotating the
// secret, invitation rules (refused, added, changed, deleted) and
// deleting the channel; without live chat the screens do not exist.
func TestChatAdminScreens(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		mb, err := e.mailbox.Create(ctx, desk.System, mailbox.Input{Address: "help@acme.example"})
		if err != nil {
			t.Fatal(err)
		}
		form := func(kv ...string) url.Values {
			v := url.Values{"color": {"#2563eb"}, "position": {"right"}, "prechat_name": {"optional"},
				"prechat_email": {"optional"}, "max_upload": {"10"}, "active": {"1"}}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == "languages" {
					v.Add(kv[i], kv[i+1])
				} else {
					v.Set(kv[i], kv[i+1])
				}
			}
			return v
		}
		e.run(t, []scenario{
			{name: "empty", req: req{method: "GET", path: "/admin/chat", role: "admin"}, status: 200,
				contains: []string{"No chat channels yet", `<a href="/admin/chat" aria-current="page">Chat</a>`, `action="/admin/chat"`,
					`<option value="` + fmt.Sprint(mb.ID) + `">help@acme.example</option>`, `<option value="">The first active mailbox</option>`,
					`type="color" name="color" value="#2563eb"`, `value="hr"> Croatian`, "/static/admin.js"}},
			{name: "agent may not look", req: req{method: "GET", path: "/admin/chat", role: "agent"}, status: 403},
			{name: "add refused", req: req{method: "POST", path: "/admin/chat", role: "admin",
				form: form("name", "", "origins", "https://www.acme.example\nftp://files.acme.example", "color", "blue", "max_upload", "lots")},
				status: 422, contains: []string{"Please correct the highlighted fields.", `id="err-max_upload"`, `value="lots"`,
					"ftp://files.acme.example</textarea>"}},
			{name: "add refused by the service", req: req{method: "POST", path: "/admin/chat", role: "admin",
				form: form("name", "", "origins", "https://www.acme.example\r\nftp://files.acme.example\r\n", "color", "blue", "max_upload", "30")},
				status: 422, contains: []string{`id="err-name"`, `id="err-origins"`, `is not a web origin`, `id="err-color"`,
					`aria-invalid="true" aria-describedby="err-origins hint-origins"`, `id="err-max_upload"`, `value="30"`,
					`&#34;ftp://files.acme.example&#34; is not a web origin`}},
			{name: "add", req: req{method: "POST", path: "/admin/chat", role: "admin",
				form: form("name", "Acme website", "origins", "https://www.acme.example/shop\n\nhttps://*.acme.example", "team", fmt.Sprint(e.teamID),
					"mailbox", fmt.Sprint(mb.ID), "greeting", "Hi! Ask us anything.", "languages", "en", "languages", "hr", "prechat_email", "required",
					"max_upload", "2.5", "color", "#AA3300", "position", "left")},
				status: 303, headers: map[string]string{"Location": "/admin/chat/"}},
		})
		chs, err := e.chat.Channels(ctx, desk.System)
		if err != nil || len(chs) != 1 {
			t.Fatalf("channels: %v %+v", err, chs)
		}
		ch, err := e.chat.Channel(ctx, desk.System, chs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if ch.Name != "Acme website" || strings.Join(ch.Origins, " ") != "https://www.acme.example https://*.acme.example" ||
			ch.Team == nil || ch.MailboxID == nil || *ch.MailboxID != mb.ID || ch.Color != "#aa3300" || ch.Position != "left" ||
			strings.Join(ch.Languages, ",") != "en,hr" || ch.Prechat.Email != desk.FieldRequired || ch.MaxUpload != 5<<19 || !ch.Active {
			t.Fatalf("added: %+v", ch)
		}
		id := fmt.Sprint(ch.ID)
		page := "/admin/chat/" + id
		e.run(t, []scenario{
			{name: "list", req: req{method: "GET", path: "/admin/chat", role: "admin"}, status: 200,
				contains: []string{`href="/admin/chat/` + id + `"`, "Acme website", ch.PublicKey, "https://*.acme.example", "Billing", `fill="#aa3300"`},
				absent:   []string{ch.IdentitySecret, ch.TokenSecret}},
			{name: "page after adding", req: req{method: "GET", path: page + "?done=created", role: "admin"}, status: 200,
				contains: []string{"Chat channel added.", "Embed snippet", `data-copy="snippet"`,
					`&lt;script src=&#34;http://127.0.0.1/chat/widget.js&#34; data-channel=&#34;` + ch.PublicKey + `&#34; async&gt;&lt;/script&gt;</textarea>`,
					`value="` + ch.IdentitySecret + `"`, `HMAC-SHA256(secret, id + "\n" + email)`, "hash_hmac(", "createHmac(", "hmac.New(",
					`value="hr" checked> Croatian`, `value="lt"> Lithuanian`, `<option value="left" selected>Bottom left</option>`,
					`<option value="required" selected>Required</option>`, `name="max_upload" type="number" min="0.1" max="25" step="any" value="2.5"`,
					"https://www.acme.example\nhttps://*.acme.example</textarea>", "No invitations yet", `action="` + page + `/invitations"`,
					`action="` + page + `/rotate"`, `data-confirm="Delete the chat channel Acme website?`,
					`href="/chat/demo?key=` + ch.PublicKey + `"`, "SwitchboardChat.identify("},
				absent: []string{ch.TokenSecret, "No allowed sites yet"}},
			{name: "agent may not see the secret", req: req{method: "GET", path: page, role: "agent"}, status: 403, absent: []string{ch.IdentitySecret}},
			{name: "missing", req: req{method: "GET", path: "/admin/chat/999999", role: "admin"}, status: 404},
			{name: "save refused", req: req{method: "POST", path: page, role: "admin",
				form: form("name", "Acme", "origins", "", "prechat_name", "maybe", "greeting", strings.Repeat("x", 501))},
				status: 422, contains: []string{`id="err-prechat_name"`, `id="err-greeting"`, "Chat channel Acme website", "Embed snippet"}},
			{name: "save", req: req{method: "POST", path: page, role: "admin", form: form("name", "Acme shop", "origins", "", "active", "")},
				status: 303, headers: map[string]string{"Location": page + "?done=saved"}},
			{name: "page after saving", req: req{method: "GET", path: page + "?done=saved", role: "admin"}, status: 200,
				contains: []string{"Settings saved.", "No allowed sites yet", "The channel is off", `value="hr"> Croatian`},
				absent:   []string{"/chat/demo?key="}},
			{name: "invitation refused", req: req{method: "POST", path: page + "/invitations", role: "admin",
				form: url.Values{"name": {"Pricing"}, "url_pattern": {"*/pricing*"}, "min_seconds": {"soon"}, "min_visits": {"2"}, "greeting": {"Hi"}}},
				status: 422, contains: []string{`id="inv0-err-min_seconds"`, `value="soon"`, `value="*/pricing*"`}},
			{name: "invitation refused by the service", req: req{method: "POST", path: page + "/invitations", role: "admin",
				form: url.Values{"name": {"Pricing"}, "min_seconds": {"20"}, "min_visits": {"2"}, "greeting": {""}}},
				status: 422, contains: []string{`id="inv0-err-greeting"`, `aria-describedby="inv0-err-greeting"`}},
			{name: "invitation", req: req{method: "POST", path: page + "/invitations", role: "admin",
				form: url.Values{"name": {"Pricing"}, "url_pattern": {"*/pricing*"}, "min_seconds": {"20"}, "min_visits": {"2"},
					"greeting": {"Comparing plans?"}, "active": {"1"}, "position": {"0"}}},
				status: 303, headers: map[string]string{"Location": page + "#invitations"}},
		})
		invs, err := e.chat.Invitations(ctx, desk.System, ch.ID)
		if err != nil || len(invs) != 1 || invs[0].URLPattern != "*/pricing*" || invs[0].MinSeconds != 20 || invs[0].MinVisits != 2 || !invs[0].Active {
			t.Fatalf("invitations: %v %+v", err, invs)
		}
		inv := fmt.Sprint(invs[0].ID)
		e.run(t, []scenario{
			{name: "page with an invitation", req: req{method: "GET", path: page, role: "admin"}, status: 200,
				contains: []string{"<strong>Pricing</strong>", "after 20 s", "from visit 2", `action="` + page + `/invitations/` + inv + `"`,
					`data-confirm="Delete the invitation Pricing?"`},
				absent: []string{"No invitations yet", `<details class="inv" open>`}},
			{name: "invitation change refused", req: req{method: "POST", path: page + "/invitations/" + inv, role: "admin",
				form: url.Values{"name": {""}, "min_seconds": {"5"}, "greeting": {"Hi"}}},
				status: 422, contains: []string{`<details class="inv" open>`, `id="inv` + inv + `-err-name"`}},
			{name: "invitation change", req: req{method: "POST", path: page + "/invitations/" + inv, role: "admin",
				form: url.Values{"name": {"Pricing"}, "url_pattern": {"*"}, "min_seconds": {"5"}, "min_visits": {""}, "greeting": {"Hi"}}},
				status: 303},
			{name: "rotate", req: req{method: "POST", path: page + "/rotate", role: "admin", form: url.Values{}},
				status: 303, headers: map[string]string{"Location": page + "?done=rotated#identity"}},
			{name: "page after rotating", req: req{method: "GET", path: page + "?done=rotated", role: "admin"}, status: 200,
				contains: []string{"A new identity secret was made.", "after 5 s", `<span class="badge st-closed">Off</span></summary>`},
				absent:   []string{`value="` + ch.IdentitySecret + `"`, "from visit"}},
			{name: "delete invitation", req: req{method: "POST", path: page + "/invitations/" + inv + "/delete", role: "admin", form: url.Values{}}, status: 303},
			{name: "delete a missing invitation", req: req{method: "POST", path: page + "/invitations/" + inv + "/delete", role: "admin", form: url.Values{}}, status: 404},
			{name: "delete", req: req{method: "POST", path: page + "/delete", role: "admin", form: url.Values{}},
				status: 303, headers: map[string]string{"Location": "/admin/chat"}},
			{name: "empty again", req: req{method: "GET", path: "/admin/chat", role: "admin"}, status: 200, contains: []string{"No chat channels yet"}},
		})
		if got, _ := e.chat.Channel(ctx, desk.System, ch.ID); got.ID != 0 {
			t.Errorf("deleted channel still there: %+v", got)
		}

		// Without live chat there is no chat tab.
		e.app.cfg.Chat = nil
		defer func() { e.app.cfg.Chat = e.chat }()
		e.run(t, []scenario{
			{name: "no chat", req: req{method: "GET", path: "/admin/chat", role: "admin"}, status: 404},
			{name: "no chat tab", req: req{method: "GET", path: "/admin/agents", role: "admin"}, status: 200, absent: []string{`href="/admin/chat"`}},
		})
	})
}
