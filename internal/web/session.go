package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

// sessionCookie holds the browser session token; the store keeps only its hash.
const sessionCookie = "ph_session"

// signedIn resolves the session cookie to the actor, so that the partner
// always comes from the session and never from the request. Without a
// session a page redirects to the sign-in page, an htmx request gets a 401
// with HX-Redirect (htmx would otherwise swap the sign-in page into a table
// body), and an event stream gets a plain 401 it can give up on.
func (w *Web) signedIn(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		actor, ok, err := w.sessionActor(r)
		if err != nil {
			w.fail(rw, r, nil, err)
			return
		}
		if !ok {
			sendTo(rw, r, "/signin", http.StatusUnauthorized, "sign in first")
			return
		}
		// A session opened with a one-time password gets nothing but the
		// password change (and sign-out) until its holder chooses their own.
		if actor.MustChangePassword && !passwordChangePages[r.Pattern] {
			sendTo(rw, r, "/account", http.StatusForbidden, "choose your own password first")
			return
		}
		actor.Addr = w.addr(r)
		h(rw, r, actor)
	})
}

// passwordChangePages are the pages a session held to the password change
// may use.
var passwordChangePages = map[string]bool{
	"GET /account":                     true,
	"POST /account/password":           true,
	"POST /account/signout-everywhere": true,
}

// sendTo turns a request away to page: a browser is redirected; htmx is told
// to go there (it would follow a 3xx silently); a live-update stream, which
// cannot go anywhere, gets status with msg.
func sendTo(rw http.ResponseWriter, r *http.Request, page string, status int, msg string) {
	rw.Header().Set("Cache-Control", "no-store")
	switch {
	case isHTMX(r):
		rw.Header().Set("HX-Redirect", page)
		rw.WriteHeader(status)
	case strings.Contains(r.Header.Get("Accept"), "text/event-stream"):
		http.Error(rw, msg, status)
	default:
		http.Redirect(rw, r, page, http.StatusSeeOther)
	}
}

// sessionActor returns the signed-in actor; ok is false without a live
// session, and err is set only when the store failed.
func (w *Web) sessionActor(r *http.Request) (hub.Actor, bool, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return hub.Actor{}, false, nil
	}
	actor, err := w.Hub.SessionActor(r.Context(), c.Value)
	if errors.Is(err, store.ErrNotFound) {
		return hub.Actor{}, false, nil
	}
	if err != nil {
		return hub.Actor{}, false, err
	}
	return actor, true, nil
}

// setSession gives the browser a new session cookie: HttpOnly so no script
// can read it, SameSite=Lax so other sites cannot post with it, Secure
// whenever the hub is served over https.
func (w *Web) setSession(rw http.ResponseWriter, token string) {
	http.SetCookie(rw, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		MaxAge: int(w.Hub.SessionLifetime() / time.Second), HttpOnly: true, Secure: w.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

func (w *Web) clearSession(rw http.ResponseWriter) {
	http.SetCookie(rw, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: w.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}
