package web

import (
	"errors"
	"net/http"

	"partnerhub/internal/hub"
)

type tenantsView struct {
	layout
	Tenants  []string
	Provider string
	Error    string
}

// tenantsPage lists the identity-provider tenants whose people may join
// the partner (admins only).
func (w *Web) tenantsPage(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	w.showTenants(rw, r, a, http.StatusOK, "")
}

func (w *Web) showTenants(rw http.ResponseWriter, r *http.Request, a hub.Actor, status int, msg string) {
	ts, err := w.Hub.Tenants(r.Context(), a)
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	v := tenantsView{layout: signedInLayout(a, "Sign-in settings"), Tenants: ts, Provider: w.Hub.OIDCName(), Error: msg}
	v.Nav = "settings"
	w.render(rw, r, status, "tenants.html", v)
}

func (w *Web) addTenant(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	w.tenantChange(rw, r, a, func(t string) error { return w.Hub.AddTenant(r.Context(), a, t) })
}

func (w *Web) removeTenant(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	w.tenantChange(rw, r, a, func(t string) error { return w.Hub.RemoveTenant(r.Context(), a, t) })
}

func (w *Web) tenantChange(rw http.ResponseWriter, r *http.Request, a hub.Actor, change func(string) error) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	err := change(r.PostForm.Get("tenant"))
	var invalid *hub.InvalidError
	switch {
	case err == nil:
		http.Redirect(rw, r, "/settings/tenants", http.StatusSeeOther)
	case errors.As(err, &invalid):
		w.showTenants(rw, r, a, http.StatusUnprocessableEntity, invalid.Msg)
	default:
		w.fail(rw, r, &a, err)
	}
}
