package web

import (
	"net/http"

	"partnerhub/internal/customer"
	"partnerhub/internal/hub"
)

// postContact checks the contact with the domain's rules (only the contact
// fields count on this step) and shows the review.
func (w *Web) postContact(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	f, err := readWizard(r)
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	if r.PostForm.Has("back") {
		w.showStep(rw, r, a, f, stepCompany, nil)
		return
	}
	if ve, ok := customer.AsValidation(f.input().Validate()); ok {
		if errs := stepErrors(ve.Fields, stepContact); len(errs) > 0 {
			w.showStep(rw, r, a, f, stepContact, errs)
			return
		}
	}
	w.showStep(rw, r, a, f, stepReview, nil)
}
