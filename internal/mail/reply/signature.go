package reply

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	// reTagline matches the mobile and client taglines mail apps append.
	reTagline = regexp.MustCompile(`(?i)^\s*(?:sent from my|sent from (?:mail|outlook|yahoo|samsung|gmail|my)|sent with |sent via |sent using |get outlook for|envoyé de mon|envoyé depuis|enviado desde mi|enviado do meu|von meinem \S+ gesendet|gesendet von|verzonden (?:vanaf|met) mijn|wysłane z (?:mojego|aplikacji)|poslano s mog|poslano sa mog|poslano iz|poslano z mojega|poslano z|išsiųsta iš|siųsta iš|στάλθηκε από|εστάλη από|отправлено с|inviato da|via mobile|sent on the go)`)
	// reContact matches a line carrying contact details typical of signatures.
	reContact = regexp.MustCompile(`(?i)[\w.+-]+@[\w-]+\.[\w.-]+|\b(?:https?://|www\.)\S+|\+?\(?\d[\d ().-]{6,}\d|\b(?:tel|phone|mob|mobile|fax|cell|skype|t|f|m)\s*[.:]`)
)

// isSigDelim reports whether l is the conventional "-- " signature delimiter
// (also accepted without the trailing space).
func isSigDelim(l string) bool {
	return strings.TrimRight(l, " \t") == "--"
}

// splitSignature moves a trailing signature out of the visible lines.
func splitSignature(lines []string) (body, sig []string) {
	end := len(lines)
	for end > 0 && blank(lines[end-1]) {
		end--
	}
	lines = lines[:end]
	if end == 0 {
		return nil, nil
	}
	firstText := 0
	for firstText < end && blank(lines[firstText]) {
		firstText++
	}
	window := max(end-20, firstText+1)
	// 1. "-- " delimiter, or a line of dashes/underscores, near the end.
	for i := end - 1; i >= window; i-- {
		if isSigDelim(lines[i]) || (reDelimLine.MatchString(lines[i]) && end-i <= 20) {
			return lines[:i], lines[i:]
		}
	}
	// 2. A mobile tagline among the last lines, with a short name line above.
	for i := end - 1; i >= window && i >= end-3; i-- {
		if reTagline.MatchString(lines[i]) {
			s := i
			if s-1 > firstText && !blank(lines[s-1]) && isNameLine(lines[s-1]) &&
				(s-2 < 0 || blank(lines[s-2])) {
				s--
			}
			return lines[:s], lines[s:]
		}
	}
	// 3. A trailing paragraph of short lines with contact details.
	p := end - 1
	for p >= 0 && !blank(lines[p]) {
		p--
	}
	p++
	if p > firstText && end-p >= 2 && end-p <= 10 && contactBlock(lines[p:end]) {
		return lines[:p], lines[p:]
	}
	// 4. The same across blank lines: a run of short trailing lines that
	// starts with a name ("-John Doe") and carries contact details.
	if q := trailingShort(lines, firstText, end); q > firstText && q < end && nameish(lines[q]) && contactBlock(nonBlank(lines[q:end])) {
		return lines[:q], lines[q:]
	}
	return lines, nil
}

// trailingShort returns where the run of short or blank lines ending the
// text starts (at a non-blank line), holding at most 8 non-blank lines.
func trailingShort(lines []string, firstText, end int) int {
	q, n := end, 0
	for q > firstText {
		t := strings.TrimSpace(lines[q-1])
		if t != "" {
			if len([]rune(t)) > 60 || n == 8 || strings.ContainsAny(t[len(t)-1:], ".!?") && !nameish(t) {
				break
			}
			n++
		}
		q--
	}
	for q < end && blank(lines[q]) {
		q++
	}
	return q
}

// nameish reports whether l looks like a sign-off name: a few capitalised
// words, optionally after a dash ("-John Doe", "John E. Doe, Ph.D.").
func nameish(l string) bool {
	t := strings.TrimLeft(strings.TrimSpace(l), "-–— ")
	f := strings.Fields(t)
	if len(f) == 0 || len(f) > 5 {
		return false
	}
	for _, w := range f {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

func nonBlank(lines []string) []string {
	var out []string
	for _, l := range lines {
		if !blank(l) {
			out = append(out, l)
		}
	}
	return out
}

// isNameLine reports whether l looks like a bare name (a few words, no
// sentence punctuation).
func isNameLine(l string) bool {
	t := strings.TrimSpace(l)
	if len(t) == 0 || len(t) > 40 || strings.ContainsAny(t, ".!?:;,") {
		return false
	}
	return len(strings.Fields(t)) <= 4
}

// contactBlock reports whether lines look like a signature: every line short
// and at least one carries an address, URL or phone number.
func contactBlock(lines []string) bool {
	contact := 0
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if len([]rune(t)) > 70 {
			return false
		}
		if reContact.MatchString(t) {
			contact++
		}
	}
	return contact >= 1 && contact*3 >= len(lines)
}
