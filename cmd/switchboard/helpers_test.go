package main

// Helpers of the end-to-end tests: build the binary once, run commands,
// start and stop `serve`, make HTTP calls.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver to drop the test schema

	"switchboard/internal/store/storetest"
)

var binary string // path of the built switchboard binary

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "switchboard-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "switchboard")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build switchboard:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// instance is one Switchboard installation: its environment (data dir and
// database URL) for every command.
type instance struct {
	t   *testing.T
	env []string
}

// newInstance returns an installation on engine ("sqlite" or "postgres").
// PostgreSQL gets a fresh schema via ?search_path=, dropped at the end.
func newInstance(t *testing.T, engine string) *instance {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SWITCHBOARD_") {
			env = append(env, kv)
		}
	}
	env = append(env, "SWITCHBOARD_DATA_DIR="+filepath.Join(t.TempDir(), "data"))
	if engine == "postgres" {
		base := storetest.PostgresURL()
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		schema := "sbe2e_" + hex.EncodeToString(b)
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		env = append(env, "SWITCHBOARD_DATABASE_URL="+u.String())
		t.Cleanup(func() { dropSchema(t, base, schema) })
	}
	return &instance{t: t, env: env}
}

func dropSchema(t *testing.T, base, schema string) {
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Errorf("drop schema: %v", err)
		return
	}
	defer db.Close()
	if _, err := db.Exec("DROP SCHEMA IF EXISTS " + pgx.Identifier{schema}.Sanitize() + " CASCADE"); err != nil {
		t.Errorf("drop schema %s: %v", schema, err)
	}
}

// run runs one command to completion and returns its output and exit code.
func (in *instance) run(stdin string, args ...string) (stdout, stderr string, code int) {
	in.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = in.env
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		in.t.Fatalf("run %v: %v", args, err)
	}
	return o.String(), e.String(), 0
}

// mustRun runs a command that must succeed.
func (in *instance) mustRun(stdin string, args ...string) string {
	in.t.Helper()
	out, errOut, code := in.run(stdin, args...)
	if code != 0 {
		in.t.Fatalf("switchboard %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// process is a running `switchboard serve`.
type process struct {
	cmd    *exec.Cmd
	url    string
	lines  chan string // stdout lines after the "running at" one
	stderr *syncBuffer
	done   chan error
}

var runningAt = regexp.MustCompile(`Switchboard is running at (http://\S+)`)

// serve starts `switchboard serve` on a free loopback port and waits until
// it says where it listens; the process is killed at the end of the test
// if it is still running.
func (in *instance) serve(args ...string) (*process, []string) {
	in.t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--http-addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = in.env
	p := &process{cmd: cmd, lines: make(chan string, 100), stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		in.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		in.t.Fatal(err)
	}
	in.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		p.done <- cmd.Wait()
	}()
	var before []string
	timeout := time.After(60 * time.Second)
	for p.url == "" {
		select {
		case line, ok := <-p.lines:
			if !ok {
				in.t.Fatalf("serve exited before listening:\nstdout: %s\nstderr: %s", strings.Join(before, "\n"), p.stderr)
			}
			before = append(before, line)
			if m := runningAt.FindStringSubmatch(line); m != nil {
				p.url = m[1]
			}
		case <-timeout:
			in.t.Fatalf("serve did not start:\nstderr: %s", p.stderr)
		}
	}
	// The line after "running at" may be the login (with --demo).
	select {
	case line, ok := <-p.lines:
		if ok {
			before = append(before, line)
		}
	case <-time.After(200 * time.Millisecond):
	}
	return p, before
}

// stop sends SIGTERM and returns the exit code.
func (p *process) stop(t *testing.T) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	return p.wait(t)
}

// wait waits for the process to exit and returns its exit code, or -1 if
// it did not exit within 30 seconds. It is safe to call from any goroutine.
func (p *process) wait(t *testing.T) int {
	go func() {
		for range p.lines {
		}
	}()
	select {
	case err := <-p.done:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		} else if err != nil {
			t.Errorf("wait: %v", err)
			return -1
		}
		return 0
	case <-time.After(30 * time.Second):
		t.Errorf("serve did not exit within 30s:\n%s", p.stderr)
		return -1
	}
}

// call makes an HTTP request and decodes a JSON answer into out (if non-nil).
func call(t *testing.T, method, u, token, body string, out any) int {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if s, ok := out.(*string); ok {
			*s = string(b)
		} else if err := json.Unmarshal(b, out); err != nil && resp.StatusCode < 300 {
			t.Fatalf("%s %s: decode %s: %v", method, u, b, err)
		}
	}
	return resp.StatusCode
}

// syncBuffer is a bytes.Buffer safe for a process writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// dial reports whether something accepts TCP connections at addr.
func dial(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
	}
	return err
}

var regexpPassword = regexp.MustCompile(`(?m)^Password: (\S+)$`)

const sigterm = syscall.SIGTERM
