package web

import (
	"fmt"
	"strings"

	"partnerhub/internal/customer"
)

// fieldView is one text field of the wizard with what a person needs next
// to it: a label, a hint with the limit, and the error, all tied to the input
// with aria-describedby so that screen readers read them with it.
type fieldView struct {
	ID, Name, Label, Type, Value, Hint, Error, Autocomplete string
	Optional                                                bool
	Suggests                                                bool // typing here suggests the short name
}

// DescribedBy lists the ids of the hint and the error, when shown.
func (f fieldView) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

type fieldSpec struct {
	label, typ, hint, autocomplete string
	optional, suggests             bool
}

// fieldSpecs are the wizard's text fields. The hints state the domain's
// limits (customer.Max…) so the partner knows them before being told off.
var fieldSpecs = map[string]fieldSpec{
	"companyName": {label: "Company name", typ: "text", autocomplete: "organization", suggests: true,
		hint: fmt.Sprintf("The customer's company name, as it should appear in the hub. At most %d characters.", customer.MaxCompanyName)},
	"shortName": {label: "Short name", typ: "text", autocomplete: "off",
		hint: fmt.Sprintf("At most %d characters, no spaces. Shown inside the customer's console. Suggested from the company name; change it if you like.", customer.MaxShortName)},
	"contact.name": {label: "Name", typ: "text", autocomplete: "name",
		hint: "The person who administers the product at the customer."},
	"contact.email": {label: "Email", typ: "email", autocomplete: "email", hint: "For example name@example.com."},
	"contact.phone": {label: "Phone", typ: "tel", autocomplete: "tel", optional: true,
		hint: fmt.Sprintf("Digits, spaces and + ( ) - only, at most %d characters.", customer.MaxPhone)},
}

// Field is the view of the wizard's field key (a domain field key).
func (v wizardView) Field(key string) fieldView {
	s := fieldSpecs[key]
	return fieldView{
		ID: fieldID(key), Name: key, Label: s.label, Type: s.typ, Value: v.F.value(key), Hint: s.hint,
		Error: v.Errors[key], Autocomplete: s.autocomplete, Optional: s.optional, Suggests: s.suggests,
	}
}

func (f wizard) value(key string) string {
	switch key {
	case "companyName":
		return f.CompanyName
	case "shortName":
		return f.ShortName
	case "contact.name":
		return f.ContactName
	case "contact.email":
		return f.ContactEmail
	case "contact.phone":
		return f.ContactPhone
	}
	return ""
}
