package web

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"partnerhub/internal/customer"
)

func TestCustomersList(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.run(t, []scenario{
		{name: "list", user: "alice", path: "/customers", status: 200, contains: []string{
			"Contoso Ltd", "Fabrikam", `<code class="short">Contoso</code>`,
			`class="badge has-tip tone-ok"`, ">Ready<", `class="badge has-tip tone-progress"`, ">Deploying<",
			`title="` + esc(customer.StatusDeploying.Explain()) + `"`,
			`<span class="reason">Step 3 of 6: Granting the partner access to the console</span>`,
			`<span class="tag tag-demo"`, "DEMO",
			`hx-ext="sse"`, `sse-connect="/customers/events"`, `hx-trigger="sse:changed throttle:300ms"`, `hx-get="/customers/rows"`,
			`action="/customers/{contoso}/visit" target="_blank"`,
			`href="/customers/{contoso}/delete"`, `href="/customers/{fabrikam}/delete"`, `href="/customers/{contoso}"`,
			"just now", " UTC", `name="q"`, `<option value="deploying">Deploying</option>`,
		}, excludes: []string{"Globex", `action="/customers/{fabrikam}/visit"`, "Next page", "Add your first customer"}},
		{name: "search", user: "alice", path: "/customers?q=CONTO", status: 200,
			contains: []string{"Contoso Ltd", `value="CONTO"`, "Clear"}, excludes: []string{"Fabrikam"}},
		{name: "status filter", user: "alice", path: "/customers?status=deploying", status: 200,
			contains: []string{"Fabrikam", `<option value="deploying" selected>`}, excludes: []string{"Contoso Ltd"}},
		{name: "type filter", user: "alice", path: "/customers?type=customer", status: 200,
			contains: []string{"Contoso Ltd"}, excludes: []string{">Fabrikam<"}},
		{name: "unknown filter values are ignored", user: "alice", path: "/customers?status=bogus&type=bogus", status: 200,
			contains: []string{"Contoso Ltd", "Fabrikam"}},
		{name: "no match", user: "alice", path: "/customers?q=nothing-like-this", status: 200,
			contains: []string{"No customers match", "Clear filters"}, excludes: []string{"Contoso Ltd"}},
		{name: "empty state", user: "carol", path: "/customers", status: 200,
			contains: []string{"Add your first customer", `href="/customers/new"`}, excludes: []string{"Contoso", "Globex"}},
		{name: "rows", user: "alice", path: "/customers/rows?q=contoso", status: 200,
			contains: []string{"Contoso Ltd", "<tr"}, excludes: []string{"<html", "Fabrikam", "<tbody"}},
		{name: "bad cursor", user: "alice", path: "/customers?cursor=bm9wZQ", status: 400, contains: []string{"no longer valid"}},
		{name: "other partner's list", user: "bob", path: "/customers", status: 200,
			contains: []string{"Globex Corporation"}, excludes: []string{"Contoso", "Fabrikam"}},
		{name: "other partner's rows", user: "bob", path: "/customers/rows", status: 200,
			contains: []string{"Globex Corporation"}, excludes: []string{"Contoso", "Fabrikam"}},
	})
}

func TestPagination(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for i := range pageSize + 1 {
		e.add("carol", customer.TypeDemo, fmt.Sprintf("Company %02d", i), fmt.Sprintf("C%02d", i))
	}
	_, body := e.do("carol", "GET", "/customers?type=demo", nil, nil)
	next := regexp.MustCompile(`href="(/customers\?[^"]*cursor=[^"]*)" rel="next"`).FindStringSubmatch(body)
	if next == nil || strings.Count(body, `<td data-label="Company">`) != pageSize || !strings.Contains(body, "Company 50") || strings.Contains(body, "Company 00") {
		t.Fatalf("first page: no next link or wrong rows\n%s", body)
	}
	link := strings.ReplaceAll(next[1], "&amp;", "&")
	if !strings.Contains(link, "type=demo") {
		t.Fatalf("next link %q drops the filter", link)
	}
	e.run(t, []scenario{
		{name: "second page", user: "carol", path: link, status: 200,
			contains: []string{"Company 00", "First page", `hx-get="/customers/rows?cursor=`}, excludes: []string{"Company 01<", "Next page"}},
		{name: "second page rows", user: "carol", path: strings.Replace(link, "/customers?", "/customers/rows?", 1), status: 200,
			contains: []string{"Company 00"}, excludes: []string{"Company 01<"}},
	})
}

func TestCustomerPage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.run(t, []scenario{
		{name: "ready", user: "alice", path: "/customers/{contoso}", status: 200, contains: []string{
			"<h1>Contoso Ltd", "Pat Admin", "pat@contoso.test", esc("+1 555 0100"), consoleBase + "/c/{contoso}",
			"Visit console", `action="/customers/{contoso}/visit"`, `target="_blank"`,
			"Timeline", "Added as Deploying", "Deploying → Ready", "Deployed; the console is ready.",
			`sse-connect="/customers/{contoso}/events"`, `hx-get="/customers/{contoso}/live"`, `hx-trigger="sse:changed throttle:300ms"`,
		}},
		{name: "deploying", user: "alice", path: "/customers/{fabrikam}", status: 200, contains: []string{
			"Step 3 of 6: Granting the partner access to the console", `<span class="step-tag">Access</span>`,
			"Available once the customer is ready", "DEMO", "DEMO expires", "(in 30 days)",
		}, excludes: []string{"Visit console", consoleBase}},
		{name: "live panel", user: "alice", path: "/customers/{contoso}/live", status: 200,
			contains: []string{"Timeline", "Contoso Ltd"}, excludes: []string{"<html", "sse-connect"}},
		{name: "unknown", user: "alice", path: "/customers/0190f1d2-0000-7000-8000-000000000000", status: 404,
			contains: []string{"Customer not found"}},
		{name: "gone in a live panel", user: "alice", path: "/customers/nope/live", header: map[string]string{"HX-Request": "true"},
			status: 404, headers: map[string]string{"HX-Refresh": "true"}},
		{name: "unknown page", user: "alice", path: "/nowhere", status: 404, contains: []string{"Page not found", "alice@"}},
	})
}

