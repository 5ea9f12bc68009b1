package web

import (
	"errors"
	"net/http"

	"partnerhub/internal/httpx"
	"partnerhub/internal/hub"
)

type signinView struct {
	layout
	Email string
	Error string
	// Provider names the identity provider when one is configured: the
	// page then offers "Sign in with <Provider>" above the password form,
	// which stays for local (break-glass) accounts.
	Provider string
}

func (w *Web) signinView(email, msg string) signinView {
	return signinView{layout: layout{Title: "Sign in"}, Email: email, Error: msg, Provider: w.Hub.OIDCName()}
}

// signinPage shows the sign-in form; someone already signed in goes straight
// to the customers.
func (w *Web) signinPage(rw http.ResponseWriter, r *http.Request) {
	if _, ok, _ := w.sessionActor(r); ok {
		http.Redirect(rw, r, "/customers", http.StatusSeeOther)
		return
	}
	w.render(rw, r, http.StatusOK, "signin.html", w.signinView("", ""))
}

// addr is the client address of r, for the audit log and sign-in limits.
func (w *Web) addr(r *http.Request) string { return httpx.ClientAddr(r, w.TrustProxy) }

// signin checks the password and opens a new session: a fresh token on every
// sign-in, so a token planted before sign-in is never promoted. A wrong email
// and a wrong password get the same message.
func (w *Web) signin(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, r, nil, err)
		return
	}
	email := r.PostForm.Get("email")
	a, token, err := w.Hub.SignIn(r.Context(), email, r.PostForm.Get("password"), w.addr(r))
	switch {
	case errors.Is(err, hub.ErrBadCredentials):
		w.render(rw, r, http.StatusUnauthorized, "signin.html", w.signinView(email, "The email or password is wrong. Check them and try again."))
		return
	case errors.Is(err, hub.ErrLocked):
		w.render(rw, r, http.StatusTooManyRequests, "signin.html", w.signinView(email,
			"There were too many failed sign-ins for this account or from your network. Wait 15 minutes, then try again."))
		return
	case err != nil:
		w.fail(rw, r, nil, err)
		return
	}
	w.startSession(rw, r, a, token)
}

// startSession replaces any session the browser had with the new one and
// goes to the customers, or first to the password change when a one-time
// password opened it.
func (w *Web) startSession(rw http.ResponseWriter, r *http.Request, a hub.Actor, token string) {
	if old, err := r.Cookie(sessionCookie); err == nil && old.Value != "" {
		_ = w.Hub.SignOut(r.Context(), old.Value, w.addr(r))
	}
	w.setSession(rw, token)
	next := "/customers"
	if a.MustChangePassword {
		next = "/account"
	}
	http.Redirect(rw, r, next, http.StatusSeeOther)
}

// signout ends the session on the server, not only in the browser.
func (w *Web) signout(rw http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := w.Hub.SignOut(r.Context(), c.Value, w.addr(r)); err != nil {
			w.fail(rw, r, nil, err)
			return
		}
	}
	w.clearSession(rw)
	http.Redirect(rw, r, "/signin", http.StatusSeeOther)
}
