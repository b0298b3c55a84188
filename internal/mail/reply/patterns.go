package reply

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// wroteVerbs are the verbs (lower case, single spaces) that end a reply
// attribution line ("On ..., X wrote:") in the languages we recognise.
var wroteVerbs = []string{
	// English
	"wrote", "writes", "said",
	// Croatian, Serbian, Bosnian, Slovenian
	"napisao(la)", "napisao/la", "napisala/o", "napisaola", "napisala", "napisao", "napisal(a)", "napisal/a", "napisal", "pisal(a)",
	// Lithuanian
	"rašė", "parašė",
	// Greek
	"έγραψε", "έγραψες",
	// German, French, Spanish, Italian, Portuguese, Dutch
	"schrieb", "a écrit", "escribió", "ha scritto", "escreveu", "schreef",
	// Polish, Czech, Russian, Scandinavian, Finnish
	"napisał(a)", "napisała", "napisał", "pisze", "napsal(a)", "napsala", "napsal",
	"написал(а)", "написала", "написал", "пишет", "skrev", "kirjoitti",
}

// endsWithVerb reports whether the attribution s (colon already removed)
// ends with a "wrote" verb, optionally followed by one short word (German
// and Dutch put the name after the verb: "schrieb Max:").
func endsWithVerb(s string) bool {
	s = strings.ToLower(strings.Join(strings.Fields(tail(s, 160)), " "))
	for try := 0; try < 2; try++ {
		for _, v := range wroteVerbs {
			if strings.HasSuffix(s, v) {
				rest := s[:len(s)-len(v)]
				if rest == "" {
					return true
				}
				r, _ := utf8.DecodeLastRuneInString(rest)
				if strings.ContainsRune(" \t,>)\"'][/", r) {
					return true
				}
			}
		}
		i := strings.LastIndexByte(s, ' ')
		if i < 0 || len(s)-i > 60 {
			return false
		}
		s = s[:i]
	}
	return false
}

var (
	// reDigitOrAddr requires some date, time or address evidence on the line.
	reDigitOrAddr = regexp.MustCompile(`\d|@|<`)
	// reTime matches a clock time, used for attribution lines without a verb.
	reTime = regexp.MustCompile(`\b\d{1,2}:\d{2}\b`)
	// reAddrColon matches "... <someone@host>:" or "... someone@host:" at line end
	// (mail.ru "DATE от NAME <addr>:" and similar).
	reAddrColon = regexp.MustCompile(`\S+@\S+?>?\)?\s*:\s*$`)

	// reOriginal matches Outlook/Yahoo/AOL "-----Original Message-----" separators
	// and forwarded-message separators in several languages.
	reOriginal = regexp.MustCompile(`(?i)^\s*[-_=*]{2,}\s*(?:original message|originalnachricht|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht|oorspronkelijk bericht|izvorna poruka|originalna poruka|izvirno sporočilo|originalno sporočilo|originalus laiškas|pradinis laiškas|αρχικό μήνυμα|wiadomość oryginalna|oryginalna wiadomość|исходное сообщение|původní zpráva|forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht|proslijeđena poruka|prosljeđena poruka|posredovano sporočilo|persiųstas laiškas|προωθημένο μήνυμα|wiadomość przekazana|przekazana wiadomość|пересылаемое сообщение|пересланное сообщение)\s*[-_=*]{0,}\s*:?\s*$`)
	// reBeginForward matches Apple Mail's "Begin forwarded message:".
	reBeginForward = regexp.MustCompile(`(?i)^\s*(?:begin forwarded message|anfang der weitergeleiteten nachricht|début du message réenvoyé|inicio del mensaje reenviado|početak proslijeđene poruke|začetek posredovanega sporočila|persiųsto laiško pradžia)\s*:\s*$`)

	// reDelimLine is a line of only dashes/underscores/equals, often above a
	// signature or a quoted header block.
	reDelimLine = regexp.MustCompile(`^\s*(?:-- ?|[-_=]{3,}|__)\s*$`)
)

