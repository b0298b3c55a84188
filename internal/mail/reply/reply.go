// Package reply separates what the sender of an email wrote now from the
// quoted history and the signature, so a ticket shows only the new text with
// the rest folded away.
//
// StripText works on plain text, StripHTML on an HTML body. Both recognise
// ">" quoting, reply attributions ("On DATE, NAME wrote:") in English,
// Croatian, Lithuanian, Greek, Slovenian and a cheap set of German, French,
// Spanish, Dutch, Polish and Russian forms, Outlook "Original Message" and
// "From:/Sent:/To:/Subject:" blocks, forwarded-message separators, and
// signatures ("-- " delimiter, "Sent from my iPhone" style taglines, trailing
// contact blocks). A short closing such as "Thanks,\nAlex" is kept in Visible:
// it is part of what the sender wrote.
//
// The functions are pure and never fail: when stripping would leave nothing
// visible, Visible is the whole text.
package reply

import (
	"strings"
)

// Result is a message body split into its parts. Each field is trimmed of
// leading and trailing blank space; Quoted and Signature may be empty.
type Result struct {
	// Visible is what the sender wrote now.
	Visible string
	// Quoted is the quoted history and forwarded content, folded in the UI.
	Quoted string
	// Signature is the sender's signature or mobile tagline, folded in the UI.
	Signature string
}

// maxJoin is how many physical lines a wrapped attribution may span.
const maxJoin = 3

// StripText splits a plain-text body into visible text, quoted history and
// signature.
func StripText(text string) Result {
	text = normalize(text)
	if strings.TrimSpace(text) == "" {
		return Result{}
	}
	lines := strings.Split(text, "\n")
	vis, quoted := splitQuote(lines)
	body, sig := splitSignature(vis)
	r := Result{
		Visible:   joinTrim(body),
		Quoted:    joinTrim(quoted),
		Signature: joinTrim(sig),
	}
	if r.Visible == "" {
		return Result{Visible: strings.TrimSpace(text)}
	}
	return r
}

// normalize turns CRLF and lone CR into LF and non-breaking spaces into spaces.
func normalize(s string) string {
	if strings.Contains(s, "\r") {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return strings.ReplaceAll(s, "\u00a0", " ")
}

func joinTrim(lines []string) string {
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

func isQuote(s string) bool {
	return strings.HasPrefix(strings.TrimLeft(s, " \t"), ">")
}

// findHeader returns the first line range [start,end) that introduces quoted
// or forwarded content, and whether it is a header block (From:/Sent:/...)
// or separator after which everything is quoted.
func findHeader(lines []string) (start, end int, ok bool) {
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if blank(l) || isQuote(l) {
			continue
		}
		if isSeparator(l) {
			return i, i + 1, true
		}
		if isFromBlock(lines, i) || isHeaderFirst(lines, i) {
			s := i
			for s > 0 && blank(lines[s-1]) {
				s--
			}
			if s > 0 && reDelimLine.MatchString(lines[s-1]) && !isSigDelim(lines[s-1]) {
				return s - 1, i + 1, true
			}
			return i, i + 1, true
		}
		if n := attributionAt(lines, i); n > 0 {
			return i, i + n, true
		}
	}
	return 0, 0, false
}

// attributionAt reports how many lines starting at i form a reply attribution
// (0 when none). A wrapped attribution is tried only when its tail alone is
// not one, so a sentence right above an attribution is never swallowed.
func attributionAt(lines []string, i int) int {
	if isAttribution(lines[i]) {
		return 1
	}
	if len(lines[i]) > 200 || strings.HasSuffix(strings.TrimSpace(lines[i]), ":") {
		return 0
	}
	last := strings.TrimSpace(lines[i])
	if strings.HasSuffix(last, ".") || strings.HasSuffix(last, "!") || strings.HasSuffix(last, "?") {
		return 0
	}
	joined := lines[i]
	for k := 1; k < maxJoin && i+k < len(lines); k++ {
		next := lines[i+k]
		if blank(next) || isQuote(next) {
			return 0
		}
		joined += " " + strings.TrimSpace(next)
		if isAttribution(joined) {
			if !reDigitOrAddr.MatchString(lines[i]) && attributionAt(lines, i+1) > 0 {
				return 0
			}
			return k + 1
		}
	}
	return 0
}

// splitQuote returns the visible lines and the quoted lines. A header
// followed by a ">" block and then new text is a bottom-posted reply: the
// header and block are quoted and the search goes on below them.
func splitQuote(lines []string) (vis, quoted []string) {
	for {
		start, end, ok := findHeader(lines)
		if !ok {
			v, q := splitBareQuotes(lines)
			return append(vis, v...), append(quoted, q...)
		}
		j := end
		for j < len(lines) && blank(lines[j]) {
			j++
		}
		if j < len(lines) && isQuote(lines[j]) {
			k := j
			for k < len(lines) && (isQuote(lines[k]) || blank(lines[k])) {
				k++
			}
			if k < len(lines) {
				vis = append(vis, lines[:start]...)
				quoted = append(quoted, lines[start:k]...)
				lines = lines[k:]
				continue
			}
		}
		return append(vis, lines[:start]...), append(quoted, lines[start:]...)
	}
}

// splitBareQuotes handles ">" quoting without a recognised attribution: a
// trailing quote block is removed, and so is a single leading block followed
// by new text. Quotes interleaved with answers (inline replies) are kept,
// except the last block.
func splitBareQuotes(lines []string) (vis, quoted []string) {
	type run struct{ s, e int }
	var runs []run
	for i := 0; i < len(lines); {
		if !isQuote(lines[i]) {
			i++
			continue
		}
		s := i
		for i < len(lines) && (isQuote(lines[i]) || blank(lines[i])) {
			i++
		}
		runs = append(runs, run{s, i})
	}
	if len(runs) == 0 {
		return lines, nil
	}
	last := runs[len(runs)-1]
	if last.e == len(lines) {
		s := last.s
		// An unrecognised attribution line ending in ":" right above the quote.
		p := s - 1
		for p >= 0 && blank(lines[p]) {
			p--
		}
		if p >= 0 && looksLikeHeaderLine(lines[p]) {
			s = p
		}
		return lines[:s], lines[s:]
	}
	first := runs[0]
	if len(runs) == 1 && allBlank(lines[:first.s]) {
		return lines[first.e:], lines[first.s:first.e]
	}
	return lines, nil
}

// looksLikeHeaderLine is a loose attribution test used only directly above a
// trailing quote block.
func looksLikeHeaderLine(l string) bool {
	t := strings.TrimSpace(l)
	return len(t) < 300 && strings.HasSuffix(t, ":") && reDigitOrAddr.MatchString(t)
}

func allBlank(lines []string) bool {
	for _, l := range lines {
		if !blank(l) {
			return false
		}
	}
	return true
}
