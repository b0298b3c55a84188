package i18n

import (
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestCatalogueLoads(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"el", "en", "hr", "lt", "sl"}
	if got := c.Locales(); len(got) != len(want) {
		t.Fatalf("locales %v, want %v", got, want)
	}
	// Every plural message in English has "one" and "other"; every
	// translated key exists in English.
	for _, loc := range c.Locales() {
		for _, k := range c.Keys(loc) {
			if _, ok := c.locales[Fallback][k]; !ok {
				t.Errorf("%s: key %q not in English", loc, k)
			}
		}
	}
	for k, m := range c.locales[Fallback] {
		if m.Forms != nil && (m.Forms[One] == "" || m.Forms[Other] == "") {
			t.Errorf("en %q: plural needs one and other", k)
		}
		if m.Forms == nil && m.Text == "" {
			t.Errorf("en %q: empty", k)
		}
	}
}

func TestTranslate(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	en := c.For("en")
	if got := en.T("presence.viewing", "name", "Ana"); got != "Ana is viewing" {
		t.Errorf("T = %q", got)
	}
	if got := en.N("tickets.count", 1); got != "1 ticket" {
		t.Errorf("N(1) = %q", got)
	}
	if got := en.N("tickets.count", 3); got != "3 tickets" {
		t.Errorf("N(3) = %q", got)
	}
	if got := en.T("no.such.key"); got != "no.such.key" {
		t.Errorf("missing = %q", got)
	}
	// A locale without the key falls back to English with English plurals
	// (no shipped locale lacks one, so take a key out of a copy).
	partial := &Catalogue{locales: map[string]map[string]message{Fallback: c.locales[Fallback], "sl": {}}}
	if got := partial.For("sl").N("tickets.count", 2); got != "2 tickets" {
		t.Errorf("sl fallback = %q", got)
	}
	hr := c.For("hr")
	for n, want := range map[int]string{1: "1 tiket", 3: "3 tiketa", 5: "5 tiketa", 21: "21 tiket", 12: "12 tiketa"} {
		if got := hr.N("tickets.count", n); got != want {
			t.Errorf("hr N(%d) = %q, want %q", n, got, want)
		}
	}
	sl := c.For("sl")
	for n, want := range map[int]string{1: "pred 1 dnem", 2: "pred 2 dnevoma", 3: "pred 3 dnevi", 5: "pred 5 dnevi"} {
		if got := sl.N("time.days_ago", n); got != want {
			t.Errorf("sl N(%d) = %q, want %q", n, got, want)
		}
	}
	if got := c.For("lt").N("time.days_ago", 11); got != "prieš 11 dienų" {
		t.Errorf("lt 11 = %q", got)
	}
	if got := c.For("xx").Locale; got != "en" {
		t.Errorf("For(xx) = %q", got)
	}
}

func TestMatch(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Match("hr"); got != "en" && !c.Complete("hr") {
		t.Errorf("incomplete hr offered: %q", got)
	}
	// Pretend every locale is complete to test the negotiation itself.
	for _, l := range c.Locales() {
		c.complete[l] = true
	}
	tests := map[string]string{
		"":                               "en",
		"hr-HR,hr;q=0.9,en;q=0.8":        "hr",
		"de-DE,de;q=0.9":                 "en",
		"de;q=0.9,lt;q=0.8,en;q=0.7":     "lt",
		"en;q=0.1,el;q=0.9":              "el",
		"sl-SI":                          "sl",
		"fr;q=0, sl;q=0":                 "en",
		"EN-us":                          "en",
		"*":                              "en",
		"zh-Hant-TW, sl;q=0.5, hr;q=0.6": "hr",
	}
	for h, want := range tests {
		if got := c.Match(h); got != want {
			t.Errorf("Match(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestAgo(t *testing.T) {
	c, _ := Load()
	en := c.For("en")
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		d    time.Duration
		want string
	}{
		{10 * time.Second, "just now"},
		{time.Minute, "1 min ago"},
		{5 * time.Minute, "5 min ago"},
		{time.Hour, "1 hour ago"},
		{3 * time.Hour, "3 hours ago"},
		{24 * time.Hour, "1 day ago"},
		{9 * 24 * time.Hour, "9 days ago"},
		{60 * 24 * time.Hour, "9 Jan 2026"},
	}
	for _, tc := range tests {
		if got := en.Ago(now.Add(-tc.d), now); got != tc.want {
			t.Errorf("Ago(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// TestEveryLocaleComplete fails when a locale lacks a key English has, so
// no screen shows in two languages (Match would not offer such a locale at
// all). A plural message must give every form the locale's rule yields.
func TestEveryLocaleComplete(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.locales[Fallback]) < 500 {
		t.Fatalf("English has only %d keys; is the catalogue loaded?", len(c.locales[Fallback]))
	}
	for _, loc := range c.Locales() {
		rule := PluralRules[loc]
		needed := map[Form]bool{}
		for n := range int64(1000) {
			needed[rule(IntOperands(n))] = true
		}
		for _, frac := range []string{"0.5", "1.5", "2.1", "3.25"} {
			op, _ := ParseOperands(frac)
			needed[rule(op)] = true
		}
		var missing []string
		for k, en := range c.locales[Fallback] {
			m, ok := c.locales[loc][k]
			if !ok {
				missing = append(missing, k)
				continue
			}
			if (en.Forms == nil) != (m.Forms == nil) {
				t.Errorf("%s %q: plural in one language, plain text in the other", loc, k)
				continue
			}
			for f := range needed {
				if m.Forms != nil && m.Forms[f] == "" {
					t.Errorf("%s %q: no %q form", loc, k, f)
				}
			}
			if m.Forms == nil && strings.TrimSpace(m.Text) == "" {
				t.Errorf("%s %q: empty", loc, k)
			}
		}
		sort.Strings(missing)
		for _, k := range missing {
			t.Errorf("%s: %q is in English but not translated", loc, k)
		}
		if !c.Complete(loc) {
			t.Errorf("%s: not complete", loc)
		}
		if got := c.Match(loc + ";q=0.9, en;q=0.5"); got != loc {
			t.Errorf("Match(%s) = %q", loc, got)
		}
	}
}

// TestPlaceholdersMatch checks a translation uses the same {placeholders}
// as English, so no value silently disappears and none shows raw. A plural
// form may leave out {n} ("one chat").
func TestPlaceholdersMatch(t *testing.T) {
	c, _ := Load()
	re := regexp.MustCompile(`\{[a-z_]+\}`)
	set := func(m message) map[string]bool {
		out := map[string]bool{}
		texts := []string{m.Text}
		for _, f := range m.Forms {
			texts = append(texts, f)
		}
		for _, s := range texts {
			for _, p := range re.FindAllString(s, -1) {
				out[p] = true
			}
		}
		return out
	}
	for _, loc := range c.Locales() {
		for k, m := range c.locales[loc] {
			want, got := set(c.locales[Fallback][k]), set(m)
			for p := range got {
				if !want[p] && p != "{n}" {
					t.Errorf("%s %q: placeholder %s not in English", loc, k, p)
				}
			}
			for p := range want {
				if !got[p] && (p != "{n}" || m.Forms == nil) {
					t.Errorf("%s %q: placeholder %s missing", loc, k, p)
				}
			}
		}
	}
}
