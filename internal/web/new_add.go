package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"

	"partnerhub/internal/customer"
	"partnerhub/internal/hub"
)

// editSteps are the review's Change buttons: back to a step, answers kept.
var editSteps = map[string]int{"type": stepType, "company": stepCompany, "contact": stepContact}

// postAdd adds the customer from the review. Everything is checked again (a
// form can be edited), and a short name taken meanwhile sends the partner
// back to the company step with the message at the field.
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
	// The form's token is the idempotency key of the hub's store: a second
	// submit of the same form (a double click, a reload of the POST, another
	// replica) leads to the customer the first one made.
	sum := sha256.Sum256([]byte(fmt.Sprintf("%q", in)))
	id, _, err := w.Hub.AddCustomerOnce(r.Context(), a, in, "web-add:"+f.Token, hex.EncodeToString(sum[:]),
		func(c customer.Customer) (string, error) { return c.ID, nil })
	if ve, ok := customer.AsValidation(err); ok {
		step := firstStepWithError(ve.Fields)
		w.showStep(rw, r, a, f, step, stepErrors(ve.Fields, step))
		return
	}
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	w.added(rw, r, id)
}

// added sends the partner to the list, where the new customer shows as
// Deploying and is confirmed once.
func (w *Web) added(rw http.ResponseWriter, r *http.Request, id string) {
	w.setAdded(rw, id)
	http.Redirect(rw, r, "/customers", http.StatusSeeOther)
}
