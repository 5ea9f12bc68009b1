package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/api"
	"partnerhub/internal/console"
	"partnerhub/internal/hub"
	"partnerhub/internal/store"
	"partnerhub/internal/testkit"
	"partnerhub/internal/web"
)

// What a route reaches, for the isolation walk.
const (
	// named: the request names partner A's customer, user, token or
	// tenant. Partner B must get 403 or 404, every time.
	named = "named"
	// scoped: the route works on the caller's own partner (lists, own
	// account, own settings). B gets its own answer, never A's data.
	scoped = "scoped"
	// public: needs no session (sign-in pages, static files, the
	// console's health probe and sign-in form).
	public = "public"
)

// probe is how the walk calls one route. Placeholders in path and forms:
// {a} A's customer, {b} B's customer, {auser} A's viewer, {atoken} A's API
// token, {handoffB} a fresh hand-off token of B's customer.
type probe struct {
	method, path string
	kind         string
	need         hub.Permission // what A's roles need; "" for anyone signed in
	form         url.Values     // web and console forms; body for the API as JSON
	formB        url.Values     // B's form, when it differs (so B cannot change its own data by accident)
	body, bodyB  string         // API JSON bodies
	stream       bool           // an event stream: read for a while, then hang up
	ownSession   bool           // ends the caller's session: B uses a throwaway one
	statusB      int            // B's exact status when it matters (0: 403/404 for named, <500 otherwise)
}