// TestStatusReasonSaidOnce checks that a status reason is said once where
// the status shows: next to the badge, or (where the list has no room for
// it) in the badge's tooltip and hidden text, never both. The customer's
// page said "The action finished." twice in its header: once hidden inside
// the Ready badge, once next to it.
func TestStatusReasonSaidOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ready, deploying := "Deployed; the console is ready.", "Step 3 of 6: Granting the partner access to the console"
	head := regexp.MustCompile(`(?s)<div class="page-head">.*?<div class="grid-2">`)
	tooltip := regexp.MustCompile(`<span class="tip" title="[^"]*" aria-hidden="true"></span>`)
	hidden := regexp.MustCompile(`<span class="visually-hidden">[^<]*</span>`)
	row := func(body, company string) string {
		for _, r := range strings.Split(body, "<tr") {
			if strings.Contains(r, ">"+company+"<") {
				return r
			}
		}
		t.Fatalf("no row for %s:\n%s", company, body)
		return ""
	}
	for _, c := range []struct{ name, path, part, reason string }{
		{"ready page", "/customers/{contoso}", "head", ready},
		{"deploying page", "/customers/{fabrikam}", "head", deploying},
		{"live panel", "/customers/{contoso}/live", "head", ready},
		{"ready row", "/customers", "Contoso Ltd", ready},
		{"deploying row", "/customers", "Fabrikam", deploying},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, body := e.do("alice", "GET", e.expand(c.path), nil, nil)
			part := head.FindString(body)
			if c.part != "head" {
				part = row(body, c.part)
			}
			// What screen readers get: all text but the tooltip, which
			// sits on an aria-hidden layer.
			if n := strings.Count(tooltip.ReplaceAllString(part, ""), esc(c.reason)); n != 1 {
				t.Errorf("screen readers get the reason %q %d times, want once:\n%s", c.reason, n, part)
			}
			// What the eyes get: the text on screen and the tooltip.
			if n := strings.Count(hidden.ReplaceAllString(part, ""), esc(c.reason)); n != 1 {
				t.Errorf("the reason %q shows %d times, on screen or in the tooltip, want once:\n%s", c.reason, n, part)
			}
			// On the page the reason is on screen, next to the badge.
			if c.part == "head" && !strings.Contains(part, `<span class="reason">`+esc(c.reason)+`</span>`) {
				t.Errorf("the reason is not next to the badge:\n%s", part)
			}
		})
	}
}

// TestOtherPartner checks that another partner's customer is not found on
// every route under /customers/{id}, exactly like one that does not exist.
func TestOtherPartner(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var scenarios []scenario
	for _, r := range []struct{ method, path string }{
		{"GET", "/customers/{globex}"}, {"GET", "/customers/{globex}/live"}, {"GET", "/customers/{globex}/events"},
		{"GET", "/customers/{globex}/delete"}, {"POST", "/customers/{globex}/delete"}, {"POST", "/customers/{globex}/visit"},
	} {
		scenarios = append(scenarios, scenario{name: r.method + " " + r.path, user: "alice", method: r.method, path: r.path,
			form: url.Values{}, status: 404, contains: []string{"Customer not found"}, excludes: []string{"Globex"}})
	}
	e.run(t, scenarios)
	c, err := e.hub.Customer(context.Background(), e.actors["bob"], e.ids["globex"])
	if err != nil || c.Status != customer.StatusDeploying {
		t.Fatalf("bob's customer after alice's requests: %+v %v", c, err)
	}
}

func TestDeleteAndVisit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.run(t, []scenario{
		{name: "confirm page", user: "alice", path: "/customers/{contoso}/delete", status: 200, contains: []string{
			"Delete Contoso Ltd?", "cannot be undone", "partner system", "database", `action="/customers/{contoso}/delete"`,
			"Delete customer</button>", "Cancel",
		}},
		{name: "confirm while deploying", user: "alice", path: "/customers/{fabrikam}/delete", status: 200,
			contains: []string{"Deploying</strong> now", "including the demo data"}},
		{name: "visit", user: "alice", method: "POST", path: "/customers/{contoso}/visit", status: 303,
			location: consoleBase + "/c/{contoso}/handoff?token=*"},
		{name: "visit not ready", user: "alice", method: "POST", path: "/customers/{fabrikam}/visit", status: 409,
			contains: []string{"The console is not ready", "only when the customer is ready"}},
		{name: "delete", user: "alice", method: "POST", path: "/customers/{fabrikam}/delete", status: 303, location: "/customers"},
		{name: "now deleting", user: "alice", path: "/customers/{fabrikam}", status: 200,
			contains: []string{">Deleting<", "Deletion requested by alice@"}, excludes: []string{`href="/customers/{fabrikam}/delete"`}},
		{name: "confirm page when deleting", user: "alice", path: "/customers/{fabrikam}/delete", status: 200,
			contains: []string{"cannot be deleted right now"}, excludes: []string{`<form method="post" action="/customers/{fabrikam}/delete"`}},
		{name: "delete twice (a double click) goes to the list", user: "alice", method: "POST", path: "/customers/{fabrikam}/delete",
			status: 303, location: "/customers"},
	})
}
