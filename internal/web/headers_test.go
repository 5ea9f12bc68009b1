package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// concrete turns a route pattern into a request to it: the method ("" is
// any: GET) and a path with the placeholders filled in.
func (e *env) concrete(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern
	}
	switch path {
	case "/":
		path = "/no/such/page"
	case "/{$}":
		path = "/"
	case "/static/":
		path = "/static/app.css"
	}
	r := strings.NewReplacer("{id}", e.ids["contoso"], "{uid}", e.actors["alice"].UserID, "{tid}", "no-such-token", "{action}", "repair")
	return method, r.Replace(path)
}

// TestEveryRouteHasSecurityHeaders walks the whole route table, signed in
// and not: every answer carries the CSP without inline script and with
// frame-ancestors 'none', nosniff and a referrer policy.
func TestEveryRouteHasSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := setup(t)
	patterns := e.web.Patterns()
	if len(patterns) < 30 {
		t.Fatalf("only %d routes: %v", len(patterns), patterns)
	}
	for _, p := range patterns {
		for _, user := range []string{"", "alice"} {
			method, path := e.concrete(p)
			if method == "POST" && p == "POST /account/signout-everywhere" && user != "" {
				continue // would sign alice out for the rest of the walk
			}
			var form url.Values
			if method == "POST" {
				form = url.Values{}
			}
			resp, _ := e.do(user, method, path, form, nil)
			h := resp.Header
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") ||
				h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
				t.Errorf("%s %s as %q: %d, headers %v", method, path, user, resp.StatusCode, h)
			}
		}
	}
}

// TestEveryPostRefusesCrossOrigin sends every state-changing route from
// another site, signed in: all are refused before any handler runs.
func TestEveryPostRefusesCrossOrigin(t *testing.T) {
	t.Parallel()
	e := setup(t)
	n := 0
	for _, p := range e.web.Patterns() {
		method, path := e.concrete(p)
		if method == "GET" {
			continue
		}
		n++
		for _, hdr := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}} {
			resp, body := e.do("alice", method, path, url.Values{"role": {"viewer"}, "email": {"x@evil.example"}, "name": {"x"}}, hdr)
			if resp.StatusCode != 403 || !strings.Contains(body, "Request refused") {
				t.Errorf("%s %s with %v: %d", method, path, hdr, resp.StatusCode)
			}
		}
	}
	if n < 15 {
		t.Fatalf("only %d state-changing routes", n)
	}
	e.run(t, []scenario{{name: "still signed in, nothing changed", user: "alice", path: "/customers", status: 200, contains: []string{"Contoso Ltd"}}})
	if got := len(e.customers("alice")); got != 2 {
		t.Fatalf("customers: %d", got)
	}
}

// TestOneTimePasswordHoldsEveryRoute walks the whole route table with a
// session opened by a one-time password: every page of the work sends the
// person to the password change and changes nothing; only the account
// page, the change itself and the public pages answer.
func TestOneTimePasswordHoldsEveryRoute(t *testing.T) {
	t.Parallel()
	e := setup(t)
	inv, err := e.hub.Invite(t.Context(), e.actors["alice"], "newbie@alice-partners.test", "admin")
	if err != nil {
		t.Fatal(err)
	}
	e.clients["newbie"] = e.signInTo("newbie@alice-partners.test", inv.Password, "/account")
	held := 0
	for _, p := range e.web.Patterns() {
		if passwordChangePages[p] || p == "POST /signout" {
			continue // allowed; sign-out would end the walk
		}
		method, path := e.concrete(p)
		var form url.Values
		if method == "POST" {
			form = url.Values{"role": {"viewer"}, "email": {"x@alice-partners.test"}, "name": {"x"}, "tenant": {"t"}, "autoDelete": {"on"}}
		}
		anon, _ := e.do("", method, path, form, nil)
		if loc := anon.Header.Get("Location"); anon.StatusCode != http.StatusSeeOther || loc != "/signin" {
			continue // a public page: it answers the same with or without a session
		}
		held++
		resp, _ := e.do("newbie", method, path, form, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
			t.Errorf("%s %s: %d to %q, want 303 to /account", method, path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if held < 30 {
		t.Fatalf("only %d routes need a session", held)
	}
	// Nothing changed: no user invited, no customer touched, no demo setting.
	users, err := e.hub.Users(t.Context(), e.actors["alice"])
	if err != nil || len(users) != 2 {
		t.Fatalf("users: %d, %v; want alice and newbie", len(users), err)
	}
	if got := len(e.customers("alice")); got != 2 {
		t.Fatalf("customers: %d", got)
	}
	e.run(t, []scenario{{name: "demo setting untouched", user: "alice", path: "/settings/demos", status: 200, excludes: []string{"checked"}}})
}
