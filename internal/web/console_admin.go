package web

import (
	"net/http"

	"partnerhub/internal/hub"
)

// issueConsoleAdmin makes the one-time password of the customer's own
// console admin and shows it once, on the customer page (never in a URL or
// a cookie). The customer's admin replaces it at the first sign-in; then
// the partner can issue no other.
func (w *Web) issueConsoleAdmin(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	_, password, err := w.Hub.IssueConsoleAdmin(r.Context(), a, r.PathValue("id"))
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	v, err := w.customerPanel(r, a)
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	v.layout = signedInLayout(a, v.C.CompanyName)
	v.NewAdminPassword = password
	w.render(rw, r, http.StatusOK, "customer.html", v)
}
