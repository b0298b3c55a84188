package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"switchboard/internal/desk"
	"switchboard/internal/server"
	"switchboard/internal/store"
)

// runIn runs a command against the SQLite database in dir.
func runIn(dir string, args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	env := func(k string) string {
		if k == "SWITCHBOARD_DATA_DIR" {
			return dir
		}
		return ""
	}
	code = Run(context.Background(), args, IO{Stdin: strings.NewReader(""), Stdout: &o, Stderr: &e, Getenv: env})
	return code, o.String(), e.String()
}

// TestMailboxCommands adds mailboxes through the command line and lists
// them: one line per mailbox added, never a password, exit 2 for a wrong
// command line and 1 (with the field errors) for a refused mailbox.
func TestMailboxCommands(t *testing.T) {
	dir := t.TempDir()
	if code, out, errOut := runIn(dir, "mailbox", "list"); code != ExitOK || !strings.Contains(out, "No mailboxes") {
		t.Fatalf("empty list: %d %q %q", code, out, errOut)
	}
	code, out, errOut := runIn(dir, "mailbox", "add", "Support@Acme.Example", "--name", "Acme Support",
		"--imap", "imaps://support:Hunter2Secret@imap.acme.example/INBOX", "--smtp", "smtps://support:RelaySecret@smtp.acme.example:465")
	if code != ExitOK || out != "mailbox 1 support@acme.example (imap)\n" || errOut != "" {
		t.Fatalf("add imap: %d %q %q", code, out, errOut)
	}
	// A team by name; flags before the address work too.
	st := openTestStore(t, dir)
	if _, err := server.NewServices(st, nil, nil).Team.CreateTeam(context.Background(), desk.System, "Billing", nil); err != nil {
		t.Fatal(err)
	}
	st.Close()
	code, out, errOut = runIn(dir, "mailbox", "add", "--team", "billing", "--smtp", "smtp://127.0.0.1:2525", "billing@acme.example")
	if code != ExitOK || out != "mailbox 2 billing@acme.example (smtp)\n" {
		t.Fatalf("add smtp: %d %q %q", code, out, errOut)
	}
	for _, tc := range []struct {
		args   []string
		code   int
		stderr []string
	}{
		{[]string{"mailbox", "add"}, ExitUsage, []string{"ADDRESS is required"}},
		{[]string{"mailbox", "add", "a@acme.example", "b@acme.example"}, ExitUsage, []string{`unexpected argument "b@acme.example"`}},
		{[]string{"mailbox", "add", "a@acme.example", "--bogus"}, ExitUsage, []string{"flag provided but not defined"}},
		{[]string{"mailbox", "frob"}, ExitUsage, []string{"unknown mailbox command"}},
		{[]string{"mailbox", "list", "extra"}, ExitUsage, []string{`unexpected argument "extra"`}},
		{[]string{"mailbox", "add", "SUPPORT@acme.example"}, ExitError, []string{"already exists", "  address: already taken"}},
		{[]string{"mailbox", "add", "a@acme.example", "--team", "Sales"}, ExitError, []string{`no team "Sales"; teams: Billing`}},
		{[]string{"mailbox", "add", "nope", "--inbound", "imap", "--smtp", "smtp://relay.example"}, ExitError,
			[]string{"Please correct", "  address: ", "  imap_url: required for IMAP", "  smtp_url: needs a port"}},
	} {
		code, out, errOut := runIn(dir, tc.args...)
		if code != tc.code || out != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d", tc.args, code, out, errOut, tc.code)
		}
		for _, s := range tc.stderr {
			if !strings.Contains(errOut, s) {
				t.Errorf("%q: stderr %q lacks %q", tc.args, errOut, s)
			}
		}
	}
	// Mark one failing, then list.
	st = openTestStore(t, dir)
	ctx := context.Background()
	if err := st.Write(ctx, func(tx *store.Tx) error {
		return tx.SetMailboxStatus(ctx, 1, "imap: dial imap.acme.example:993: connection refused", false, desk.SystemClock{}.Now())
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	code, out, errOut = runIn(dir, "mailbox", "list")
	if code != ExitOK {
		t.Fatalf("list: %d %q", code, errOut)
	}
	for _, s := range []string{"ADDRESS", "billing@acme.example", "smtp://127.0.0.1:2525", "Billing",
		"imaps://support:****@imap.acme.example/INBOX", "smtps://support:****@smtp.acme.example:465", "failing",
		"support@acme.example failing since ", ": imap: dial imap.acme.example:993: connection refused"} {
		if !strings.Contains(out, s) {
			t.Errorf("list lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "Secret") {
		t.Errorf("list shows a password:\n%s", out)
	}
	if code, out, _ := runIn(dir, "help"); code != ExitOK || !strings.Contains(out, "mailbox add ADDRESS") || !strings.Contains(out, "mailbox list") {
		t.Errorf("help lacks the mailbox commands:\n%s", out)
	}
}

func openTestStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return st
}