// isAttribution reports whether s (one line, or several joined with spaces)
// is a reply attribution such as "On Mon, Apr 2, 2012 at 6:26 PM, Megan
// <m@example.com> wrote:" in any supported language.
func isAttribution(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 6 || len(s) > 400 || !strings.HasSuffix(s, ":") {
		return false
	}
	if endsWithVerb(strings.TrimSuffix(s, ":")) && reDigitOrAddr.MatchString(s) {
		return true
	}
	// "DATE, NAME <addr>:" with a time and an address but no known verb.
	return strings.Contains(s, "@") && reTime.MatchString(s) && reAddrColon.MatchString(tail(s, 200))
}

// tail returns about the last n bytes of s, starting on a rune boundary.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := len(s) - n
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return s[i:]
}

// isSeparator reports whether line is an "Original Message" or forwarded-message
// separator.
func isSeparator(line string) bool {
	t := strings.TrimLeft(line, " \t")
	if len(t) > 2 && strings.IndexByte("-_=*", t[0]) >= 0 && strings.IndexByte("-_=*", t[1]) >= 0 {
		return reOriginal.MatchString(line)
	}
	return strings.HasSuffix(strings.TrimRight(line, " \t"), ":") && reBeginForward.MatchString(line)
}

// Header-block labels, lower case, as Outlook and webmail clients write them
// above a quoted message in the languages we recognise.
var (
	fromLabels = words("from od von de van nuo siuntėjas από от kimden da fra från mittente lähettäjä")
	dateLabels = words("sent date poslano poslana datum gesendet envoyé enviado enviada verzonden wysłano data išsiųsta siųsta στάλθηκε ημερομηνία ημ/νία отправлено дата inviato lähetetty skickat sendt tarih")
	toLabels   = words("to subject komu za prima predmet zadeva kam kome tema θέμα προς an à para aan do temat betreff objet asunto onderwerp кому тема kenelle aihe till ämne til emne oggetto a gavėjas kopija cc")
)

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// Label kinds of a header-block line.
const (
	labelNone = iota
	labelFrom
	labelDate
	labelTo
)

// labelOf classifies a "Label: value" line ("*From:*" and "> From:" too).
func labelOf(line string) int {
	i := strings.IndexByte(line, ':')
	if i <= 0 || i > 40 {
		return labelNone
	}
	key := strings.ToLower(strings.Trim(line[:i], " \t*>"))
	switch {
	case fromLabels[key]:
		if strings.TrimSpace(strings.Trim(line[i+1:], " \t*")) == "" {
			return labelNone
		}
		return labelFrom
	case dateLabels[key]:
		return labelDate
	case toLabels[key]:
		return labelTo
	}
	return labelNone
}

// isFromBlock reports whether lines[i] starts a "From: / Sent: / To: / Subject:"
// header block: a From line followed, within the next few lines, by a date
// label and a recipient or subject label.
func isFromBlock(lines []string, i int) bool {
	if labelOf(lines[i]) != labelFrom {
		return false
	}
	var date, to bool
	for j := i + 1; j < len(lines) && j <= i+8; j++ {
		l := lines[j]
		if strings.TrimSpace(l) == "" && (date || to) {
			break
		}
		switch labelOf(l) {
		case labelDate:
			date = true
		case labelTo:
			to = true
		}
	}
	return date && to
}

// isHeaderFirst reports whether lines[i] is a header block that starts with a
// label other than From (Hotmail puts Subject or Date first).
func isHeaderFirst(lines []string, i int) bool {
	if k := labelOf(lines[i]); k != labelDate && k != labelTo {
		return false
	}
	var from, other int
	for j := i; j < len(lines) && j <= i+5; j++ {
		switch labelOf(lines[j]) {
		case labelFrom:
			from++
		case labelDate, labelTo:
			other++
		}
	}
	return from >= 1 && other >= 2
}
