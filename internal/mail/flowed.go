package mail

import "strings"

// unflow joins the soft line breaks of RFC 3676 format=flowed text: a
// line ending in a space continues on the next line of the same quote
// depth; with delsp=yes that space is removed. The signature separator
// "-- " is never joined. Quote markers are normalised to "> ".
func unflow(s string, delsp bool) string {
	lines := strings.Split(s, "\n")
	var out []string
	var cur strings.Builder
	curDepth, open := 0, false
	for _, l := range lines {
		depth := 0
		for depth < len(l) && l[depth] == '>' {
			depth++
		}
		body := l[depth:]
		if strings.HasPrefix(body, " ") { // space-stuffing
			body = body[1:]
		}
		if open && depth != curDepth { // a soft break never crosses quote depths
			out = append(out, quotePrefix(curDepth)+cur.String())
			cur.Reset()
			open = false
		}
		soft := strings.HasSuffix(body, " ") && body != "-- "
		if soft && delsp {
			body = body[:len(body)-1]
		}
		cur.WriteString(body)
		curDepth = depth
		if soft {
			open = true
			continue
		}
		out = append(out, quotePrefix(depth)+cur.String())
		cur.Reset()
		open = false
	}
	if open {
		out = append(out, quotePrefix(curDepth)+cur.String())
	}
	return strings.Join(out, "\n")
}

// quotePrefix returns the quote marker for a depth.
func quotePrefix(depth int) string {
	if depth == 0 {
		return ""
	}
	return strings.Repeat(">", depth) + " "
}

// trimLines removes trailing white space from every line.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	return strings.Join(lines, "\n")
}
