package web

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/httperr"
	"switchboard/internal/httpx"
)

const (
	sessionCookie   = "sb_session"
	loginCSRFCookie = "sb_login_csrf"
)

// loginData is the sign-in form.
type loginData struct {
	Email string
	Next  string
	Error string
	CSRF  string
}

func (a *app) loginPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	next := localPath(r.URL.Query().Get("next"))
	if rq.signedIn() {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	a.showLogin(w, r, rq, http.StatusOK, loginData{Next: next})
	return nil
}

// showLogin renders the sign-in form with a fresh double-submit CSRF token.
func (a *app) showLogin(w http.ResponseWriter, r *http.Request, rq *request, status int, d loginData) {
	d.CSRF = randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: d.CSRF, Path: "/login",
		HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	pd := a.pageData(r, rq, rq.loc.T("login.title"), d)
	pd.CSRF = d.CSRF
	a.render(w, r, rq, status, "login", pd)
}

func (a *app) login(w http.ResponseWriter, r *http.Request, rq *request) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	next := localPath(r.PostFormValue("next"))
	sess, err := a.cfg.Auth.Login(r.Context(), email, r.PostFormValue("password"), httpx.ClientIP(r))
	if err != nil {
		d := loginData{Email: email, Next: next}
		switch desk.ErrorCode(err) {
		case desk.EUnauthorized:
			d.Error = rq.loc.T("login.failed")
		case desk.ERateLimited:
			d.Error = rq.loc.T("login.rate_limited")
		case desk.EInvalid:
			d.Error = rq.loc.T("login.missing")
		default:
			return err
		}
		a.showLogin(w, r, rq, httperr.Status(desk.ErrorCode(err)), d)
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.Token, Path: "/",
		HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteLaxMode, Expires: sess.ExpiresAt})
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Path: "/login", MaxAge: -1, HttpOnly: true, Secure: a.secure})
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (a *app) logout(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := a.cfg.Auth.Logout(r.Context(), rq.sess.Token); err != nil {
		return err
	}
	a.clearSessionCookie(w)
	if rq.htmx {
		w.Header().Set("HX-Redirect", "/login")
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (a *app) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		Expires: time.Unix(1, 0), HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteLaxMode})
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
