package web

import (
	"errors"
	"net/http"

	"partnerhub/internal/hub"
)

type accountView struct {
	layout
	RoleLabel string
	Error     string
	Notice    string
	// Field is the password form's field the error is about ("current",
	// "new", "confirm"): the message is shown next to it.
	Field string
}

func (w *Web) account(a hub.Actor, errMsg, notice string) accountView {
	v := accountView{layout: signedInLayout(a, "Your account"), RoleLabel: hub.RoleLabel(a.Role), Error: errMsg, Notice: notice}
	v.Nav = "account"
	return v
}

// fieldError is the account page with msg next to field.
func (w *Web) fieldError(a hub.Actor, field, msg string) accountView {
	v := w.account(a, msg, "")
	v.Field = field
	return v
}

// accountPage shows the signed-in user's role, the password form and
// sign-out everywhere.
func (w *Web) accountPage(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	w.render(rw, r, http.StatusOK, "account.html", w.account(a, "", ""))
}

// changePassword replaces the password; other sessions of the user end.
func (w *Web) changePassword(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	next := r.PostForm.Get("new")
	if next != r.PostForm.Get("confirm") {
		w.render(rw, r, http.StatusUnprocessableEntity, "account.html", w.fieldError(a, "confirm", "The two new passwords differ."))
		return
	}
	keep := ""
	if c, err := r.Cookie(sessionCookie); err == nil {
		keep = c.Value
	}
	err := w.Hub.ChangePassword(r.Context(), a, r.PostForm.Get("current"), next, keep)
	var msg, field string
	status := http.StatusUnprocessableEntity
	switch {
	case err == nil && a.MustChangePassword:
		http.Redirect(rw, r, "/customers", http.StatusSeeOther) // the first password chosen: on to the work
		return
	case err == nil:
		w.render(rw, r, http.StatusOK, "account.html", w.account(a, "", "Your password was changed. Your other sessions were signed out."))
		return
	case errors.Is(err, hub.ErrBadCredentials):
		msg, field = "The current password is wrong.", "current"
	case errors.Is(err, hub.ErrLocked):
		msg, status = "There were too many wrong passwords. Wait 15 minutes, then try again.", http.StatusTooManyRequests
	case errors.Is(err, hub.ErrWeakPassword):
		msg, field = "Choose a password of 12 to 200 characters that differs from the current one and is not easy to guess: not your email, not a few characters repeated, not a run along the keyboard or the digits, not a common password.", "new"
	case errors.Is(err, hub.ErrNoPassword):
		msg = "Your account signs in with your organisation's identity provider; change your password there."
	default:
		w.fail(rw, r, &a, err)
		return
	}
	w.render(rw, r, status, "account.html", w.fieldError(a, field, msg))
}

// signOutEverywhere ends every session of the user, this one too.
func (w *Web) signOutEverywhere(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	if err := w.Hub.SignOutEverywhere(r.Context(), a); err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	w.clearSession(rw)
	http.Redirect(rw, r, "/signin", http.StatusSeeOther)
}
