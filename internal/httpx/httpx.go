// Package httpx holds small HTTP helpers shared by the agent app, the REST
// API and the chat widget.
package httpx

import (
	"net"
	"net/http"
)

// ClientIP is the address of the peer that opened the connection: the host
// part of r.RemoteAddr (RemoteAddr itself when it has no port). It is the
// key of per-address rate limits and what sign-in records, so it trusts no
// proxy: X-Forwarded-For, X-Real-IP and Forwarded are ignored, because any
// client can send them. Behind a reverse proxy every request therefore
// counts against the proxy's address.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
