package imapfetch

import (
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"switchboard/internal/desk"
)

func TestParseURL(t *testing.T) {
	cases := []struct {
		raw  string
		want account
	}{
		{"imaps://bob:pw@mail.example.com/INBOX", account{implicitTLS: true, addr: "mail.example.com:993", host: "mail.example.com", user: "bob", pass: "pw", folder: "INBOX"}},
		{"imaps://bob:pw@mail.example.com", account{implicitTLS: true, addr: "mail.example.com:993", host: "mail.example.com", user: "bob", pass: "pw", folder: "INBOX"}},
		{"imap://bob%40example.com:p%40ss%2Fw%3Ard@mail.example.com:1143/Support%2FNew", account{addr: "mail.example.com:1143", host: "mail.example.com", user: "bob@example.com", pass: "p@ss/w:rd", folder: "Support/New"}},
		{"IMAP://bob:pw@[::1]/", account{addr: "[::1]:143", host: "::1", user: "bob", pass: "pw", folder: "INBOX"}},
	}
	for _, c := range cases {
		got, err := parseURL(c.raw)
		if err != nil || got != c.want {
			t.Errorf("parseURL(%q) = %+v, %v; want %+v", c.raw, got, err, c.want)
		}
	}
	for _, raw := range []string{"smtp://bob:secretpw@host", "imaps://:secretpw@host/", "imaps://host/INBOX", "imaps://bob:secretpw@/INBOX", "imaps://bob:secret%zzpw@host/", "::bob:secretpw"} {
		_, err := parseURL(raw)
		if err == nil {
			t.Errorf("parseURL(%q) accepted", raw)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("parseURL(%q) error %q shows the password", raw, err)
		}
	}
}

func TestLoopback(t *testing.T) {
	for host, want := range map[string]bool{"127.0.0.1": true, "::1": true, "localhost": true, "127.1.2.3": true, "mail.example.com": false, "10.0.0.1": false} {
		if got := (account{host: host}).loopback(); got != want {
			t.Errorf("loopback(%s) = %v", host, got)
		}
	}
}

func TestRedaction(t *testing.T) {
	if got := desk.RedactURL("imaps://bob:hunter2@mail.example.com/INBOX"); strings.Contains(got, "hunter2") || !strings.Contains(got, "bob") {
		t.Errorf("RedactURL = %q", got)
	}
	if got := desk.RedactURL("imaps://bob:hunter2%zz@host"); strings.Contains(got, "hunter2") {
		t.Errorf("RedactURL of a bad URL = %q", got)
	}
	if got := scrub("login p@ss/w:rd failed, p%40ss%2Fw%3Ard too", "p@ss/w:rd"); strings.Contains(got, "ss") {
		t.Errorf("scrub = %q", got)
	}
}

func TestAfterFiltersAndOrders(t *testing.T) {
	// "5:*" answers the newest message even when its UID is below 5.
	msgs := []*imapclient.FetchMessageBuffer{{UID: 7}, {UID: 4}, {UID: 6}, {UID: 7}, {UID: 2}}
	var uids []imap.UID
	for _, p := range after(msgs, 4) {
		uids = append(uids, p.uid)
	}
	if !slices.Equal(uids, []imap.UID{6, 7}) {
		t.Errorf("after(…, 4) = %v, want [6 7]", uids)
	}
}

func TestBackoff(t *testing.T) {
	for attempt, base := range map[int]float64{0: 1, 1: 2, 3: 8, 8: 256, 9: 300, 40: 300, -1: 1} {
		for range 20 {
			d := Backoff(attempt).Seconds()
			if d < base*0.75 || d > base*1.25 {
				t.Errorf("Backoff(%d) = %.2fs, want %.0fs ±25%%", attempt, d, base)
			}
		}
	}
}
