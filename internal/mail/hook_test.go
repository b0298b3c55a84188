package mail

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"switchboard/internal/mail/mailtest"
	"testing"
)

// TestClassifyHookAndHeaders runs the sisimai auto-replies through Parse
// with a Classify hook reading the raw headers, as the classifier will.
func TestClassifyHookAndHeaders(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(mailtest.Corpus(t), "sisimai/maildir/bsd/rfc3834-*.eml"))
	if len(files) == 0 {
		t.Fatal("no rfc3834 files")
	}
	auto := 0
	for _, f := range files {
		data, _ := os.ReadFile(f)
		m, err := Parse(bytes.NewReader(data), Options{Classify: func(m *Message) {
			if v := strings.ToLower(m.Header.Get("auto-submitted")); v != "" && v != "no" ||
				m.Header.Get("X-Autoreply") != "" || strings.EqualFold(m.Header.Get("Precedence"), "bulk") {
				m.Kind = KindAutoReply
			}
			m.ReplyText = "hooked"
		}})
		if err != nil {
			t.Fatal(err)
		}
		if m.ReplyText != "hooked" {
			t.Fatalf("%s: hook not called", f)
		}
		if m.Kind == KindAutoReply {
			auto++
		}
	}
	t.Logf("auto-replies recognised from headers by the sample hook: %d/%d", auto, len(files))
	if auto == 0 {
		t.Error("no header reached the hook")
	}
}

// TestBounceEvidence checks that, for the sisimai bounces, the parsed
// message exposes the expected status code to the classifier: in the
// text or in an attachment (message/delivery-status, text/rfc822-headers).
func TestBounceEvidence(t *testing.T) {
	td := mailtest.Corpus(t)
	b, err := os.ReadFile(filepath.Join(td, "sisimai/expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp []struct {
		File   string `json:"file"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	total, found, dsn := 0, 0, 0
	seen := map[string]bool{}
	for _, e := range exp {
		if seen[e.File] || e.Status == "" || strings.Contains(e.File, "rfc3834") {
			continue
		}
		seen[e.File] = true
		data, err := os.ReadFile(filepath.Join(td, "sisimai", e.File))
		if err != nil {
			continue
		}
		m, err := Parse(bytes.NewReader(data), Options{})
		if err != nil {
			t.Errorf("%s: %v", e.File, err)
			continue
		}
		total++
		hay := m.Text
		for _, a := range m.Attachments {
			if a.ContentType == "message/delivery-status" || a.ContentType == "message/global-delivery-status" {
				dsn++
			}
			if strings.HasPrefix(a.ContentType, "message/") || strings.HasPrefix(a.ContentType, "text/") {
				hay += string(a.Data)
			}
		}
		if strings.Contains(hay, e.Status) || strings.Contains(hay, strings.Join(strings.Split(e.Status, ".")[:2], ".")) {
			found++
		}
	}
	t.Logf("bounces: %d, with a delivery-status part: %d, status code visible: %d", total, dsn, found)
	score(t, "bounce evidence", found, total, 78)
}
