package web

import (
	"crypto/subtle"
	"errors"
	"net/http"

	"partnerhub/internal/hub"
)

// oidcCookie binds a sign-in at the identity provider to the browser that
// started it: the callback must bring back the state this cookie holds.
// It is Lax, so it comes along on the provider's top-level redirect back.
const oidcCookie = "ph_oidc"

// oidcStart sends the browser to the identity provider: the authorization
// code flow with PKCE, a state and a nonce, kept server-side.
func (w *Web) oidcStart(rw http.ResponseWriter, r *http.Request) {
	u, state, err := w.Hub.StartOIDC(r.Context())
	if errors.Is(err, hub.ErrNoOIDC) {
		w.notFoundPage(rw, r)
		return
	}
	if err != nil {
		w.Log.ErrorContext(r.Context(), "oidc start", "err", err)
		w.render(rw, r, http.StatusBadGateway, "signin.html", w.signinView("",
			"The identity provider cannot be reached right now. Try again in a moment, or sign in with a password."))
		return
	}
	http.SetCookie(rw, &http.Cookie{Name: oidcCookie, Value: state, Path: "/signin/oidc", MaxAge: 600,
		HttpOnly: true, Secure: w.SecureCookies, SameSite: http.SameSiteLaxMode})
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, u, http.StatusFound)
}

// oidcCallback finishes the sign-in. The state must be the one this
// browser was given; the hub then uses it up (a replayed callback finds
// nothing), exchanges the code and checks the ID token and the person.
func (w *Web) oidcCallback(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	http.SetCookie(rw, &http.Cookie{Name: oidcCookie, Path: "/signin/oidc", MaxAge: -1,
		HttpOnly: true, Secure: w.SecureCookies, SameSite: http.SameSiteLaxMode})
	refuse := func(status int, msg string) {
		w.render(rw, r, status, "signin.html", w.signinView("", msg))
	}
	if q.Get("error") != "" {
		refuse(http.StatusUnauthorized, "The identity provider did not sign you in. Try again, or ask your organisation's administrator.")
		return
	}
	c, err := r.Cookie(oidcCookie)
	state := q.Get("state")
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		refuse(http.StatusBadRequest, "This sign-in did not start in this browser, or it took too long. Start again.")
		return
	}
	a, token, err := w.Hub.FinishOIDC(r.Context(), state, q.Get("code"), w.addr(r))
	switch {
	case errors.Is(err, hub.ErrOIDCState):
		refuse(http.StatusBadRequest, "This sign-in link was used already or has expired. Start again.")
	case errors.Is(err, hub.ErrOIDCFailed):
		refuse(http.StatusUnauthorized, "The identity provider's answer could not be verified. Start again.")
	case errors.Is(err, hub.ErrNotAllowed):
		refuse(http.StatusForbidden, "Your account is not invited to partnerhub, and your organisation is not allowed to join. Ask an admin of your partner organisation to invite you.")
	case err != nil:
		w.fail(rw, r, nil, err)
	default:
		w.startSession(rw, r, a, token)
	}
}
