package mail

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchboard/internal/mail/mailtest"
)

// analyzeFile parses one corpus file with Analyze, the pipeline that
// `switchboard mail parse` and inbound mail run.
func analyzeFile(t *testing.T, path string) *Message {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := Parse(f, Options{Classify: Analyze})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// rate logs a pass rate and fails below min percent.
func rate(t *testing.T, name string, pass, total int, min float64) {
	t.Helper()
	r := 100 * float64(pass) / float64(max(total, 1))
	t.Logf("%-38s %4d/%-4d = %5.1f%% (threshold %.1f%%)", name, pass, total, r, min)
	if r < min {
		t.Errorf("%s: %.1f%% is below the threshold %.1f%%", name, r, min)
	}
}

// TestAnalyzeRepliesCorpus scores reply_text over talon's replies from 12
// mail clients, parsed by the real parser (not a test MIME walker). Every
// one says "Hello": talon's NAME_reply_text files keep the signature
// ("Sent from my iPhone", Sparrow's "-- " block), which DESIGN.md's
// reply_text removes, so the expectation is "Hello" for all of them.
func TestAnalyzeRepliesCorpus(t *testing.T) {
	dir := filepath.Join(mailtest.Corpus(t), "talon", "tests", "fixtures", "standard_replies")
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	pass := 0
	for _, path := range files {
		const want = "Hello"
		m := analyzeFile(t, path)
		if strings.TrimSpace(m.ReplyText) == want && m.Kind == KindNormal {
			pass++
		} else {
			t.Logf("%s: kind %s, reply_text %q, want %q", filepath.Base(path), m.Kind, m.ReplyText, want)
		}
	}
	rate(t, "talon standard_replies reply_text", pass, len(files), 100)
}

// TestAnalyzeSisimaiCorpus scores kind and bounce status over the 629
// bounces and auto-replies of sisimai, parsed by the real parser.
func TestAnalyzeSisimaiCorpus(t *testing.T) {
	root := filepath.Join(mailtest.Corpus(t), "sisimai")
	raw, err := os.ReadFile(filepath.Join(root, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp []struct {
		File, Status, Reason string
		Index                int
		Hardbounce, Exists   bool
	}
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	var kindOK, kinds, statusOK, statusClassOK, statuses, hardOK int
	for _, e := range exp {
		if !e.Exists || e.Index != 1 {
			continue
		}
		m := analyzeFile(t, filepath.Join(root, e.File))
		want := KindBounce
		switch e.Reason {
		case "vacation", "feedback", "delivered":
			want = KindAutoReply
		}
		kinds++
		if m.Kind == want {
			kindOK++
		}
		if want != KindBounce {
			continue
		}
		statuses++
		if m.Bounce.Status == e.Status {
			statusOK++
		}
		if m.Bounce.Status != "" && e.Status != "" && m.Bounce.Status[0] == e.Status[0] {
			statusClassOK++
		}
		if m.Bounce.Hard == e.Hardbounce {
			hardOK++
		}
	}
	rate(t, "sisimai kind", kindOK, kinds, 99)
	rate(t, "sisimai bounce status exact", statusOK, statuses, 85)
	rate(t, "sisimai bounce status class", statusClassOK, statuses, 96.5)
	rate(t, "sisimai hard/soft", hardOK, statuses, 89)
}

// TestAnalyzeNormalMail checks ordinary mail (the stalwart MIME corpus and
// talon's replies) is not mistaken for auto-replies or bounces.
func TestAnalyzeNormalMail(t *testing.T) {
	root := mailtest.Corpus(t)
	var files []string
	for _, g := range []string{"stalwart/resources/eml/*/*.eml", "talon/tests/fixtures/standard_replies/*.eml"} {
		m, _ := filepath.Glob(filepath.Join(root, g))
		files = append(files, m...)
	}
	pass := 0
	for _, path := range files {
		if m := analyzeFile(t, path); m.Kind == KindNormal {
			pass++
		} else {
			t.Logf("%s: kind %s", path, m.Kind)
		}
	}
	rate(t, "ordinary mail classed normal", pass, len(files), 99)
}
