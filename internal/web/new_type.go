package web

import (
	"net/http"

	"partnerhub/internal/hub"
)

// newType starts the wizard with a fresh form token, which travels through
// every step to Add and makes a second submit of the same form harmless.
func (w *Web) newType(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	w.showStep(rw, r, a, wizard{}, stepType, nil)
}

// postType checks the chosen type and moves on to the company.
func (w *Web) postType(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	f, err := readWizard(r)
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	if !f.Type.Valid() {
		w.showStep(rw, r, a, f, stepType, map[string]string{"type": "Choose Customer or DEMO."})
		return
	}
	if err := w.suggestShortName(r.Context(), a, &f); err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	w.showStep(rw, r, a, f, stepCompany, nil)
}
