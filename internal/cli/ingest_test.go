package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/mailin"
	"switchboard/internal/store"
)

// ingestEnv is a SQLite installation with the active mailbox
// support@acme.example, as the environment of a command.
func ingestEnv(t *testing.T) func(string) string {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"SWITCHBOARD_DATA_DIR": dir}
	getenv := func(k string) string { return env[k] }
	if code, _, errOut := runEnv(getenv, "", "migrate"); code != ExitOK {
		t.Fatalf("migrate: %d %s", code, errOut)
	}
	st, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	mb := desk.Mailbox{Address: "support@acme.example", Name: "Acme", Inbound: desk.InboundPipe, ReopenDays: 14,
		Active: true, CreatedAt: now, UpdatedAt: now}
	if err := st.Write(ctx, func(tx *store.Tx) error { return tx.InsertMailbox(ctx, &mb) }); err != nil {
		t.Fatal(err)
	}
	return getenv
}

func runEnv(getenv func(string) string, stdin string, args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = Run(context.Background(), args, IO{Stdin: strings.NewReader(stdin), Stdout: &o, Stderr: &e, Getenv: getenv})
	return code, o.String(), e.String()
}

// TestMailIngest checks what an MTA pipe relies on: the exit code of
// every outcome and the one line on stdout.
func TestMailIngest(t *testing.T) {
	getenv := ingestEnv(t)
	msg := "From: Ana <ana@example.com>\r\nTo: support@acme.example\r\nSubject: Invoice\r\n" +
		"Message-ID: <m1@example.com>\r\nDate: Mon, 30 Nov 2026 09:00:00 +0000\r\n\r\nThe invoice is wrong.\r\n"
	reply := "From: Ana <ana@example.com>\r\nTo: support@acme.example\r\nSubject: Re: Invoice\r\n" +
		"Message-ID: <m2@example.com>\r\nIn-Reply-To: <m1@example.com>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n\r\nAny news?\r\n"
	file := filepath.Join(t.TempDir(), "reply.eml")
	if err := os.WriteFile(file, []byte(reply), 0o600); err != nil {
		t.Fatal(err)
	}
	dbDown := func(k string) string {
		if k == "SWITCHBOARD_DATABASE_URL" {
			return "postgres://postgres@127.0.0.1:1/nothing?sslmode=disable&connect_timeout=2"
		}
		return ""
	}
	cases := []struct {
		name   string
		getenv func(string) string
		stdin  string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"new ticket", getenv, msg, []string{"--to", "Support+billing@acme.example"}, ExitOK, "ticket 1000 (new)\n", ""},
		{"redelivery", getenv, msg, []string{"--to", "support@acme.example", "-"}, ExitOK, "duplicate of ticket 1000\n", ""},
		{"reply from FILE, flags after it", getenv, "", []string{file, "--to", "support@acme.example"}, ExitOK, "ticket 1000 (reply)\n", ""},
		{"unknown mailbox", getenv, msg, []string{"--to", "sales@acme.example"}, ExitNoUser, "", "No mailbox sales@acme.example here."},
		{"too large", getenv, msg + strings.Repeat("x", mailin.MaxMessageSize), []string{"--to", "support@acme.example"}, ExitDataErr, "", "larger than 35 MiB"},
		{"empty", getenv, "\r\n", []string{"--to", "support@acme.example"}, ExitDataErr, "", "empty"},
		{"database down", dbDown, msg, []string{"--to", "support@acme.example"}, ExitTempFail, "", "open database"},
		{"missing FILE", getenv, "", []string{"--to", "support@acme.example", filepath.Join(t.TempDir(), "nope.eml")}, ExitNoInput, "", "no such file"},
		{"no --to", getenv, msg, nil, ExitUsage, "", "--to is required"},
		{"two files", getenv, msg, []string{"--to", "support@acme.example", "a", "b"}, ExitUsage, "", "at most one FILE"},
	}
	for _, tc := range cases {
		code, out, errOut := runEnv(tc.getenv, tc.stdin, append([]string{"mail", "ingest"}, tc.args...)...)
		if code != tc.code || (tc.stdout != "" && out != tc.stdout) || (tc.stdout == "" && out != "") || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d, %q, %q", tc.name, code, out, errOut, tc.code, tc.stdout, tc.stderr)
		}
	}
	if code, out, _ := run("help"); code != ExitOK || !strings.Contains(out, "mail ingest --to ADDRESS [FILE]") || !strings.Contains(out, "75 temporary failure") {
		t.Errorf("help does not document mail ingest:\n%s", out)
	}
}