// routeTable is every route of the hub's UI, its API and the consoles, with
// how to call it. TestIsolation fails when a route exists that it does not
// name, so no future route goes unwalked.
var routeTable = map[string]probe{
	// The hub's UI: public.
	"web GET /signin":               {method: "GET", path: "/signin", kind: public},
	"web POST /signin":              {method: "POST", path: "/signin", kind: public, form: url.Values{"email": {"nobody@badger.example"}, "password": {"guess"}}, statusB: 401},
	"web GET /signin/oidc":          {method: "GET", path: "/signin/oidc", kind: public, statusB: 404},
	"web GET /signin/oidc/callback": {method: "GET", path: "/signin/oidc/callback?state=x&code=y", kind: public, statusB: 400},
	"web POST /signout":             {method: "POST", path: "/signout", kind: scoped, ownSession: true},
	"web GET /static/":              {method: "GET", path: "/static/app.css", kind: public},
	"web GET /{$}":                  {method: "GET", path: "/", kind: public},
	"web /":                         {method: "GET", path: "/customers/{a}/nothing-here", kind: public, statusB: 404},
	"web GET /customers":            {method: "GET", path: "/customers?q=Aardvark", kind: scoped, need: hub.PermView},
	"web GET /customers/rows":       {method: "GET", path: "/customers/rows", kind: scoped, need: hub.PermView},
	"web GET /customers/events":     {method: "GET", path: "/customers/events", kind: scoped, need: hub.PermView, stream: true},
	"web GET /customers/new":        {method: "GET", path: "/customers/new", kind: scoped, need: hub.PermOperate},
	"web POST /customers/new/type":  {method: "POST", path: "/customers/new/type", kind: scoped, need: hub.PermOperate, form: url.Values{"token": {"t1"}, "type": {"demo"}}},
	"web POST /customers/new/company": {method: "POST", path: "/customers/new/company", kind: scoped, need: hub.PermOperate,
		form: url.Values{"token": {"t1"}, "type": {"demo"}, "companyName": {"Zebra Works"}}},
	"web POST /customers/new/contact": {method: "POST", path: "/customers/new/contact", kind: scoped, need: hub.PermOperate,
		form: url.Values{"token": {"t1"}, "type": {"demo"}, "companyName": {"Zebra Works"}, "shortName": {"Zebra"}}},
	"web POST /customers/new/add": {method: "POST", path: "/customers/new/add", kind: scoped, need: hub.PermOperate,
		form: url.Values{"token": {"tok-iso"}, "type": {"demo"}, "companyName": {"Zebra Works"}, "shortName": {"Zebra"}, "suggested": {"Zebra"},
			"contact.name": {"Zed"}, "contact.email": {"zed@zebra.example"}, "contact.phone": {""}},
		formB: url.Values{"type": {"demo"}}, statusB: 422},
	"web GET /customers/new/suggest":                   {method: "GET", path: "/customers/new/suggest?companyName=Zebra+Works", kind: scoped, need: hub.PermOperate},
	"web GET /customers/{id}":                          {method: "GET", path: "/customers/{a}", kind: named, need: hub.PermView},
	"web GET /customers/{id}/live":                     {method: "GET", path: "/customers/{a}/live", kind: named, need: hub.PermView},
	"web GET /customers/{id}/events":                   {method: "GET", path: "/customers/{a}/events", kind: named, need: hub.PermView, stream: true},
	"web GET /customers/{id}/delete":                   {method: "GET", path: "/customers/{a}/delete", kind: named, need: hub.PermOperate},
	"web POST /customers/{id}/delete":                  {method: "POST", path: "/customers/{a}/delete", kind: named, need: hub.PermOperate},
	"web POST /customers/{id}/visit":                   {method: "POST", path: "/customers/{a}/visit", kind: named, need: hub.PermOperate},
	"web GET /customers/{id}/rename":                   {method: "GET", path: "/customers/{a}/rename", kind: named, need: hub.PermOperate},
	"web POST /customers/{id}/actions/{action}":        {method: "POST", path: "/customers/{a}/actions/rename", kind: named, need: hub.PermOperate, form: url.Values{"companyName": {"Pwned"}, "shortName": {"Pwned"}}},
	"web POST /customers/{id}/console-admin":           {method: "POST", path: "/customers/{a}/console-admin", kind: named, need: hub.PermOperate},
	"web GET /account":                                 {method: "GET", path: "/account", kind: scoped},
	"web POST /account/password":                       {method: "POST", path: "/account/password", kind: scoped, form: url.Values{"current": {"nope"}, "new": {"twelve chars long"}, "confirm": {"twelve chars long"}}},
	"web POST /account/signout-everywhere":             {method: "POST", path: "/account/signout-everywhere", kind: scoped, ownSession: true},
	"web GET /settings/users":                          {method: "GET", path: "/settings/users", kind: scoped, need: hub.PermAdmin},
	"web POST /settings/users":                         {method: "POST", path: "/settings/users", kind: scoped, need: hub.PermAdmin, form: url.Values{"email": {"new@partner.example"}, "role": {"admin"}}, formB: url.Values{"email": {"not an email"}, "role": {"viewer"}}},
	"web POST /settings/users/{uid}/role":              {method: "POST", path: "/settings/users/{auser}/role", kind: named, need: hub.PermAdmin, form: url.Values{"role": {"admin"}}},
	"web POST /settings/users/{uid}/remove":            {method: "POST", path: "/settings/users/{auser}/remove", kind: named, need: hub.PermAdmin},
	"web POST /settings/users/{uid}/reset-password":    {method: "POST", path: "/settings/users/{auser}/reset-password", kind: named, need: hub.PermAdmin},
	"web GET /settings/tokens":                         {method: "GET", path: "/settings/tokens", kind: scoped, need: hub.PermAdmin},
	"web POST /settings/tokens":                        {method: "POST", path: "/settings/tokens", kind: named, need: hub.PermAdmin, form: url.Values{"name": {"stolen"}, "user": {"{auser}"}}},
	"web POST /settings/tokens/{tid}/revoke":           {method: "POST", path: "/settings/tokens/{atoken}/revoke", kind: named, need: hub.PermAdmin},
	"web GET /settings/tenants":                        {method: "GET", path: "/settings/tenants", kind: scoped, need: hub.PermAdmin},
	"web POST /settings/tenants":                       {method: "POST", path: "/settings/tenants", kind: scoped, need: hub.PermAdmin, form: url.Values{"tenant": {"badger-tenant"}}},
	"web GET /settings/demos":                          {method: "GET", path: "/settings/demos", kind: scoped, need: hub.PermAdmin},
	"web POST /settings/demos":                         {method: "POST", path: "/settings/demos", kind: scoped, need: hub.PermAdmin, form: url.Values{"autoDelete": {"on"}}},
	"web POST /settings/tenants/remove":                {method: "POST", path: "/settings/tenants/remove", kind: named, need: hub.PermAdmin, form: url.Values{"tenant": {"aardvark-tenant-guid"}}},
	"web GET /audit":                                   {method: "GET", path: "/audit", kind: scoped, need: hub.PermAdmin},
	"web GET /audit.csv":                               {method: "GET", path: "/audit.csv", kind: scoped, need: hub.PermAdmin},
	"api POST /api/v1/customers":                       {method: "POST", path: "/api/v1/customers", kind: scoped, need: hub.PermOperate, body: `{"type":"demo","companyName":"Zebra Works","contact":{"name":"Zed","email":"zed@zebra.example"}}`, bodyB: `{"type":"nope"}`},
	"api GET /api/v1/customers":                        {method: "GET", path: "/api/v1/customers", kind: scoped, need: hub.PermView},
	"api GET /api/v1/customers/{id}":                   {method: "GET", path: "/api/v1/customers/{a}", kind: named, need: hub.PermView},
	"api DELETE /api/v1/customers/{id}":                {method: "DELETE", path: "/api/v1/customers/{a}", kind: named, need: hub.PermOperate},
	"api POST /api/v1/customers/{id}/visit":            {method: "POST", path: "/api/v1/customers/{a}/visit", kind: named, need: hub.PermOperate},
	"api GET /api/v1/customers/{id}/operations":        {method: "GET", path: "/api/v1/customers/{a}/operations", kind: named, need: hub.PermView},
	"api POST /api/v1/customers/{id}/actions/{action}": {method: "POST", path: "/api/v1/customers/{a}/actions/rename", kind: named, need: hub.PermOperate, body: `{"companyName":"Pwned","shortName":"Pwned"}`},
	"api GET /api/v1/audit":                            {method: "GET", path: "/api/v1/audit", kind: scoped, need: hub.PermAdmin},
	"api GET /api/v1/settings":                         {method: "GET", path: "/api/v1/settings", kind: scoped, need: hub.PermView},
	"api PATCH /api/v1/settings":                       {method: "PATCH", path: "/api/v1/settings", kind: scoped, need: hub.PermAdmin, body: `{"demoAutoDelete":true}`, bodyB: `{"demoAutoDelete":false}`},
	"api GET /api/v1/openapi.json":                     {method: "GET", path: "/api/v1/openapi.json", kind: public, statusB: 200},

	// The consoles, walked by B's browser holding B's own console session.
	"console GET /c/{customerID}/{$}":                      {method: "GET", path: "/c/{a}/", kind: named},
	"console GET /c/{customerID}/healthz":                  {method: "GET", path: "/c/{a}/healthz", kind: public},
	"console GET /c/{customerID}/handoff":                  {method: "GET", path: "/c/{a}/handoff?token={handoffB}", kind: named},
	"console GET /c/{customerID}/static/console.css":       {method: "GET", path: "/c/{a}/static/console.css", kind: public},
	"console GET /c/{customerID}/signin":                   {method: "GET", path: "/c/{a}/signin", kind: public},
	"console POST /c/{customerID}/signin":                  {method: "POST", path: "/c/{a}/signin", kind: public, form: url.Values{"email": {"guess@badger.example"}, "password": {"guess"}}, statusB: 401},
	"console GET /c/{customerID}/password":                 {method: "GET", path: "/c/{a}/password", kind: named},
	"console POST /c/{customerID}/password":                {method: "POST", path: "/c/{a}/password", kind: public, form: url.Values{"email": {"guess@badger.example"}, "current": {"guess"}, "new": {"twelve chars long"}, "confirm": {"twelve chars long"}}, statusB: 401},
	"console POST /c/{customerID}/signout":                 {method: "POST", path: "/c/{a}/signout", kind: public},
	"console GET /c/{customerID}/settings":                 {method: "GET", path: "/c/{a}/settings", kind: named},
	"console POST /c/{customerID}/settings/partner-access": {method: "POST", path: "/c/{a}/settings/partner-access", kind: named, form: url.Values{"access": {"revoke"}}},
}

