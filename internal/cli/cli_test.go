package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func run(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = Run(context.Background(), args, IO{Stdin: strings.NewReader(""), Stdout: &o, Stderr: &e, Getenv: func(string) string { return "" }})
	return code, o.String(), e.String()
}

func TestDispatch(t *testing.T) {
	cases := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{nil, ExitUsage, "", "Usage:"},
		{[]string{"help"}, ExitOK, "token create --email E", ""},
		{[]string{"frob"}, ExitUsage, "", `unknown command "frob"`},
		{[]string{"user"}, ExitUsage, "", "unknown user command"},
		{[]string{"user", "add"}, ExitUsage, "", "--email is required"},
		{[]string{"user", "add", "--email", "a@b.example"}, ExitUsage, "", "--name is required"},
		{[]string{"user", "add", "--email", "a@b.example", "--name", "A", "--role", "root"}, ExitUsage, "", "--role must be admin or agent"},
		{[]string{"token", "create"}, ExitUsage, "", "--email is required"},
		{[]string{"migrate", "extra"}, ExitUsage, "", `unexpected argument "extra"`},
		{[]string{"serve", "--http-addr", "nope"}, ExitUsage, "", "SWITCHBOARD_HTTP_ADDR"},
		{[]string{"serve", "--bogus"}, ExitUsage, "", "flag provided but not defined"},
		{[]string{"serve", "-h"}, ExitOK, "", "-database-url"},
	}
	for _, tc := range cases {
		code, out, errOut := run(tc.args...)
		if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d, %q, %q", tc.args, code, out, errOut, tc.code, tc.stdout, tc.stderr)
		}
	}
}

func TestPasswords(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p := generatePassword()
		if len(p) != 20 || seen[p] || strings.ContainsAny(p, "0O1lI") {
			t.Fatalf("weak or repeated password %q", p)
		}
		seen[p] = true
	}
	for in, want := range map[string]string{"pw\n": "pw", "pw\r\nrest": "pw", "no newline": "no newline"} {
		got, err := readPassword(strings.NewReader(in))
		if err != nil || got != want {
			t.Errorf("readPassword(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := readPassword(strings.NewReader("\n")); err == nil {
		t.Error("empty password accepted")
	}
}
