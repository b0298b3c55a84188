package ticket

import (
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"

	"switchboard/internal/desk"
)

// MaxTagLength is the longest tag accepted, in characters.
const MaxTagLength = 50

// PreviewLength is how many characters of the last public message a
// ticket's preview keeps.
const PreviewLength = 140

// NormalizeTags trims, lower-cases, drops empties and duplicates, and sorts
// tags; EInvalid if one is longer than MaxTagLength.
func NormalizeTags(tags []string) ([]string, error) {
	out := []string{}
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) > MaxTagLength {
			return nil, &desk.Error{Code: desk.EInvalid, Message: "A tag is too long.",
				Fields: map[string]string{"tags": "at most 50 characters per tag"}}
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Preview returns the first PreviewLength characters of text on one line.
func Preview(text string) string {
	s := strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(s) <= PreviewLength {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:PreviewLength])) + "…"
}

// NormalizeEmail validates an address and returns it trimmed and lower-cased
// (ok false when s is not one bare address).
func NormalizeEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s && !strings.EqualFold(a.Address, s) {
		return "", false
	}
	return strings.ToLower(a.Address), true
}

// HTMLToText derives plain text from HTML: block elements and <br> become
// line breaks, script and style are dropped, entities are decoded.
func HTMLToText(h string) string {
	z := html.NewTokenizer(strings.NewReader(h))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return tidyText(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				skip++
			case "br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr", "table", "ul", "ol":
				b.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				if skip > 0 {
					skip--
				}
			case "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol":
				b.WriteByte('\n')
			}
		}
	}
}

// tidyText collapses runs of spaces on each line and of blank lines.
func tidyText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var out []string
	blank := 0
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			blank++
			if blank > 1 || len(out) == 0 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