// TestIsolation walks every route of the hub's UI, its API, the live-update
// streams and the consoles as partner B's admin against partner A's
// customers, users, tokens and settings: what names A's things is always
// 403 or 404, and no response carries a byte of A's data. Then it walks
// every route as A's viewer and A's technician against what their role
// does not allow: always 403, nothing changes.
func TestIsolation(t *testing.T) {
	checkCoverage(t)
	s := testkit.Start(t)
	ctx := context.Background()
	h := s.App.Hub

	// Partner A: a ready customer with distinctive data, a viewer, a
	// technician, an API token, an allowed tenant, a console admin.
	code, body := s.Do(t, "POST", "/api/v1/customers", map[string]any{"type": "customer", "companyName": "Aardvark Secret Holdings", "shortName": "AARDSEC",
		"contact": map[string]string{"name": "Zelda Quokka", "email": "zelda.quokka@aardvark-secret.example", "phone": "+1 555 0199 777"}})
	if code != http.StatusAccepted {
		t.Fatalf("A's customer: %d %s", code, body)
	}
	var aCust testkit.Customer
	json.Unmarshal(body, &aCust)
	s.WaitStatus(t, aCust.ID, "ready", time.Minute)
	aAdmin, _, err := h.SignIn(ctx, s.AdminEmail, s.AdminPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]*webClient{}
	roleTokens := map[string]string{}
	var aViewerID string
	for _, role := range []string{hub.RoleViewer, hub.RoleTechnician} {
		inv, err := h.Invite(ctx, aAdmin, "aardvark-"+role+"@partner.example", role)
		if err != nil {
			t.Fatal(err)
		}
		roles[role] = newWebClient(t, s.App.HubURL)
		roles[role].signIn(inv.User.Email, inv.Password)
		if roleTokens[role], err = h.CreateToken(ctx, aAdmin, inv.User.ID, "aardvark-"+role, ""); err != nil {
			t.Fatal(err)
		}
		if role == hub.RoleViewer {
			aViewerID = inv.User.ID
		}
	}
	tokens, _ := h.Tokens(ctx, aAdmin)
	aTokenID := tokens[0].ID
	if err := h.AddTenant(ctx, aAdmin, "aardvark-tenant-guid"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.IssueConsoleAdmin(ctx, aAdmin, aCust.ID); err != nil {
		t.Fatal(err)
	}

	// Partner B: its admin in a browser and with an API token, a ready
	// customer of its own, and a session in that customer's console.
	bPassword, err := h.CreatePartner(ctx, "Badger Partners", "boss@badger.example")
	if err != nil {
		t.Fatal(err)
	}
	bWeb := newWebClient(t, s.App.HubURL)
	bPassword = bWeb.signIn("boss@badger.example", bPassword) // the one-time password, replaced
	bToken, err := h.CreateAPIToken(ctx, "boss@badger.example", "badger-ci")
	if err != nil {
		t.Fatal(err)
	}
	code, body = s.Do(t, "POST", "/api/v1/customers", map[string]any{"type": "demo", "companyName": "Badger Demo",
		"contact": map[string]string{"name": "Bo", "email": "bo@badger.example"}}, bToken)
	if code != http.StatusAccepted {
		t.Fatalf("B's customer: %d %s", code, body)
	}
	var bCust testkit.Customer
	json.Unmarshal(body, &bCust)
	waitReadyAs(t, s, bCust.ID, bToken)
	bConsole := newWebClient(t, s.App.ConsoleURL)
	if resp, _ := bConsole.get(visitURL(t, s, bCust.ID, bToken)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("B's own visit: %d", resp.StatusCode)
	}
	bConsoleSession := cookieFor(bConsole, s.App.ConsoleURL+"/c/"+bCust.ID+"/", "console_session")
	if bConsoleSession == "" {
		t.Fatal("B has no console session")
	}

	aPartner := aAdmin.PartnerID
	secrets := []string{aCust.ID, "Aardvark Secret Holdings", "AARDSEC", "Zelda Quokka", "zelda.quokka", "555 0199 777", aPartner, s.AdminEmail,
		"aardvark-viewer@", "aardvark-technician@", aViewerID, aTokenID, "aardvark-tenant-guid", "Test partner"}
	fill := func(p string) string {
		return strings.NewReplacer("{a}", aCust.ID, "{b}", bCust.ID, "{auser}", aViewerID, "{atoken}", aTokenID).Replace(p)
	}
	fillForm := func(f url.Values) url.Values {
		out := url.Values{}
		for k, vs := range f {
			for _, v := range vs {
				out.Add(k, fill(v))
			}
		}
		return out
	}
	leaks := func(text string, except ...string) []string {
		var found []string
		for _, sec := range secrets {
			if sec != "" && !slices.Contains(except, sec) && strings.Contains(text, sec) {
				found = append(found, sec)
			}
		}
		return found
	}

	// B walks every route.
	for _, key := range sortedKeys() {
		p := routeTable[key]
		t.Run("B/"+key, func(t *testing.T) {
			part, _, _ := strings.Cut(key, " ")
			path := fill(p.path)
			var status int
			var text string
			switch part {
			case "web":
				client := bWeb
				if p.ownSession {
					client = newWebClient(t, s.App.HubURL)
					client.signIn("boss@badger.example", bPassword)
				}
				form := p.form
				if p.formB != nil {
					form = p.formB
				}
				if p.method == "POST" && form == nil {
					form = url.Values{}
				}
				if p.stream {
					status, text = readStream(t, client, path, 800*time.Millisecond)
				} else {
					resp, b := client.do(p.method, path, fillForm(form))
					status, text = resp.StatusCode, b+"\n"+resp.Header.Get("Location")
				}
			case "api":
				body := p.body
				if p.bodyB != "" {
					body = p.bodyB
				}
				var payload any
				if body != "" {
					payload = body
				}
				var b []byte
				status, b = s.Do(t, p.method, path, payload, bToken)
				text = string(b)
			case "console":
				if strings.Contains(path, "{handoffB}") {
					tok, _ := url.Parse(visitURL(t, s, bCust.ID, bToken))
					path = strings.ReplaceAll(path, "{handoffB}", tok.Query().Get("token"))
				}
				form := p.form
				if p.method == "POST" && form == nil {
					form = url.Values{}
				}
				// B's console session belongs to B's customer; sent to A's
				// console it must be worth nothing.
				resp, b := bConsole.do(p.method, path, fillForm(form), "Cookie", "console_session="+bConsoleSession)
				status, text = resp.StatusCode, b+"\n"+resp.Header.Get("Location")
			}
			switch {
			case p.statusB != 0 && status != p.statusB:
				t.Errorf("status %d, want %d", status, p.statusB)
			case p.kind == named && status != 403 && status != 404:
				t.Errorf("status %d, want 403 or 404", status)
			case status >= 500:
				t.Errorf("status %d", status)
			}
			// A console URL names its customer; its generic pages link back
			// to it (stylesheet, sign-in). Nothing else of A may show.
			var except []string
			if part == "console" {
				except = []string{aCust.ID}
			}
			if found := leaks(text, except...); len(found) > 0 {
				t.Errorf("%d: A's data %q in the answer:\n%s", status, found, text)
			}
		})
	}

	// The live stream: while A's customers change, B's stream stays silent
	// about them and A's own stream hears them.
	bWeb = newWebClient(t, s.App.HubURL) // the walk ended with sign-out everywhere
	bWeb.signIn("boss@badger.example", bPassword)
	t.Run("B/live stream while A changes", func(t *testing.T) {
		aWeb := newWebClient(t, s.App.HubURL)
		aWeb.signIn(s.AdminEmail, s.AdminPassword)
		type result struct {
			status int
			text   string
		}
		bc, ac := make(chan result, 1), make(chan result, 1)
		bOpen, aOpen := make(chan struct{}), make(chan struct{})
		go func() {
			st, tx := readStreamFrom(t, bWeb, "/customers/events", 3*time.Second, bOpen)
			bc <- result{st, tx}
		}()
		go func() {
			st, tx := readStreamFrom(t, aWeb, "/customers/events", 3*time.Second, aOpen)
			ac <- result{st, tx}
		}()
		<-bOpen
		<-aOpen
		second := addCustomer(t, s, "demo", "Aardvark Two", "AARDTWO")
		b, a := <-bc, <-ac
		secrets = append(secrets, second, "Aardvark Two")
		if b.status != 200 || a.status != 200 {
			t.Fatalf("streams: B %d, A %d", b.status, a.status)
		}
		if !strings.Contains(a.text, second) {
			t.Fatalf("A's own stream did not hear A's change (the walk proves nothing):\n%s", a.text)
		}
		if found := leaks(b.text); len(found) > 0 {
			t.Fatalf("B's stream carried A's data %q:\n%s", found, b.text)
		}
	})

	// A's roles walk what they may not do.
	for _, role := range []string{hub.RoleViewer, hub.RoleTechnician} {
		actor := hub.Actor{Role: role}
		for _, key := range sortedKeys() {
			p := routeTable[key]
			part, _, _ := strings.Cut(key, " ")
			if part == "console" || p.need == "" || actor.Can(p.need) {
				continue
			}
			t.Run(role+"/"+key, func(t *testing.T) {
				var status int
				if part == "web" {
					form := p.form
					if p.method == "POST" && form == nil {
						form = url.Values{}
					}
					if p.stream {
						status, _ = readStream(t, roles[role], fill(p.path), 500*time.Millisecond)
					} else {
						resp, _ := roles[role].do(p.method, fill(p.path), fillForm(form))
						status = resp.StatusCode
					}
				} else {
					var payload any
					if p.body != "" {
						payload = p.body
					}
					status, _ = s.Do(t, p.method, fill(p.path), payload, roleTokens[role])
				}
				if status != http.StatusForbidden {
					t.Errorf("status %d, want 403", status)
				}
			})
		}
	}

	// Nothing of A changed.
	c := s.WaitStatus(t, aCust.ID, "ready", 5*time.Second)
	if c.CompanyName != "Aardvark Secret Holdings" || c.ShortName != "AARDSEC" {
		t.Errorf("A's customer changed: %+v", c)
	}
	users, _ := h.Users(ctx, aAdmin)
	if len(users) != 3 {
		t.Errorf("A has %d users, want 3", len(users))
	}
	for _, u := range users {
		if u.ID == aViewerID && u.Role != hub.RoleViewer {
			t.Errorf("A's viewer became %s", u.Role)
		}
	}
	tokens, _ = h.Tokens(ctx, aAdmin)
	for _, tk := range tokens {
		if tk.RevokedAt != nil || tk.Name == "stolen" {
			t.Errorf("A's tokens changed: %+v", tk)
		}
	}
	if ts, _ := h.Tenants(ctx, aAdmin); len(ts) != 1 {
		t.Errorf("A's tenants: %v", ts)
	}
	if granted, pid, err := s.App.Consoles.PartnerAccess(ctx, aCust.ID); err != nil || !granted || pid != aPartner {
		t.Errorf("A's console access: %v %q %v", granted, pid, err)
	}
	if on, _ := h.DemoAutoDelete(ctx, aAdmin); on {
		t.Error("A's settings changed")
	}
	cs, _, _ := h.Customers(ctx, aAdmin, store.ListFilter{Limit: 10})
	if len(cs) != 2 {
		t.Errorf("A has %d customers, want 2 (its own two)", len(cs))
	}
	// And the refusals are in the audit logs of those who tried.
	entries := auditEntries(t, s, "result=failed&limit=1000")
	denied := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Result, "denied") && strings.HasPrefix(e.Actor, "aardvark-") {
			denied++
		}
	}
	if denied < 10 {
		t.Errorf("only %d denied attempts of A's roles in A's audit log", denied)
	}
}

