package smtpd

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// rawSession opens a connection and walks it to the DATA prompt.
func rawSession(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := bufio.NewReader(c)
	expect := func(prefix string) {
		t.Helper()
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("waiting for %s: %v", prefix, err)
			}
			if !strings.HasPrefix(line, prefix) {
				t.Fatalf("got %q, want %s", line, prefix)
			}
			if len(line) < 4 || line[3] != '-' {
				return
			}
		}
	}
	expect("220")
	for _, step := range [][2]string{{"EHLO slow.example", "250"}, {"MAIL FROM:<ana@example.com>", "250"},
		{"RCPT TO:<support@acme.example>", "250"}, {"DATA", "354"}} {
		if _, err := io.WriteString(c, step[0]+"\r\n"); err != nil {
			t.Fatal(err)
		}
		expect(step[1])
	}
	return c, r
}

// TestSlowData: a message that trickles in for longer than the read
// timeout is accepted as long as the client is never silent that long.
func TestSlowData(t *testing.T) {
	d := &fakeDeliverer{}
	addr, _ := start(t, d, lookup, Options{ReadTimeout: 400 * time.Millisecond})
	c, r := rawSession(t, addr)
	for _, line := range strings.SplitAfter(body, "\r\n") {
		if _, err := io.WriteString(c, line); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // paces the client; 700 ms in all
	}
	if _, err := io.WriteString(c, ".\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "250 ") {
		t.Fatalf("slow message: %q %v, want 250", line, err)
	}
	if len(d.deliveries()) != 1 {
		t.Fatal("slow message not delivered")
	}
}

// TestStalledData: a client silent mid-DATA for longer than the read
// timeout is cut off and nothing is delivered.
func TestStalledData(t *testing.T) {
	d := &fakeDeliverer{}
	addr, _ := start(t, d, lookup, Options{ReadTimeout: 300 * time.Millisecond})
	c, r := rawSession(t, addr)
	if _, err := io.WriteString(c, "Subject: half\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("connection not closed by the server: %v", err)
	}
	if strings.Contains(string(rest), "250 ") {
		t.Errorf("stalled message answered %q", rest)
	}
	if len(d.deliveries()) != 0 {
		t.Error("a stalled message was delivered")
	}
}
