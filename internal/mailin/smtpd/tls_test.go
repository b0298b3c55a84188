package smtpd

import (
	"crypto/tls"
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"
)

// TestStartTLS: with a TLS configuration the listener offers STARTTLS, a
// sender that uses it delivers as usual, and the trace says ESMTPS.
func TestStartTLS(t *testing.T) {
	cfg, err := SelfSigned("mx.switchboard.test", when)
	if err != nil {
		t.Fatal(err)
	}
	d := &fakeDeliverer{}
	addr, _ := start(t, d, lookup, Options{TLSConfig: cfg})
	c, err := smtp.DialStartTLS(addr, &tls.Config{InsecureSkipVerify: true}) // an MX's opportunistic TLS
	if err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	defer c.Close()
	if _, ok := c.TLSConnectionState(); !ok {
		t.Fatal("not encrypted")
	}
	if err := c.Mail("ana@example.com", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("support@acme.example", nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(w, body)
	if err := w.Close(); err != nil {
		t.Fatalf("DATA over TLS: %v", err)
	}
	got := d.deliveries()
	if len(got) != 1 || !strings.Contains(got[0].raw, "(Switchboard) with ESMTPS id ") || !strings.HasSuffix(got[0].raw, body) {
		t.Fatalf("deliveries over TLS: %+v", got)
	}

	// Without a TLS configuration STARTTLS is not offered.
	addr2, _ := start(t, d, lookup, Options{})
	c2, err := smtp.Dial(addr2)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if ok, _ := c2.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered without a certificate")
	}
	if ok, _ := c2.Extension("AUTH"); ok {
		t.Error("AUTH offered")
	}
}
