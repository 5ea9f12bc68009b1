package web

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestActionPages: the customer page offers the actions that apply, rename
// validates like the wizard, actions that do not apply are refused with a
// reason, and another partner's customer is not found.
func TestActionPages(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.run(t, []scenario{
		{name: "page offers rename, not repair or DEMO actions", user: "alice", path: "/customers/{contoso}", status: 200,
			contains: []string{`id="actions-title"`, `href="/customers/{contoso}/rename"`},
			excludes: []string{`/actions/repair"`, `/actions/reset-demo-data"`, `/actions/convert"`, `/actions/retry"`}},
		{name: "no actions while deploying", user: "alice", path: "/customers/{fabrikam}", status: 200,
			excludes: []string{`href="/customers/{fabrikam}/rename"`, `/actions/update"`},
			contains: []string{`/actions/extend-demo"`}},
		{name: "rename form", user: "alice", path: "/customers/{contoso}/rename", status: 200,
			contains: []string{`value="Contoso Ltd"`, `value="Contoso"`, `action="/customers/{contoso}/actions/rename"`}},
		{name: "rename to a name with a space", user: "alice", method: "POST", path: "/customers/{contoso}/actions/rename",
			form: url.Values{"companyName": {"Contoso Ltd"}, "shortName": {"Con toso"}}, status: 422,
			contains: []string{"must not contain spaces", `value="Con toso"`}},
		{name: "rename to a taken short name", user: "alice", method: "POST", path: "/customers/{contoso}/actions/rename",
			form: url.Values{"companyName": {"Contoso Ltd"}, "shortName": {"FABRIKAM"}}, status: 422,
			contains: []string{"already used"}},
		{name: "rename", user: "alice", method: "POST", path: "/customers/{contoso}/actions/rename",
			form: url.Values{"companyName": {"Contoso Group"}, "shortName": {"CGroup"}}, status: 303, location: "/customers/{contoso}"},
		{name: "renamed and running", user: "alice", path: "/customers/{contoso}", status: 200,
			contains: []string{"Contoso Group", ">Action running<", "Rename to Contoso Group (CGroup)"}},
		{name: "second action while one runs", user: "alice", method: "POST", path: "/customers/{contoso}/actions/update",
			form: url.Values{}, status: 409, contains: []string{"action Rename is running"}},
		{name: "reset on a customer that is not a DEMO", user: "bob", method: "POST", path: "/customers/{globex}/actions/reset-demo-data",
			form: url.Values{}, status: 409},
		{name: "extend a DEMO", user: "alice", method: "POST", path: "/customers/{fabrikam}/actions/extend-demo",
			form: url.Values{"days": {"30"}}, status: 303},
		{name: "extend by a silly number", user: "alice", method: "POST", path: "/customers/{fabrikam}/actions/extend-demo",
			form: url.Values{"days": {"100000"}}, status: 409, contains: []string{"1 to 90 days"}},
		{name: "unknown action", user: "alice", method: "POST", path: "/customers/{fabrikam}/actions/explode",
			form: url.Values{}, status: 404, contains: []string{"No such action"}},
		{name: "another partner's rename form", user: "bob", path: "/customers/{contoso}/rename", status: 404, excludes: []string{"Contoso"}},
		{name: "another partner's action", user: "bob", method: "POST", path: "/customers/{contoso}/actions/update",
			form: url.Values{}, status: 404, excludes: []string{"Contoso"}},
	})
}

// TestBrokenForms: a malformed form body is a 400 page, and an Add form
// resubmitted with other answers says it already added a customer.
func TestBrokenForms(t *testing.T) {
	t.Parallel()
	e := setup(t)
	raw := func(user, path, body string) (int, string) {
		req, _ := http.NewRequest("POST", e.srv.URL+e.expand(path), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		c := e.clients[user]
		if c == nil {
			c = newClient()
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, path := range []string{"/signin", "/customers/new/add", "/customers/{contoso}/actions/rename", "/customers/{fabrikam}/actions/extend-demo"} {
		user := "alice"
		if path == "/signin" {
			user = ""
		}
		if code, body := raw(user, path, "email=%zz&days=%"); code != http.StatusBadRequest || !strings.Contains(body, "could not be read") {
			t.Errorf("%s with a malformed body: %d", path, code)
		}
	}
	form := url.Values{"token": {"resubmitted"}, "type": {"customer"}, "companyName": {"Initech"}, "shortName": {"Initech"},
		"contact.name": {"Peter"}, "contact.email": {"peter@initech.example"}}
	if resp, _ := e.do("alice", "POST", "/customers/new/add", form, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d", resp.StatusCode)
	}
	form.Set("contact.name", "Michael")
	if resp, body := e.do("alice", "POST", "/customers/new/add", form, nil); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "already added a customer") {
		t.Fatalf("resubmit with other answers: %d", resp.StatusCode)
	}
}
