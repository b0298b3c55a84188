package mailout

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/desk/desktest"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

var must = desktest.Must

// fixture is a store with the ticket service wired to a Mailer, an agent
// with a non-ASCII name and a mailbox relaying to a sink.
type fixture struct {
	st     *store.Store
	clk    *desk.FixedClock
	br     *realtime.Local
	svc    *ticket.Service
	mailer *Mailer
	agent  desk.Actor
	mb     desk.Mailbox
}

func newFixture(t *testing.T, st *store.Store, smtpURL string, tlsCfg *tls.Config) *fixture {
	t.Helper()
	ctx := context.Background()
	clk := desk.NewFixedClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	br := realtime.NewLocal(1024)
	f := &fixture{st: st, clk: clk, br: br, svc: ticket.New(st, br, clk)}
	f.mailer = New(st, clk, Options{PortalURL: "https://desk.acme.example/", Publisher: f.svc, TLSConfig: tlsCfg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Timeout: 10 * time.Second})
	f.svc.SetOutbox(f.mailer)
	ag, err := team.New(st, clk).CreateAgent(ctx, desk.System, team.NewAgent{Email: "zeljka@acme.example", Name: "Željka Horvat", Role: desk.RoleAgent})
	must(t, err)
	f.agent = desk.Actor{Kind: desk.ActorAgent, AgentID: ag.ID, Name: ag.Name, Role: ag.Role}
	if smtpURL != "" {
		f.mb = f.addMailbox(t, "support@acme.example", "Acme Support", smtpURL)
	}
	return f
}

func (f *fixture) addMailbox(t *testing.T, addr, name, smtpURL string) desk.Mailbox {
	t.Helper()
	now := f.clk.Now()
	mb := desk.Mailbox{Address: addr, Name: name, Inbound: desk.InboundSMTP, SMTPURL: smtpURL, Active: true, CreatedAt: now, UpdatedAt: now}
	must(t, f.st.Write(context.Background(), func(tx *store.Tx) error { return tx.InsertMailbox(context.Background(), &mb) }))
	return mb
}

// customerTicket opens an email ticket as the customer's message
// custID would, recording that Message-ID for threading.
func (f *fixture) customerTicket(t *testing.T, subject, custID string) desk.Ticket {
	t.Helper()
	ctx := context.Background()
	var tk desk.Ticket
	must(t, f.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		tk, _, err = f.svc.CreateTx(ctx, tx, desk.System, desk.NewTicket{Subject: subject, Body: "My printer is on fire.",
			Requester: desk.ContactInput{Email: "jana@customer.example", Name: "Jana Šimić"}, Channel: desk.ChannelEmail, Inbound: true})
		if err != nil {
			return err
		}
		if f.mb.ID != 0 {
			if err := tx.SetTicketMailbox(ctx, tk.ID, f.mb.ID); err != nil {
				return err
			}
		}
		return tx.AddMailIDs(ctx, tk.ID, nil, desk.Inbound, f.clk.Now(), custID)
	}))
	return tk
}

func (f *fixture) reply(t *testing.T, ticketID int64, in desk.NewMessage) desk.Message {
	t.Helper()
	m, err := f.svc.AddMessage(context.Background(), f.agent, ticketID, in)
	must(t, err)
	return m
}

func (f *fixture) process(t *testing.T) int {
	t.Helper()
	n, err := f.mailer.Process(context.Background())
	must(t, err)
	return n
}

func (f *fixture) message(t *testing.T, id int64) desk.Message {
	t.Helper()
	m, err := f.st.Read().Message(context.Background(), id)
	must(t, err)
	return m
}

func (f *fixture) outbound(t *testing.T, ticketID int64) []store.OutboundMail {
	t.Helper()
	out, err := f.st.Read().OutboundList(context.Background(), ticketID, 100)
	must(t, err)
	return out
}

// parsed is a received email taken apart.
type parsed struct {
	Header mail.Header
	Text   string
	HTML   string
	Files  map[string][]byte
	Types  []string // media types of the parts, depth first
}

var dec = new(mime.WordDecoder)

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, raw)
	}
	p := parsed{Header: msg.Header, Files: map[string][]byte{}}
	p.walk(t, msg.Header.Get("Content-Type"), msg.Body)
	return p
}

func (p *parsed) walk(t *testing.T, ctype string, body io.Reader) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatalf("content type %q: %v", ctype, err)
	}
	p.Types = append(p.Types, mt)
	if !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("leaf %s walked as multipart", mt)
	}
	r := multipart.NewReader(body, params["boundary"])
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			return
		}
		must(t, err)
		pt := part.Header.Get("Content-Type")
		pmt, _, _ := mime.ParseMediaType(pt)
		data, err := io.ReadAll(part)
		must(t, err)
		switch {
		case strings.HasPrefix(pmt, "multipart/"):
			p.walk(t, pt, bytes.NewReader(data))
		case part.FileName() != "":
			p.Types = append(p.Types, pmt)
			p.Files[part.FileName()] = decodeBase64(t, data)
		case pmt == "text/plain":
			p.Types = append(p.Types, pmt)
			p.Text = string(data)
		case pmt == "text/html":
			p.Types = append(p.Types, pmt)
			p.HTML = string(data)
		}
	}
}

func (p parsed) decoded(t *testing.T, name string) string {
	t.Helper()
	s, err := dec.DecodeHeader(p.Header.Get(name))
	must(t, err)
	return s
}
