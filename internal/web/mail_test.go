package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// msgItem cuts one message's <li> out of a page.
func msgItem(t *testing.T, body string, id int64) string {
	t.Helper()
	start := strings.Index(body, fmt.Sprintf(`<li id="m%d"`, id))
	if start < 0 {
		t.Fatalf("message %d not on the page", id)
	}
	end := strings.Index(body[start:], "</li>\n")
	if end < 0 {
		t.Fatalf("message %d: no end", id)
	}
	return body[start : start+end]
}

// TestEmailOnTicketPage renders the email states of a ticket from a real
// store: folded quoted history, each delivery state of a reply, the
// bounce warning, and the "via email" line.
func TestEmailOnTicketPage(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		add := func(in desk.NewMessage) int64 {
			t.Helper()
			in.Inbound, in.Channel = true, desk.ChannelEmail
			m, err := e.tickets.AddMessage(ctx, desk.System, e.t1.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			return m.ID
		}
		plain := add(desk.NewMessage{Text: "Yes, refund the second one.",
			FullText: "Yes, refund the second one.\n\nOn Monday Bo wrote:\n> Which charge should we refund?"})
		html := add(desk.NewMessage{Text: "Thanks, got it.",
			HTML:     `<p>Thanks, got it.</p><blockquote>Earlier: your refund is on its way.</blockquote>`,
			FullText: "Thanks, got it.\n\n> Earlier: your refund is on its way."})
		whole := add(desk.NewMessage{Text: "One more thing: the invoice."})
		queuedMsg, _ := e.emailReply(t, e.t1.ID, "Queued reply", nil)
		retryMsg, _ := e.emailReply(t, e.t1.ID, "Retried reply", func(tx *store.Tx, id int64) error {
			now := time.Now()
			if _, err := tx.ClaimOutbound(ctx, now, time.Hour, 10); err != nil {
				return err
			}
			if err := tx.RetryOutbound(ctx, id, now.Add(-time.Second), "421 4.7.0 try again later"); err != nil {
				return err
			}
			_, err := tx.ClaimOutbound(ctx, now, time.Hour, 10) // the second attempt, under way
			return err
		})
		waitMsg, _ := e.emailReply(t, e.t1.ID, "Waiting reply", func(tx *store.Tx, id int64) error {
			if _, err := tx.ClaimOutbound(ctx, time.Now(), time.Hour, 10); err != nil {
				return err
			}
			return tx.RetryOutbound(ctx, id, time.Now().Add(time.Hour), "451 greylisted")
		})
		sentMsg, _ := e.emailReply(t, e.t1.ID, "Sent reply", func(tx *store.Tx, id int64) error {
			return tx.MarkOutboundSent(ctx, id, time.Now().Add(-2*time.Hour))
		})
		failMsg, failed := e.emailReply(t, e.t1.ID, "Failed reply", failDelivery)
		note, err := e.tickets.AddMessage(ctx, e.actors["agent"], e.t1.ID, desk.NewMessage{Text: "internal", Internal: true})
		if err != nil {
			t.Fatal(err)
		}

		page := func() string {
			t.Helper()
			w := e.do(req{method: "GET", path: fmt.Sprintf("/tickets/%d", e.t1.ID), role: "agent"})
			if w.Code != 200 {
				t.Fatalf("ticket page: %d", w.Code)
			}
			return w.Body.String()
		}
		body := page()
		check := func(name, item string, want, not []string) {
			t.Helper()
			for _, s := range want {
				if !strings.Contains(item, s) {
					t.Errorf("%s lacks %q:\n%s", name, s, item)
				}
			}
			for _, s := range not {
				if strings.Contains(item, s) {
					t.Errorf("%s has %q:\n%s", name, s, item)
				}
			}
		}
		// Folded quoted history: what they wrote now first, the original in the fold.
		li := msgItem(t, body, plain)
		check("plain quoted", li, []string{`<p class="text">Yes, refund the second one.</p>`, `<details class="quoted">`, "Show quoted text", "Hide quoted text",
			"&gt; Which charge should we refund?", "via email"}, nil)
		if strings.Index(li, "&gt; Which charge") < strings.Index(li, "<details") {
			t.Errorf("the quote is outside the fold:\n%s", li)
		}
		li = msgItem(t, body, html)
		check("html quoted", li, []string{`<p class="text">Thanks, got it.</p>`, `<details class="quoted">`, "<blockquote>Earlier: your refund is on its way.</blockquote>"},
			[]string{"&gt; Earlier"}) // the HTML original, not the text, is in the fold
		if strings.Index(li, "<blockquote>") < strings.Index(li, "<details") {
			t.Errorf("the HTML original is outside the fold:\n%s", li)
		}
		check("no quote", msgItem(t, body, whole), []string{`<p class="text">One more thing: the invoice.</p>`, "via email"}, []string{"quoted"})
		// Delivery states of Bo's email replies.
		check("queued", msgItem(t, body, queuedMsg), []string{`class="inline delivery d-sending"`, "Sending…"}, []string{"via email", "Retry"})
		check("retrying", msgItem(t, body, retryMsg), []string{`d-retrying`, "Retrying (attempt 2): 421 4.7.0 try again later"}, nil)
		check("waiting to retry", msgItem(t, body, waitMsg), []string{`d-retrying`, "Retrying (attempt 2): 451 greylisted"}, nil)
		check("sent", msgItem(t, body, sentMsg), []string{`d-sent`, "Sent to cleo@example.com", "2 hours ago", "<time datetime="}, []string{"Not delivered"})
		check("failed", msgItem(t, body, failMsg), []string{`d-failed`, "Not delivered: 550 5.1.1 mailbox unavailable", "then retry",
			fmt.Sprintf(`action="/tickets/%d/deliveries/%d/retry"`, e.t1.ID, failed), `name="csrf"`, ">Retry</button>"}, nil)
		check("note", msgItem(t, body, note.ID), nil, []string{"delivery", "via email"})
		// The first message of a chat ticket is not "via email".
		chat := e.do(req{method: "GET", path: fmt.Sprintf("/tickets/%d", e.t2.ID), role: "agent"}).Body.String()
		if strings.Contains(chat, "via email") || strings.Contains(chat, "bounced") {
			t.Error("chat ticket says via email or bounced")
		}
		// No bounce yet; then one, in the side panel and above the reply.
		if strings.Contains(body, "bounced") {
			t.Error("bounce warning before any bounce")
		}
		at := time.Date(2026, 3, 9, 8, 30, 0, 0, time.UTC)
		if err := st.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.MarkEmailBounced(ctx, "cleo@example.com", "5.1.1", at)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		body = page()
		warn := "Mail to cleo@example.com bounced (5.1.1) on " + e.app.cat.For("en").Date(at)
		if n := strings.Count(body, warn); n != 2 {
			t.Errorf("bounce warning %d times, want 2 (side panel and composer)", n)
		}
		if side := e.do(req{method: "GET", path: fmt.Sprintf("/tickets/%d/side", e.t1.ID), role: "agent", htmx: true}).Body.String(); !strings.Contains(side, warn) {
			t.Error("side fragment lacks the bounce warning")
		}
		// Without a retrier there is no Retry button.
		e.app.cfg.Mail = nil
		check("failed without retrier", msgItem(t, page(), failMsg), []string{"Not delivered: 550", "an administrator can check"}, []string{"/retry", ">Retry</button>"})
		w := e.do(req{method: "POST", path: fmt.Sprintf("/tickets/%d/deliveries/%d/retry", e.t1.ID, failed), role: "agent", form: url.Values{}, htmx: true})
		if w.Code != 404 || len(e.mail.called()) != 0 {
			t.Errorf("retry without a retrier: %d, %d calls", w.Code, len(e.mail.called()))
		}
	})
}

