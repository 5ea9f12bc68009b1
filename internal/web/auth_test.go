package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSignIn(t *testing.T) {
	t.Parallel()
	e := setup(t)
	pw, err := e.hub.CreatePartner(t.Context(), "Dave Partners", "dave@dave.test")
	if err != nil {
		t.Fatal(err)
	}
	e.run(t, []scenario{
		{name: "form", path: "/signin", status: 200,
			contains: []string{`<h1>Sign in</h1>`, `name="email"`, `autocomplete="current-password"`, `action="/signin"`}},
		{name: "wrong password", method: "POST", path: "/signin", form: url.Values{"email": {"dave@dave.test"}, "password": {"nope"}},
			status: 401, contains: []string{"The email or password is wrong", `value="dave@dave.test"`, `aria-invalid="true"`}, excludes: []string{"nope"}},
		{name: "unknown email", method: "POST", path: "/signin", form: url.Values{"email": {"who@nowhere.test"}, "password": {pw}},
			status: 401, contains: []string{"The email or password is wrong"}},
		{name: "right, and first of all the password change", method: "POST", path: "/signin", form: url.Values{"email": {"Dave@Dave.test "}, "password": {pw}},
			status: 303, location: "/account",
			headers: map[string]string{"Set-Cookie": "ph_session="}},
		{name: "signed in skips the form", user: "alice", path: "/signin", status: 303, location: "/customers"},
		{name: "root", user: "alice", path: "/", status: 303, location: "/customers"},
	})
}

func TestSessionCookie(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		e := setup(t)
		e.web.SecureCookies = secure
		pw, err := e.hub.CreatePartner(t.Context(), "Dave Partners", "dave@dave.test")
		if err != nil {
			t.Fatal(err)
		}
		resp, _ := e.do("", "POST", "/signin", url.Values{"email": {"dave@dave.test"}, "password": {pw}}, nil)
		var c *http.Cookie
		for _, k := range resp.Cookies() {
			if k.Name == sessionCookie {
				c = k
			}
		}
		if c == nil || c.Value == "" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != secure {
			t.Fatalf("secure=%v: session cookie %+v", secure, c)
		}
	}
}

// TestSignedOut checks every page sends a stranger to the sign-in page, and
// htmx and event-stream requests get a 401 they can act on.
func TestSignedOut(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var scenarios []scenario
	for _, p := range []string{"/", "/customers", "/customers?q=x", "/customers/new", "/customers/{contoso}",
		"/customers/{contoso}/delete", "/customers/new/suggest?companyName=Acme", "/customers/{contoso}/live"} {
		s := scenario{name: "GET " + p, path: p, status: 303, location: "/signin", excludes: []string{"Contoso"}}
		if p == "/" {
			s.location = "/customers"
		}
		scenarios = append(scenarios, s)
	}
	for _, p := range []string{"/customers/{contoso}/delete", "/customers/{contoso}/visit", "/customers/new/type", "/customers/new/add"} {
		scenarios = append(scenarios, scenario{name: "POST " + p, method: "POST", path: p, form: url.Values{"type": {"demo"}},
			status: 303, location: "/signin"})
	}
	scenarios = append(scenarios,
		scenario{name: "htmx rows", path: "/customers/rows", header: map[string]string{"HX-Request": "true"},
			status: 401, headers: map[string]string{"HX-Redirect": "/signin"}, excludes: []string{"Contoso"}},
		scenario{name: "event stream", path: "/customers/events", header: map[string]string{"Accept": "text/event-stream"}, status: 401},
		scenario{name: "forged cookie", path: "/customers", header: map[string]string{"Cookie": "ph_session=ses_forged"},
			status: 303, location: "/signin"},
	)
	e.run(t, scenarios)
	if got := e.customers("alice"); len(got) != 2 || got[0].Status == "deleting" || got[1].Status == "deleting" {
		t.Fatalf("signed-out requests changed customers: %+v", got)
	}
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	e := setup(t)
	u, _ := url.Parse(e.srv.URL)
	var token string
	for _, c := range e.clients["alice"].Jar.Cookies(u) {
		if c.Name == sessionCookie {
			token = c.Value
		}
	}
	e.run(t, []scenario{
		{name: "sign out", user: "alice", method: "POST", path: "/signout", status: 303, location: "/signin"},
		{name: "then signed out", user: "alice", path: "/customers", status: 303, location: "/signin"},
		// The session ended on the server: the old token is worthless.
		{name: "old token", path: "/customers", header: map[string]string{"Cookie": sessionCookie + "=" + token}, status: 303, location: "/signin"},
	})
}

// esc is s as html/template writes it in text ('+' and quotes escaped).
func esc(s string) string {
	var b strings.Builder
	template.Must(template.New("").Parse("{{.}}")).Execute(&b, s)
	return b.String()
}
