package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMailParse runs `mail parse` on stdin and on a file and checks the
// DESIGN.md JSON fields come out decoded.
func TestMailParse(t *testing.T) {
	msg := "From: =?UTF-8?Q?Ana_Horvat?= <ana@example.hr>\r\n" +
		"To: support@example.com\r\n" +
		"Subject: =?UTF-8?B?UmHEjXVu?=\r\n" +
		"Message-ID: <abc@example.hr>\r\n" +
		"Date: Mon, 23 Nov 2026 09:00:00 +0100\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Pozdrav, račun je kriv.\r\n"
	check := func(t *testing.T, out string) {
		var got struct {
			MessageID string `json:"message_id"`
			Subject   string `json:"subject"`
			Date      string `json:"date"`
			From      struct{ Name, Address string }
			To        []struct{ Address string }
			Text      string `json:"text"`
			Kind      string `json:"kind"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		if got.MessageID != "abc@example.hr" || got.Subject != "Račun" || got.From.Name != "Ana Horvat" ||
			got.From.Address != "ana@example.hr" || len(got.To) != 1 || got.Date != "2026-11-23T08:00:00Z" ||
			!strings.Contains(got.Text, "račun je kriv") || got.Kind != "normal" {
			t.Errorf("unexpected parse: %+v", got)
		}
	}
	var o, e bytes.Buffer
	code := Run(context.Background(), []string{"mail", "parse"}, IO{Stdin: strings.NewReader(msg), Stdout: &o, Stderr: &e})
	if code != ExitOK {
		t.Fatalf("stdin: exit %d, stderr %q", code, e.String())
	}
	check(t, o.String())

	path := filepath.Join(t.TempDir(), "m.eml")
	if err := os.WriteFile(path, []byte(msg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run("mail", "parse", path)
	if code != ExitOK {
		t.Fatalf("file: exit %d, stderr %q", code, errOut)
	}
	check(t, out)

	if code, _, errOut := run("mail", "parse", "a", "b"); code != ExitUsage || !strings.Contains(errOut, "at most one FILE") {
		t.Errorf("two files: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := run("mail", "parse", filepath.Join(t.TempDir(), "missing.eml")); code != ExitError || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := run("mail", "frob"); code != ExitUsage || !strings.Contains(errOut, "unknown mail command") {
		t.Errorf("unknown mail command: exit %d, stderr %q", code, errOut)
	}
}
