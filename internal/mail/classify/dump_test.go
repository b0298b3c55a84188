package classify

import (
	"os"
	"path/filepath"
	"strings"
	"switchboard/internal/mail/mailtest"
	"testing"
)

// TestDump prints what Classify sees for the files in CLASSIFY_DUMP
// (comma-separated, relative to the sisimai folder); a debugging aid.
func TestDump(t *testing.T) {
	names := os.Getenv("CLASSIFY_DUMP")
	if names == "" {
		t.Skip("set CLASSIFY_DUMP")
	}
	root := filepath.Join(mailtest.Corpus(t), "sisimai", "maildir", "bsd")
	for _, n := range strings.Split(names, ",") {
		h, p := loadParts(t, filepath.Join(root, n+".eml"))
		v := Classify(h, p)
		t.Logf("== %s\nDS: %q\nTEXT(diag): %s\nVERDICT: %+v %+v", n, p.DeliveryStatus, head(diagnosticText(p.Text), 1500), v, v.Bounces)
	}
}
