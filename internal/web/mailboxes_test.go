package web

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/mailbox"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestMailboxScreens runs the admin's mailbox requests: the list with a
// failing mailbox standing out, refused forms shown again with their field
// errors, the edit form with passwords redacted (and kept when sent back
// redacted), and delete.
func TestMailboxScreens(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		imapURL := "imaps://help%40acme.example:Sup3rSecret@imap.acme.example/INBOX"
		help, err := e.mailbox.Create(ctx, desk.System, mailbox.Input{Address: "help@acme.example", Name: "Acme Help",
			TeamID: e.teamID, IMAPURL: imapURL, SMTPURL: "smtps://relay:RelaySecret@smtp.acme.example:465"})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Write(ctx, func(tx *store.Tx) error {
			return tx.SetMailboxStatus(ctx, help.ID, "imap: login failed: AUTHENTICATIONFAILED", false, time.Now().Add(-5*time.Minute))
		}); err != nil {
			t.Fatal(err)
		}
		hid := fmt.Sprint(help.ID)
		// Two messages arrived: one opened a ticket, one was a stray bounce.
		tk, err := e.tickets.Create(ctx, desk.System, desk.NewTicket{Subject: "Lamp broken", Body: "Cracked.",
			Requester: desk.ContactInput{Email: "ana@example.com"}, Channel: desk.ChannelEmail, Inbound: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range []store.InboundMail{
			{MailboxID: &help.ID, FromAddr: "ana@example.com", Subject: "Lamp broken", Kind: "normal", Outcome: "ticket", TicketID: &tk.ID, Source: "imap"},
			{MailboxID: &help.ID, FromAddr: "mailer-daemon@mx.example", Subject: "Undelivered Mail", Kind: "bounce", Outcome: "ignored",
				Detail: "a bounce for no message of ours", Source: "smtp"},
		} {
			r.DedupeKey, r.ReceivedAt = fmt.Sprint("k", i), time.Now().Add(-time.Duration(2-i)*time.Minute)
			if err := st.Write(ctx, func(tx *store.Tx) error { return tx.InsertInbound(ctx, &r) }); err != nil {
				t.Fatal(err)
			}
		}
		form := func(kv ...string) url.Values {
			v := url.Values{"inbound": {"smtp"}, "reopen_days": {"30"}, "active": {"1"}}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		e.run(t, []scenario{
			{name: "list", req: req{method: "GET", path: "/admin/mailboxes", role: "admin"}, status: 200,
				contains: []string{"help@acme.example", "Acme Help", "Billing", "IMAP fetch", `class="badge pr-urgent">Failing<`,
					"AUTHENTICATIONFAILED", "since 5 min ago", `class="failing"`, `action="/admin/mailboxes"`,
					`data-confirm="Delete the mailbox help@acme.example?`, `href="/admin/mailboxes/` + hid + `"`},
				absent: []string{"Sup3rSecret", "RelaySecret"}},
			{name: "agent may not look", req: req{method: "GET", path: "/admin/mailboxes", role: "agent"}, status: 403,
				absent: []string{"help@acme.example"}},
			{name: "edit form redacts", req: req{method: "GET", path: "/admin/mailboxes/" + hid, role: "admin"}, status: 200,
				contains: []string{`value="imaps://help%40acme.example:****@imap.acme.example/INBOX"`,
					`value="smtps://relay:****@smtp.acme.example:465"`, "Passwords are shown as ****",
					`<option value="imap" selected>`, `action="/admin/mailboxes/` + hid + `"`,
					"Recent mail", "Lamp broken", fmt.Sprintf(`<a href="/tickets/%d">Opened a ticket</a>`, tk.ID),
					"Automatic mail for no ticket: kept, not shown", "a bounce for no message of ours", "mailer-daemon@mx.example"},
				absent: []string{"Sup3rSecret", "RelaySecret"}},
			{name: "edit missing", req: req{method: "GET", path: "/admin/mailboxes/999999", role: "admin"}, status: 404},
			{name: "add refused", req: req{method: "POST", path: "/admin/mailboxes", role: "admin",
				form: form("address", "sales@acme.example", "name", "Sales", "inbound", "imap", "smtp_url", "smtp://relay.example")}, status: 422,
				contains: []string{"Please correct the highlighted fields.", `id="err-imap_url"`, `id="err-smtp_url"`,
					`aria-invalid="true" aria-describedby="err-imap_url hint-imap"`, `value="sales@acme.example"`, `value="Sales"`, `value="smtp://relay.example"`}},
			{name: "add taken", req: req{method: "POST", path: "/admin/mailboxes", role: "admin", form: form("address", "HELP@acme.example")},
				status: 409, contains: []string{"already exists", `id="err-address"`}},
			{name: "add bad days", req: req{method: "POST", path: "/admin/mailboxes", role: "admin", form: form("address", "x@acme.example", "reopen_days", "soon")},
				status: 422, contains: []string{`id="err-reopen_days"`, `value="soon"`}},
			{name: "add", req: req{method: "POST", path: "/admin/mailboxes", role: "admin",
				form: form("address", "Sales@Acme.Example", "name", "Sales", "team", fmt.Sprint(e.teamID), "ack_enabled", "1",
					"ack_subject", "We got it", "ack_body", "Thanks for writing.", "reopen_days", "14")},
				status: 303, headers: map[string]string{"Location": "/admin/mailboxes"}},
			{name: "save with redacted URLs", req: req{method: "POST", path: "/admin/mailboxes/" + hid, role: "admin",
				form: form("address", "help@acme.example", "name", "Acme Helpdesk", "inbound", "imap",
					"imap_url", "imaps://help%40acme.example:****@imap.acme.example/INBOX", "smtp_url", "smtps://relay:****@smtp.acme.example:465",
					"team", "")},
				status: 303},
			{name: "save refused", req: req{method: "POST", path: "/admin/mailboxes/" + hid, role: "admin",
				form: form("address", "help@acme.example", "inbound", "imap", "imap_url", "")},
				status: 422, contains: []string{`id="err-imap_url"`, "Mailbox help@acme.example"}},
		})
		got, err := e.mailbox.Get(ctx, desk.System, help.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Acme Helpdesk" || got.IMAPURL != imapURL || got.SMTPURL != "smtps://relay:RelaySecret@smtp.acme.example:465" || got.Team != nil {
			t.Errorf("after saving redacted URLs: %+v (%s, %s)", got, got.IMAPURL, got.SMTPURL)
		}
		all, err := e.mailbox.List(ctx, desk.System)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || all[1].Address != "sales@acme.example" || !all[1].AckEnabled || all[1].AckSubject != "We got it" ||
			all[1].ReopenDays != 14 || all[1].Team == nil || all[1].Inbound != desk.InboundSMTP {
			t.Fatalf("after add: %+v", all)
		}
		sid := fmt.Sprint(all[1].ID)
		e.run(t, []scenario{
			{name: "agent may not delete", req: req{method: "POST", path: "/admin/mailboxes/" + sid + "/delete", role: "agent", form: url.Values{}}, status: 403},
			{name: "delete", req: req{method: "POST", path: "/admin/mailboxes/" + sid + "/delete", role: "admin", form: url.Values{}}, status: 303},
			{name: "list after delete", req: req{method: "GET", path: "/admin/mailboxes", role: "admin"}, status: 200,
				absent: []string{"sales@acme.example"}},
		})
		e.run(t, []scenario{{name: "empty list", req: req{method: "POST", path: "/admin/mailboxes/" + hid + "/delete", role: "admin", form: url.Values{}}, status: 303},
			{name: "empty", req: req{method: "GET", path: "/admin/mailboxes", role: "admin"}, status: 200, contains: []string{"No mailboxes yet"}}})
	})
}
