package mailin_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"switchboard/internal/mail/mailtest"
	"switchboard/internal/mailin"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestCorpusNothingLost delivers every message of the real-world corpus
// (RFC and third-party MIME, malformed MIME, legacy charsets, 629 bounces
// and auto-replies, replies from 20+ mail clients) through the ingester
// and checks that each one is stored exactly once: a first delivery never
// fails, a second is always recognised as a duplicate, and every
// outcome is one a person can find (a ticket, or a recorded bounce or
// auto-reply). It reports the outcomes per folder.
func TestCorpusNothingLost(t *testing.T) {
	root := mailtest.Corpus(t)
	var files []string
	for _, dir := range []string{"stalwart/resources/eml", "sisimai/maildir", "talon/tests/fixtures"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() || strings.HasSuffix(name, ".json") || strings.HasSuffix(name, "_reply_text") ||
				strings.HasSuffix(name, ".html") || strings.HasPrefix(name, "LICENSE") || strings.HasSuffix(name, ".md") {
				return nil
			}
			files = append(files, p)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(files)
	if len(files) < 700 {
		t.Fatalf("found %d corpus files, want the whole corpus (700+)", len(files))
	}
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		ctx := context.Background()
		outcomes := map[string]map[string]int{}
		fresh := 0
		for _, p := range files {
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(root, p)
			folder := strings.SplitN(rel, string(filepath.Separator), 2)[0]
			res, err := f.in.Deliver(ctx, f.mb, raw, mailin.SourcePipe)
			if err != nil {
				t.Errorf("%s: first delivery failed: %v", rel, err)
				continue
			}
			if outcomes[folder] == nil {
				outcomes[folder] = map[string]int{}
			}
			outcomes[folder][res.Outcome]++
			if !res.Duplicate {
				fresh++
			}
			again, err := f.in.Deliver(ctx, f.mb, raw, mailin.SourceIMAP)
			if err != nil || !again.Duplicate || again.TicketID != res.TicketID {
				t.Errorf("%s: second delivery = %+v, %v; want a duplicate of %+v", rel, again, err, res)
			}
		}
		recs, err := st.Read().RecentInbound(ctx, 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != fresh {
			t.Errorf("inbound records = %d, want %d (one per distinct message)", len(recs), fresh)
		}
		for folder, m := range outcomes {
			t.Logf("%-9s %v", folder, m)
		}
		t.Logf("%d files, %d distinct messages stored, 0 lost", len(files), fresh)
	})
}
