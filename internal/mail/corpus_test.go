package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"switchboard/internal/mail/mailtest"
	"testing"
)

// corpusFiles lists every message file of the whole mail corpus.
func corpusFiles(t testing.TB) []string {
	td := mailtest.Corpus(t)
	var files []string
	for _, root := range []string{"stalwart/resources/eml", "sisimai/maildir", "talon/tests/fixtures"} {
		filepath.WalkDir(filepath.Join(td, root), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			name := d.Name()
			switch {
			case strings.HasSuffix(name, ".eml"), strings.Contains(path, "/maildir/"), strings.Contains(path, "/signature/emails/"):
				files = append(files, path)
			}
			return nil
		})
	}
	sort.Strings(files)
	return files
}

// TestCorpusParsesAll parses every message of the corpus: none may fail
// or panic, and every result must marshal to the JSON contract.
func TestCorpusParsesAll(t *testing.T) {
	files := corpusFiles(t)
	if len(files) < 700 {
		t.Fatalf("only %d corpus files found", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(bytes.NewReader(data), Options{})
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if _, err := m.JSON(); err != nil {
			t.Errorf("%s: json: %v", f, err)
		}
		if m.Text == "" && HTMLToText(m.UnsafeHTML) != "" {
			t.Errorf("%s: HTML body but no text", f)
		}
		if low := strings.ToLower(m.HTML); strings.Contains(low, "<script") || strings.Contains(low, "javascript:") || strings.Contains(low, " onload=") || strings.Contains(low, " onerror=") {
			t.Errorf("%s: unsafe HTML survived sanitizing", f)
		}
		for _, a := range m.Attachments {
			if a.SHA256 == "" || a.ContentType == "" || int64(len(a.Data)) != a.Size {
				t.Errorf("%s: bad attachment %+v", f, a)
			}
		}
	}
	t.Logf("parsed %d messages", len(files))
}

// expectedPart is one node of a stalwart expected MIME tree.
type expectedPart struct {
	Body map[string]json.RawMessage `json:"body"`
}

// expectedMessage is a stalwart X.json file.
type expectedMessage struct {
	TextBody    []int          `json:"text_body"`
	HTMLBody    []int          `json:"html_body"`
	Attachments []int          `json:"attachments"`
	Parts       []expectedPart `json:"parts"`
}

// kindContent returns the body variant of a part and its content.
func (p expectedPart) kindContent() (string, []byte) {
	for k, v := range p.Body {
		switch k {
		case "Text", "Html":
			var s string
			json.Unmarshal(v, &s)
			return k, []byte(s)
		case "Binary", "InlineBinary":
			var ints []int
			json.Unmarshal(v, &ints)
			b := make([]byte, len(ints))
			for i, n := range ints {
				b[i] = byte(n)
			}
			return k, b
		default:
			return k, nil
		}
	}
	if s, ok := any(p.Body).(string); ok {
		return s, nil
	}
	return "", nil
}

// norm collapses whitespace, for comparing decoded text.
func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

// sameText compares decoded text with whitespace normalised. Where the
// expectation has U+FFFD (bytes the reference parser could not decode,
// e.g. Latin-1 labelled UTF-8) any one character of ours is accepted:
// we detect the real charset instead.
func sameText(got, want string) bool {
	got, want = norm(got), norm(want)
	if got == want {
		return true
	}
	if !strings.ContainsRune(want, '\uFFFD') {
		return false
	}
	g, w := []rune(got), []rune(want)
	if len(g) != len(w) {
		return false
	}
	for i := range w {
		if w[i] != '\uFFFD' && w[i] != g[i] {
			return false
		}
	}
	return true
}

// sameBody compares our chosen body parts with the expected indices.
func sameBody(got []bodyPart, idx []int, parts []expectedPart) bool {
	if len(got) != len(idx) {
		return false
	}
	for i, n := range idx {
		if n >= len(parts) {
			return false
		}
		k, c := parts[n].kindContent()
		switch k {
		case "Text", "Html":
			if got[i].media || got[i].html != (k == "Html") || !sameText(got[i].content, string(c)) {
				return false
			}
		default:
			if !got[i].media {
				return false
			}
		}
	}
	return true
}

// sameAttachments compares our attachments with the expected ones, by
// decoded content.
func sameAttachments(got []Attachment, idx []int, parts []expectedPart) bool {
	if len(got) != len(idx) {
		return false
	}
	for i, n := range idx {
		if n >= len(parts) {
			return false
		}
		k, c := parts[n].kindContent()
		switch k {
		case "Text", "Html":
			s, _ := decodeCharset(got[i].charset, got[i].Data)
			if !sameText(s, string(c)) {
				return false
			}
		case "Binary", "InlineBinary":
			sum := sha256.Sum256(c)
			if got[i].SHA256 != string(hexString(sum[:])) {
				return false
			}
		case "Message":
			if !strings.HasPrefix(got[i].ContentType, "message/") {
				return false
			}
		}
	}
	return true
}

// hexString is hex.EncodeToString without the import clash in tests.
func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}

