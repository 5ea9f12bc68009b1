package web

import (
	"net/http"

	"partnerhub/internal/hub"
)

// visit issues a single-use hand-off into the customer's console and sends
// the browser there. It is a POST (from a form opening a new tab) because it
// creates a token: a link would be prefetched, and could be planted.
func (w *Web) visit(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	u, err := w.Hub.Visit(r.Context(), a, r.PathValue("id"))
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, u, http.StatusSeeOther)
}
