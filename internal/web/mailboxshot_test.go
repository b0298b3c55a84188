package web

import (
	"context"
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
}
