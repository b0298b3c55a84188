package mail

import (
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// Sanitizer policies, built once: with and without remote images.
var (
	policyOnce   sync.Once
	strictPolicy *bluemonday.Policy
	remotePolicy *bluemonday.Policy
)

// localImageSrc matches the image sources shown by default: parts of the
// message itself (cid:) and inline data.
var localImageSrc = regexp.MustCompile(`^(?i)\s*(cid:|data:image/)`)

// emailPolicy is the policy for showing customer email to agents: text
// formatting, lists, tables, quotes and images are kept; links open in a
// new tab with rel="nofollow noopener noreferrer"; scripts, event
// handlers, forms, frames, embedded objects, <base>, <meta>, <style>,
// SVG and javascript:/vbscript: URLs are removed; inline styles keep only
// a validated set of presentational properties. Images load only from
// cid: and data:image/ unless remote is set.
func emailPolicy(remote bool) *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowURLSchemes("http", "https", "mailto", "tel")
	p.AllowURLSchemeWithCustomPolicy("cid", func(*url.URL) bool { return true })
	p.AllowDataURIImages()
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AddSpaceWhenStrippingTag(true)

	p.AllowElements("p", "br", "div", "span", "b", "i", "u", "strong", "em", "s", "strike",
		"sub", "sup", "small", "big", "blockquote", "pre", "code", "tt", "kbd", "samp",
		"h1", "h2", "h3", "h4", "h5", "h6", "hr", "ul", "ol", "li", "dl", "dt", "dd",
		"table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup", "col",
		"center", "abbr", "address", "cite", "q", "del", "ins", "mark", "figure", "figcaption",
		"font", "wbr")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("name").Matching(regexp.MustCompile(`^[\w\-.:]+$`)).OnElements("a")
	p.AllowAttrs("title", "dir", "lang").Globally()
	p.AllowAttrs("align", "valign", "width", "height", "bgcolor", "border",
		"cellpadding", "cellspacing", "colspan", "rowspan", "nowrap").
		OnElements("table", "thead", "tbody", "tfoot", "tr", "td", "th", "col", "colgroup", "div", "p", "img", "hr")
	p.AllowAttrs("color", "face", "size").OnElements("font")
	p.AllowAttrs("start", "type").OnElements("ol", "ul", "li")
	p.AllowAttrs("alt", "width", "height", "align", "border").OnElements("img")
	if remote {
		p.AllowAttrs("src").OnElements("img")
	} else {
		p.AllowAttrs("src").Matching(localImageSrc).OnElements("img")
	}
	p.AllowStyles("color", "background-color", "text-align", "font-weight", "font-style",
		"text-decoration", "font-size", "font-family", "line-height", "vertical-align",
		"white-space", "margin", "margin-left", "margin-right", "margin-top", "margin-bottom",
		"padding", "padding-left", "padding-right", "padding-top", "padding-bottom",
		"border", "border-collapse", "width", "height", "text-indent", "list-style-type",
		"direction").Globally()
	return p
}

// SanitizeHTML makes a message's HTML safe to show to agents (see
// emailPolicy). The second result is true when remote images were
// removed; allowRemote keeps them.
func SanitizeHTML(s string, allowRemote bool) (string, bool) {
	policyOnce.Do(func() {
		strictPolicy = emailPolicy(false)
		remotePolicy = emailPolicy(true)
	})
	if allowRemote {
		return remotePolicy.Sanitize(s), false
	}
	return strictPolicy.Sanitize(s), hasRemoteImages(s)
}

// hasRemoteImages reports whether s loads images from the network.
func hasRemoteImages(s string) bool {
	if !strings.Contains(strings.ToLower(s), "src") && !strings.Contains(strings.ToLower(s), "background") {
		return false
	}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return false
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				key := string(k)
				if (key == "src" && string(name) == "img") || key == "background" {
					u := strings.ToLower(strings.TrimSpace(string(v)))
					if strings.HasPrefix(u, "http:") || strings.HasPrefix(u, "https:") || strings.HasPrefix(u, "//") {
						return true
					}
				}
			}
		}
	}
}
