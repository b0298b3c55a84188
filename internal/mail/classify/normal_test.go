package classify

import (
	"path/filepath"
	"switchboard/internal/mail/mailtest"
	"testing"
)

// TestNormalMailCorpora runs Classify over corpora of ordinary mail (the
// talon reply fixtures and the stalwart MIME corpus) and reports how many are
// wrongly taken for bounces or auto-replies. One stalwart message carries
// "Precedence: list" and is, by design, auto_reply (reason "list").
func TestNormalMailCorpora(t *testing.T) {
	dir := mailtest.Corpus(t)
	var files []string
	for _, g := range []string{
		"talon/tests/fixtures/standard_replies/*.eml",
		"talon/tests/fixtures/*.eml",
		"stalwart/resources/eml/*/*.eml",
	} {
		m, _ := filepath.Glob(filepath.Join(dir, g))
		files = append(files, m...)
	}
	var normal tally
	for _, f := range files {
		h, p := loadParts(t, f)
		v := Classify(h, p)
		normal.add(v.Kind == KindNormal)
		if v.Kind != KindNormal {
			t.Logf("%s: %s (%s)", f[len(dir)+1:], v.Kind, v.Reason)
		}
	}
	check(t, "normal mail classified normal", normal, 99.1)
}
