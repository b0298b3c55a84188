// Package i18n is Switchboard's translation catalogue: messages per locale
// embedded from locales/*.json, CLDR plural rules, relative times, and
// choosing a locale from an Accept-Language header. Every shipped locale
// translates every English key (TestEveryLocaleComplete fails otherwise);
// a message missing from a locale would fall back to English (with the
// English plural rule).
//
// A message is a string with {name} placeholders, or an object of CLDR
// plural forms ("one", "few", "other", ...) where {n} is the count. To
// add a language, translate locales/en.json into locales/LANG.json with
// the forms of that language (PluralRules has the rules of en, hr, lt, el
// and sl); Match offers a locale only once it translates every key, so
// nobody sees a page in two languages. A key added to English needs its
// translations in the same change.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Fallback is the locale every other falls back to; its catalogue is complete.
const Fallback = "en"

//go:embed locales/*.json
var localeFS embed.FS

// message is one catalogue entry: a plain text or plural forms.
type message struct {
	Text  string
	Forms map[Form]string
}

// UnmarshalJSON reads a plain string or an object of plural forms.
func (m *message) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &m.Text)
	}
	return json.Unmarshal(b, &m.Forms)
}

// Catalogue holds the messages of every shipped locale.
type Catalogue struct {
	locales map[string]map[string]message
	// complete locales translate every English key; only they are offered
	// by Match, so nobody gets a page in two languages.
	complete map[string]bool
}

// Load reads the embedded catalogue. It fails if a file is malformed or a
// locale has no plural rule.
func Load() (*Catalogue, error) {
	files, err := localeFS.ReadDir("locales")
	if err != nil {
		return nil, fmt.Errorf("i18n: read locales: %w", err)
	}
	c := &Catalogue{locales: map[string]map[string]message{}}
	for _, f := range files {
		name := strings.TrimSuffix(f.Name(), ".json")
		if _, ok := PluralRules[name]; !ok {
			return nil, fmt.Errorf("i18n: locale %q has no plural rule", name)
		}
		b, err := localeFS.ReadFile(path.Join("locales", f.Name()))
		if err != nil {
			return nil, fmt.Errorf("i18n: read %s: %w", f.Name(), err)
		}
		msgs := map[string]message{}
		if err := json.Unmarshal(b, &msgs); err != nil {
			return nil, fmt.Errorf("i18n: parse %s: %w", f.Name(), err)
		}
		for k := range msgs {
			if strings.HasPrefix(k, "_") { // comments for translators
				delete(msgs, k)
			}
		}
		c.locales[name] = msgs
	}
	if _, ok := c.locales[Fallback]; !ok {
		return nil, fmt.Errorf("i18n: no %s catalogue", Fallback)
	}
	c.complete = map[string]bool{}
	for loc, msgs := range c.locales {
		c.complete[loc] = true
		for k := range c.locales[Fallback] {
			if _, ok := msgs[k]; !ok {
				c.complete[loc] = false
				break
			}
		}
	}
	return c, nil
}

// Locales lists the shipped locales, sorted.
func (c *Catalogue) Locales() []string {
	out := make([]string, 0, len(c.locales))
	for l := range c.locales {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Keys lists the message keys of a locale, sorted.
func (c *Catalogue) Keys(locale string) []string {
	var out []string
	for k := range c.locales[locale] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Complete reports whether locale translates every English message.
func (c *Catalogue) Complete(locale string) bool { return c.complete[locale] }

// Match picks the best complete locale for an Accept-Language header,
// honouring q-values and falling back from "hr-HR" to "hr", then English.
func (c *Catalogue) Match(acceptLanguage string) string {
	type pref struct {
		tag string
		q   float64
	}
	var prefs []pref
	for part := range strings.SplitSeq(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if tag != "" && q > 0 {
			prefs = append(prefs, pref{strings.ToLower(tag), q})
		}
	}
	slices.SortStableFunc(prefs, func(a, b pref) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	for _, p := range prefs {
		base, _, _ := strings.Cut(p.tag, "-")
		if c.complete[base] {
			return base
		}
	}
	return Fallback
}

// Localizer translates for one locale.
type Localizer struct {
	c      *Catalogue
	Locale string
}

// For returns the localizer of locale (English if not shipped).
func (c *Catalogue) For(locale string) *Localizer {
	if _, ok := c.locales[locale]; !ok {
		locale = Fallback
	}
	return &Localizer{c: c, Locale: locale}
}

// lookup returns the message and the locale it came from.
func (l *Localizer) lookup(key string) (message, string, bool) {
	if m, ok := l.c.locales[l.Locale][key]; ok {
		return m, l.Locale, true
	}
	m, ok := l.c.locales[Fallback][key]
	return m, Fallback, ok
}

// T translates key, replacing {name} placeholders from args given as
// name, value pairs. A missing key renders as the key itself.
func (l *Localizer) T(key string, args ...any) string {
	m, _, ok := l.lookup(key)
	if !ok {
		return key
	}
	text := m.Text
	if m.Forms != nil {
		text = m.Forms[Other]
	}
	return fill(text, args)
}

// N translates a plural message for the count n; {n} is replaced by n and
// other placeholders from args as in T.
func (l *Localizer) N(key string, n int, args ...any) string {
	m, loc, ok := l.lookup(key)
	if !ok {
		return key
	}
	text := m.Text
	if m.Forms != nil {
		form := PluralRules[loc](IntOperands(int64(n)))
		var found bool
		if text, found = m.Forms[form]; !found {
			text = m.Forms[Other]
		}
	}
	return fill(text, append([]any{"n", n}, args...))
}

func fill(text string, args []any) string {
	if len(args) < 2 || !strings.Contains(text, "{") {
		return text
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// Ago says how long before now t was ("just now", "5 min ago", "3 days
// ago"); beyond a month it gives the date in the locale's format.
func (l *Localizer) Ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return l.T("time.just_now")
	case d < time.Hour:
		return l.N("time.minutes_ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return l.N("time.hours_ago", int(d/time.Hour))
	case d < 30*24*time.Hour:
		return l.N("time.days_ago", int(d/(24*time.Hour)))
	}
	return l.Date(t)
}

// Date formats a date in the locale's short format.
func (l *Localizer) Date(t time.Time) string {
	return t.Format(l.T("time.date_layout"))
}

// DateTime formats a date and time in the locale's format.
func (l *Localizer) DateTime(t time.Time) string {
	return t.Format(l.T("time.datetime_layout"))
}
