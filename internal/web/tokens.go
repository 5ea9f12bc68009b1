package web

import (
	"errors"
	"net/http"

	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

type tokenRow struct {
	store.APIToken
	RoleLabel string
}

type tokensView struct {
	layout
	Tokens   []tokenRow
	Users    []option
	Roles    []option
	Error    string
	NewToken string // shown once, right after it was made
	NewName  string
}

// tokensPage lists the API tokens of the partner's users (admins only).
func (w *Web) tokensPage(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	w.showTokens(rw, r, a, http.StatusOK, tokensView{})
}

func (w *Web) showTokens(rw http.ResponseWriter, r *http.Request, a hub.Actor, status int, v tokensView) {
	tokens, err := w.Hub.Tokens(r.Context(), a)
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	users, err := w.Hub.Users(r.Context(), a)
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	v.layout = signedInLayout(a, "API tokens")
	v.Nav = "settings"
	roleOf := map[string]string{}
	for _, u := range users {
		roleOf[u.ID] = u.Role
		v.Users = append(v.Users, option{Value: u.ID, Label: u.Email + " (" + hub.RoleLabel(u.Role) + ")", Selected: u.ID == a.UserID})
	}
	v.Roles = append(v.Roles, option{Value: "", Label: "The user's role", Selected: true})
	for _, role := range hub.Roles {
		v.Roles = append(v.Roles, option{Value: role, Label: "At most " + hub.RoleLabel(role)})
	}
	for _, t := range tokens {
		label := hub.RoleLabel(roleOf[t.UserID])
		if t.Role != "" && t.Role != roleOf[t.UserID] {
			label = hub.RoleLabel(t.Role) + " (narrowed)"
		}
		v.Tokens = append(v.Tokens, tokenRow{APIToken: t, RoleLabel: label})
	}
	w.render(rw, r, status, "tokens.html", v)
}

// createToken makes a named token for a user; the token is shown once.
func (w *Web) createToken(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	name := r.PostForm.Get("name")
	token, err := w.Hub.CreateToken(r.Context(), a, r.PostForm.Get("user"), name, r.PostForm.Get("role"))
	var invalid *hub.InvalidError
	if errors.As(err, &invalid) {
		w.showTokens(rw, r, a, http.StatusUnprocessableEntity, tokensView{Error: invalid.Msg})
		return
	}
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	w.showTokens(rw, r, a, http.StatusOK, tokensView{NewToken: token, NewName: name})
}

// revokeToken revokes a token at once.
func (w *Web) revokeToken(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	if err := w.Hub.RevokeToken(r.Context(), a, r.PathValue("tid")); err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	http.Redirect(rw, r, "/settings/tokens", http.StatusSeeOther)
}
