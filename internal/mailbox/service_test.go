package mailbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/desk/desktest"
	"switchboard/internal/mailbox"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
	"switchboard/internal/team"
)

var (
	must     = desktest.Must
	wantCode = desktest.WantCode
)

func ptr[T any](v T) *T { return &v }

// wantField fails unless err is an EInvalid (or code) error naming field.
func wantField(t *testing.T, err error, code desk.Code, field string) {
	t.Helper()
	wantCode(t, err, code)
	e, _ := err.(*desk.Error)
	if e == nil || e.Fields[field] == "" {
		t.Fatalf("error %v does not name field %q", err, field)
	}
}

func TestMailboxes(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := desk.NewFixedClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
		svc := mailbox.New(st, clk)
		people := team.New(st, clk)
		sales, err := people.CreateTeam(ctx, desk.System, "Sales", nil)
		must(t, err)
		bob, err := people.CreateAgent(ctx, desk.System, team.NewAgent{Email: "bob@example.com", Name: "Bob"})
		must(t, err)
		bobA := desk.Actor{Kind: desk.ActorAgent, AgentID: bob.ID, Name: bob.Name, Role: desk.RoleAgent}

		// Defaults: smtp without an IMAP URL, 30 reopen days, active.
		plain, err := svc.Create(ctx, desk.System, mailbox.Input{Address: " Support@Acme.Example ", Name: "Acme Support"})
		must(t, err)
		if plain.Address != "support@acme.example" || plain.Inbound != desk.InboundSMTP || plain.ReopenDays != 30 ||
			!plain.Active || plain.Status != desk.MailboxOK || plain.Team != nil || !plain.CreatedAt.Equal(clk.Now()) {
			t.Fatalf("plain = %+v", plain)
		}
		// The log of what arrived is for admins only.
		if _, err := svc.RecentMail(ctx, bobA, plain.ID, 10); desk.ErrorCode(err) != desk.EForbidden {
			t.Fatalf("agent reads the mail log: %v", err)
		}
		if recent, err := svc.RecentMail(ctx, desk.System, plain.ID, 10); err != nil || len(recent) != 0 {
			t.Fatalf("recent mail of a new mailbox = %v, %v", recent, err)
		}
		// imap when an IMAP URL is given.
		imapURL := "imaps://sales%40acme.example:s3cret@imap.acme.example/INBOX"
		fetched, err := svc.Create(ctx, desk.System, mailbox.Input{Address: "sales@acme.example", TeamID: sales.ID,
			IMAPURL: imapURL, SMTPURL: "smtp://sales:pw@mail.acme.example:587", AckEnabled: true,
			AckSubject: "We got it", AckBody: "Thanks", ReopenDays: ptr(0)})
		must(t, err)
		if fetched.Inbound != desk.InboundIMAP || fetched.IMAPURL != imapURL || fetched.Team == nil ||
			fetched.Team.Name != "Sales" || fetched.ReopenDays != 0 || !fetched.AckEnabled || fetched.AckSubject != "We got it" {
			t.Fatalf("fetched = %+v", fetched)
		}

		_, err = svc.Create(ctx, desk.System, mailbox.Input{Address: "SUPPORT@acme.example"})
		wantField(t, err, desk.EConflict, "address")

		long := strings.Repeat("x", 201)
		for field, in := range map[string]mailbox.Input{
			"address":     {Address: "not an address"},
			"name":        {Address: "a@x.example", Name: long},
			"inbound":     {Address: "a@x.example", Inbound: "pop3"},
			"imap_url":    {Address: "a@x.example", Inbound: desk.InboundIMAP},
			"smtp_url":    {Address: "a@x.example", SMTPURL: "smtp://mail.example"},
			"reopen_days": {Address: "a@x.example", ReopenDays: ptr(366)},
			"ack_subject": {Address: "a@x.example", AckSubject: long},
			"ack_body":    {Address: "a@x.example", AckBody: strings.Repeat("x", 5001)},
			"team":        {Address: "a@x.example", TeamID: 9999},
		} {
			_, err := svc.Create(ctx, desk.System, in)
			wantField(t, err, desk.EInvalid, field)
		}
		_, err = svc.Create(ctx, desk.System, mailbox.Input{Address: "a@x.example", ReopenDays: ptr(-1)})
		wantField(t, err, desk.EInvalid, "reopen_days")

		// Agents may do nothing here.
		_, err = svc.List(ctx, bobA)
		wantCode(t, err, desk.EForbidden)
		_, err = svc.Get(ctx, bobA, plain.ID)
		wantCode(t, err, desk.EForbidden)
		_, err = svc.Create(ctx, bobA, mailbox.Input{Address: "x@acme.example"})
		wantCode(t, err, desk.EForbidden)
		_, err = svc.Update(ctx, bobA, plain.ID, mailbox.Update{Name: ptr("x")})
		wantCode(t, err, desk.EForbidden)
		wantCode(t, svc.Delete(ctx, bobA, plain.ID), desk.EForbidden)

		list, err := svc.List(ctx, desk.System)
		must(t, err)
		if len(list) != 2 || list[0].ID != fetched.ID || list[1].ID != plain.ID {
			t.Fatalf("list = %+v", list)
		}

		// A redacted or empty password keeps the stored one; a new one replaces it.
		got, err := svc.Update(ctx, desk.System, fetched.ID, mailbox.Update{
			IMAPURL: ptr(mailbox.RedactURL(imapURL)), SMTPURL: ptr("smtp://sales@mail.acme.example:587"), Name: ptr("Sales desk")})
		must(t, err)
		if got.IMAPURL != imapURL || got.SMTPURL != "smtp://sales:pw@mail.acme.example:587" || got.Name != "Sales desk" {
			t.Fatalf("after redacted round trip: %q %q", got.IMAPURL, got.SMTPURL)
		}
		got, err = svc.Update(ctx, desk.System, fetched.ID, mailbox.Update{IMAPURL: ptr("imaps://other:new@imap.acme.example/Support"), TeamID: ptr(int64(0))})
		must(t, err)
		if got.IMAPURL != "imaps://other:new@imap.acme.example/Support" || got.Team != nil {
			t.Fatalf("after new password: %+v", got)
		}
		// Another account with the redacted password is refused, not given the old password.
		_, err = svc.Update(ctx, desk.System, fetched.ID, mailbox.Update{IMAPURL: ptr("imaps://someone:****@imap.acme.example/Support")})
		wantField(t, err, desk.EInvalid, "imap_url")
		_, err = svc.Update(ctx, desk.System, fetched.ID, mailbox.Update{SMTPURL: ptr("smtp://sales:****@other.acme.example:587")})
		wantField(t, err, desk.EInvalid, "smtp_url")
		_, err = svc.Create(ctx, desk.System, mailbox.Input{Address: "copy@acme.example", IMAPURL: mailbox.RedactURL(imapURL)})
		wantField(t, err, desk.EInvalid, "imap_url")
		// Switching to imap without an IMAP URL is refused, and nothing changes.
		_, err = svc.Update(ctx, desk.System, plain.ID, mailbox.Update{Inbound: ptr(desk.InboundIMAP), Name: ptr("changed")})
		wantField(t, err, desk.EInvalid, "imap_url")
		_, err = svc.Update(ctx, desk.System, plain.ID, mailbox.Update{Address: ptr("sales@acme.example")})
		wantField(t, err, desk.EConflict, "address")
		_, err = svc.Update(ctx, desk.System, plain.ID, mailbox.Update{TeamID: ptr(int64(9999))})
		wantField(t, err, desk.EInvalid, "team")
		again, err := svc.Get(ctx, desk.System, plain.ID)
		must(t, err)
		if again.Name != "Acme Support" || again.Inbound != desk.InboundSMTP {
			t.Fatalf("failed update changed the mailbox: %+v", again)
		}
		_, err = svc.Update(ctx, desk.System, 9999, mailbox.Update{Name: ptr("x")})
		wantCode(t, err, desk.ENotFound)

		must(t, svc.Delete(ctx, desk.System, plain.ID))
		_, err = svc.Get(ctx, desk.System, plain.ID)
		wantCode(t, err, desk.ENotFound)
		wantCode(t, svc.Delete(ctx, desk.System, plain.ID), desk.ENotFound)
	})
}

