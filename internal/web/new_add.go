package web

import (
	"net/http"

	"partnerhub/internal/customer"
	"partnerhub/internal/hub"
)

// editSteps are the review's Change buttons: back to a step, answers kept.
var editSteps = map[string]int{"type": stepType, "company": stepCompany, "contact": stepContact}

// postAdd adds the customer from the review. Everything is checked again (a
// form can be edited), and a short name taken meanwhile sends the partner
// back to the company step with the message at the field. The form token
// makes a second submit of the same form lead to the customer the first one
// made, even while the first is still running.
func (w *Web) postAdd(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	f, err := readWizard(r)
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	if step, ok := editSteps[r.PostForm.Get("edit")]; ok {
		w.showStep(rw, r, a, f, step, nil)
		return
	}
	in := f.input()
	if ve, ok := customer.AsValidation(in.Validate()); ok {
		step := firstStepWithError(ve.Fields)
		w.showStep(rw, r, a, f, step, stepErrors(ve.Fields, step))
		return
	}
	if f.Token == "" {
		w.fail(rw, r, &a, errBadForm)
		return
	}
	key := a.UserID + "\x00" + f.Token
	for {
		e, owner := w.adds.claim(key)
		if !owner {
			id, err := e.wait(r.Context())
			if err != nil {
				w.fail(rw, r, &a, err)
				return
			}
			if id == "" {
				continue // the first submit failed: this one tries itself
			}
			w.added(rw, r, id)
			return
		}
		c, err := w.addOnce(r, a, in, key, e)
		if err != nil {
			if ve, ok := customer.AsValidation(err); ok {
				step := firstStepWithError(ve.Fields)
				w.showStep(rw, r, a, f, step, stepErrors(ve.Fields, step))
				return
			}
			w.fail(rw, r, &a, err)
			return
		}
		w.added(rw, r, c.ID)
		return
	}
}

// addOnce adds the customer for an owned token and always settles the token,
// even if adding panics, so that a second submit never waits on it forever.
func (w *Web) addOnce(r *http.Request, a hub.Actor, in customer.Input, key string, e *addEntry) (c customer.Customer, err error) {
	defer func() {
		id := ""
		if err == nil {
			id = c.ID
		}
		w.adds.finish(key, e, id)
	}()
	return w.Hub.AddCustomer(r.Context(), a, in)
}

// added sends the partner to the list, where the new customer shows as
// Deploying and is confirmed once.
func (w *Web) added(rw http.ResponseWriter, r *http.Request, id string) {
	w.setAdded(rw, id)
	http.Redirect(rw, r, "/customers", http.StatusSeeOther)
}
