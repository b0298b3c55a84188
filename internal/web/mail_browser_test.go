package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestEmailTicketBrowser opens an email ticket in headless Chromium:
// the quoted history opens and closes from the keyboard, and Retry on a
// failed reply queues it again through htmx, without script errors or
// CSP violations. With SWITCHBOARD_SCREENSHOTS it keeps the pictures
// ticket-email (quote folded, failed reply) and ticket-email-quoted.
func TestEmailTicketBrowser(t *testing.T) {
	ctx := browser(t)
	st := storetest.NewSQLite(t)
	e := newEnv(t, st)
	e.seedMore(t)
	tk := e.emailTicket(t)
	srv := httptest.NewServer(e.h)
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	shot := shooter(t)
	problems := watchConsole(t, ctx, "Bo")
	login(t, ctx, srv.URL, "bo@example.com")
	step(t, ctx, "open email ticket", chromedp.EmulateViewport(1440, 1100), chromedp.Navigate(fmt.Sprintf("%s/tickets/%d?view=open", srv.URL, tk.ID)),
		chromedp.WaitVisible(chromedp.CSS(".delivery.d-failed button")))
	checkLabels(t, ctx, "email ticket")
	waitJS(t, ctx, "quote folded", `!document.querySelector('details.quoted').open && !document.querySelector('.quoted-body').checkVisibility()`)
	step(t, ctx, "scroll", chromedp.ScrollIntoView(chromedp.CSS(".delivery.d-failed")))
	shot(ctx, "ticket-email")
	// Open the fold from the keyboard: focus its summary, press Enter.
	step(t, ctx, "focus summary", chromedp.Focus(chromedp.CSS("details.quoted summary")), chromedp.KeyEvent("\r"))
	waitJS(t, ctx, "quote open", `document.querySelector('details.quoted').open && document.querySelector('.quoted-body').checkVisibility()`+
		` && getComputedStyle(document.querySelector('.quoted .q-hide')).display !== 'none'`)
	step(t, ctx, "scroll to quote", chromedp.Evaluate[chromedp.Void](`document.querySelector('details.quoted').closest('li').scrollIntoView({block: 'center'})`))
	shot(ctx, "ticket-email-quoted")
	// A live refresh of the thread (a colleague's note) keeps the quote open.
	for i := 0; ; i++ {
		if _, err := e.tickets.AddMessage(context.Background(), e.actors["admin"], tk.ID, desk.NewMessage{Text: fmt.Sprintf("Shade ordered (%d).", i), Internal: true}); err != nil {
			t.Fatal(err)
		}
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('#thread').textContent.includes('Shade ordered')`,
			chromedp.WithPollingTimeout(3*time.Second)))
		if err == nil {
			break
		}
		if i == 3 {
			t.Fatalf("the thread did not refresh: %v", err)
		}
	}
	waitJS(t, ctx, "quote still open", `document.querySelector('details.quoted').open`)
	// Retry the failed reply once the live refreshes of the notes above
	// have settled: a refresh that replaces the thread while the Retry
	// request is in flight makes htmx drop that answer (and its toast),
	// though the thread itself then shows the new state. Should one still
	// slip in between the focus and the key, press again.
	for settled := 0; settled < 2; {
		waitJS(t, ctx, "live refreshes done", `!document.querySelector('.htmx-request')`)
		time.Sleep(400 * time.Millisecond) // a coalesced refresh fires 250 ms after its event
		busy, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('.htmx-request')`))
		if err != nil {
			t.Fatal(err)
		}
		if busy {
			settled = 0
		} else {
			settled++
		}
	}
	for try := 0; len(e.mail.called()) == 0; try++ {
		if try == 5 {
			t.Fatal("pressing Retry never reached the retrier")
		}
		step(t, ctx, "retry", chromedp.Focus(chromedp.CSS(".delivery.d-failed button")), chromedp.KeyEvent("\r"))
		for deadline := time.Now().Add(3 * time.Second); len(e.mail.called()) == 0 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitJS(t, ctx, "retried", `!document.querySelector('.delivery.d-failed') && document.querySelectorAll('.delivery.d-sending').length === 1`+
		` && [...document.querySelectorAll('.toast')].some(el => el.textContent.includes('Sending the email again'))`)
	if n := len(e.mail.called()); n != 1 {
		t.Errorf("retrier called %d times", n)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}

// emailTicket makes a ticket that went back and forth by email: the
// customer's reply quotes ours, and our last reply bounced.
func (e *env) emailTicket(t testing.TB) desk.Ticket {
	t.Helper()
	ctx := context.Background()
	sara := desk.ContactInput{Email: "sara@example.com", Name: "Sara Lind"}
	tk, err := e.tickets.Create(ctx, desk.System, desk.NewTicket{Subject: "Lamp arrived with a cracked shade",
		Body:      "Hello,\nthe lamp from order 5521 arrived today with a cracked shade. Can you send a new shade?\n\nThanks,\nSara",
		Requester: sara, Channel: desk.ChannelEmail, Inbound: true, Priority: desk.PriorityHigh, Tags: []string{"damaged"}})
	if err != nil {
		t.Fatal(err)
	}
	e.emailReply(t, tk.ID, "Hi Sara,\nsorry about that! Could you send a photo of the shade so we can file it with the carrier?\n\nBo", func(tx *store.Tx, id int64) error {
		return tx.MarkOutboundSent(ctx, id, time.Now())
	})
	quote := "> Hi Sara,\n> sorry about that! Could you send a photo of the shade so we can file it with the carrier?\n>\n> Bo"
	if _, err := e.tickets.AddMessage(ctx, desk.System, tk.ID, desk.NewMessage{Inbound: true, Channel: desk.ChannelEmail,
		Text:     "Here it is: the crack runs right across the top. I'd prefer a replacement over a refund.",
		FullText: "Here it is: the crack runs right across the top. I'd prefer a replacement over a refund.\n\nSara\n\nOn Tue, 10 Mar 2026 at 10:02, Bo Agent <support@desk.example> wrote:\n" + quote,
		HTML: `<p>Here it is: the crack runs right across the top. I'd prefer a replacement over a refund.</p><p>Sara</p>` +
			`<p>On Tue, 10 Mar 2026 at 10:02, Bo Agent &lt;support@desk.example&gt; wrote:</p><blockquote><p>Hi Sara,<br>sorry about that! Could you send a photo of the shade so we can file it with the carrier?</p><p>Bo</p></blockquote>`,
	}); err != nil {
		t.Fatal(err)
	}
	e.emailReply(t, tk.ID, "Thanks Sara, a new shade is on its way; you'll get the tracking number tomorrow.", func(tx *store.Tx, id int64) error {
		if err := tx.FailOutbound(ctx, id, "550 5.1.1 <sara@example.com>: Recipient address rejected: User unknown"); err != nil {
			return err
		}
		_, err := tx.MarkEmailBounced(ctx, "sara@example.com", "5.1.1", time.Now().Add(-5*time.Minute))
		return err
	})
	return tk
}
