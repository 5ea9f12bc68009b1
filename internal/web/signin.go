package web

import (
	"errors"
	"net/http"

	"partnerhub/internal/hub"
)

type signinView struct {
	layout
	Email string
	Error string
}

// signinPage shows the sign-in form; someone already signed in goes straight
// to the customers.
func (w *Web) signinPage(rw http.ResponseWriter, r *http.Request) {
	if _, ok, _ := w.sessionActor(r); ok {
		http.Redirect(rw, r, "/customers", http.StatusSeeOther)
		return
	}
	w.render(rw, r, http.StatusOK, "signin.html", signinView{layout: layout{Title: "Sign in"}})
}

// signin checks the password and opens a new session: a fresh token on every
// sign-in, so a token planted before sign-in is never promoted. A wrong email
// and a wrong password get the same message.
func (w *Web) signin(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, r, nil, err)
		return
	}
	email := r.PostForm.Get("email")
	_, token, err := w.Hub.SignIn(r.Context(), email, r.PostForm.Get("password"))
	if errors.Is(err, hub.ErrBadCredentials) {
		w.render(rw, r, http.StatusUnauthorized, "signin.html", signinView{
			layout: layout{Title: "Sign in"}, Email: email,
			Error: "The email or password is wrong. Check them and try again.",
		})
		return
	}
	if err != nil {
		w.fail(rw, r, nil, err)
		return
	}
	if old, err := r.Cookie(sessionCookie); err == nil && old.Value != "" {
		_ = w.Hub.SignOut(r.Context(), old.Value)
	}
	w.setSession(rw, token)
	http.Redirect(rw, r, "/customers", http.StatusSeeOther)
}

// signout ends the session on the server, not only in the browser.
func (w *Web) signout(rw http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := w.Hub.SignOut(r.Context(), c.Value); err != nil {
			w.fail(rw, r, nil, err)
			return
		}
	}
	w.clearSession(rw)
	http.Redirect(rw, r, "/signin", http.StatusSeeOther)
}