// stalwartThresholds are the pass rates reached per folder (percent of
// messages whose text body, HTML body and attachments all match); raise
// them as the parser improves.
var stalwartThresholds = map[string]float64{
	"rfc":             90,
	"rfc/crlf":        90,
	"thirdparty":      90,
	"thirdparty/crlf": 85,
	"malformed":       30,
	"malformed/crlf":  30,
	"legacy":          100,
	"legacy/crlf":     100,
}

// TestStalwartCorpus scores Parse over each stalwart folder against the
// expected text_body / html_body / attachments of every X.json. Each
// message is scored as stored and, as SMTP delivers mail, with CRLF line
// ends against X.crlf.json ("FOLDER/crlf").
func TestStalwartCorpus(t *testing.T) {
	td := mailtest.Corpus(t)
	for _, folder := range []string{"rfc", "thirdparty", "malformed", "legacy"} {
		files, _ := filepath.Glob(filepath.Join(td, "stalwart/resources/eml", folder, "*.eml"))
		for _, crlf := range []bool{false, true} {
			name := folder
			if crlf {
				name += "/crlf"
			}
			var total, pass, textOK, htmlOK, attOK int
			for _, f := range files {
				data, _ := os.ReadFile(f)
				exp := expectedFile(f, data)
				if crlf {
					data = toCRLF(data)
					exp = strings.TrimSuffix(f, ".eml") + ".crlf.json"
				}
				jb, err := os.ReadFile(exp)
				if err != nil {
					continue
				}
				var want expectedMessage
				if err := json.Unmarshal(jb, &want); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				m, err := Parse(bytes.NewReader(data), Options{})
				total++
				if err != nil {
					t.Errorf("%s: %v", f, err)
					continue
				}
				tOK := sameBody(m.textParts, want.TextBody, want.Parts)
				hOK := sameBody(m.htmlParts, want.HTMLBody, want.Parts)
				aOK := sameAttachments(m.Attachments, want.Attachments, want.Parts)
				textOK += b2i(tOK)
				htmlOK += b2i(hOK)
				attOK += b2i(aOK)
				if tOK && hOK && aOK {
					pass++
				} else if testing.Verbose() {
					t.Logf("%s/%s: text %v html %v attachments %v", name, filepath.Base(f), tOK, hOK, aOK)
				}
			}
			rate := 100 * float64(pass) / float64(max(total, 1))
			t.Logf("%-15s %3d messages: all %5.1f%%  text %d  html %d  attachments %d", name, total, rate, textOK, htmlOK, attOK)
			if rate < stalwartThresholds[name] {
				t.Errorf("%s: pass rate %.1f%% below threshold %.1f%%", name, rate, stalwartThresholds[name])
			}
		}
	}
}

// b2i is 1 for true.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// toCRLF turns bare LF line ends into CRLF.
func toCRLF(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

// expectedFile picks X.crlf.json for a message stored with CRLF line
// ends (stalwart's X.json describes the LF form), else X.json.
func expectedFile(eml string, data []byte) string {
	base := strings.TrimSuffix(eml, ".eml")
	if bytes.Contains(data, []byte("\r\n")) {
		if _, err := os.Stat(base + ".crlf.json"); err == nil {
			return base + ".crlf.json"
		}
	}
	return base + ".json"
}
