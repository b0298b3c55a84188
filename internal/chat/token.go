package chat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/desk"
)

// TokenLifetime is how long a visitor token is honoured after it was
// issued; the widget gets a fresh one on every page load.
const TokenLifetime = 180 * 24 * time.Hour

// Visitor is an authenticated widget: the channel and the visitor a
// verified token names.
type Visitor struct {
	ChannelID int64
	VisitorID int64
}

// signToken returns a visitor token: "v1.channel.visitor.issued.mac",
// the MAC an HMAC-SHA256 under the channel's token secret.
func signToken(c desk.ChatChannel, visitorID int64, issued time.Time) string {
	body := "v1." + strconv.FormatInt(c.ID, 10) + "." + strconv.FormatInt(visitorID, 10) + "." + strconv.FormatInt(issued.Unix(), 10)
	return body + "." + mac(c.TokenSecret, body)
}

func mac(secret, body string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// verifyToken checks a visitor token against the channel, returning the
// visitor id; ok is false for a token of another channel, a forged or an
// expired one.
func verifyToken(c desk.ChatChannel, token string, now time.Time) (int64, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 5 || parts[0] != "v1" {
		return 0, false
	}
	body := strings.Join(parts[:4], ".")
	if !hmac.Equal([]byte(parts[4]), []byte(mac(c.TokenSecret, body))) {
		return 0, false
	}
	ch, err1 := strconv.ParseInt(parts[1], 10, 64)
	vid, err2 := strconv.ParseInt(parts[2], 10, 64)
	iat, err3 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || ch != c.ID || vid <= 0 {
		return 0, false
	}
	issued := time.Unix(iat, 0)
	if now.Sub(issued) > TokenLifetime || issued.Sub(now) > time.Hour {
		return 0, false
	}
	return vid, true
}

// Identity is a logged-in user as the site vouches for them: the site
// computes Hash = hex(HMAC-SHA256(identity secret, ID + "\n" + Email)) on
// its server and puts it in the page with the rest.
type Identity struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Hash  string `json:"hash"`
}

// IdentityHash is the signature a site computes for a user (see Identity).
func IdentityHash(secret, id, email string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(id + "\n" + email))
	return hex.EncodeToString(h.Sum(nil))
}

// verify reports whether the site signed this identity.
func (i Identity) verify(secret string) bool {
	if i.Hash == "" || (i.ID == "" && i.Email == "") || len(i.ID) > 200 || len(i.Email) > 254 {
		return false
	}
	want := IdentityHash(secret, i.ID, i.Email)
	return hmac.Equal([]byte(strings.ToLower(i.Hash)), []byte(want))
}
