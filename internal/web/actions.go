package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"partnerhub/internal/customer"
	"partnerhub/internal/hub"
)

// actionView is an action the partner can run on a customer right now.
type actionView struct {
	Name   customer.Action
	Label  string
	Hint   string
	Inline bool // a plain button; otherwise the action has its own form
	Danger bool
}

var actionHints = map[customer.Action]string{
	customer.ActionRetry:     "Resumes the failed work at the step that failed.",
	customer.ActionRepair:    "Re-runs the deployment's steps and checks to mend what drifted.",
	customer.ActionUpdate:    "Brings the customer's database to the current console version.",
	customer.ActionRename:    "Changes the company or short name, in the console too.",
	customer.ActionResetDemo: "Moves the dummy data so that it ends today.",
	customer.ActionConvert:   "Turns the DEMO into a Customer: removes the dummy data, keeps the baseline.",
}

// actionsFor lists the actions the hub allows now; extending a DEMO has its
// own small form on the customer page.
func (w *Web) actionsFor(c customer.Customer) []actionView {
	var out []actionView
	for _, a := range customer.Actions {
		if a == customer.ActionExtendDemo {
			continue
		}
		if _, err := w.Hub.CheckAction(c, a); err != nil {
			continue
		}
		out = append(out, actionView{Name: a, Label: a.Label(), Hint: actionHints[a], Inline: a != customer.ActionRename,
			Danger: a == customer.ActionConvert})
	}
	return out
}

// runAction starts an action from a form: rename and extend carry fields.
// A rename with invalid names shows its form again with the messages.
func (w *Web) runAction(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	action := customer.Action(r.PathValue("action"))
	p := hub.ActionParams{Rename: customer.RenameInput{CompanyName: r.PostFormValue("companyName"), ShortName: r.PostFormValue("shortName")}}
	if v := r.PostFormValue("days"); v != "" {
		p.ExtendDays, _ = strconv.Atoi(v)
	}
	_, err := w.Hub.RunAction(r.Context(), a, r.PathValue("id"), action, p)
	if ve, ok := customer.AsValidation(err); ok && action == customer.ActionRename {
		w.renamePage(rw, r, a, ve.Fields, http.StatusUnprocessableEntity)
		return
	}
	if ve, ok := customer.AsValidation(err); ok {
		err = &customer.RuleError{Msg: ve.Error()}
	}
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	http.Redirect(rw, r, "/customers/"+r.PathValue("id"), http.StatusSeeOther)
}

type renameView struct {
	layout
	C      customerView
	Fields []fieldView
}

// renameForm shows the rename form with the current names.
func (w *Web) renameForm(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	w.renamePage(rw, r, a, nil, http.StatusOK)
}

func (w *Web) renamePage(rw http.ResponseWriter, r *http.Request, a hub.Actor, errs map[string]string, status int) {
	c, err := w.Hub.Customer(r.Context(), a, r.PathValue("id"))
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	company, short := c.CompanyName, c.ShortName
	if r.Method == http.MethodPost {
		company, short = r.PostFormValue("companyName"), r.PostFormValue("shortName")
	}
	v := renameView{layout: signedInLayout(a, "Rename "+c.CompanyName), C: w.viewOf(a, c)}
	for key, value := range map[string]string{"companyName": company, "shortName": short} {
		f := fieldSpecs[key]
		v.Fields = append(v.Fields, fieldView{ID: fieldID(key), Name: key, Label: f.label, Type: f.typ, Value: value,
			Hint: f.hint, Error: errs[key], Autocomplete: f.autocomplete})
	}
	slices.SortFunc(v.Fields, func(a, b fieldView) int { return strings.Compare(a.Name, b.Name) })
	w.render(rw, r, status, "rename.html", v)
}
