package mail

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLToText renders HTML as readable plain text: paragraphs and line
// breaks kept, lists as "- " or "1. " items, links as "text <url>",
// blockquotes prefixed with "> ", table cells separated; style, script,
// head and other invisible content dropped.
func HTMLToText(s string) string {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil { // e.g. nesting too deep for the tree builder
		return tokensToText(s)
	}
	var w textWriter
	w.node(doc, 0)
	return cleanText(w.sb.String())
}

// textWriter accumulates text with pending line breaks.
type textWriter struct {
	sb       strings.Builder
	newlines int // pending line breaks to write before the next text
	pre      int // inside <pre>
	started  bool
	space    bool // a pending space between inline runs
	quotes   int  // blockquote nesting
}

// brk asks for at least n line breaks before the next text.
func (w *textWriter) brk(n int) {
	if w.newlines < n {
		w.newlines = n
	}
	w.space = false
}

// text writes inline text, collapsing whitespace outside <pre>.
func (w *textWriter) text(t string) {
	if w.pre == 0 {
		lead := len(t) > 0 && isSpace(t[0])
		trail := len(t) > 0 && isSpace(t[len(t)-1])
		t = strings.Join(strings.Fields(t), " ")
		if t == "" {
			if lead || trail {
				w.space = true
			}
			return
		}
		if lead {
			w.space = true
		}
		w.flush()
		w.sb.WriteString(t)
		w.space = trail
		return
	}
	if t == "" {
		return
	}
	w.flush()
	w.sb.WriteString(t)
}

// flush writes pending breaks or a space before new text.
func (w *textWriter) flush() {
	if w.started && w.newlines > 0 {
		w.sb.WriteString(strings.Repeat("\n", w.newlines))
	} else if w.started && w.space {
		w.sb.WriteByte(' ')
	}
	w.newlines, w.space, w.started = 0, false, true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// node renders n and its children; list tracks ordered-list numbering.
func (w *textWriter) node(n *html.Node, depth int) {
	if depth > 1000 {
		return
	}
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.ElementNode:
	case html.DocumentNode:
		w.children(n, depth)
		return
	default:
		return
	}
	switch n.DataAtom {
	case atom.Head, atom.Style, atom.Script, atom.Title, atom.Noscript, atom.Template,
		atom.Svg, atom.Object, atom.Iframe, atom.Select, atom.Math:
		return
	case atom.Br:
		w.newlines++
		w.space = false
		if !w.started {
			w.started = true
		}
		return
	case atom.Hr:
		w.brk(1)
		w.text("----")
		w.brk(1)
		return
	case atom.Img:
		return
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table, atom.Ul, atom.Ol, atom.Dl:
		w.brk(2)
		w.children(n, depth)
		w.brk(2)
		return
	case atom.Pre:
		w.brk(2)
		w.pre++
		w.children(n, depth)
		w.pre--
		w.brk(2)
		return
	case atom.Div, atom.Tr, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Address,
		atom.Center, atom.Form, atom.Dt, atom.Dd, atom.Caption, atom.Main, atom.Nav, atom.Aside,
		atom.Figure, atom.Figcaption, atom.Fieldset, atom.Details, atom.Summary:
		w.brk(1)
		w.children(n, depth)
		w.brk(1)
		return
	case atom.Td, atom.Th:
		if w.started && w.newlines == 0 {
			w.space = false
			w.sb.WriteString("  ")
		}
		w.children(n, depth)
		return
	case atom.Li:
		w.brk(1)
		marker := "- "
		if n.Parent != nil && n.Parent.DataAtom == atom.Ol {
			k := 1
			for s := n.PrevSibling; s != nil; s = s.PrevSibling {
				if s.Type == html.ElementNode && s.DataAtom == atom.Li {
					k++
				}
			}
			marker = strconv.Itoa(k) + ". "
		}
		w.flush()
		w.sb.WriteString(marker)
		w.children(n, depth)
		w.brk(1)
		return
	case atom.Blockquote:
		w.brk(2)
		if w.quotes >= 10 { // deeper quotes are not marked again
			w.children(n, depth)
			w.brk(2)
			return
		}
		inner := textWriter{quotes: w.quotes + 1}
		inner.children(n, depth)
		q := cleanText(inner.sb.String())
		if q != "" {
			w.flush()
			lines := strings.Split(q, "\n")
			for i, l := range lines {
				lines[i] = strings.TrimRight("> "+l, " ")
			}
			w.sb.WriteString(strings.Join(lines, "\n"))
		}
		w.brk(2)
		return
	case atom.A:
		before := w.sb.Len()
		w.children(n, depth)
		label := strings.TrimSpace(w.sb.String()[before:])
		href := strings.TrimSpace(attr(n, "href"))
		lh := strings.ToLower(href)
		if (strings.HasPrefix(lh, "http://") || strings.HasPrefix(lh, "https://") || strings.HasPrefix(lh, "mailto:")) &&
			!strings.EqualFold(strings.TrimPrefix(lh, "mailto:"), strings.ToLower(label)) &&
			!strings.EqualFold(strings.TrimRight(lh, "/"), strings.TrimRight(strings.ToLower(label), "/")) {
			if label == "" {
				w.text(href)
			} else {
				w.sb.WriteString(" <" + href + ">")
			}
		}
		return
	}
	w.children(n, depth)
}

// children renders the children of n.
func (w *textWriter) children(n *html.Node, depth int) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c, depth+1)
	}
}

// attr returns the value of attribute key of n.
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// cleanText trims line ends, turns non-breaking spaces into spaces and
// keeps at most one blank line in a row.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\u00a0", " ")
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\r")
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// tokensToText is the fallback when the HTML cannot be built into a tree:
// the text of the document, block tags as line breaks, invisible
// elements dropped.
func tokensToText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var w textWriter
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return cleanText(w.sb.String())
		case html.TextToken:
			if skip == 0 {
				w.text(string(z.Text()))
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template:
				if tt == html.StartTagToken {
					skip++
				} else if skip > 0 {
					skip--
				}
			case atom.Br, atom.P, atom.Div, atom.Tr, atom.Li, atom.Blockquote, atom.H1, atom.H2, atom.H3,
				atom.H4, atom.H5, atom.H6, atom.Table, atom.Ul, atom.Ol, atom.Pre, atom.Hr:
				w.brk(1)
				w.started = true
			}
		}
	}
}
