package classify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"switchboard/internal/mail/mailtest"
	"testing"
)

type expectation struct {
	File       string `json:"file"`
	Index      int    `json:"index"`
	Status     string `json:"status"`
	ReplyCode  string `json:"replycode"`
	Reason     string `json:"reason"`
	HardBounce bool   `json:"hardbounce"`
	Exists     bool   `json:"exists"`
}

// expectedKind maps a Sisimai reason to our Kind: vacation notices,
// feedback reports and success notifications are automatic replies,
// everything else a bounce. Known, deliberate disagreement: a bounce that a
// person forwarded ("Fwd: Returned mail", lhost-sendmail-14) is normal mail
// to us, because a person wrote it and may be asking for help.
func expectedKind(reason string) Kind {
	switch reason {
	case "vacation", "feedback", "delivered":
		return KindAutoReply
	}
	return KindBounce
}

type tally struct{ pass, total int }

func (t *tally) add(ok bool) {
	t.total++
	if ok {
		t.pass++
	}
}

func (t tally) rate() float64 { return 100 * float64(t.pass) / float64(max(t.total, 1)) }

func check(t *testing.T, name string, x tally, min float64) {
	t.Helper()
	t.Logf("%-42s %4d/%-4d = %5.1f%% (threshold %.1f%%)", name, x.pass, x.total, x.rate(), min)
	if x.rate() < min {
		t.Errorf("%s: %.1f%% below threshold %.1f%%", name, x.rate(), min)
	}
}

func TestSisimaiCorpus(t *testing.T) {
	root := filepath.Join(mailtest.Corpus(t), "sisimai")
	raw, err := os.ReadFile(filepath.Join(root, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp []expectation
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	byFile := map[string][]expectation{}
	var files []string
	for _, e := range exp {
		if !e.Exists {
			continue
		}
		if _, ok := byFile[e.File]; !ok {
			files = append(files, e.File)
		}
		byFile[e.File] = append(byFile[e.File], e)
	}
	sort.Strings(files)
	var kind, kindBounce, kindAuto, status, class, rcpt, rcptOrig, hard, reply, reason tally
	var hardPrecision, hardRecall tally // over entries we / Sisimai call hard
	verbose := os.Getenv("CLASSIFY_VERBOSE") != ""
	for _, f := range files {
		h, p := loadParts(t, filepath.Join(root, f))
		v := Classify(h, p)
		es := byFile[f]
		want := expectedKind(es[0].Reason)
		kind.add(v.Kind == want)
		if want == KindBounce {
			kindBounce.add(v.Kind == want)
		} else {
			kindAuto.add(v.Kind == want)
		}
		if v.Kind != want && verbose {
			t.Logf("KIND %s: got %s/%s want %s (%s)", f, v.Kind, v.Reason, want, es[0].Reason)
		}
		if want != KindBounce {
			continue
		}
		for _, e := range es {
			var b Bounce
			if len(v.Bounces) >= e.Index {
				b = v.Bounces[e.Index-1]
			} else if len(v.Bounces) > 0 {
				b = v.Bounces[0]
			}
			status.add(b.Status == e.Status)
			class.add(b.Status != "" && e.Status != "" && b.Status[0] == e.Status[0])
			hard.add(b.Hard == e.HardBounce)
			if b.Hard {
				hardPrecision.add(e.HardBounce)
			}
			if e.HardBounce {
				hardRecall.add(b.Hard)
			}
			reason.add(b.Reason == e.Reason)
			if e.ReplyCode != "" {
				reply.add(b.ReplyCode == e.ReplyCode)
			}
			rcpt.add(strings.Contains(b.Recipient, "@") && !strings.ContainsAny(b.Recipient, " <>"))
			if to := originalRecipients(p.Original); len(to) > 0 {
				rcptOrig.add(to[strings.ToLower(b.Recipient)])
			}
			if verbose && (b.Status != e.Status || b.Hard != e.HardBounce || !strings.Contains(b.Recipient, "@")) {
				t.Logf("BOUNCE %s#%d: got %s %s hard=%v rc=%s rcpt=%s; want %s %s hard=%v rc=%s", f, e.Index, b.Status, b.Reason, b.Hard, b.ReplyCode, b.Recipient, e.Status, e.Reason, e.HardBounce, e.ReplyCode)
			}
		}
	}
	check(t, "kind (files)", kind, 99.3)
	check(t, "kind: bounces detected", kindBounce, 99.2)
	check(t, "kind: auto-replies detected", kindAuto, 100)
	check(t, "status exact", status, 86.0)
	check(t, "status class (4.x/5.x)", class, 97.3)
	check(t, "hardbounce", hard, 88.7)
	check(t, "hard precision (ours hard, Sisimai hard)", hardPrecision, 78.3)
	check(t, "hard recall (Sisimai hard, ours hard)", hardRecall, 87.3)
	check(t, "reason (informative)", reason, 0)
	check(t, "reply code (where expected)", reply, 92.3)
	check(t, "recipient extracted", rcpt, 98.6)
	check(t, "recipient in returned To/Cc (proxy)", rcptOrig, 90.0)
}

// originalRecipients returns the To and Cc addresses of a returned message.
func originalRecipients(orig string) map[string]bool {
	if orig == "" {
		return nil
	}
	h, _ := splitMessage([]byte(orig))
	out := map[string]bool{}
	for _, k := range []string{"To", "Cc"} {
		for _, a := range reAddr.FindAllString(h.Get(k), -1) {
			out[strings.ToLower(cleanAddr(a))] = true
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
