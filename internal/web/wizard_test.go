package web

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"partnerhub/internal/customer"
)

// answers is a complete, valid wizard form; with() changes some of it.
func answers(kv ...string) url.Values {
	v := url.Values{"token": {"tok-test-1"}, "type": {"customer"}, "companyName": {"Northwind Traders"}, "shortName": {"Northwind"},
		"suggested": {"Northwind"}, "contact.name": {"Nancy Davolio"}, "contact.email": {"nancy@northwind.test"}, "contact.phone": {"+44 20 7946 0000"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestWizardSteps(t *testing.T) {
	t.Parallel()
	e := setup(t)
	invalid := func(name, path, field, msg string, kv ...string) scenario {
		id := fieldID(field)
		return scenario{name: name, user: "alice", method: "POST", path: path, form: answers(kv...), status: 422,
			contains: []string{esc(msg), `id="` + id + `-error"`, `aria-invalid="true"`, `aria-describedby="` + id + `-hint ` + id + `-error"`,
				`class="error-summary" role="alert"`, `href="#` + id + `"`}}
	}
	e.run(t, []scenario{
		{name: "start", user: "alice", path: "/customers/new", status: 200, contains: []string{
			"What kind of customer is it?", `type="radio" name="type" value="customer"`, `value="demo"`,
			"starts clean", "dummy users", `name="token" value="`, `aria-current="step"`, "step 1 of 4",
		}},
		{name: "type missing", user: "alice", method: "POST", path: "/customers/new/type", form: url.Values{"token": {"t"}}, status: 422,
			contains: []string{"Choose Customer or DEMO.", `id="f-type-error"`, `f-type-error"`}},
		{name: "type chosen", user: "alice", method: "POST", path: "/customers/new/type", form: url.Values{"token": {"t"}, "type": {"demo"}},
			status: 200, contains: []string{"Company name", "At most 10 characters, no spaces", `type="hidden" name="type" value="demo"`,
				`hx-get="/customers/new/suggest"`, `hx-target="#shortname-field"`, "step 2 of 4"}},
		invalid("empty company", "/customers/new/company", "companyName", "Enter the company name.", "companyName", " "),
		invalid("long short name", "/customers/new/company", "shortName", "Short name must be at most 10 characters.", "shortName", "ABCDEFGHIJK"),
		invalid("space in short name", "/customers/new/company", "shortName", "Short name must not contain spaces.", "shortName", "North wind"),
		invalid("tab in short name", "/customers/new/company", "shortName", "Short name must not contain spaces.", "shortName", "North\twind"),
		invalid("zero-width space in short name", "/customers/new/company", "shortName", "Short name must not contain control or invisible formatting characters.", "shortName", "North\u200bwind"),
		invalid("taken short name", "/customers/new/company", "shortName", customer.MsgShortNameTaken, "shortName", "CONTOSO"),
		{name: "company ok", user: "alice", method: "POST", path: "/customers/new/company", form: answers(), status: 200,
			contains: []string{`id="f-contact-name"`, `type="hidden" name="shortName" value="Northwind"`, "Northwind Traders", "step 3 of 4"}},
		{name: "empty short name is suggested", user: "alice", method: "POST", path: "/customers/new/company",
			form: answers("companyName", "Contoso Ltd", "shortName", "", "suggested", ""), status: 200,
			contains: []string{`name="shortName" value="Contoso2"`}},
		{name: "company back", user: "alice", method: "POST", path: "/customers/new/company", form: answers("back", "1", "type", "demo", "companyName", ""),
			status: 200, contains: []string{`value="demo" checked`, `type="hidden" name="companyName" value=""`}},
		invalid("bad email", "/customers/new/contact", "contact.email", "Enter a valid email address, like name@example.com.", "contact.email", "nancy@"),
		invalid("missing name", "/customers/new/contact", "contact.name", "Enter the contact's name.", "contact.name", ""),
		invalid("bad phone", "/customers/new/contact", "contact.phone", "Phone may contain only digits, spaces and + ( ) -, at most 30 characters.", "contact.phone", "call me"),
		{name: "contact back keeps input", user: "alice", method: "POST", path: "/customers/new/contact", form: answers("back", "1", "contact.email", "half@"),
			status: 200, contains: []string{`id="f-companyName"`, `type="hidden" name="contact.email" value="half@"`}},
		{name: "phone is optional", user: "alice", method: "POST", path: "/customers/new/contact", form: answers("contact.phone", ""), status: 200,
			contains: []string{"Review and add", "Not given"}},
		{name: "review", user: "alice", method: "POST", path: "/customers/new/contact", form: answers(), status: 200, contains: []string{
			"Review and add", "Northwind Traders", `<code class="short">Northwind</code>`, "Nancy Davolio", "nancy@northwind.test",
			esc("+44 20 7946 0000"), `name="edit" value="company"`, "Add customer</button>", `action="/customers/new/add"`, `data-submit-once`,
			`type="hidden" name="token" value="tok-test-1"`, "step 4 of 4",
		}},
		{name: "review change", user: "alice", method: "POST", path: "/customers/new/add", form: answers("edit", "contact"), status: 200,
			contains: []string{`id="f-contact-email"`, `value="nancy@northwind.test"`}},
		{name: "add checks again", user: "alice", method: "POST", path: "/customers/new/add", form: answers("companyName", ""), status: 422,
			contains: []string{"Enter the company name.", `id="f-companyName"`}},
		{name: "add without token", user: "alice", method: "POST", path: "/customers/new/add", form: answers("token", ""), status: 400,
			contains: []string{"The form is incomplete"}},
		{name: "suggest", user: "alice", path: "/customers/new/suggest?companyName=Northwind+Traders", status: 200,
			contains: []string{`<div id="shortname-field">`, `name="shortName" type="text" value="Northwind"`, `name="suggested" value="Northwind"`},
			excludes: []string{"<html"}},
		{name: "suggest avoids taken", user: "alice", path: "/customers/new/suggest?companyName=Contoso", status: 200,
			contains: []string{`value="Contoso2"`}},
		{name: "suggest keeps own short name", user: "alice", path: "/customers/new/suggest?companyName=Northwind&shortName=NW&suggested=Acme", status: 200,
			contains: []string{`value="NW"`, `name="suggested" value="Acme"`}},
		{name: "suggest replaces own suggestion", user: "alice", path: "/customers/new/suggest?companyName=Northwind&shortName=North&suggested=North", status: 200,
			contains: []string{`value="Northwind"`}},
	})
	if n := len(e.customers("alice")); n != 2 {
		t.Fatalf("the steps added customers: %d", n)
	}
}

func TestAdd(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.run(t, []scenario{
		{name: "add", user: "alice", method: "POST", path: "/customers/new/add", form: answers(), status: 303, location: "/customers"},
		{name: "resubmit", user: "alice", method: "POST", path: "/customers/new/add", form: answers(), status: 303, location: "/customers"},
		{name: "list confirms once", user: "alice", path: "/customers", status: 200,
			contains: []string{"<strong>Northwind Traders</strong> was added", `class="is-new"`, "Queued for deployment."}},
		{name: "confirmed only once", user: "alice", path: "/customers", status: 200, excludes: []string{"was added"}},
		// The same form token from another user is another form.
		{name: "taken at add", user: "alice", method: "POST", path: "/customers/new/add", form: answers("token", "tok-test-2"), status: 422,
			contains: []string{esc(customer.MsgShortNameTaken), `id="f-shortName"`, "step 2 of 4"}},
	})
	var n int
	for _, c := range e.customers("alice") {
		if c.CompanyName == "Northwind Traders" {
			n++
			if c.Status != customer.StatusDeploying || c.Contact.Phone != "+44 20 7946 0000" || c.Type != customer.TypeCustomer {
				t.Errorf("added customer: %+v", c)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d Northwind customers, want 1", n)
	}
}

// TestAddDoubleClick sends the same form twice at once: one customer.
func TestAddDoubleClick(t *testing.T) {
	t.Parallel()
	e := setup(t)
	form := answers("token", "tok-double", "companyName", "Tailspin Toys", "shortName", "Tailspin")
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", e.srv.URL+"/customers/new/add", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := e.clients["alice"].Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	n := 0
	for _, c := range e.customers("alice") {
		if c.CompanyName == "Tailspin Toys" {
			n++
		}
	}
	if n != 1 || codes[0] != 303 || codes[1] != 303 || codes[2] != 303 || codes[3] != 303 {
		t.Fatalf("%d customers, statuses %v; want 1 and all 303", n, codes)
	}
}

// TestMarkupEscaped adds a company whose name is markup and looks for it
// on every page that shows it.
func TestMarkupEscaped(t *testing.T) {
	t.Parallel()
	e := setup(t)
	evil := `<script>alert(1)</script>`
	form := answers("companyName", evil, "shortName", "xss", "contact.name", `"><img src=x>`)
	resp, body := e.do("alice", "POST", "/customers/new/contact", form, nil)
	if resp.StatusCode != 200 || strings.Contains(body, evil) || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("review: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := e.do("alice", "POST", "/customers/new/add", form, nil); resp.StatusCode != 303 {
		t.Fatalf("add: %d", resp.StatusCode)
	}
	for _, c := range e.customers("alice") {
		if c.ShortName == "xss" {
			e.ids["xss"] = c.ID
		}
	}
	var scenarios []scenario
	for _, p := range []string{"/customers", "/customers/rows", "/customers/{xss}", "/customers/{xss}/delete", "/customers/{xss}/live"} {
		scenarios = append(scenarios, scenario{name: p, user: "alice", path: p, status: 200,
			contains: []string{"&lt;script&gt;alert(1)&lt;/script&gt;"}, excludes: []string{evil, `"><img`}})
	}
	e.run(t, scenarios)
}
