// Package mailtest locates the shared real-world mail corpus
// (../shared/testdata/mail beside the repository root) for the mail
// packages' whole-folder tests.
package mailtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpus folder, found by walking up from the working
// directory to go.mod, and whether it exists.
func Dir() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
	d := filepath.Join(dir, "..", "shared", "testdata", "mail")
	_, err = os.Stat(d)
	return d, err == nil
}

// Corpus returns the corpus folder. Where it is missing the test fails
// under CI (CI is set, and CI always has ../shared) and is skipped
// elsewhere, so a clone without ../shared can still run the rest.
func Corpus(tb testing.TB) string {
	tb.Helper()
	d, ok := Dir()
	if !ok {
		if os.Getenv("CI") != "" {
			tb.Fatalf("the mail corpus ../shared/testdata/mail is required under CI and was not found")
		}
		tb.Skip("the mail corpus ../shared/testdata/mail is not beside the repository")
	}
	return d
}
