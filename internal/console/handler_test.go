package console_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"partnerhub/internal/console"
)

// fakeRoutes stands in for the hub's route table.
type fakeRoutes map[string]bool

func (f fakeRoutes) ConsoleRouted(_ context.Context, id string) (bool, error) { return f[id], nil }

// fakeHandoffs stands in for the hub's hand-off store: single-use, and bound
// to the customer it was issued for.
type fakeHandoffs struct {
	mu      sync.Mutex
	issued  map[string]handoff
	revoked map[string]bool // user ids the hub no longer allows
}

type handoff struct {
	customerID string
	visitor    console.Visitor
}

func (f *fakeHandoffs) issue(token, customerID, partnerID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.issued[token] = handoff{customerID, console.Visitor{UserID: "u-1", Email: "pat@partner.example", PartnerID: partnerID}}
}

func (f *fakeHandoffs) RedeemHandoff(_ context.Context, token, customerID string) (console.Visitor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h, ok := f.issued[token]
	delete(f.issued, token)
	if !ok || h.customerID != customerID {
		return console.Visitor{}, errors.New("hand-off unknown, used, expired or for another customer")
	}
	return h.visitor, nil
}

// VisitorAllowed lets every partner user in, unless revoked names them.
func (f *fakeHandoffs) VisitorAllowed(_ context.Context, v console.Visitor) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.revoked[v.UserID], nil
}

// A scenario is one request in the story below; scenarios run in order and
// share the Manager, so later ones see what earlier ones did.
type scenario struct {
	name       string
	before     func(t *testing.T)
	url        string
	client     string              // which browser (cookie jar) sends the request
	cookie     func() *http.Cookie // sent by hand, beside the jar
	wantStatus int
	want       []string
	notWant    []string
	check      func(t *testing.T, res *http.Response, body string)
}

