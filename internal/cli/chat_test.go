package cli

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"switchboard/internal/desk"
	"switchboard/internal/server"
)

// TestChatCommands adds chat channels through the command line and lists
// them: stdout carries only the embed snippet (for scripts), the details
// go to stderr, exit 2 for a wrong command line and 1 (with the field
// errors) for a refused channel.
func TestChatCommands(t *testing.T) {
	dir := t.TempDir()
	if code, out, errOut := runIn(dir, "chat", "list"); code != ExitOK || !strings.Contains(out, "No chat channels") {
		t.Fatalf("empty list: %d %q %q", code, out, errOut)
	}
	code, out, errOut := runIn(dir, "chat", "add", "--name", "Website", "--origin", "https://www.acme.example/pricing",
		"--origin", "https://*.acme.example", "--greeting", "Hi! How can we help?", "--color", "#0F766E", "--base-url", "https://desk.acme.example/")
	snippet := regexp.MustCompile(`^<script src="https://desk\.acme\.example/chat/widget\.js" data-channel="([A-Za-z0-9_-]+)" async></script>\n$`)
	m := snippet.FindStringSubmatch(out)
	if code != ExitOK || m == nil {
		t.Fatalf("add: %d stdout %q stderr %q", code, out, errOut)
	}
	key := m[1]
	for _, s := range []string{`chat channel 1 "Website" (key ` + key + `) for https://www.acme.example https://*.acme.example, answered by any agent.`,
		"loads the widget from https://desk.acme.example;"} {
		if !strings.Contains(errOut, s) {
			t.Errorf("add: stderr %q lacks %q", errOut, s)
		}
	}
	// A team by name; the base URL from the environment's HTTP address.
	st := openTestStore(t, dir)
	ctx := context.Background()
	svc := server.NewServices(st, nil, nil)
	if _, err := svc.Team.CreateTeam(ctx, desk.System, "Sales", nil); err != nil {
		t.Fatal(err)
	}
	st.Close()
	code, out, errOut = runIn(dir, "chat", "add", "--name", "Shop", "--origin", "http://localhost:3000", "--team", "sales")
	if code != ExitOK || !strings.HasPrefix(out, `<script src="http://127.0.0.1:8080/chat/widget.js" data-channel="`) || !strings.Contains(errOut, "answered by team Sales.") {
		t.Fatalf("add with team: %d %q %q", code, out, errOut)
	}
	st = openTestStore(t, dir)
	chs, err := server.NewServices(st, nil, nil).Chat.Channels(ctx, desk.System)
	st.Close()
	if err != nil || len(chs) != 2 {
		t.Fatalf("channels: %v %+v", err, chs)
	}
	if w := chs[1]; w.Name != "Website" || w.PublicKey != key || w.Color != "#0f766e" || w.Greeting != "Hi! How can we help?" || !w.Active ||
		strings.Join(w.Origins, " ") != "https://www.acme.example https://*.acme.example" || w.Team != nil {
		t.Errorf("Website: %+v", w)
	}
	if s := chs[0]; s.Name != "Shop" || s.Team == nil || s.Team.Name != "Sales" {
		t.Errorf("Shop: %+v", s)
	}
	for _, tc := range []struct {
		args   []string
		code   int
		stderr []string
	}{
		{[]string{"chat", "add", "--origin", "https://a.example"}, ExitUsage, []string{"--name is required"}},
		{[]string{"chat", "add", "--name", "A"}, ExitUsage, []string{"--origin is required"}},
		{[]string{"chat", "add", "--name", "A", "--origin", "https://a.example", "extra"}, ExitUsage, []string{`unexpected argument "extra"`}},
		{[]string{"chat", "add", "--name", "A", "--origin", "https://a.example", "--base-url", "ftp://x"}, ExitUsage, []string{"SWITCHBOARD_BASE_URL"}},
		{[]string{"chat", "frob"}, ExitUsage, []string{"unknown chat command"}},
		{[]string{"chat", "list", "extra"}, ExitUsage, []string{`unexpected argument "extra"`}},
		{[]string{"chat", "add", "--name", "A", "--origin", "a.example/page", "--color", "red"}, ExitError,
			[]string{"Please correct", `  origins: "a.example/page" is not a web origin`, "  color: a colour such as #2563eb"}},
		{[]string{"chat", "add", "--name", "A", "--origin", "https://a.example", "--team", "Billing"}, ExitError, []string{`no team "Billing"; teams: Sales`}},
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
	code, out, errOut = runIn(dir, "chat", "list")
	if code != ExitOK {
		t.Fatalf("list: %d %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "KEY") || !strings.Contains(lines[0], "ORIGINS") {
		t.Fatalf("list:\n%s", out)
	}
	for _, s := range []string{"Shop", "Sales", "http://localhost:3000", "Website", key, "https://www.acme.example https://*.acme.example", "yes"} {
		if !strings.Contains(out, s) {
			t.Errorf("list lacks %q:\n%s", s, out)
		}
	}
	if code, out, _ := runIn(dir, "help"); code != ExitOK || !strings.Contains(out, "chat add --name NAME --origin URL") || !strings.Contains(out, "chat list") {
		t.Errorf("help lacks the chat commands:\n%s", out)
	}
}
