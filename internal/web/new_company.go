package web

import (
	"net/http"

	"partnerhub/internal/customer"
	"partnerhub/internal/hub"
)

// postCompany checks the company name and the short name, including that no
// other customer of the partner uses the short name yet, so the partner
// learns it here rather than at the end. An empty short name is filled with
// the suggestion, which the review shows.
func (w *Web) postCompany(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	f, err := readWizard(r)
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	if r.PostForm.Has("back") {
		w.showStep(rw, r, a, f, stepType, nil)
		return
	}
	if f.ShortName == "" {
		if err := w.suggestShortName(r.Context(), a, &f); err != nil {
			w.fail(rw, r, &a, err)
			return
		}
	}
	in, errs := f.input(), map[string]string{}
	if msg := customer.CheckCompanyName(in.CompanyName); msg != "" {
		errs["companyName"] = msg
	}
	if msg := customer.CheckShortName(in.ShortName); msg != "" {
		errs["shortName"] = msg
	} else if taken, err := w.Hub.ShortNameTaken(r.Context(), a, in.ShortName); err != nil {
		w.fail(rw, r, &a, err)
		return
	} else if taken {
		errs["shortName"] = customer.MsgShortNameTaken
	}
	if len(errs) > 0 {
		w.showStep(rw, r, a, f, stepCompany, errs)
		return
	}
	w.showStep(rw, r, a, f, stepContact, nil)
}

// suggest answers the company field's htmx request with the short name
// field, filled with a suggestion unless the partner typed their own.
func (w *Web) suggest(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	f := wizardFrom(r.URL.Query())
	if err := w.suggestShortName(r.Context(), a, &f); err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	w.renderPart(rw, r, "new_company.html", "shortname-field", newWizardView(a, f, stepCompany, nil))
}