func TestConsoleScenarios(t *testing.T) {
	m, _ := setup(t)
	ctx := context.Background()
	now := time.Now()
	deployed(t, m, "acme", console.Profile{CompanyName: "Acme Corporation", ShortName: "ACME", Type: "demo"}, now)
	deployed(t, m, "evil", console.Profile{CompanyName: "<script>alert(1)</script>", ShortName: "EVIL", Type: "customer"}, now)
	deployed(t, m, "hidden", console.Profile{CompanyName: "Hidden", ShortName: "HID", Type: "customer"}, now)
	for _, id := range []string{"acme", "evil", "hidden"} {
		if err := m.GrantPartnerAccess(ctx, id, "p-1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.CreateAt(ctx, "old", 1); err != nil {
		t.Fatal(err)
	}
	routes := fakeRoutes{"acme": true, "evil": true, "old": true, "gone": true}
	handoffs := &fakeHandoffs{issued: map[string]handoff{}}
	handoffs.issue("tok-acme", "acme", "p-1")
	handoffs.issue("tok-evil", "evil", "p-1")
	handoffs.issue("tok-for-evil", "evil", "p-1")
	handoffs.issue("tok-wrong-partner", "evil", "p-2")
	srv := httptest.NewServer(console.NewHandler(m, routes, handoffs))
	defer srv.Close()

	stats, err := m.Stats(ctx, "acme", now)
	if err != nil {
		t.Fatal(err)
	}
	var acmeSession *http.Cookie

	scenarios := []scenario{
		{name: "healthz ok", url: "/c/acme/healthz", wantStatus: 200,
			want: []string{`"customerId":"acme"`, `"status":"ok"`, `"schemaVersion":2`}},
		{name: "healthz of an unrouted customer", url: "/c/hidden/healthz", wantStatus: 404, notWant: []string{"hidden"}},
		{name: "healthz of a version-1 schema without profile", url: "/c/old/healthz", wantStatus: 503,
			want: []string{`"status":"unavailable"`, `"schemaVersion":1`, "profile missing"}},
		{name: "healthz without a database", url: "/c/gone/healthz", wantStatus: 503, want: []string{"database missing"}},
		{name: "dashboard without a session", url: "/c/acme/", wantStatus: 403, want: []string{"not signed in"}},
		{name: "dashboard of an unrouted customer", url: "/c/hidden/", wantStatus: 404},
		{name: "unknown path", url: "/c/acme/admin", wantStatus: 404},
		{name: "invalid customer id", url: "/c/..%2Fetc/healthz", wantStatus: 404},
		{name: "stylesheet", url: "/c/acme/static/console.css", wantStatus: 200,
			check: func(t *testing.T, res *http.Response, _ string) {
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
					t.Errorf("Content-Type = %q", ct)
				}
			}},
		{name: "hand-off without token", url: "/c/acme/handoff", wantStatus: 403, want: []string{"invalid, used or expired"}},
		{name: "hand-off token for another customer", url: "/c/acme/handoff?token=tok-for-evil", wantStatus: 403,
			want: []string{"This sign-in link is invalid, used or expired."}},
		{name: "hand-off ok (after a HEAD probe, which does not use the link up)", url: "/c/acme/handoff?token=tok-acme", client: "partner", wantStatus: 303,
			before: func(t *testing.T) {
				res, err := http.Head(srv.URL + "/c/acme/handoff?token=tok-acme")
				if err != nil || res.StatusCode != http.StatusOK {
					t.Fatalf("HEAD of the hand-off link: %v %v", res, err)
				}
				res.Body.Close()
			},
			check: func(t *testing.T, res *http.Response, _ string) {
				if loc := res.Header.Get("Location"); loc != "/c/acme/" {
					t.Errorf("Location = %q", loc)
				}
				for _, c := range res.Cookies() {
					if c.Name == "console_session" {
						acmeSession = c
					}
				}
				c := acmeSession
				if c == nil || len(c.Value) < 40 || c.Path != "/c/acme/" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
					t.Errorf("session cookie = %+v", c)
				}
			}},
		{name: "dashboard with the session", url: "/c/acme/", client: "partner", wantStatus: 200,
			want: []string{
				"ACME", "Acme Corporation", "DEMO", "schema v2", `href="/c/acme/static/console.css"`,
				fmt.Sprintf(`id="users">%d<`, stats.Users),
				fmt.Sprintf(`id="endpoints">%d<`, stats.Endpoints),
				fmt.Sprintf(`id="policies">%d<`, stats.Policies),
				fmt.Sprintf(`id="events-high">%d<`, stats.EventsByRisk["high"]),
				fmt.Sprintf(`id="events-medium">%d<`, stats.EventsByRisk["medium"]),
				fmt.Sprintf(`id="events-low">%d<`, stats.EventsByRisk["low"]),
				fmt.Sprintf(`id="events-info">%d<`, stats.EventsByRisk["info"]),
			},
			notWant: []string{"<script"},
			check: func(t *testing.T, _ *http.Response, body string) {
				if rows := strings.Count(body, "<tr>") - 1; rows != 20 {
					t.Errorf("%d event rows, want 20", rows)
				}
			}},
		{name: "hand-off token used twice", url: "/c/acme/handoff?token=tok-acme", client: "other", wantStatus: 403,
			want: []string{"invalid, used or expired"}},
		{name: "one customer's session is no key to another's console", url: "/c/evil/", wantStatus: 403,
			cookie: func() *http.Cookie {
				if acmeSession == nil {
					return &http.Cookie{Name: "console_session", Value: "none"}
				}
				return &http.Cookie{Name: acmeSession.Name, Value: acmeSession.Value}
			}},
		{name: "hand-off for a partner without access", url: "/c/evil/handoff?token=tok-wrong-partner", wantStatus: 403,
			want: []string{"artner access to this console is not granted"}},
		{name: "markup in the company name is escaped", url: "/c/evil/handoff?token=tok-evil", client: "evil", wantStatus: 303},
		{name: "escaped dashboard", url: "/c/evil/", client: "evil", wantStatus: 200,
			want:    []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "EVIL", "Customer"},
			notWant: []string{"<script>alert(1)</script>", "DEMO"}},
		{name: "a partner user the hub no longer allows (removed, demoted, signed out everywhere)", url: "/c/evil/", client: "evil", wantStatus: 403,
			before: func(t *testing.T) {
				handoffs.mu.Lock()
				handoffs.revoked = map[string]bool{"u-1": true}
				handoffs.mu.Unlock()
			},
			want: []string{"not signed in"}},
		{name: "that session is over, not only refused", url: "/c/evil/", client: "evil", wantStatus: 403,
			before: func(t *testing.T) {
				handoffs.mu.Lock()
				handoffs.revoked = nil
				handoffs.mu.Unlock()
			}},
		{name: "hand-off after access is revoked", url: "/c/acme/handoff?token=tok-acme-2", client: "partner", wantStatus: 403,
			before: func(t *testing.T) {
				handoffs.issue("tok-acme-2", "acme", "p-1")
				if err := m.RevokePartnerAccess(ctx, "acme"); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"artner access to this console is not granted"}},
		{name: "revoking access ends open sessions", url: "/c/acme/", client: "partner", wantStatus: 403},
		{name: "healthz after the route is removed", url: "/c/acme/healthz", wantStatus: 404,
			before: func(t *testing.T) { routes["acme"] = false }},
	}

	clients := map[string]*http.Client{}
	clientFor := func(name string) *http.Client {
		if c, ok := clients[name]; ok {
			return c
		}
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		clients[name] = c
		return c
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			if sc.before != nil {
				sc.before(t)
			}
			req, _ := http.NewRequest(http.MethodGet, srv.URL+sc.url, nil)
			if sc.cookie != nil {
				req.AddCookie(sc.cookie())
			}
			res, err := clientFor(sc.client).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			body := string(b)
			if res.StatusCode != sc.wantStatus {
				t.Errorf("status = %d, want %d\n%s", res.StatusCode, sc.wantStatus, body)
			}
			for _, w := range sc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q\n%s", w, body)
				}
			}
			for _, w := range sc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("body contains %q\n%s", w, body)
				}
			}
			for h, v := range map[string]string{
				"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "no-referrer",
			} {
				if got := res.Header.Get(h); got != v {
					t.Errorf("%s = %q, want %q", h, got, v)
				}
			}
			if sc.check != nil {
				sc.check(t, res, body)
			}
		})
	}
}