func TestURLRules(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := mailbox.New(st, nil)
		for i, tc := range []struct {
			imap, smtp string
			field      string // "" = accepted
		}{
			{imap: "imaps://u:p@imap.example", field: ""},
			{imap: "imap://u:p@imap.example:143/Support/Inbound", field: ""},
			{imap: "imaps://u:p@imap.example:993/INBOX", field: ""},
			{imap: "imaps://imap.example/INBOX", field: "imap_url"},
			{imap: "imaps://u@imap.example/INBOX", field: "imap_url"},
			{imap: "imaps://u:@imap.example/INBOX", field: "imap_url"},
			{imap: "imaps://u:p@/INBOX", field: "imap_url"},
			{imap: "https://u:p@imap.example/", field: "imap_url"},
			{imap: "imaps://u:p@imap.example:99999/", field: "imap_url"},
			{imap: "imaps://u:p@imap.example/INBOX?x=1", field: "imap_url"},
			{smtp: "smtp://relay.example:25", field: ""},
			{smtp: "smtp://user:pw@relay.example:587", field: ""},
			{smtp: "smtps://user:pw@relay.example:465", field: ""},
			{smtp: "smtp://127.0.0.1:2525/", field: ""},
			{smtp: "smtp://relay.example", field: "smtp_url"},
			{smtp: "smtps://:pw@relay.example:465", field: "smtp_url"},
			{smtp: "imap://relay.example:25", field: "smtp_url"},
			{smtp: "smtp://relay.example:25/path", field: "smtp_url"},
			{smtp: "smtp://relay.example:port", field: "smtp_url"},
			{smtp: "not a url", field: "smtp_url"},
		} {
			addr := "m" + string(rune('a'+i)) + "@example.com"
			_, err := svc.Create(ctx, desk.System, mailbox.Input{Address: addr, IMAPURL: tc.imap, SMTPURL: tc.smtp})
			if tc.field == "" {
				if err != nil {
					t.Errorf("%q %q: %v", tc.imap, tc.smtp, err)
				}
				continue
			}
			if e, ok := err.(*desk.Error); !ok || e.Code != desk.EInvalid || e.Fields[tc.field] == "" {
				t.Errorf("%q %q: err = %v, want a %s field error", tc.imap, tc.smtp, err, tc.field)
			}
		}
	})
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"":                                    "",
		"imaps://u:secret@imap.example/INBOX": "imaps://u:****@imap.example/INBOX",
		"imaps://a%40b.example:p%2Fw@h.example:993": "imaps://a%40b.example:****@h.example:993",
		"smtp://relay.example:25":                   "smtp://relay.example:25",
		"smtp://user@relay.example:25":              "smtp://user@relay.example:25",
		"smtps://user:pw@relay.example:465":         "smtps://user:****@relay.example:465",
		"%zz://u:secret@x":                          "****",
	} {
		if got := mailbox.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
