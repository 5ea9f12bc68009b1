package web

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"partnerhub/internal/customer"
	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

// TestCrossOrigin checks that a state-changing request another site makes
// the browser send is refused, whoever's cookie it carries.
func TestCrossOrigin(t *testing.T) {
	t.Parallel()
	e := setup(t)
	crossSite := map[string]string{"Sec-Fetch-Site": "cross-site"}
	otherOrigin := map[string]string{"Origin": "https://evil.example"}
	e.run(t, []scenario{
		{name: "delete, cross-site", user: "alice", method: "POST", path: "/customers/{contoso}/delete", header: crossSite,
			form: url.Values{}, status: 403, contains: []string{"Request refused", "another website"}},
		{name: "delete, other origin", user: "alice", method: "POST", path: "/customers/{contoso}/delete", header: otherOrigin,
			form: url.Values{}, status: 403},
		{name: "add, other origin", user: "alice", method: "POST", path: "/customers/new/add", header: otherOrigin, form: answers(), status: 403},
		{name: "visit, cross-site", user: "alice", method: "POST", path: "/customers/{contoso}/visit", header: crossSite, form: url.Values{}, status: 403},
		{name: "sign out, cross-site", user: "alice", method: "POST", path: "/signout", header: crossSite, status: 403},
		{name: "sign in, other origin", method: "POST", path: "/signin", header: otherOrigin,
			form: url.Values{"email": {"alice@alice-partners.test"}, "password": {"x"}}, status: 403},
		{name: "same origin is fine", user: "alice", method: "POST", path: "/customers/new/type",
			header: map[string]string{"Sec-Fetch-Site": "same-origin"}, form: url.Values{"type": {"demo"}}, status: 200},
		{name: "reading cross-site is fine", user: "alice", path: "/customers", header: crossSite, status: 200},
		{name: "still signed in", user: "alice", path: "/customers", status: 200, contains: []string{"Contoso Ltd", ">Ready<"}},
	})
	if n := len(e.customers("alice")); n != 2 {
		t.Fatalf("a refused add made a customer: %d", n)
	}
}

var (
	scriptTag   = regexp.MustCompile(`<script\b[^>]*>`)
	inlineEvent = regexp.MustCompile(`<[^>]+\s(on[a-z]+|hx-on[:\w-]*|style)\s*=`)
)

// TestPagesAreCSPClean checks every page has the CSP without inline script,
// and that no page relies on what it forbids: inline scripts, event
// handler attributes, style attributes, or values html/template refused.
func TestPagesAreCSPClean(t *testing.T) {
	t.Parallel()
	e := setup(t)
	pages := []struct{ user, method, path string }{
		{"", "GET", "/signin"}, {"", "POST", "/signin"}, {"", "GET", "/nowhere"},
		{"alice", "GET", "/customers"}, {"alice", "GET", "/customers/rows"}, {"carol", "GET", "/customers"},
		{"alice", "GET", "/customers/{contoso}"}, {"alice", "GET", "/customers/{fabrikam}"}, {"alice", "GET", "/customers/{contoso}/live"},
		{"alice", "GET", "/customers/{contoso}/delete"}, {"alice", "GET", "/customers/{globex}"},
		{"alice", "GET", "/customers/new"}, {"alice", "POST", "/customers/new/type"}, {"alice", "POST", "/customers/new/company"},
		{"alice", "POST", "/customers/new/contact"}, {"alice", "POST", "/customers/new/add?x"}, {"alice", "GET", "/customers/new/suggest?companyName=A"},
		{"alice", "POST", "/customers/{fabrikam}/visit"}, {"alice", "GET", "/customers?cursor=zz"},
	}
	for _, p := range pages {
		t.Run(p.method+" "+p.path+" "+p.user, func(t *testing.T) {
			var form url.Values
			if p.method == "POST" {
				form = answers("type", "", "companyName", "", "contact.email", "x")
				if strings.HasSuffix(p.path, "?x") {
					form.Set("edit", "contact")
				}
			}
			resp, body := e.do(p.user, p.method, p.path, form, nil)
			csp := resp.Header.Get("Content-Security-Policy")
			scriptSrc := regexp.MustCompile(`script-src ([^;]*)`).FindStringSubmatch(csp)
			if scriptSrc == nil || strings.Contains(scriptSrc[1], "unsafe") || !strings.Contains(scriptSrc[1], "'self'") {
				t.Fatalf("CSP %q", csp)
			}
			if !strings.Contains(csp, "form-action 'self' "+consoleBase) {
				t.Errorf("CSP %q does not let Visit redirect to the console", csp)
			}
			for _, tag := range scriptTag.FindAllString(body, -1) {
				if !strings.Contains(tag, " src=") {
					t.Errorf("inline script %s", tag)
				}
			}
			if m := inlineEvent.FindString(body); m != "" {
				t.Errorf("inline handler or style: %s", m)
			}
			if strings.Contains(body, "ZgotmplZ") {
				t.Errorf("html/template refused a value:\n%s", body)
			}
			if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("security headers missing: %v", resp.Header)
			}
			if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("Cache-Control %q on a page with partner data", cc)
			}
		})
	}
}

