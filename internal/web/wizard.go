package web

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"partnerhub/internal/customer"
	"partnerhub/internal/hub"
)

// The Add customer wizard runs on the server: each step is a form that POSTs
// its own fields together with the earlier (and later) answers as hidden
// fields, so nothing is kept between requests and Back never loses what was
// typed. Each step checks only its own fields, with the domain's rules.

// Wizard steps, in order.
const (
	stepType = iota + 1
	stepCompany
	stepContact
	stepReview
)

var stepPages = map[int]string{
	stepType: "new_type.html", stepCompany: "new_company.html",
	stepContact: "new_contact.html", stepReview: "new_review.html",
}

// fieldStep says on which step a field of the domain is entered; errors of
// the last check send the partner back there.
var fieldStep = []struct {
	key  string
	step int
}{
	{"type", stepType}, {"companyName", stepCompany}, {"shortName", stepCompany},
	{"contact.name", stepContact}, {"contact.email", stepContact}, {"contact.phone", stepContact},
}

// wizard is every answer of the form. Suggested is the short name last
// suggested: while ShortName still equals it, the partner has not edited it
// and a new company name may replace it.
type wizard struct {
	Token        string
	Type         customer.Type
	CompanyName  string
	ShortName    string
	Suggested    string
	ContactName  string
	ContactEmail string
	ContactPhone string
}

func readWizard(r *http.Request) (wizard, error) {
	if err := r.ParseForm(); err != nil {
		return wizard{}, err
	}
	return wizardFrom(r.PostForm), nil
}

// wizardFrom reads the answers from form values, trimmed the way the domain
// trims them before it checks and stores them.
func wizardFrom(v url.Values) wizard {
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	return wizard{
		Token: get("token"), Type: customer.Type(get("type")),
		CompanyName: get("companyName"), ShortName: get("shortName"), Suggested: get("suggested"),
		ContactName: get("contact.name"), ContactEmail: get("contact.email"), ContactPhone: get("contact.phone"),
	}
}

// input is the answers as the domain takes them, trimmed as it stores them.
func (f wizard) input() customer.Input {
	return customer.Input{
		Type: f.Type, CompanyName: f.CompanyName, ShortName: f.ShortName,
		Contact: customer.Contact{Name: f.ContactName, Email: f.ContactEmail, Phone: f.ContactPhone},
	}.Normalize()
}

// suggestShortName fills an empty or still-suggested short name from the
// company name, keeping whatever the partner typed themselves.
func (w *Web) suggestShortName(ctx context.Context, a hub.Actor, f *wizard) error {
	if f.ShortName != "" && f.ShortName != f.Suggested {
		return nil
	}
	s := ""
	if customer.CheckCompanyName(f.input().CompanyName) == "" {
		var err error
		if s, err = w.Hub.SuggestShortName(ctx, a, f.input().CompanyName); err != nil {
			return err
		}
	}
	f.ShortName, f.Suggested = s, s
	return nil
}

// fieldError is one line of the error summary, linking to its field.
type fieldError struct{ ID, Message string }

type typeChoice struct {
	Value       customer.Type
	Label, Help string
	Checked     bool
}

type stepNav struct {
	N       int
	Label   string
	Current bool
	Done    bool
}

type wizardView struct {
	layout
	F         wizard
	Step      int
	Steps     []stepNav
	Errors    map[string]string
	ErrorList []fieldError
	Types     []typeChoice
}

// showStep renders a step; with errors it answers 422, so that scripts and
// tests see the refusal and the browser shows the form again.
func (w *Web) showStep(rw http.ResponseWriter, r *http.Request, a hub.Actor, f wizard, step int, errs map[string]string) {
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	w.render(rw, r, status, stepPages[step], newWizardView(a, f, step, errs))
}

func newWizardView(a hub.Actor, f wizard, step int, errs map[string]string) wizardView {
	if f.Token == "" {
		f.Token = rand.Text()
	}
	v := wizardView{layout: signedInLayout(a, "Add customer"), F: f, Step: step, Errors: errs}
	labels := []string{"Type", "Company", "Contact", "Review"}
	v.Title = fmt.Sprintf("Add customer: %s (step %d of 4)", labels[step-1], step)
	for i, l := range labels {
		v.Steps = append(v.Steps, stepNav{N: i + 1, Label: l, Current: i+1 == step, Done: i+1 < step})
	}
	for _, fs := range fieldStep {
		if m, ok := errs[fs.key]; ok {
			v.ErrorList = append(v.ErrorList, fieldError{ID: fieldID(fs.key), Message: m})
		}
	}
	v.Types = []typeChoice{
		{customer.TypeCustomer, "Customer", "Bought the product: their environment starts clean, with the baseline policies.", f.Type == customer.TypeCustomer},
		{customer.TypeDemo, "DEMO", "For sales demos: filled with realistic dummy users, endpoints and events. Remove it when the demo is over.", f.Type == customer.TypeDemo},
	}
	return v
}

// firstStepWithError is the earliest step holding a field in errs.
func firstStepWithError(errs map[string]string) int {
	for _, fs := range fieldStep {
		if _, ok := errs[fs.key]; ok {
			return fs.step
		}
	}
	return stepReview
}

// stepErrors keeps the errors of the fields entered on step.
func stepErrors(errs map[string]string, step int) map[string]string {
	out := map[string]string{}
	for _, fs := range fieldStep {
		if m, ok := errs[fs.key]; ok && fs.step == step {
			out[fs.key] = m
		}
	}
	return out
}
