package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"partnerhub/internal/console"
)

// fakeAdmins stands in for the hub's side of the customer admin: one
// account per customer, a one-time password until claimed.
type fakeAdmins struct {
	mu       sync.Mutex
	password map[string]string
	claimed  map[string]bool
	changes  []string
	events   []console.AuditEvent
}

func (f *fakeAdmins) ConsoleAdminSignIn(_ context.Context, id, email, pw, _ string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if email != "ada@acme.example" || f.password[id] == "" || pw != f.password[id] {
		return false, console.ErrBadCredentials
	}
	return !f.claimed[id], nil
}

func (f *fakeAdmins) ConsoleAdminSetPassword(ctx context.Context, id, email, current, next, addr string) error {
	if _, err := f.ConsoleAdminSignIn(ctx, id, email, current, addr); err != nil {
		return err
	}
	if len(next) < 12 {
		return console.ErrWeakPassword
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.password[id], f.claimed[id] = next, true
	return nil
}

func (f *fakeAdmins) ConsoleOwner(context.Context, string) (string, error) { return "p-1", nil }

func (f *fakeAdmins) ConsoleAccessChanged(_ context.Context, id string, granted bool, by, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.changes = append(f.changes, id+" "+by+" "+map[bool]string{true: "granted", false: "revoked"}[granted])
	return nil
}

func (f *fakeAdmins) ConsoleEvent(_ context.Context, e console.AuditEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
}

// TestCustomerAdminSettings walks the customer admin's story: sign in with
// the partner's one-time password, choose their own, revoke the partner's
// access (which ends the partner's session and refuses hand-offs), grant
// it again. Partner sessions never reach the settings.
func TestCustomerAdminSettings(t *testing.T) {
	m, _ := setup(t)
	ctx := context.Background()
	deployed(t, m, "acme", console.Profile{CompanyName: "Acme Corporation", ShortName: "ACME", Type: "customer"}, time.Now())
	if err := m.GrantPartnerAccess(ctx, "acme", "p-1"); err != nil {
		t.Fatal(err)
	}
	admins := &fakeAdmins{password: map[string]string{"acme": "otp-1234"}, claimed: map[string]bool{}}
	handoffs := &fakeHandoffs{issued: map[string]handoff{}}
	handoffs.issue("tok-1", "acme", "p-1")
	handoffs.issue("tok-2", "acme", "p-1")
	handoffs.issue("tok-3", "acme", "p-1")
	srv := httptest.NewServer(console.NewHandler(m, fakeRoutes{"acme": true}, handoffs, console.WithAdmins(admins), console.WithEvents(admins)))
	defer srv.Close()

	browser := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	customer, partner := browser(), browser()
	do := func(c *http.Client, method, path string, form url.Values, hdr ...string) (int, string, http.Header) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, srv.URL+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	steps := []struct {
		name   string
		c      *http.Client
		method string
		path   string
		form   url.Values
		hdr    []string
		status int
		want   string
	}{
		{"partner visits", partner, "GET", "/c/acme/handoff?token=tok-1", nil, nil, 303, ""},
		{"partner sees the dashboard", partner, "GET", "/c/acme/", nil, nil, 200, "pat@partner.example"},
		{"partner cannot open the settings", partner, "GET", "/c/acme/settings", nil, nil, 403, "customer&#39;s own admin"},
		{"partner cannot change access", partner, "POST", "/c/acme/settings/partner-access", url.Values{"access": {"revoke"}}, nil, 403, ""},
		{"settings without a session", customer, "GET", "/c/acme/settings", nil, nil, 403, `href="/c/acme/signin"`},
		{"sign-in form", customer, "GET", "/c/acme/signin", nil, nil, 200, `action="/c/acme/signin"`},
		{"wrong password", customer, "POST", "/c/acme/signin", url.Values{"email": {"ada@acme.example"}, "password": {"nope"}}, nil, 401, "wrong"},
		{"one-time password asks for a new one", customer, "POST", "/c/acme/signin", url.Values{"email": {"ada@acme.example"}, "password": {"otp-1234"}}, nil, 200, "One-time password"},
		{"still no session", customer, "GET", "/c/acme/settings", nil, nil, 403, ""},
		{"new passwords differ", customer, "POST", "/c/acme/password",
			url.Values{"email": {"ada@acme.example"}, "current": {"otp-1234"}, "new": {"a long password 1"}, "confirm": {"a long password 2"}}, nil, 422, "differ"},
		{"too short", customer, "POST", "/c/acme/password",
			url.Values{"email": {"ada@acme.example"}, "current": {"otp-1234"}, "new": {"short"}, "confirm": {"short"}}, nil, 422, "12 to 200"},
		{"own password chosen", customer, "POST", "/c/acme/password",
			url.Values{"email": {"ada@acme.example"}, "current": {"otp-1234"}, "new": {"a long password 1"}, "confirm": {"a long password 1"}}, nil, 303, ""},
		{"settings show access granted", customer, "GET", "/c/acme/settings", nil, nil, 200, `data-granted="true"`},
		{"a revoke from another site is refused", customer, "POST", "/c/acme/settings/partner-access", url.Values{"access": {"revoke"}},
			[]string{"Sec-Fetch-Site", "cross-site"}, 403, "another website"},
		{"revoke", customer, "POST", "/c/acme/settings/partner-access", url.Values{"access": {"revoke"}}, nil, 303, ""},
		{"settings show access revoked", customer, "GET", "/c/acme/settings", nil, nil, 200, `data-granted="false"`},
		{"the partner's session ended", partner, "GET", "/c/acme/", nil, nil, 403, "Not signed in"},
		{"a hand-off is refused", partner, "GET", "/c/acme/handoff?token=tok-2", nil, nil, 403, "not granted"},
		{"the customer admin is still signed in", customer, "GET", "/c/acme/", nil, nil, 200, "ada@acme.example"},
		{"grant again", customer, "POST", "/c/acme/settings/partner-access", url.Values{"access": {"grant"}}, nil, 303, ""},
		{"granting kept the customer admin's session", customer, "GET", "/c/acme/settings", nil, nil, 200, `data-granted="true"`},
		{"the partner can visit again", partner, "GET", "/c/acme/handoff?token=tok-3", nil, nil, 303, ""},
		{"the one-time password is gone", browser(), "POST", "/c/acme/signin", url.Values{"email": {"ada@acme.example"}, "password": {"otp-1234"}}, nil, 401, ""},
		{"sign out", customer, "POST", "/c/acme/signout", url.Values{}, nil, 200, "signed out"},
		{"signed out", customer, "GET", "/c/acme/settings", nil, nil, 403, ""},
	}
	for _, s := range steps {
		status, body, _ := do(s.c, s.method, s.path, s.form, s.hdr...)
		if status != s.status || !strings.Contains(body, s.want) {
			t.Fatalf("%s: %d, want %d with %q\n%s", s.name, status, s.status, s.want, body)
		}
	}
	if got := strings.Join(admins.changes, "; "); got != "acme ada@acme.example revoked; acme ada@acme.example granted" {
		t.Errorf("the hub heard: %s", got)
	}
	var results []string
	for _, e := range admins.events {
		r := "ok"
		if e.Err != nil {
			r = e.Err.Error()
		}
		results = append(results, e.Actor+": "+r)
	}
	want := []string{"pat@partner.example: ok", "pat@partner.example: console: partner access not granted", "pat@partner.example: ok"}
	if strings.Join(results, "|") != strings.Join(want, "|") {
		t.Errorf("audit events %q, want %q", results, want)
	}
}
