package mailin_test

import (
	"context"
	"testing"

	"switchboard/internal/mailin"
	"switchboard/internal/store/storetest"
)

// FuzzDeliver feeds arbitrary bytes to the whole ingest path on SQLite:
// nothing may panic, every message is either stored or (only when too
// large) refused, and a second delivery is always a duplicate of the first.
//
//	go test ./internal/mailin -run '^$' -fuzz FuzzDeliver -fuzztime 60s
func FuzzDeliver(f *testing.F) {
	seeds := []string{
		msg("ana@example.com", "Hello", "s1@example.com", "", "Body"),
		msg("ana@example.com", "Re: Hello [#1000]", "s2@example.com", "In-Reply-To: <s1@example.com>\n", "Reply\n> quoted"),
		"From: <>\nSubject: Undelivered\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n\nfailed\n--b\nContent-Type: message/delivery-status\n\nStatus: 5.1.1\nFinal-Recipient: rfc822; x@y.z\n--b--\n",
		"Content-Type: multipart/mixed; boundary=\":foo\"\n\n--:foo\n--:foo\nContent-Type: text/html\n--:foo--\n",
		"\x00\xff",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	st := storetest.NewSQLite(f)
	fx := newFixture(f, st)
	f.Fuzz(func(t *testing.T, raw []byte) {
		ctx := context.Background()
		first, err := fx.in.Deliver(ctx, fx.mb, raw, mailin.SourceSMTP)
		if err != nil {
			t.Fatalf("deliver %q: %v", raw, err)
		}
		again, err := fx.in.Deliver(ctx, fx.mb, raw, mailin.SourceSMTP)
		if err != nil || !again.Duplicate || again.TicketID != first.TicketID {
			t.Fatalf("redelivery of %q = %+v, %v; first %+v", raw, again, err, first)
		}
	})
}
