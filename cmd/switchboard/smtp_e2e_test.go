package main

// Mail in through the real binary: a message sent to `serve`'s SMTP
// listener with a real SMTP client becomes a ticket found over the REST
// API, and `mail ingest` (an MTA pipe) threads a reply onto it and answers
// with the exit codes MTAs act on.

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// addMailbox creates an active mailbox in the instance's database.
func (in *instance) addMailbox(address string) {
	in.t.Helper()
	ctx := context.Background()
	withStore(in.t, in, func(st *store.Store) {
		now := time.Now().UTC()
		mb := desk.Mailbox{Address: address, Name: "Acme Support", Inbound: desk.InboundSMTP, ReopenDays: 14, Active: true, CreatedAt: now, UpdatedAt: now}
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.InsertMailbox(ctx, &mb) }); err != nil {
			in.t.Fatalf("add mailbox: %v", err)
		}
	})
}

func TestMailInOverSMTP(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			in := newInstance(t, engine)
			in.mustRun("", "migrate")
			in.addMailbox("support@acme.example")
			in.mustRun("", "user", "add", "--email", "ana@acme.example", "--name", "Ana", "--role", "admin")
			token := strings.TrimSpace(in.mustRun("", "token", "create", "--email", "ana@acme.example"))

			smtpAddr := freePort(t)
			p, _ := in.serve("--smtp-addr", smtpAddr)
			if !strings.Contains(p.stderr.String(), "smtp listening") {
				t.Fatalf("no smtp listening log:\n%s", p.stderr)
			}

			msg := "From: Bo Customer <bo@customer.example>\r\nTo: support@acme.example\r\n" +
				"Subject: Printer on fire\r\nMessage-ID: <e2e-1@customer.example>\r\n" +
				"Date: Mon, 30 Nov 2026 09:00:00 +0000\r\n\r\nIt is smoking.\r\n"
			// Over STARTTLS (the self-signed certificate, unverified, as
			// MTAs delivering to an MX do).
			if err := sendSMTPS(smtpAddr, "bo@customer.example", []string{"Support+urgent@acme.example"}, msg); err != nil {
				t.Fatalf("send over SMTP: %v\n%s", err, p.stderr)
			}
			err := sendSMTP(smtpAddr, "bo@customer.example", []string{"nobody@acme.example"}, msg)
			if se, ok := err.(*smtp.SMTPError); !ok || se.Code != 550 {
				t.Errorf("unknown recipient: %v, want 550", err)
			}

			// The 250 came after the commit: the ticket is there at once.
			var page struct {
				Items []struct {
					ID, Number int64
					Subject    string
				}
			}
			if code := call(t, "GET", p.url+"/api/v1/tickets?q="+url.QueryEscape("smoking"), token, "", &page); code != 200 {
				t.Fatalf("search tickets: %d", code)
			}
			if len(page.Items) != 1 || page.Items[0].Subject != "Printer on fire" {
				t.Fatalf("tickets %+v, want the mailed one", page.Items)
			}
			tk := page.Items[0]

			// An MTA pipe delivers the reply, then delivers it again.
			reply := "From: bo@customer.example\r\nTo: support@acme.example\r\nSubject: Re: Printer on fire\r\n" +
				"Message-ID: <e2e-2@customer.example>\r\nIn-Reply-To: <e2e-1@customer.example>\r\n" +
				"Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n\r\nNow it is out.\r\n"
			if out, errOut, code := in.run(reply, "mail", "ingest", "--to", "support@acme.example"); code != 0 || out != fmt.Sprintf("ticket %d (reply)\n", tk.Number) {
				t.Errorf("mail ingest reply: exit %d, stdout %q, stderr %s", code, out, errOut)
			}
			if out, _, code := in.run(reply, "mail", "ingest", "--to", "support@acme.example"); code != 0 || out != fmt.Sprintf("duplicate of ticket %d\n", tk.Number) {
				t.Errorf("mail ingest again: exit %d, stdout %q", code, out)
			}
			if _, _, code := in.run(reply, "mail", "ingest", "--to", "sales@acme.example"); code != 67 {
				t.Errorf("mail ingest to no mailbox: exit %d, want 67", code)
			}
			var raw string
			call(t, "GET", fmt.Sprintf("%s/api/v1/tickets/%d/messages", p.url, tk.ID), token, "", &raw)
			if !strings.Contains(raw, "It is smoking.") || !strings.Contains(raw, "Now it is out.") || strings.Count(raw, "Now it is out.") != 1 {
				t.Errorf("thread of ticket %d: %s", tk.Number, raw)
			}
			if c := p.stop(t); c != 0 {
				t.Errorf("serve exit %d after SIGTERM\n%s", c, p.stderr)
			}
			if dial(smtpAddr) == nil {
				t.Error("SMTP still accepting after serve stopped")
			}
		})
	}
}

// sendSMTP sends one message over plain SMTP (smtp.SendMail insists on
// STARTTLS with a verified certificate, which a test listener has not).
func sendSMTP(addr, from string, to []string, msg string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail(from, to, strings.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}

// sendSMTPS is sendSMTP over STARTTLS, not verifying the certificate.
func sendSMTPS(addr, from string, to []string, msg string) error {
	c, err := smtp.DialStartTLS(addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail(from, to, strings.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}
