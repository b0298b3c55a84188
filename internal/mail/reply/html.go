package reply

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// quoteClasses are class names (substrings) that mark the start of quoted
// history in HTML mail.
var quoteClasses = []string{
	"gmail_quote", "yahoo_quoted", "moz-cite-prefix", "outlookmessageheader",
	"gmail_attr", "protonmail_quote", "zmail_extra", "ms-outlook-mobile-reference-message",
}

// quoteIDs are element ids that mark the start of quoted history.
var quoteIDs = []string{
	"divrplyfwdmsg", "outlookmessageheader", "appendonsend", "stopspelling",
	"mail-editor-reference-message-container", "zwchr", "yahoo_quoted",
}

// sigClasses mark a signature block.
var sigClasses = []string{"gmail_signature", "moz-signature", "signature"}

// StripHTML splits an HTML body into visible text, quoted history and
// signature, all as plain text. Structural markers (blockquote, gmail_quote,
// divRplyFwdMsg, OutlookMessageHeader, moz-cite-prefix, yahoo_quoted, hr, ...)
// start the quoted part; the text before them is then run through StripText
// to catch textual headers and signatures.
func StripHTML(src string) Result {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return StripText(src)
	}
	w := &htmlWalker{}
	w.walk(doc, 0)
	visible := w.buf[partVisible].String()
	quoted := w.buf[partQuoted].String()
	sig := w.buf[partSig].String()
	r := StripText(collapseBlank(visible))
	if strings.TrimSpace(visible) == "" {
		r = Result{}
	}
	r.Quoted = joinNonEmpty(r.Quoted, collapseBlank(quoted))
	r.Signature = joinNonEmpty(r.Signature, collapseBlank(sig))
	if r.Visible == "" {
		all := collapseBlank(visible + "\n" + sig + "\n" + quoted)
		return Result{Visible: all}
	}
	return r
}

const (
	partVisible = iota
	partSig
	partQuoted
)

// maxDepth bounds recursion on pathological nesting.
const maxDepth = 400

type htmlWalker struct {
	buf     [3]strings.Builder
	quoting bool
	sigDeep int
}

func (w *htmlWalker) out() *strings.Builder {
	switch {
	case w.quoting:
		return &w.buf[partQuoted]
	case w.sigDeep > 0:
		return &w.buf[partSig]
	}
	return &w.buf[partVisible]
}

func (w *htmlWalker) walk(n *html.Node, depth int) {
	if depth > maxDepth {
		return
	}
	switch n.Type {
	case html.TextNode:
		t := collapseSpace(n.Data)
		if t != "" {
			w.out().WriteString(t)
		}
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Head, atom.Title, atom.Template:
			return
		case atom.Br:
			w.out().WriteString("\n")
			return
		case atom.Hr:
			w.quoting = true
			w.out().WriteString("\n")
			return
		}
		if !w.quoting && isQuoteStart(n) {
			w.quoting = true
		}
		sig := !w.quoting && hasClass(n, sigClasses)
		if sig {
			w.sigDeep++
		}
		block := isBlock(n.DataAtom)
		if block {
			w.out().WriteString("\n")
		}
		out := w.out()
		before := out.Len()
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			w.walk(c, depth+1)
		}
		if n.DataAtom == atom.A && w.out() == out {
			w.linkTarget(n, out, before)
		}
		if block {
			w.out().WriteString("\n")
		}
		if sig {
			w.sigDeep--
		}
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c, depth+1)
	}
}

// linkTarget appends " (URL)" after a link whose text does not show its
// web address, so the plain text keeps it.
func (w *htmlWalker) linkTarget(n *html.Node, out *strings.Builder, before int) {
	var href string
	for _, a := range n.Attr {
		if a.Key == "href" {
			href = strings.TrimSpace(a.Val)
		}
	}
	low := strings.ToLower(href)
	if !strings.HasPrefix(low, "http://") && !strings.HasPrefix(low, "https://") {
		return
	}
	text := strings.TrimSpace(out.String()[before:])
	if text == "" || strings.Contains(text, href) || strings.Contains(href, text) || len(href) > 200 {
		return
	}
	out.WriteString(" (" + href + ")")
}

func isQuoteStart(n *html.Node) bool {
	if n.DataAtom == atom.Blockquote {
		return true
	}
	if hasClass(n, quoteClasses) {
		return true
	}
	for _, a := range n.Attr {
		if a.Key == "id" {
			id := strings.ToLower(a.Val)
			for _, q := range quoteIDs {
				if strings.Contains(id, q) {
					return true
				}
			}
		}
	}
	return false
}

func hasClass(n *html.Node, names []string) bool {
	for _, a := range n.Attr {
		if a.Key != "class" {
			continue
		}
		cl := strings.ToLower(a.Val)
		for _, q := range names {
			for _, f := range strings.Fields(cl) {
				if f == q || strings.HasSuffix(f, q) && q != "signature" {
					return true
				}
			}
		}
	}
	return false
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Table, atom.Tr, atom.Li, atom.Ul, atom.Ol,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Pre,
		atom.Section, atom.Article, atom.Header, atom.Footer, atom.Blockquote,
		atom.Body, atom.Html, atom.Center, atom.Address, atom.Dl, atom.Dt, atom.Dd:
		return true
	}
	return false
}

// collapseSpace turns runs of HTML whitespace into one space, keeping a
// single leading or trailing space where there was whitespace.
func collapseSpace(s string) string {
	s = strings.ReplaceAll(s, "\u00a0", " ")
	f := strings.Fields(s)
	if len(f) == 0 {
		if s != "" {
			return " "
		}
		return ""
	}
	out := strings.Join(f, " ")
	if isSpace(s[0]) {
		out = " " + out
	}
	if isSpace(s[len(s)-1]) {
		out += " "
	}
	return out
}

func isSpace(b byte) bool { return b == ' ' || b == '\n' || b == '\t' || b == '\r' || b == '\f' }

// collapseBlank trims every line and squeezes runs of blank lines to one.
func collapseBlank(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	prevBlank := true
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			if prevBlank {
				continue
			}
			prevBlank = true
		} else {
			prevBlank = false
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n\n" + b
}
