package web

import (
	"errors"

	"net/http"
	"partnerhub/internal/customer"

	"partnerhub/internal/hub"
)

type deleteView struct {
	layout
	C customerView
}

// deletePage asks for confirmation, naming the customer and what goes with
// it; deletion cannot be undone, so it is never a single click.
func (w *Web) deletePage(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	c, err := w.Hub.Customer(r.Context(), a, r.PathValue("id"))
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	w.render(rw, r, http.StatusOK, "delete.html", deleteView{layout: signedInLayout(a, "Delete "+c.CompanyName), C: w.viewOf(a, c)})
}

// deleteCustomer starts the removal and goes back to the list, where the
// customer shows as Deleting until it is gone.
func (w *Web) deleteCustomer(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	_, err := w.Hub.Delete(r.Context(), a, r.PathValue("id"))
	var busy *customer.BusyError
	if errors.As(err, &busy) && busy.Running == "a deletion" {
		err = nil // a double click: the first click is deleting it already
	}
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	http.Redirect(rw, r, "/customers", http.StatusSeeOther)
}