// TestRetryDelivery sends a failed email reply again through the page's
// Retry button: agents may, anonymous visitors and requests without the
// CSRF token may not, and only emails of the ticket in the path count.
func TestRetryDelivery(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		msg, failed := e.emailReply(t, e.t1.ID, "Refund sent.", failDelivery)
		_, other := e.emailReply(t, e.t3.ID, "Password reset.", failDelivery)
		_, queued := e.emailReply(t, e.t1.ID, "Still queued.", nil)
		path := func(tid, oid int64) string { return fmt.Sprintf("/tickets/%d/deliveries/%d/retry", tid, oid) }
		e.run(t, []scenario{
			{name: "anonymous", req: req{method: "POST", path: path(e.t1.ID, failed), form: url.Values{}}, status: 303,
				headers: map[string]string{"Location": "/login"}},
			{name: "anonymous htmx", req: req{method: "POST", path: path(e.t1.ID, failed), form: url.Values{}, htmx: true}, status: 401,
				headers: map[string]string{"HX-Redirect": "/login"}},
			{name: "no csrf", req: req{method: "POST", path: path(e.t1.ID, failed), role: "agent", form: url.Values{}, htmx: true, noCSRF: true}, status: 403},
			{name: "email of another ticket", req: req{method: "POST", path: path(e.t1.ID, other), role: "agent", form: url.Values{}, htmx: true}, status: 404,
				contains: []string{"There is no failed email to send again here."}},
			{name: "bad id", req: req{method: "POST", path: path(e.t1.ID, 0), role: "agent", form: url.Values{}, htmx: true}, status: 404},
		})
		if n := len(e.mail.called()); n != 0 {
			t.Fatalf("%d retries before an allowed one", n)
		}
		w := e.do(req{method: "POST", path: path(e.t1.ID, failed), role: "agent", form: url.Values{}, htmx: true})
		if w.Code != 200 {
			t.Fatalf("retry: %d %s", w.Code, w.Body)
		}
		body := w.Body.String()
		if !strings.Contains(body, "Sending the email again.") || !strings.Contains(body, `hx-swap-oob="true"`) {
			t.Errorf("retry answer lacks the toast or the thread:\n%.600s", body)
		}
		li := msgItem(t, body, msg)
		if !strings.Contains(li, "Sending…") || strings.Contains(li, "Not delivered") {
			t.Errorf("after retry the reply is not sending again:\n%s", li)
		}
		calls := e.mail.called()
		if len(calls) != 1 || calls[0].id != failed || calls[0].actor.AgentID != e.agent.ID {
			t.Errorf("retrier calls: %+v", calls)
		}
		// Retrying an email that has not failed is refused by the sender.
		w = e.do(req{method: "POST", path: path(e.t1.ID, queued), role: "agent", form: url.Values{}, htmx: true})
		if w.Code != 404 || !strings.Contains(w.Body.String(), `class="toast error"`) {
			t.Errorf("retry of a queued email: %d %.300s", w.Code, w.Body)
		}
		// Without htmx the answer goes back to the ticket.
		_, failed2 := e.emailReply(t, e.t1.ID, "Another.", failDelivery)
		w = e.do(req{method: "POST", path: path(e.t1.ID, failed2), role: "admin", form: url.Values{}})
		if w.Code != 303 || w.Header().Get("Location") != fmt.Sprintf("/tickets/%d", e.t1.ID) {
			t.Errorf("plain retry: %d %q", w.Code, w.Header().Get("Location"))
		}
	})
}

