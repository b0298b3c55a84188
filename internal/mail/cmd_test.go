package mail

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"switchboard/internal/mail/mailtest"
	"testing"
)

// TestRunParseContract runs RunParse over corpus files and checks the
// JSON has exactly the keys of DESIGN.md, arrays never null.
func TestRunParseContract(t *testing.T) {
	td := mailtest.Corpus(t)
	files, _ := filepath.Glob(filepath.Join(td, "stalwart/resources/eml/*/*.eml"))
	talon, _ := filepath.Glob(filepath.Join(td, "talon/tests/fixtures/standard_replies/*.eml"))
	files = append(files, talon...)
	wantKeys := []string{"attachments", "bounce", "cc", "date", "from", "html", "in_reply_to", "kind",
		"message_id", "references", "reply_text", "reply_to", "subject", "text", "to"}
	for i, f := range files {
		var out bytes.Buffer
		var err error
		if i%2 == 0 {
			err = RunParse(nil, &out, []string{f})
		} else {
			data, _ := os.ReadFile(f)
			err = RunParse(bytes.NewReader(data), &out, nil)
		}
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var keys []string
		for k := range doc {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if !reflect.DeepEqual(keys, wantKeys) {
			t.Fatalf("%s: keys %v", f, keys)
		}
		for _, k := range []string{"references", "to", "cc", "reply_to", "attachments"} {
			if string(doc[k]) == "null" {
				t.Errorf("%s: %s is null", f, k)
			}
		}
		var from map[string]any
		json.Unmarshal(doc["from"], &from)
		if _, ok := from["address"]; !ok {
			t.Errorf("%s: from without address: %s", f, doc["from"])
		}
		var bounce map[string]any
		json.Unmarshal(doc["bounce"], &bounce)
		if len(bounce) != 3 {
			t.Errorf("%s: bounce %s", f, doc["bounce"])
		}
	}
	if err := RunParse(nil, &bytes.Buffer{}, []string{"a", "b"}); err == nil {
		t.Error("two arguments accepted")
	}
}
