package main

// End-to-end tests of the real binary, on SQLite and on PostgreSQL.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var engines = []string{"sqlite", "postgres"}

func TestCommandsAndServe(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			in := newInstance(t, engine)
			in.mustRun("", "migrate")
			in.mustRun("", "migrate") // idempotent

			out := in.mustRun("correct-horse-battery\n", "user", "add", "--email", "admin@e2e.example", "--name", "Ada Admin", "--role", "admin", "--password-stdin")
			if strings.Contains(out, "correct-horse") {
				t.Errorf("user add echoed the password: %s", out)
			}
			out = in.mustRun("", "user", "add", "--email", "agent@e2e.example", "--name", "Alan Agent", "--role", "agent")
			if m := regexpPassword.FindStringSubmatch(out); m == nil || len(m[1]) < 16 {
				t.Errorf("user add without --password-stdin should print a strong password once, got:\n%s", out)
			}
			if _, errOut, code := in.run("", "user", "add", "--email", "x@e2e.example", "--name", "X", "--role", "boss"); code != 2 || !strings.Contains(errOut, "--role") {
				t.Errorf("bad role: exit %d, stderr %q; want 2 and a message naming --role", code, errOut)
			}
			if _, errOut, code := in.run("another-password\n", "user", "add", "--email", "admin@e2e.example", "--name", "Again", "--role", "agent", "--password-stdin"); code != 1 || errOut == "" {
				t.Errorf("duplicate email: exit %d, stderr %q; want 1 and a message", code, errOut)
			}
			if _, errOut, code := in.run("", "token", "create", "--email", "nobody@e2e.example"); code != 1 || !strings.Contains(errOut, "nobody@e2e.example") {
				t.Errorf("token for unknown agent: exit %d, stderr %q", code, errOut)
			}
			token := strings.TrimSpace(in.mustRun("", "token", "create", "--email", "admin@e2e.example", "--name", "e2e"))
			if token == "" || strings.ContainsAny(token, " \n") {
				t.Fatalf("token create printed %q; want only the token", token)
			}

			start := time.Now()
			smtpAddr := freePort(t)
			in.env = append(in.env, "SWITCHBOARD_SMTP_ADDR="+smtpAddr)
			p, _ := in.serve()
			t.Logf("%s: serve was listening %s after exec", engine, time.Since(start).Round(time.Millisecond))

			if !strings.Contains(p.stderr.String(), "smtp listening") || dial(smtpAddr) != nil {
				t.Errorf("the SMTP listener is not up on %s:\n%s", smtpAddr, p.stderr)
			}
			for _, path := range []string{"/healthz", "/readyz"} {
				if code := call(t, "GET", p.url+path, "", "", nil); code != 200 {
					t.Errorf("GET %s = %d", path, code)
				}
			}
			var created struct {
				ID, Number int64
				Status     string
			}
			body := `{"subject":"Printer on fire","body":"It is smoking.","requester":{"email":"ana@customer.example","name":"Ana"},"priority":"high","tags":["hardware"]}`
			if code := call(t, "POST", p.url+"/api/v1/tickets", token, body, &created); code != 201 || created.ID == 0 || created.Status != "new" {
				t.Fatalf("create ticket: %d %+v", code, created)
			}
			var got struct{ Subject string }
			if code := call(t, "GET", fmt.Sprintf("%s/api/v1/tickets/%d", p.url, created.ID), token, "", &got); code != 200 || got.Subject != "Printer on fire" {
				t.Errorf("get ticket: %d %+v", code, got)
			}
			if code := call(t, "GET", p.url+"/api/v1/tickets", "", "", nil); code != 401 {
				t.Errorf("list without token = %d, want 401", code)
			}
			var metrics string
			call(t, "GET", p.url+"/metrics", "", "", &metrics)
			for _, want := range []string{`switchboard_http_requests_total{code="201",method="POST",route="/api/v1/tickets"} 1`, "go_goroutines", "switchboard_realtime_subscribers"} {
				if !strings.Contains(metrics, want) {
					t.Errorf("metrics lack %s", want)
				}
			}

			// SIGTERM during a slow in-flight request: it completes, then the process exits 0.
			slow := startSlowCreate(t, p.url, token)
			code := make(chan int, 1)
			if err := p.cmd.Process.Signal(sigterm); err != nil {
				t.Fatal(err)
			}
			go func() { code <- p.wait(t) }()
			time.Sleep(300 * time.Millisecond)
			u, _ := url.Parse(p.url)
			if dial(u.Host) == nil {
				t.Errorf("still accepting connections after SIGTERM")
			}
			if dial(smtpAddr) == nil {
				t.Errorf("still accepting SMTP connections after SIGTERM")
			}
			if status := slow.finish(); status != 201 {
				t.Errorf("in-flight request during shutdown got %d, want 201", status)
			}
			if c := <-code; c != 0 {
				t.Errorf("serve exit code %d after SIGTERM, want 0\n%s", c, p.stderr)
			}
			logs := p.stderr.String()
			if strings.Contains(logs, token) || strings.Contains(logs, "Bearer") || strings.Contains(logs, "correct-horse") {
				t.Errorf("logs leak a credential:\n%s", logs)
			}

			// The ticket created during shutdown was committed.
			p2, _ := in.serve()
			var page struct{ Items []struct{ Subject string } }
			call(t, "GET", p2.url+"/api/v1/tickets?limit=10", token, "", &page)
			if len(page.Items) != 2 {
				t.Errorf("after restart: %d tickets, want 2", len(page.Items))
			}
			if c := p2.stop(t); c != 0 {
				t.Errorf("second serve exit %d", c)
			}
		})
	}
}

