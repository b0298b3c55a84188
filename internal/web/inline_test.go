package web

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestInlineImages: a picture pasted into a customer's email (an <img
// src="cid:...">, the image an inline part of the message) shows in the
// thread from the stored part, served as an image only for raster types.
func TestInlineImages(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		png := []byte("\x89PNG\r\n\x1a\n fake pixels")
		tk, err := e.tickets.Create(context.Background(), desk.System, desk.NewTicket{Subject: "Error on screen",
			HTML: `<p>See the error:</p><p><img src="cid:shot%401@mail.example" alt="screenshot"></p><p><img src="cid:page@x" alt="page"></p>` +
				`<p><img src="cid:missing@x" alt="gone"></p>`,
			Requester: desk.ContactInput{Email: "ana@example.com"}, Channel: desk.ChannelEmail, Inbound: true,
			Attachments: []desk.NewAttachment{
				{Filename: "image001.png", ContentType: "image/png", Data: png, Inline: true, ContentID: "shot@1@mail.example"},
				{Filename: "page.html", ContentType: "text/html", Data: []byte("<script>alert(1)</script>"), Inline: true, ContentID: "page@x"},
			}})
		if err != nil {
			t.Fatal(err)
		}
		ms, err := e.tickets.Messages(context.Background(), desk.System, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		atts := ms[0].Attachments
		page := e.do(req{method: "GET", path: fmt.Sprintf("/tickets/%d", tk.ID), role: "agent"}).Body.String()
		for _, want := range []string{
			fmt.Sprintf(`<img src="/attachments/%d?inline=1" alt="screenshot"`, atts[0].ID),
			fmt.Sprintf(`<img src="/attachments/%d?inline=1" alt="page"`, atts[1].ID),
			`src="cid:missing@x"`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %s", want)
			}
		}
		img := e.do(req{method: "GET", path: fmt.Sprintf("/attachments/%d?inline=1", atts[0].ID), role: "agent"})
		if img.Code != 200 || img.Header().Get("Content-Type") != "image/png" || img.Header().Get("Content-Disposition") != "inline" ||
			!strings.Contains(img.Header().Get("Content-Security-Policy"), "sandbox") || img.Body.String() != string(png) {
			t.Errorf("inline image: %d %v", img.Code, img.Header())
		}
		// HTML is never served inline, even when an email names it as an image.
		htmlPart := e.do(req{method: "GET", path: fmt.Sprintf("/attachments/%d?inline=1", atts[1].ID), role: "agent"})
		if htmlPart.Header().Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(htmlPart.Header().Get("Content-Disposition"), "attachment") {
			t.Errorf("inline html part: %v", htmlPart.Header())
		}
		if anon := e.do(req{method: "GET", path: fmt.Sprintf("/attachments/%d?inline=1", atts[0].ID)}); anon.Code == 200 {
			t.Errorf("anonymous got the image")
		}
	})
}
