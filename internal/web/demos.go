package web

import (
	"net/http"

	"partnerhub/internal/hub"
)

type demosView struct {
	layout
	AutoDelete bool
}

// demosPage shows the partner's DEMO settings: whether expired DEMOs are
// removed automatically (off by default). Admins only; the hub checks.
func (w *Web) demosPage(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	if !a.Can(hub.PermAdmin) {
		w.fail(rw, r, &a, hub.ErrForbidden)
		return
	}
	on, err := w.Hub.DemoAutoDelete(r.Context(), a)
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	v := demosView{layout: signedInLayout(a, "DEMO settings"), AutoDelete: on}
	v.Nav = "settings"
	w.render(rw, r, http.StatusOK, "demos.html", v)
}

func (w *Web) setDemos(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	if err := w.Hub.SetDemoAutoDelete(r.Context(), a, r.PostForm.Get("autoDelete") == "on"); err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	http.Redirect(rw, r, "/settings/demos", http.StatusSeeOther)
}
