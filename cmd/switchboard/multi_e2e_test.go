package main

// Several `serve` processes on one PostgreSQL database share live events:
// an agent connected to one sees what happens on another and what
// `mail ingest` takes in.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// sseEvent is one event of the agent app's stream.
type sseEvent struct {
	Name string
	Data struct {
		Type     string `json:"type"`
		TicketID int64  `json:"ticket_id"`
		Self     bool   `json:"self"` // the signed-in agent caused it
	}
}

// openEvents opens the agent app's event stream of base as the signed-in
// client, waits until it is subscribed (its hello comment) and returns its
// events.
func openEvents(t *testing.T, client *http.Client, base string) <-chan sseEvent {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	c := *client
	c.Timeout = 0 // a stream
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("open event stream: %v %v", resp, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	rd := bufio.NewReader(resp.Body)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("read event stream: %v", err)
		}
		if strings.HasPrefix(line, ": hello") { // subscribed before this was written
			break
		}
	}
	out := make(chan sseEvent, 100)
	go func() {
		defer close(out)
		var ev sseEvent
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.Name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				_ = json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.Data)
			case line == "" && ev.Name != "":
				out <- ev
				ev = sseEvent{}
			}
		}
	}()
	return out
}

// awaitTicketEvent waits for a "ticket" event of type typ about a ticket
// that matches, and returns its ticket id.
func awaitTicketEvent(t *testing.T, evs <-chan sseEvent, typ string, match func(id int64) bool) int64 {
	t.Helper()
	return awaitEvent(t, evs, "ticket", typ, match)
}

// awaitEvent waits for an event named name (of type typ, unless "") about
// a ticket that matches, and returns its ticket id. A resync fails.
func awaitEvent(t *testing.T, evs <-chan sseEvent, name, typ string, match func(id int64) bool) int64 {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case ev, ok := <-evs:
			if !ok {
				t.Fatalf("event stream ended while waiting for %s %s", name, typ)
			}
			if ev.Name == "resync" {
				t.Fatalf("resync while waiting for %s %s", name, typ)
			}
			if ev.Name == name && (typ == "" || ev.Data.Type == typ) && match(ev.Data.TicketID) {
				return ev.Data.TicketID
			}
		case <-timeout:
			t.Fatalf("no %s %s event within 15s", name, typ)
		}
	}
}

func TestLiveEventsAcrossInstances(t *testing.T) {
	if os.Getenv("SWITCHBOARD_TEST_SKIP_POSTGRES") == "1" {
		t.Skip("PostgreSQL left out")
	}
	in := newInstance(t, "postgres")
	in.mustRun("", "migrate")
	in.mustRun("correct-horse-battery\n", "user", "add", "--email", "ana@acme.example", "--name", "Ana", "--role", "admin", "--password-stdin")
	token := strings.TrimSpace(in.mustRun("", "token", "create", "--email", "ana@acme.example"))
	in.mustRun("another-long-password\n", "user", "add", "--email", "bo@acme.example", "--name", "Bo Agent", "--role", "agent", "--password-stdin")
	in.mustRun("", "mailbox", "add", "support@acme.example", "--name", "Acme Support")

	a, _ := in.serve()
	b, _ := in.serve()
	evs := openEvents(t, signIn(t, b.url, "ana@acme.example", "correct-horse-battery"), b.url)

	// A ticket made through instance A's API shows up live on B.
	var created struct{ ID, Number int64 }
	body := `{"subject":"Printer on fire","body":"It is smoking.","requester":{"email":"bo@customer.example","name":"Bo"}}`
	start := time.Now()
	if code := call(t, "POST", a.url+"/api/v1/tickets", token, body, &created); code != 201 || created.ID == 0 {
		t.Fatalf("create ticket on A: %d %+v", code, created)
	}
	awaitTicketEvent(t, evs, "ticket.created", func(id int64) bool { return id == created.ID })
	t.Logf("ticket created on A reached B's stream %s after the request", time.Since(start).Round(time.Millisecond))

	// So does one taken in by `mail ingest`, a process of its own.
	msg := "From: Cy Customer <cy@customer.example>\r\nTo: support@acme.example\r\n" +
		"Subject: Scanner jammed\r\nMessage-ID: <multi-1@customer.example>\r\n" +
		"Date: Mon, 30 Nov 2026 09:00:00 +0000\r\n\r\nIt will not scan.\r\n"
	start = time.Now()
	out, errOut, code := in.run(msg, "mail", "ingest", "--to", "support@acme.example")
	if code != 0 || !strings.HasSuffix(out, "(new)\n") {
		t.Fatalf("mail ingest: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	id := awaitTicketEvent(t, evs, "ticket.created", func(id int64) bool { return id != created.ID })
	t.Logf("mail ingest's ticket reached B's stream %s after the command started", time.Since(start).Round(time.Millisecond))
	var got struct{ Number int64 }
	if code := call(t, "GET", fmt.Sprintf("%s/api/v1/tickets/%d", b.url, id), token, "", &got); code != 200 || out != fmt.Sprintf("ticket %d (new)\n", got.Number) {
		t.Errorf("the event's ticket %d is number %d (%d); mail ingest said %q", id, got.Number, code, out)
	}

	// An agent on A opening the ticket shows on B: its presence event
	// arrives and B's tracker lists the agent.
	bo := signIn(t, a.url, "bo@acme.example", "another-long-password")
	resp, err := bo.Get(a.url + "/inbox")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`data-csrf="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on A's inbox:\n%.500s", page)
	}
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/tickets/%d/presence", a.url, created.ID), strings.NewReader("state=viewing"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", string(m[1]))
	if resp, err = bo.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("presence beat on A: %v %v", resp, err)
	}
	resp.Body.Close()
	awaitEvent(t, evs, "presence", "", func(id int64) bool { return id == created.ID })
	ana := signIn(t, b.url, "ana@acme.example", "correct-horse-battery")
	if resp, err = ana.Get(fmt.Sprintf("%s/tickets/%d/presence", b.url, created.ID)); err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Bo Agent") {
		t.Errorf("B's presence for the ticket does not show the agent on A:\n%.500s", page)
	}

	for _, p := range []*process{a, b} {
		if c := p.stop(t); c != 0 {
			t.Errorf("serve exit %d:\n%s", c, p.stderr)
		}
	}
}
