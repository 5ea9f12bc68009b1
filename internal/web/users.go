package web

import (
	"errors"
	"net/http"

	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

type userRow struct {
	store.User
	RoleLabel string
	Me        bool
	Invited   bool // never signed in yet
	SignsIn   string
	// Resettable: someone else who signs in with a password here.
	Resettable bool
}

type usersView struct {
	layout
	Users    []userRow
	Roles    []option
	Error    string
	Notice   string
	Invited  *hub.Invitation // just invited: shown once, with its one-time password
	Reset    *hub.Invitation // a password just reset: shown once too
	Provider string
}

// usersPage lists the partner's users with their roles (admins only; the
// service refuses everyone else).
func (w *Web) usersPage(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	w.showUsers(rw, r, a, http.StatusOK, usersView{})
}

func (w *Web) showUsers(rw http.ResponseWriter, r *http.Request, a hub.Actor, status int, v usersView) {
	users, err := w.Hub.Users(r.Context(), a)
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	v.layout = signedInLayout(a, "Users")
	v.Nav, v.Provider = "settings", w.Hub.OIDCName()
	for _, role := range hub.Roles {
		v.Roles = append(v.Roles, option{Value: role, Label: hub.RoleLabel(role), Selected: role == hub.RoleViewer})
	}
	for _, u := range users {
		row := userRow{User: u, RoleLabel: hub.RoleLabel(u.Role), Me: u.ID == a.UserID, Invited: u.LastSignInAt == nil}
		row.Resettable = !row.Me && u.PasswordHash != ""
		switch {
		case u.OIDCSubject != "" && u.PasswordHash != "":
			row.SignsIn = "Identity provider and password"
		case u.OIDCSubject != "":
			row.SignsIn = "Identity provider"
		case u.PasswordHash != "":
			row.SignsIn = "Password"
		default:
			row.SignsIn = "Identity provider (not yet)"
		}
		v.Users = append(v.Users, row)
	}
	w.render(rw, r, status, "users.html", v)
}

// inviteUser adds a person by email with a role.
func (w *Web) inviteUser(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	inv, err := w.Hub.Invite(r.Context(), a, r.PostForm.Get("email"), r.PostForm.Get("role"))
	var invalid *hub.InvalidError
	if errors.As(err, &invalid) {
		w.showUsers(rw, r, a, http.StatusUnprocessableEntity, usersView{Error: invalid.Msg})
		return
	}
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	w.showUsers(rw, r, a, http.StatusOK, usersView{Invited: &inv})
}

// setRole changes a user's role.
func (w *Web) setRole(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	w.afterUserChange(rw, r, a, w.Hub.SetRole(r.Context(), a, r.PathValue("uid"), r.PostForm.Get("role")))
}

// resetPassword gives a colleague a new one-time password, shown once.
func (w *Web) resetPassword(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	inv, err := w.Hub.ResetPassword(r.Context(), a, r.PathValue("uid"))
	if err != nil {
		w.afterUserChange(rw, r, a, err)
		return
	}
	w.showUsers(rw, r, a, http.StatusOK, usersView{Reset: &inv})
}

// removeUser removes a user; their sessions and API tokens end at once.
func (w *Web) removeUser(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	w.afterUserChange(rw, r, a, w.Hub.RemoveUser(r.Context(), a, r.PathValue("uid")))
}

func (w *Web) afterUserChange(rw http.ResponseWriter, r *http.Request, a hub.Actor, err error) {
	var invalid *hub.InvalidError
	switch {
	case err == nil:
		http.Redirect(rw, r, "/settings/users", http.StatusSeeOther)
	case errors.Is(err, store.ErrLastAdmin):
		w.showUsers(rw, r, a, http.StatusConflict, usersView{Error: "Your organisation must keep at least one admin: make someone else admin first."})
	case errors.As(err, &invalid):
		w.showUsers(rw, r, a, http.StatusUnprocessableEntity, usersView{Error: invalid.Msg})
	default:
		w.fail(rw, r, &a, err)
	}
}