// TestDeliveryOf sums up each delivery state.
func TestDeliveryOf(t *testing.T) {
	for _, c := range []struct {
		d    *desk.Delivery
		want deliveryState
	}{
		{nil, deliveryState{}},
		{&desk.Delivery{Status: desk.DeliveryQueued}, deliveryState{Kind: "sending"}},
		{&desk.Delivery{Status: desk.DeliveryQueued, LastError: "old"}, deliveryState{Kind: "sending"}}, // requeued by an agent: attempts 0
		{&desk.Delivery{Status: desk.DeliveryQueued, Attempts: 1, LastError: "451"}, deliveryState{Kind: "retrying", Attempt: 2}},
		{&desk.Delivery{Status: desk.DeliverySending, Attempts: 1}, deliveryState{Kind: "sending"}},
		{&desk.Delivery{Status: desk.DeliverySending, Attempts: 3}, deliveryState{Kind: "retrying", Attempt: 3}},
		{&desk.Delivery{Status: desk.DeliverySent, Attempts: 1}, deliveryState{Kind: "sent"}},
		{&desk.Delivery{Status: desk.DeliveryFailed, Attempts: 8}, deliveryState{Kind: "failed"}},
	} {
		if got := deliveryOf(c.d); got != c.want {
			t.Errorf("deliveryOf(%+v) = %+v, want %+v", c.d, got, c.want)
		}
	}
}

// TestQuotedOnlyOpen renders a message that is all quote (nothing new
// written) with its fold open, so the thread never shows an empty bubble.
func TestQuotedOnlyOpen(t *testing.T) {
	a := fixtureApp(t)
	d := fixtureTicket()
	d.Messages = []desk.Message{
		{ID: 1, Direction: desk.Inbound, Channel: desk.ChannelEmail, Text: "", FullText: "> only the old text", CreatedAt: d.T.CreatedAt},
		{ID: 2, Direction: desk.Inbound, Channel: desk.ChannelEmail, Text: "new", FullText: "new\n> old", CreatedAt: d.T.CreatedAt},
	}
	var b strings.Builder
	if err := a.tpl["en"].t.ExecuteTemplate(&b, "thread", pageData{CSRF: "x", D: d}); err != nil {
		t.Fatal(err)
	}
	body := b.String()
	if !strings.Contains(msgItem(t, body, 1), `<details class="quoted" open>`) || strings.Contains(msgItem(t, body, 2), `<details class="quoted" open>`) {
		t.Errorf("fold states:\n%s", body)
	}
}
