package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"switchboard/internal/desk"
	"switchboard/internal/mailbox"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestMailboxShots takes pictures of the admin's mailbox screen (a failing
// mailbox among working ones) and of a refused add form. It runs only when
// SWITCHBOARD_SCREENSHOTS names a directory.
func TestMailboxShots(t *testing.T) {
	if os.Getenv("SWITCHBOARD_SCREENSHOTS") == "" {
		t.Skip("set SWITCHBOARD_SCREENSHOTS to a directory to take the pictures")
	}
	ctx := browser(t)
	st := storetest.NewSQLite(t)
	e := newEnv(t, st)
	bg := context.Background()
	for _, in := range []mailbox.Input{
		{Address: "support@acme.example", Name: "Acme Support", TeamID: e.teamID,
			IMAPURL: "imaps://support%40acme.example:s3cret@imap.acme.example/INBOX", SMTPURL: "smtps://support%40acme.example:s3cret@smtp.acme.example:465", AckEnabled: true},
		{Address: "billing@acme.example", Name: "Acme Billing", TeamID: e.teamID,
			IMAPURL: "imaps://billing%40acme.example:wrong@imap.acme.example/INBOX"},
		{Address: "sales@acme.example", Name: "Acme Sales", SMTPURL: "smtp://127.0.0.1:2525"},
	} {
		if _, err := e.mailbox.Create(bg, desk.System, in); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	if err := st.Write(bg, func(tx *store.Tx) error {
		if err := tx.SetMailboxStatus(bg, 1, "", true, now.Add(-2*time.Minute)); err != nil {
			return err
		}
		return tx.SetMailboxStatus(bg, 2, "imap: login as billing@acme.example: AUTHENTICATIONFAILED Invalid credentials", false, now.Add(-40*time.Minute))
	}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.h)
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	shot := shooter(t)
	login(t, ctx, srv.URL, "ana@example.com")
	step(t, ctx, "mailboxes", chromedp.EmulateViewport(1440, 1100), chromedp.Navigate(srv.URL+"/admin/mailboxes"),
		chromedp.WaitVisible(chromedp.CSS(".badge.pr-urgent")))
	shot(ctx, "admin-mailboxes")
	step(t, ctx, "refused add",
		chromedp.SendKeys(chromedp.CSS(`.mbf input[name=address]`), "help@acme.example"),
		chromedp.SetValue(chromedp.CSS(`.mbf select[name=inbound]`), "imap"),
		chromedp.SendKeys(chromedp.CSS(`.mbf input[name=smtp_url]`), "smtp://relay.acme.example"),
		chromedp.Click(chromedp.CSS(`.mbf button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("err-imap_url")))
	shot(ctx, "admin-mailbox-errors")

	// The support mailbox's page with the log of what arrived.
	tk, err := e.tickets.Create(bg, desk.System, desk.NewTicket{Subject: "Lamp arrived with a cracked shade", Body: "Cracked.",
		Requester: desk.ContactInput{Email: "sara@example.com", Name: "Sara Lind"}, Channel: desk.ChannelEmail, Inbound: true})
	if err != nil {
		t.Fatal(err)
	}
	one := int64(1)
	for i, r := range []store.InboundMail{
		{FromAddr: "sara@example.com", Subject: "Lamp arrived with a cracked shade", Kind: "normal", Outcome: "ticket", TicketID: &tk.ID, Source: "imap"},
		{FromAddr: "sara@example.com", Subject: "Automatic reply: Re: Lamp arrived with a cracked shade [#1000]", Kind: "auto_reply", Outcome: "auto_reply", TicketID: &tk.ID, Source: "imap"},
		{FromAddr: "mailer-daemon@mx.example.net", Subject: "Undelivered Mail Returned to Sender", Kind: "bounce", Outcome: "ignored",
			Detail: "a bounce for no message of ours: permanent failure 5.1.1 for old@example.com", Source: "imap"},
		{FromAddr: "support@acme.example", Subject: "Re: Lamp arrived with a cracked shade [#1000]", Kind: "normal", Outcome: "own",
			Source: "imap"},
		{FromAddr: "sara@example.com", Subject: "Re: Lamp arrived with a cracked shade [#1000]", Kind: "normal", Outcome: "reply", TicketID: &tk.ID, Source: "imap"},
	} {
		r.MailboxID, r.DedupeKey, r.ReceivedAt = &one, fmt.Sprint("shot", i), now.Add(time.Duration(i-5)*7*time.Minute)
		if err := st.Write(bg, func(tx *store.Tx) error { return tx.InsertInbound(bg, &r) }); err != nil {
			t.Fatal(err)
		}
	}
	step(t, ctx, "mailbox page", chromedp.EmulateViewport(1440, 1500), chromedp.Navigate(srv.URL+"/admin/mailboxes/1"),
		chromedp.WaitVisible(chromedp.ID("recent-h")))
	shot(ctx, "admin-mailbox-recent")
}
