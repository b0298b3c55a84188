package main

// A whole email conversation through the real binary and real protocol
// peers: the customer's message waits in an IMAP account (go-imap's
// server), `serve` fetches it into a ticket, an agent answers over the
// REST API, the answer reaches the SMTP relay threaded under the
// customer's message, and the customer's reply to it, dropped into the
// IMAP account, joins the same ticket.

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"
)

// relay is an SMTP relay that keeps every message it receives.
type relay struct {
	mu   sync.Mutex
	msgs []*mail.Message
	addr string
}

func newRelay(t *testing.T) *relay {
	t.Helper()
	r := &relay{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }))
	srv.Domain = "relay.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return r
}

func (r *relay) wait(t *testing.T, n int) []*mail.Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r.mu.Lock()
		got := append([]*mail.Message(nil), r.msgs...)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("relay got %d messages, want %d", len(got), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type relaySession struct{ r *relay }

func (s *relaySession) Reset()                               {}
func (s *relaySession) Logout() error                        { return nil }
func (s *relaySession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *relaySession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *relaySession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	s.r.msgs = append(s.r.msgs, m)
	s.r.mu.Unlock()
	return nil
}

func TestEmailConversationOverIMAPAndSMTP(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			// The customer's mail provider: an IMAP account with one message.
			mem := imapmemserver.New()
			user := imapmemserver.NewUser("help", "s3cret pass")
			if err := user.Create("INBOX", nil); err != nil {
				t.Fatal(err)
			}
			mem.AddUser(user)
			isrv := imapserver.New(&imapserver.Options{
				NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
					return mem.NewSession(), nil, nil
				},
				Caps:         imap.CapSet{imap.CapIMAP4rev1: {}},
				InsecureAuth: true,
				Logger:       log.New(io.Discard, "", 0),
			})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go isrv.Serve(ln)
			t.Cleanup(func() { isrv.Close() })
			appendMail := func(raw string) {
				t.Helper()
				if _, err := user.Append("INBOX", strings.NewReader(strings.ReplaceAll(raw, "\n", "\r\n")), &imap.AppendOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			appendMail("From: Ana Kovač <ana@example.com>\nTo: help@acme.example\nSubject: Lamp arrived broken\n" +
				"Message-ID: <first@example.com>\nDate: Mon, 30 Nov 2026 09:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\n" +
				"The shade is cracked. Can you send a new one?\n\nAna\n")

			out := newRelay(t)
			in := newInstance(t, engine)
			imapURL := (&url.URL{Scheme: "imap", User: url.UserPassword("help", "s3cret pass"), Host: ln.Addr().String(), Path: "/INBOX"}).String()
			added := in.mustRun("", "mailbox", "add", "help@acme.example", "--name", "Acme Help", "--imap", imapURL, "--smtp", "smtp://"+out.addr)
			if strings.Contains(added, "s3cret") {
				t.Fatalf("mailbox add printed the password: %s", added)
			}
			in.mustRun("", "user", "add", "--email", "bo@acme.example", "--name", "Bo Agent", "--role", "agent")
			token := strings.TrimSpace(in.mustRun("", "token", "create", "--email", "bo@acme.example"))
			p, _ := in.serve()

			// The message is fetched into a ticket.
			type ticket struct {
				ID      int64  `json:"id"`
				Number  int64  `json:"number"`
				Subject string `json:"subject"`
				Channel string `json:"channel"`
				Status  string `json:"status"`
			}
			var list struct{ Items []ticket }
			deadline := time.Now().Add(30 * time.Second)
			for len(list.Items) == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("no ticket from IMAP:\n%s", p.stderr)
				}
				time.Sleep(100 * time.Millisecond)
				call(t, "GET", p.url+"/api/v1/tickets", token, "", &list)
			}
			tk := list.Items[0]
			if tk.Subject != "Lamp arrived broken" || tk.Channel != "email" {
				t.Fatalf("ticket = %+v", tk)
			}
			if strings.Contains(p.stderr.String(), "s3cret") {
				t.Fatalf("the IMAP password is in the log")
			}

			// Bo answers; the relay receives it threaded.
			if code := call(t, "POST", fmt.Sprintf("%s/api/v1/tickets/%d/messages", p.url, tk.ID), token,
				`{"body":"Sorry about that! A new shade is on its way."}`, nil); code != 201 {
				t.Fatalf("reply: %d", code)
			}
			sent := out.wait(t, 1)[0]
			subject := sent.Header.Get("Subject")
			from := sent.Header.Get("From")
			if sent.Header.Get("In-Reply-To") != "<first@example.com>" || !strings.Contains(sent.Header.Get("References"), "<first@example.com>") ||
				!strings.Contains(subject, fmt.Sprintf("[#%d]", tk.Number)) || !strings.Contains(from, "Bo Agent") ||
				!strings.Contains(from, "help@acme.example") || !strings.Contains(sent.Header.Get("To"), "ana@example.com") {
				t.Fatalf("reply headers: %v", sent.Header)
			}
			ourID := sent.Header.Get("Message-Id")

			// Ana answers from her mail client; it joins the same ticket.
			appendMail("From: Ana Kovač <ana@example.com>\nTo: Acme Help <help@acme.example>\nSubject: Re: " + "Lamp arrived broken" +
				"\nMessage-ID: <second@example.com>\nIn-Reply-To: " + ourID + "\nReferences: <first@example.com> " + ourID +
				"\nDate: Mon, 30 Nov 2026 11:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\n" +
				"Thank you!\n\nOn Mon, Nov 30, 2026 at 10:00 AM Bo Agent <help@acme.example> wrote:\n> Sorry about that! A new shade is on its way.\n")
			var thread struct {
				Items []struct {
					Text      string `json:"text"`
					FullText  string `json:"full_text"`
					Direction string `json:"direction"`
					Delivery  *struct {
						Status string `json:"status"`
						To     string `json:"to"`
					} `json:"delivery"`
				} `json:"items"`
			}
			deadline = time.Now().Add(30 * time.Second)
			for len(thread.Items) < 3 {
				if time.Now().After(deadline) {
					t.Fatalf("the customer's reply did not join ticket %d (%d messages):\n%s", tk.ID, len(thread.Items), p.stderr)
				}
				time.Sleep(100 * time.Millisecond)
				call(t, "GET", fmt.Sprintf("%s/api/v1/tickets/%d/messages", p.url, tk.ID), token, "", &thread)
			}
			if last := thread.Items[2]; last.Direction != "inbound" || last.Text != "Thank you!" || !strings.Contains(last.FullText, "> Sorry about that!") {
				t.Fatalf("customer's reply = %+v (quoted history must be stripped, and kept in full_text)", last)
			}
			if d := thread.Items[1].Delivery; d == nil || d.Status != "sent" || d.To != "ana@example.com" {
				t.Fatalf("the reply's delivery over the API = %+v, want sent to ana@example.com", d)
			}
			call(t, "GET", p.url+"/api/v1/tickets", token, "", &list)
			if len(list.Items) != 1 {
				t.Fatalf("%d tickets, want 1", len(list.Items))
			}
			if code := p.stop(t); code != 0 {
				t.Fatalf("serve exit %d", code)
			}
		})
	}
}
