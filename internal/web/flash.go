package web

import (
	"net/http"

	"partnerhub/internal/hub"
)

// addedCookie carries the id of the customer just added across the redirect
// to the list, which then confirms it and marks its row. Only an id travels;
// the list reads the customer from the store as the actor, so a forged
// cookie shows nothing it should not.
const addedCookie = "ph_added"

func (w *Web) setAdded(rw http.ResponseWriter, id string) {
	http.SetCookie(rw, &http.Cookie{Name: addedCookie, Value: id, Path: "/customers", MaxAge: 60,
		HttpOnly: true, Secure: w.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// takeAdded returns the customer just added, once: the cookie is cleared so
// a reload does not repeat the message.
func (w *Web) takeAdded(rw http.ResponseWriter, r *http.Request, a hub.Actor) *customerView {
	c, err := r.Cookie(addedCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	http.SetCookie(rw, &http.Cookie{Name: addedCookie, Path: "/customers", MaxAge: -1,
		HttpOnly: true, Secure: w.SecureCookies, SameSite: http.SameSiteLaxMode})
	cust, err := w.Hub.Customer(r.Context(), a, c.Value)
	if err != nil {
		return nil
	}
	v := w.viewOf(a, cust)
	return &v
}
