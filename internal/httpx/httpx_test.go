package httpx

import (
	"net/http/httptest"
	"testing"
)

func TestClientIP(t *testing.T) {
	for _, c := range []struct {
		name, remote string
		headers      map[string]string
		want         string
	}{
		{name: "ipv4 with port", remote: "203.0.113.7:51234", want: "203.0.113.7"},
		{name: "ipv6 with port", remote: "[2001:db8::1]:443", want: "2001:db8::1"},
		{name: "ipv6 zone", remote: "[fe80::1%eth0]:80", want: "fe80::1%eth0"},
		{name: "no port", remote: "203.0.113.7", want: "203.0.113.7"},
		{name: "empty", remote: "", want: ""},
		{name: "unix socket", remote: "@", want: "@"},
		{name: "proxy headers are ignored", remote: "198.51.100.2:1000", want: "198.51.100.2", headers: map[string]string{
			"X-Forwarded-For": "192.0.2.1, 192.0.2.2", "X-Real-IP": "192.0.2.3", "Forwarded": "for=192.0.2.4",
			"True-Client-IP": "192.0.2.5", "CF-Connecting-IP": "192.0.2.6"}},
		{name: "proxy headers from loopback are ignored too", remote: "127.0.0.1:9000", want: "127.0.0.1", headers: map[string]string{
			"X-Forwarded-For": "192.0.2.1"}},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for k, v := range c.headers {
			r.Header.Set(k, v)
		}
		if got := ClientIP(r); got != c.want {
			t.Errorf("%s: ClientIP(%q) = %q, want %q", c.name, c.remote, got, c.want)
		}
	}
}
