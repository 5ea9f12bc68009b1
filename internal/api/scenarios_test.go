package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/config"
	"partnerhub/internal/hub"
	"partnerhub/internal/testkit"
	"partnerhub/internal/testkit/pgtest"
)

// TestOpenAPIContract holds openapi.json against a real server: every
// documented operation is called through real HTTP, in its successes and
// its errors, and every answer is validated against the document (its
// status documented for the operation, its content type, headers and body);
// every request the API accepts must conform to the document, and the
// malformed ones it refuses must not. In the end every documented status of
// every operation must have been seen. It runs on SQLite, and on PostgreSQL
// when PARTNERHUB_TEST_DATABASE_URL is set.
func TestOpenAPIContract(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { runContract(t) })
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.Database(t) // skips without PARTNERHUB_TEST_DATABASE_URL
		runContract(t, func(c *config.Config) { c.DatabaseURL = dsn })
	})
}

func runContract(t *testing.T, mutate ...func(*config.Config)) {
	doc, router := loadDoc(t)
	// The partner system sits behind a fault proxy, so that a customer can
	// be held in deploying and deleting; a failed step waits 10 to 20 s
	// before its next attempt, longer than the steps that need it to hold.
	s, proxy, _ := testkit.StartWithFaults(t, append([]func(*config.Config){func(c *config.Config) {
		c.RetryBase, c.RetryMax = 20*time.Second, 20*time.Second
	}}, mutate...)...)
	c := &contract{s: s, doc: doc, router: router, tokens: map[string]string{}, seen: map[string]map[int]bool{},
		ids: map[string]string{"missing": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}}
	ctx := context.Background()
	admin, _, err := s.App.Hub.SignIn(ctx, s.AdminEmail, s.AdminPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{hub.RoleViewer, hub.RoleTechnician} {
		inv, err := s.App.Hub.Invite(ctx, admin, role+"@contract.example", role)
		if err != nil {
			t.Fatal(err)
		}
		name := map[string]string{hub.RoleViewer: "viewer", hub.RoleTechnician: "tech"}[role]
		if c.tokens[name], err = s.App.Hub.CreateToken(ctx, admin, inv.User.ID, "contract-"+name, ""); err != nil {
			t.Fatal(err)
		}
	}

	// The document itself: public, and exactly the embedded file.
	served := c.run(t, step{name: "the document", method: "GET", path: "/api/v1/openapi.json", as: "none", want: 200})
	if file, _ := os.ReadFile("openapi.json"); string(served) != string(file) {
		t.Error("GET /api/v1/openapi.json is not openapi.json")
	}

	// Customers to work on: a Customer, and a DEMO made with an
	// Idempotency-Key (replayed, then reused with another body).
	create := func(st step) string {
		t.Helper()
		var cust testkit.Customer
		decode(t, c.run(t, st), &cust)
		return cust.ID
	}
	readyBody := `{"type":"customer","companyName":"Contract Ready","shortName":"ready","contact":{"name":"Ada","email":"ada@ready.example","phone":"+1 555 0100"}}`
	c.ids["ready"] = create(step{name: "create", method: "POST", path: "/api/v1/customers", body: readyBody, want: 202})
	demoBody := `{"type":"demo","companyName":"Contract Demo","contact":{"name":"Bo","email":"bo@demo.example"}}`
	key := map[string]string{"Idempotency-Key": "contract-demo-1"}
	c.ids["demo"] = create(step{name: "create with a key", method: "POST", path: "/api/v1/customers", as: "tech", body: demoBody, header: key, want: 202})
	if replay := create(step{name: "create replayed", method: "POST", path: "/api/v1/customers", as: "tech", body: demoBody, header: key, want: 202}); replay != c.ids["demo"] {
		t.Errorf("the replay made customer %s, not %s", replay, c.ids["demo"])
	}
	c.run(t, step{name: "create, key reused with another body", method: "POST", path: "/api/v1/customers", as: "tech",
		body: strings.Replace(demoBody, "Bo", "Cy", 1), header: key, want: 422, req: reqConforms})
	// More than a page of customers, so that the list has a next page.
	for i := range 50 {
		create(step{name: "create for paging", method: "POST", path: "/api/v1/customers", want: 202,
			body: fmt.Sprintf(`{"type":"customer","companyName":"Paging %02d","contact":{"name":"Pat","email":"pat@paging.example"}}`, i)})
	}
	s.WaitStatus(t, c.ids["ready"], "ready", time.Minute)
	s.WaitStatus(t, c.ids["demo"], "ready", time.Minute)

	var page struct{ NextCursor *string }
	decode(t, c.run(t, step{name: "list", method: "GET", path: "/api/v1/customers", want: 200}), &page)
	if page.NextCursor == nil {
		t.Fatal("52 customers and no next page")
	}
	decode(t, c.run(t, step{name: "list, next page", method: "GET", path: "/api/v1/customers?cursor=" + url.QueryEscape(*page.NextCursor), want: 200}), &page)
	if page.NextCursor != nil {
		t.Errorf("a third page after 52 customers: %q", *page.NextCursor)
	}
	decode(t, c.run(t, step{name: "audit, a short page", method: "GET", path: "/api/v1/audit?limit=2", want: 200}), &page)
	if page.NextCursor == nil {
		t.Fatal("the audit log has no second page")
	}
	c.run(t, step{name: "audit, next page", method: "GET", path: "/api/v1/audit?limit=2&cursor=" + url.QueryEscape(*page.NextCursor), want: 200})
	var short struct {
		Items      []json.RawMessage
		NextCursor *string
	}
	decode(t, c.run(t, step{name: "list, a short page", method: "GET", path: "/api/v1/customers?limit=3&type=customer", want: 200}), &short)
	if len(short.Items) != 3 || short.NextCursor == nil {
		t.Fatalf("limit=3: %d items, next %v", len(short.Items), short.NextCursor)
	}

	huge := strings.Repeat("x", 70<<10)
	crossSite := map[string]string{"Sec-Fetch-Site": "cross-site"}
	for _, st := range []step{
		{name: "create, no token", method: "POST", path: "/api/v1/customers", as: "none", body: readyBody, want: 401},
		{name: "create, unknown token", method: "POST", path: "/api/v1/customers", as: "bogus", body: readyBody, want: 401},
		{name: "create as viewer", method: "POST", path: "/api/v1/customers", as: "viewer", body: demoBody, want: 403, req: reqConforms},
		{name: "create from another site", method: "POST", path: "/api/v1/customers", body: demoBody, header: crossSite, want: 403, req: reqConforms},
		{name: "create, text body", method: "POST", path: "/api/v1/customers", body: demoBody, ctype: "text/plain", want: 415, req: reqViolates},
		{name: "create, broken JSON", method: "POST", path: "/api/v1/customers", body: `{"type":"demo"`, want: 400, req: reqViolates},
		{name: "create, unknown field", method: "POST", path: "/api/v1/customers", body: strings.Replace(demoBody, `{`, `{"plan":"gold",`, 1), want: 400, req: reqViolates},
		{name: "create, wrong type", method: "POST", path: "/api/v1/customers", body: strings.Replace(demoBody, `"Contract Demo"`, `7`, 1), want: 400, req: reqViolates},
		{name: "create, bad key", method: "POST", path: "/api/v1/customers", body: demoBody, header: map[string]string{"Idempotency-Key": "two words"}, want: 400, req: reqViolates},
		{name: "create, huge", method: "POST", path: "/api/v1/customers", body: strings.Replace(demoBody, "Contract Demo", huge, 1), want: 413, req: reqViolates},
		{name: "create, nothing", method: "POST", path: "/api/v1/customers", body: `{}`, want: 422, req: reqViolates},
		{name: "create, short name taken", method: "POST", path: "/api/v1/customers", body: readyBody, want: 422, req: reqConforms},

		{name: "list, lower-case scheme", method: "GET", path: "/api/v1/customers", as: "lowercase", want: 200},
		{name: "list, filtered", method: "GET", path: "/api/v1/customers?q=contract&status=ready&type=demo", as: "viewer", want: 200},
		{name: "list, deleted", method: "GET", path: "/api/v1/customers?status=deleted", want: 400, req: reqViolates},
		{name: "list, unknown status", method: "GET", path: "/api/v1/customers?status=sleeping", want: 400, req: reqViolates},
		{name: "list, unknown type", method: "GET", path: "/api/v1/customers?type=reseller", want: 400, req: reqViolates},
		{name: "list, long search", method: "GET", path: "/api/v1/customers?q=" + strings.Repeat("q", 201), want: 400, req: reqViolates},
		{name: "list, longest search", method: "GET", path: "/api/v1/customers?q=" + url.QueryEscape(strings.Repeat("é", 200)), want: 200},
		{name: "list, forged cursor", method: "GET", path: "/api/v1/customers?cursor=forged", want: 400, req: reqConforms},
		{name: "list, no token", method: "GET", path: "/api/v1/customers", as: "none", want: 401},

		{name: "get", method: "GET", path: "/api/v1/customers/{ready}", as: "viewer", want: 200},
		{name: "get a DEMO", method: "GET", path: "/api/v1/customers/{demo}", want: 200},
		{name: "get, missing", method: "GET", path: "/api/v1/customers/{missing}", want: 404, req: reqConforms},
		{name: "get, not an id", method: "GET", path: "/api/v1/customers/not-an-id", want: 404, req: reqViolates},
		{name: "get, no token", method: "GET", path: "/api/v1/customers/{ready}", as: "none", want: 401},

		{name: "operations", method: "GET", path: "/api/v1/customers/{ready}/operations", as: "viewer", want: 200},
		{name: "operations, missing", method: "GET", path: "/api/v1/customers/{missing}/operations", want: 404, req: reqConforms},
		{name: "operations, no token", method: "GET", path: "/api/v1/customers/{ready}/operations", as: "none", want: 401},

		{name: "visit", method: "POST", path: "/api/v1/customers/{ready}/visit", as: "tech", want: 200},
		{name: "visit as viewer", method: "POST", path: "/api/v1/customers/{ready}/visit", as: "viewer", want: 403, req: reqConforms},
		{name: "visit from another site", method: "POST", path: "/api/v1/customers/{ready}/visit", header: crossSite, want: 403, req: reqConforms},
		{name: "visit, missing", method: "POST", path: "/api/v1/customers/{missing}/visit", want: 404, req: reqConforms},
		{name: "visit, no token", method: "POST", path: "/api/v1/customers/{ready}/visit", as: "none", want: 401},

		{name: "extend a DEMO", method: "POST", path: "/api/v1/customers/{demo}/actions/extend-demo", as: "tech", body: `{"days":7}`, want: 200},
		{name: "extend by no days", method: "POST", path: "/api/v1/customers/{demo}/actions/extend-demo", body: `{"days":0}`, want: 422, req: reqViolates},
		{name: "extend a Customer", method: "POST", path: "/api/v1/customers/{ready}/actions/extend-demo", body: `{"days":7}`, want: 409, req: reqConforms},
		{name: "convert a Customer", method: "POST", path: "/api/v1/customers/{ready}/actions/convert", want: 409, req: reqConforms},
		{name: "rename to a spaced short name", method: "POST", path: "/api/v1/customers/{ready}/actions/rename", body: `{"shortName":"has space"}`, want: 422},
		{name: "rename to nothing", method: "POST", path: "/api/v1/customers/{ready}/actions/rename", body: `{}`, want: 422},
		{name: "unknown action", method: "POST", path: "/api/v1/customers/{ready}/actions/explode", want: 404, req: reqViolates},
		{name: "action, missing", method: "POST", path: "/api/v1/customers/{missing}/actions/update", want: 404, req: reqConforms},
		{name: "action as viewer", method: "POST", path: "/api/v1/customers/{ready}/actions/update", as: "viewer", want: 403, req: reqConforms},
		{name: "action from another site", method: "POST", path: "/api/v1/customers/{ready}/actions/update", header: crossSite, want: 403, req: reqConforms},
		{name: "action, no token", method: "POST", path: "/api/v1/customers/{ready}/actions/update", as: "none", want: 401},
		{name: "action, text body", method: "POST", path: "/api/v1/customers/{demo}/actions/extend-demo", body: `{"days":7}`, ctype: "text/plain", want: 415, req: reqViolates},
		{name: "action, wrong type", method: "POST", path: "/api/v1/customers/{demo}/actions/extend-demo", body: `{"days":"7"}`, want: 400, req: reqViolates},
		{name: "action, huge", method: "POST", path: "/api/v1/customers/{ready}/actions/rename", body: `{"companyName":"` + huge + `"}`, want: 413, req: reqViolates},

		{name: "delete as viewer", method: "DELETE", path: "/api/v1/customers/{ready}", as: "viewer", want: 403, req: reqConforms},
		{name: "delete from another site", method: "DELETE", path: "/api/v1/customers/{ready}", header: crossSite, want: 403, req: reqConforms},
		{name: "delete, missing", method: "DELETE", path: "/api/v1/customers/{missing}", want: 404, req: reqConforms},
		{name: "delete, no token", method: "DELETE", path: "/api/v1/customers/{ready}", as: "none", want: 401},

		{name: "audit", method: "GET", path: "/api/v1/audit", want: 200},
		{name: "audit, filtered", method: "GET", path: "/api/v1/audit?action=customer.&actor=ADMIN&result=ok&from=2020-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&limit=1000", want: 200},
		{name: "audit, failures", method: "GET", path: "/api/v1/audit?result=failed", want: 200},
		{name: "audit, unknown result", method: "GET", path: "/api/v1/audit?result=maybe", want: 400, req: reqViolates},
		{name: "audit, no limit", method: "GET", path: "/api/v1/audit?limit=0", want: 400, req: reqViolates},
		{name: "list, page too big", method: "GET", path: "/api/v1/customers?limit=201", want: 400, req: reqViolates},
		{name: "audit, not a time", method: "GET", path: "/api/v1/audit?from=yesterday", want: 400, req: reqViolates},
		{name: "audit, forged cursor", method: "GET", path: "/api/v1/audit?cursor=forged", want: 400, req: reqConforms},
		{name: "audit as technician", method: "GET", path: "/api/v1/audit", as: "tech", want: 403, req: reqConforms},
		{name: "audit, no token", method: "GET", path: "/api/v1/audit", as: "none", want: 401},

		{name: "settings", method: "GET", path: "/api/v1/settings", as: "viewer", want: 200},
		{name: "settings, no token", method: "GET", path: "/api/v1/settings", as: "none", want: 401},
		{name: "settings, change", method: "PATCH", path: "/api/v1/settings", body: `{"demoAutoDelete":true}`, want: 200},
		{name: "settings, change back", method: "PATCH", path: "/api/v1/settings", body: `{"demoAutoDelete":false}`, want: 200},
		{name: "settings, nothing", method: "PATCH", path: "/api/v1/settings", body: `{}`, want: 422, req: reqViolates},
		{name: "settings, unknown", method: "PATCH", path: "/api/v1/settings", body: `{"demoLifetimeDays":60}`, want: 400, req: reqViolates},
		{name: "settings, not an object", method: "PATCH", path: "/api/v1/settings", body: `[true]`, want: 400, req: reqViolates},
		{name: "settings, text body", method: "PATCH", path: "/api/v1/settings", body: `{"demoAutoDelete":true}`, ctype: "text/plain", want: 415, req: reqViolates},
		{name: "settings, huge", method: "PATCH", path: "/api/v1/settings", body: `{"demoAutoDelete":true,"pad":"` + huge + `"}`, want: 413, req: reqViolates},
		{name: "settings as technician", method: "PATCH", path: "/api/v1/settings", as: "tech", body: `{"demoAutoDelete":true}`, want: 403, req: reqConforms},
		{name: "settings from another site", method: "PATCH", path: "/api/v1/settings", body: `{"demoAutoDelete":true}`, header: crossSite, want: 403, req: reqConforms},
		{name: "settings change, no token", method: "PATCH", path: "/api/v1/settings", as: "none", body: `{"demoAutoDelete":true}`, want: 401},

		{name: "a method the path does not take", method: "PUT", path: "/api/v1/customers", body: readyBody, want: 405},
		{name: "the document, posted", method: "POST", path: "/api/v1/openapi.json", as: "none", want: 405},
		{name: "no such route", method: "GET", path: "/api/v1/customer", want: 404},
	} {
		c.run(t, st)
	}

	c.run(t, step{name: "rename", method: "POST", path: "/api/v1/customers/{ready}/actions/rename", as: "tech", body: `{"companyName":"Contract Ready Renamed"}`, want: 202})
	s.WaitStatus(t, c.ids["ready"], "ready", time.Minute)

	// A customer held in deploying by a failing partner system: it cannot be
	// visited, nothing else runs on it, and once deleting (held there too)
	// it cannot be deleted again.
	proxy.Set(testkit.FaultError, 0)
	c.ids["stuck"] = create(step{name: "create, to be held", method: "POST", path: "/api/v1/customers",
		body: `{"type":"customer","companyName":"Contract Stuck","contact":{"name":"Di","email":"di@stuck.example"}}`, want: 202})
	for _, st := range []step{
		{name: "visit while deploying", method: "POST", path: "/api/v1/customers/{stuck}/visit", want: 409, req: reqConforms},
		{name: "action while deploying", method: "POST", path: "/api/v1/customers/{stuck}/actions/rename", body: `{"companyName":"Contract Unstuck"}`, want: 409, req: reqConforms},
		{name: "delete", method: "DELETE", path: "/api/v1/customers/{stuck}", want: 202},
		{name: "delete while deleting", method: "DELETE", path: "/api/v1/customers/{stuck}", want: 409, req: reqConforms},
	} {
		body := c.run(t, st)
		busy := st.name == "action while deploying" || st.name == "delete while deleting"
		if busy && !strings.Contains(string(body), `"running":`) {
			t.Errorf("%s: the conflict does not name the running operation: %s", st.name, body)
		}
	}

	c.checkCoverage(t)
}