// checkCoverage fails when a route of the UI, the API or the consoles is
// missing from routeTable, or the table names a route that no longer exists.
func checkCoverage(t *testing.T) {
	t.Helper()
	w := &web.Web{Hub: &hub.Service{}}
	w.Routes()
	want := map[string]bool{}
	for _, p := range w.Patterns() {
		want["web "+p] = true
	}
	for _, p := range (&api.API{}).Patterns() {
		want["api "+p] = true
	}
	for _, p := range console.Patterns() {
		want["console "+p] = true
	}
	for k := range want {
		if _, ok := routeTable[k]; !ok {
			t.Errorf("route %q is not in the isolation walk: add it to routeTable", k)
		}
	}
	for k := range routeTable {
		if !want[k] {
			t.Errorf("routeTable names %q, which is no route", k)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// sortedKeys orders the walk, with the routes that end sessions (sign-out
// everywhere ends all of the user's) last.
func sortedKeys() []string {
	var keys []string
	for k := range routeTable {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if oa, ob := routeTable[a].ownSession, routeTable[b].ownSession; oa != ob {
			if oa {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	return keys
}

// readStream opens an event stream, reads it for d and hangs up.
func readStream(t *testing.T, w *webClient, path string, d time.Duration) (int, string) {
	return readStreamFrom(t, w, path, d, nil)
}

// readStreamFrom is readStream that closes open once the server answered:
// the stream subscribes before it answers, so every change made after
// that reaches it.
func readStreamFrom(t *testing.T, w *webClient, path string, d time.Duration, open chan<- struct{}) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", w.base+path, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := w.c.Do(req)
	if open != nil {
		close(open)
	}
	if err != nil {
		t.Errorf("stream %s: %v", path, err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body) // ends with the deadline
	return resp.StatusCode, string(b)
}

func waitReadyAs(t *testing.T, s *testkit.Server, id, token string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		_, body := s.Do(t, "GET", "/api/v1/customers/"+id, nil, token)
		var c testkit.Customer
		json.Unmarshal(body, &c)
		if c.Status == "ready" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("customer %s not ready within a minute", id)
}

func visitURL(t *testing.T, s *testkit.Server, id, token string) string {
	t.Helper()
	code, body := s.Do(t, "POST", "/api/v1/customers/"+id+"/visit", nil, token)
	var v struct{ URL string }
	if code != 200 || json.Unmarshal(body, &v) != nil {
		t.Fatalf("visit %s: %d %s", id, code, body)
	}
	return v.URL
}

func cookieFor(w *webClient, rawURL, name string) string {
	u, _ := url.Parse(rawURL)
	for _, c := range w.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}