func TestServeDemo(t *testing.T) {
	in := newInstance(t, "sqlite")
	p, out := in.serve("--demo")
	all := strings.Join(out, "\n")
	if !strings.Contains(all, "Loaded demo data") || !strings.Contains(all, "Sign in with email admin@switchboard.example and password switchboard-demo") {
		t.Fatalf("serve --demo printed:\n%s", all)
	}
	token := strings.TrimSpace(in.mustRun("", "token", "create", "--email", "admin@switchboard.example"))
	total, cursor := 0, ""
	for range 20 {
		var page struct {
			Items      []struct{ Status string }
			NextCursor string `json:"next_cursor"`
		}
		if code := call(t, "GET", p.url+"/api/v1/tickets?limit=100&cursor="+url.QueryEscape(cursor), token, "", &page); code != 200 {
			t.Fatalf("list demo tickets: %d", code)
		}
		total += len(page.Items)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if total < 200 {
		t.Errorf("demo has %d tickets, want a few hundred", total)
	}

	// Sign in to the agent app with the printed login and open the live
	// event stream; SIGTERM must end the stream rather than wait for it.
	browser := signIn(t, p.url, "admin@switchboard.example", "switchboard-demo")
	req, _ := http.NewRequest("GET", p.url+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := browser.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("open event stream: %v %v", resp, err)
	}
	defer resp.Body.Close()
	stream := bufio.NewReader(resp.Body)
	if _, err := stream.ReadString('\n'); err != nil {
		t.Fatalf("read event stream: %v", err)
	}
	stopped := time.Now()
	if c := p.stop(t); c != 0 {
		t.Errorf("exit %d", c)
	}
	if d := time.Since(stopped); d > 10*time.Second {
		t.Errorf("shutdown with an open event stream took %s", d)
	}
	if _, err := io.ReadAll(stream); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Logf("stream ended with %v", err)
	}
	// A second --demo run keeps the data and still prints the login.
	p, out = in.serve("--demo")
	all = strings.Join(out, "\n")
	if !strings.Contains(all, "already has tickets") || !strings.Contains(all, "Sign in with email") {
		t.Errorf("second serve --demo printed:\n%s", all)
	}
	p.stop(t)
}

func TestBadConfiguration(t *testing.T) {
	in := newInstance(t, "sqlite")
	in.env = append(in.env, "SWITCHBOARD_DATABASE_URL=mysql://nope")
	_, errOut, code := in.run("", "serve")
	if code != 2 || !strings.Contains(errOut, "SWITCHBOARD_DATABASE_URL") {
		t.Errorf("serve with a bad database URL: exit %d, stderr %q", code, errOut)
	}
	in.env[len(in.env)-1] = "SWITCHBOARD_SMTP_ADDR=localhost"
	if _, errOut, code := in.run("", "serve"); code != 2 || !strings.Contains(errOut, "SWITCHBOARD_SMTP_ADDR") {
		t.Errorf("serve with a bad SMTP address: exit %d, stderr %q", code, errOut)
	}
	if _, _, code := in.run("", "frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	if out, _, code := in.run("", "help"); code != 0 || !strings.Contains(out, "token create") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
}

// slowRequest is a POST whose body is sent in two parts, so it is in
// flight while the test signals the server.
type slowRequest struct {
	t    *testing.T
	conn net.Conn
	rest string
}

func startSlowCreate(t *testing.T, base, token string) *slowRequest {
	t.Helper()
	u, _ := url.Parse(base)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"subject":"Sent during shutdown","body":"Slowly.","requester":{"email":"slow@customer.example","name":"Slow"}}`
	half := len(body) / 2
	fmt.Fprintf(conn, "POST /api/v1/tickets HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		u.Host, token, len(body), body[:half])
	time.Sleep(200 * time.Millisecond) // the handler is now reading the body
	return &slowRequest{t: t, conn: conn, rest: body[half:]}
}

func (s *slowRequest) finish() int {
	defer s.conn.Close()
	if _, err := s.conn.Write([]byte(s.rest)); err != nil {
		s.t.Fatalf("send rest of body: %v", err)
	}
	_ = s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(s.conn), nil)
	if err != nil {
		s.t.Fatalf("read response: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// signIn signs in to the agent app like a browser (login form with its
// CSRF token) and returns a client carrying the session cookie.
func signIn(t *testing.T, base, email, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	var page string
	resp, err := c.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page = string(b)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the login page:\n%s", page)
	}
	resp, err = c.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}, "csrf": {m[1]}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Contains(string(b), `name="password"`) {
		t.Fatalf("sign in: %d\n%.500s", resp.StatusCode, b)
	}
	return c
}
