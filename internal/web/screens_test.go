package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"switchboard/internal/desk"
	"switchboard/internal/store/storetest"
)

// TestScreens takes pictures of the less travelled states (an agent on an
// admin page, an empty view, open filters, a mid-sized window, an HTML
// email). It runs only when SWITCHBOARD_SCREENSHOTS names a directory.
func TestScreens(t *testing.T) {
	if os.Getenv("SWITCHBOARD_SCREENSHOTS") == "" {
		t.Skip("set SWITCHBOARD_SCREENSHOTS to a directory to take the pictures")
	}
	ctx := browser(t)
	e := newEnv(t, storetest.NewSQLite(t))
	e.seedMore(t)
	html, err := e.tickets.Create(context.Background(), desk.System, desk.NewTicket{Subject: "Order #5521 arrived damaged",
		Body: "x", HTML: `<p>Hello,</p><p>The <b>lamp</b> arrived with a <i>cracked</i> shade. Photos: <a href="https://example.com/p">album</a>.</p><ul><li>Order 5521</li><li>Delivered Tuesday</li></ul><blockquote>On Monday you wrote: your order has shipped.</blockquote><p>Thanks,<br>Sara</p>`,
		Requester: desk.ContactInput{Email: "sara@example.com", Name: "Sara Lind"}, Channel: desk.ChannelEmail, Inbound: true, Priority: desk.PriorityHigh})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.h)
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	shot := shooter(t)
	login(t, ctx, srv.URL, "bo@example.com")
	step(t, ctx, "403", chromedp.Navigate(srv.URL+"/admin/agents"), chromedp.WaitVisible(chromedp.CSS(".error-page")))
	shot(ctx, "x-forbidden")
	step(t, ctx, "empty", chromedp.Navigate(srv.URL+"/inbox?view=spam&q=nothing"), chromedp.WaitVisible(chromedp.CSS("#list .empty")))
	shot(ctx, "x-empty-filtered")
	step(t, ctx, "filters", chromedp.Navigate(srv.URL+"/inbox?view=open&priority=high"), chromedp.WaitVisible(chromedp.CSS(".filter-grid")))
	shot(ctx, "x-filters")
	step(t, ctx, "html email", chromedp.EmulateViewport(1100, 800), chromedp.Navigate(fmt.Sprintf("%s/tickets/%d", srv.URL, html.ID)), chromedp.WaitVisible(chromedp.ID("composer")))
	shot(ctx, "x-mid-width")
	step(t, ctx, "error toast", chromedp.Click(chromedp.ID("send")), chromedp.WaitVisible(chromedp.CSS(".toast.error")))
	shot(ctx, "x-error-toast")
}
