package web

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"partnerhub/internal/customer"
	"partnerhub/internal/hub"
	"partnerhub/internal/live"
	"partnerhub/internal/store"
)

// noJobs enqueues nothing: deploying is the deploy package's concern, and
// here customers stay where the test puts them.
type noJobs struct{}

func (noJobs) EnqueueTx(partnerID, customerID string) store.TxHook {
	return func(context.Context, *sql.Tx) error { return nil }
}

const consoleBase = "http://console.test"

// env is a running UI on a real SQLite store with three partners: alice's
// (Contoso Ltd, ready; Fabrikam, a DEMO being deployed), bob's (Globex) and
// carol's (no customers).
type env struct {
	t       *testing.T
	srv     *httptest.Server
	web     *Web
	hub     *hub.Service
	store   *store.Store
	broker  *live.Broker
	actors  map[string]hub.Actor
	clients map[string]*http.Client
	ids     map[string]string // placeholder ("contoso") → customer id
}

func setup(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	broker := live.NewBroker()
	st.OnChange = broker.Publish
	h := &hub.Service{Store: st, Jobs: noJobs{}, ConsoleURL: consoleBase}
	w := &Web{Hub: h, Broker: broker, Log: slog.New(slog.NewTextHandler(t.Output(), nil))}
	srv := httptest.NewServer(w.Routes())
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, web: w, hub: h, store: st, broker: broker,
		actors: map[string]hub.Actor{}, clients: map[string]*http.Client{}, ids: map[string]string{}}

	for _, name := range []string{"alice", "bob", "carol"} {
		email := name + "@" + name + "-partners.test"
		pw, err := h.CreatePartner(ctx, strings.ToUpper(name[:1])+name[1:]+" Partners", email)
		if err != nil {
			t.Fatal(err)
		}
		e.newcomer(name, email, pw)
	}
	e.ids["contoso"] = e.add("alice", customer.TypeCustomer, "Contoso Ltd", "Contoso").ID
	e.ids["fabrikam"] = e.add("alice", customer.TypeDemo, "Fabrikam", "Fabrikam").ID
	e.ids["globex"] = e.add("bob", customer.TypeCustomer, "Globex Corporation", "Globex").ID
	e.ready("alice", "contoso")
	if err := st.Progress(ctx, e.actors["alice"].PartnerID, e.ids["fabrikam"], customer.StatusDeploying,
		"access", "Step 3 of 6: Granting the partner access to the console"); err != nil {
		t.Fatal(err)
	}
	return e
}

// newClient is a browser: a cookie jar, and redirects left to the test.
func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signIn signs in with a password the person chose.
func (e *env) signIn(email, password string) *http.Client {
	return e.signInTo(email, password, "/customers")
}

// signInTo signs in and checks where the hub sends the person next.
func (e *env) signInTo(email, password, next string) *http.Client {
	e.t.Helper()
	c := newClient()
	resp, err := c.PostForm(e.srv.URL+"/signin", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != next {
		e.t.Fatalf("sign in %s: %d to %q, want 303 to %q", email, resp.StatusCode, resp.Header.Get("Location"), next)
	}
	return c
}

// newcomer signs name in the way a new person does: with the one-time
// password they were given, then choosing their own (the hub allows
// nothing else first). It keeps name's browser and actor.
func (e *env) newcomer(name, email, oneTime string) {
	e.t.Helper()
	c := e.signInTo(email, oneTime, "/account")
	chosen := "chosen " + oneTime
	resp, err := c.PostForm(e.srv.URL+"/account/password", url.Values{"current": {oneTime}, "new": {chosen}, "confirm": {chosen}})
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/customers" {
		e.t.Fatalf("first password change of %s: %d to %q", email, resp.StatusCode, resp.Header.Get("Location"))
	}
	u, _ := url.Parse(e.srv.URL)
	for _, k := range c.Jar.Cookies(u) {
		if k.Name == sessionCookie {
			a, err := e.hub.SessionActor(context.Background(), k.Value)
			if err != nil || a.MustChangePassword {
				e.t.Fatalf("session of %s after the change: %+v, %v", email, a, err)
			}
			e.actors[name], e.clients[name] = a, c
			return
		}
	}
	e.t.Fatalf("%s has no session cookie", email)
}

func (e *env) add(user string, typ customer.Type, company, short string) customer.Customer {
	e.t.Helper()
	c, err := e.hub.AddCustomer(context.Background(), e.actors[user], customer.Input{Type: typ, CompanyName: company, ShortName: short,
		Contact: customer.Contact{Name: "Pat Admin", Email: "pat@" + strings.ToLower(short) + ".test", Phone: "+1 555 0100"}})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) ready(user, key string) {
	e.t.Helper()
	if _, err := e.store.Transition(context.Background(), e.actors[user].PartnerID, e.ids[key], customer.StatusDeploying,
		customer.EventDeployed, "", "Deployed; the console is ready.", nil); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) customers(user string) []customer.Customer {
	e.t.Helper()
	cs, _, err := e.hub.Customers(context.Background(), e.actors[user], store.ListFilter{Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	return cs
}

// expand replaces {name} placeholders with the customer ids.
func (e *env) expand(s string) string {
	for k, id := range e.ids {
		s = strings.ReplaceAll(s, "{"+k+"}", id)
	}
	return s
}

// scenario is one request and what must come back (PocketBase style).
type scenario struct {
	name     string
	method   string
	path     string
	user     string // "" is a browser that is not signed in
	form     url.Values
	header   map[string]string
	status   int
	location string            // exact Location; a trailing * matches a prefix
	headers  map[string]string // response headers that must contain the value
	contains []string
	excludes []string
}

// do sends one request as user and returns the response with its body read.
func (e *env) do(user, method, path string, form url.Values, header map[string]string) (*http.Response, string) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+e.expand(path), body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := e.clients[user]
	if c == nil {
		c = newClient()
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, string(b)
}

func (e *env) run(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			method := s.method
			if method == "" {
				method = http.MethodGet
			}
			resp, body := e.do(s.user, method, s.path, s.form, s.header)
			if resp.StatusCode != s.status {
				t.Fatalf("%s %s: status %d, want %d\n%s", method, s.path, resp.StatusCode, s.status, body)
			}
			if s.location != "" {
				loc, want := resp.Header.Get("Location"), e.expand(s.location)
				if p, ok := strings.CutSuffix(want, "*"); ok && !strings.HasPrefix(loc, p) || !ok && loc != want {
					t.Errorf("Location %q, want %q", loc, want)
				}
			}
			for k, v := range s.headers {
				if got := resp.Header.Get(k); !strings.Contains(got, v) {
					t.Errorf("header %s = %q, want it to contain %q", k, got, v)
				}
			}
			for _, c := range s.contains {
				if !strings.Contains(body, e.expand(c)) {
					t.Errorf("body does not contain %q\n%s", e.expand(c), body)
				}
			}
			for _, c := range s.excludes {
				if strings.Contains(body, e.expand(c)) {
					t.Errorf("body contains %q\n%s", e.expand(c), body)
				}
			}
		})
	}
}
