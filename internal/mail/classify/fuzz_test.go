package classify

import (
	"os"
	"path/filepath"
	"switchboard/internal/mail/mailtest"
	"testing"
)

// FuzzClassify feeds raw messages, split as the corpus test splits them,
// to Classify and checks its invariants. Seeds: a sample of the Sisimai
// corpus when present, plus testdata/fuzz.
func FuzzClassify(f *testing.F) {
	if dir, ok := mailtest.Dir(); ok {
		files, _ := filepath.Glob(filepath.Join(dir, "sisimai", "maildir", "bsd", "*.eml"))
		for i, file := range files {
			if i%3 != 0 {
				continue
			}
			if b, err := os.ReadFile(file); err == nil {
				// The header and the explanation are at the top; short
				// seeds keep the fuzzer fast.
				f.Add(b[:min(len(b), 4096)])
			}
		}
	}
	f.Add([]byte("From: a@b.c\nSubject: x\n\nhello"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		h, p := partsOf(raw)
		v := Classify(h, p)
		switch v.Kind {
		case KindNormal, KindAutoReply:
			if v.Bounce != nil || len(v.Bounces) != 0 {
				t.Fatalf("%s with bounces", v.Kind)
			}
		case KindBounce:
			if v.Bounce == nil || len(v.Bounces) == 0 || v.Bounce.Status == "" {
				t.Fatalf("bounce without details: %+v", v)
			}
			if c := v.Bounce.Status[0]; c != '4' && c != '5' {
				t.Fatalf("bounce status %q", v.Bounce.Status)
			}
		default:
			t.Fatalf("unknown kind %q", v.Kind)
		}
		// Direct inputs too, bypassing the test MIME walker.
		Classify(h, Parts{ContentType: h.Get("Content-Type"), Text: string(raw), DeliveryStatus: string(raw), Original: string(raw)})
		ShouldAutoRespond(h, "support@example.com")
	})
}