func TestStatic(t *testing.T) {
	t.Parallel()
	e := setup(t)
	_, page := e.do("", "GET", "/signin", nil, nil)
	for _, name := range []string{"app.css", "app.js", "htmx-2.0.11.min.js", "htmx-ext-sse-2.2.4.min.js"} {
		link := regexp.MustCompile(`"(/static/` + regexp.QuoteMeta(name) + `\?v=[0-9a-f]+)"`).FindStringSubmatch(page)
		if link == nil {
			t.Fatalf("sign-in page does not link %s", name)
		}
		resp, body := e.do("", "GET", link[1], nil, nil)
		if resp.StatusCode != 200 || len(body) == 0 || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=31536000") {
			t.Errorf("%s: %d %q", name, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
	for _, p := range []string{"/static/", "/static/nope.css", "/static/../web.go"} {
		resp, _ := e.do("", "GET", p, nil, nil)
		// The mux redirects an unclean path to its clean form (307).
		if resp.StatusCode != 404 && resp.StatusCode != 307 || strings.Contains(resp.Header.Get("Cache-Control"), "max-age") {
			t.Errorf("%s: %d %q", p, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
}

func TestLargeBodyRefused(t *testing.T) {
	t.Parallel()
	e := setup(t)
	big := answers("companyName", strings.Repeat("a", 70<<10))
	e.run(t, []scenario{{name: "too large", user: "alice", method: "POST", path: "/customers/new/company", form: big, status: 413,
		contains: []string{"The form is too large"}}})
}

// TestErrorPages maps each kind of error once, and never shows the detail
// of an unexpected one.
func TestErrorPages(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, c := range []struct {
		err    error
		status int
		text   string
	}{
		{fmt.Errorf("get: %w", customer.ErrNotFound), 404, "Customer not found"},
		{store.ErrNotFound, 404, "Customer not found"},
		{&customer.TransitionError{From: customer.StatusDeleting, Event: customer.EventRetry}, 409, "Cannot retry a customer that is Deleting."},
		{fmt.Errorf("x: %w", customer.ErrConflict), 409, "changed this customer while you were working on it"},
		{hub.ErrNotReady, 409, sentence(hub.ErrNotReady.Error())},
		{&customer.BusyError{Running: "a deployment"}, 409, "A deployment is running for this customer"},
		{errors.New("pq: relation customers does not exist at 10.0.0.7"), 500, "Something went wrong"},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/customers/abc", nil)
		req.SetPathValue("id", "abc")
		e.web.fail(rec, req, &hub.Actor{Email: "alice@example.test"}, c.err)
		body := rec.Body.String()
		if rec.Code != c.status || !strings.Contains(body, esc(c.text)) {
			t.Errorf("%v: %d, want %d with %q\n%s", c.err, rec.Code, c.status, c.text, body)
		}
		if strings.Contains(body, "10.0.0.7") || strings.Contains(body, "pq:") {
			t.Errorf("%v: internals shown", c.err)
		}
	}
	// A failing store is a 500 page, not a crash or a stack trace.
	e.store.Close()
	e.run(t, []scenario{{name: "store down", user: "alice", path: "/customers", status: 500,
		contains: []string{"Something went wrong"}, excludes: []string{"sql", "database is closed"}}})
}
