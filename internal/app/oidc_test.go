package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"partnerhub/internal/config"
	"partnerhub/internal/testkit"
)

// idpUser is a person at the mock identity provider. Beyond mockoidc's
// default user it carries Entra's tid and can spoil its own ID token (an
// issuer, a nonce, an expiry), the way a hostile or broken provider would.
type idpUser struct {
	sub, email, tid string
	verified        bool
	iss, nonce      string // overrides; "" keeps the provider's
	expired         bool
}

func (u idpUser) ID() string { return u.sub }

func (u idpUser) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"sub": u.sub, "email": u.email})
}

type idClaims struct {
	*mockoidc.IDTokenClaims
	Email         string `json:"email,omitempty"`
	EmailVerified bool   `json:"email_verified,omitempty"`
	Name          string `json:"name,omitempty"`
	TID           string `json:"tid,omitempty"`
}

func (u idpUser) Claims(_ []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if u.iss != "" {
		c.Issuer = u.iss
	}
	if u.nonce != "" {
		c.Nonce = u.nonce
	}
	if u.expired {
		past := time.Now().Add(-2 * time.Hour)
		c.IssuedAt, c.NotBefore, c.ExpiresAt = jwt.NewNumericDate(past), jwt.NewNumericDate(past), jwt.NewNumericDate(past.Add(10*time.Minute))
	}
	return &idClaims{IDTokenClaims: c, Email: u.email, EmailVerified: u.verified, Name: u.email, TID: u.tid}, nil
}

// startIdP runs mockoidc inside the test process.
func startIdP(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return m
}

// oidcHub starts a hub whose identity provider is m; issuer, when given,
// is the (multi-tenant) issuer and m's issuer the discovery URL.
func oidcHub(t *testing.T, m *mockoidc.MockOIDC, issuer string) *testkit.Server {
	return testkit.Start(t, func(c *config.Config) {
		c.OIDCIssuer, c.OIDCClientID, c.OIDCClientSecret, c.OIDCName = m.Issuer(), m.ClientID, m.ClientSecret, "Mock IdP"
		if issuer != "" {
			c.OIDCIssuer, c.OIDCDiscoveryURL = issuer, m.Issuer()
		}
	})
}

// flow is one sign-in at the provider, up to the callback URL the
// provider sends the browser back to.
func (w *webClient) startOIDC(m *mockoidc.MockOIDC, u idpUser) (callback string) {
	w.t.Helper()
	m.QueueUser(u)
	resp, body := w.get("/signin/oidc")
	if resp.StatusCode != http.StatusFound {
		w.t.Fatalf("start: %d %s", resp.StatusCode, body)
	}
	authURL := resp.Header.Get("Location")
	q, _ := url.Parse(authURL)
	for _, p := range []string{"state", "nonce", "code_challenge"} {
		if q.Query().Get(p) == "" {
			w.t.Fatalf("authorization request without %s: %s", p, authURL)
		}
	}
	if q.Query().Get("code_challenge_method") != "S256" || !strings.HasPrefix(authURL, m.AuthorizationEndpoint()) {
		w.t.Fatalf("authorization request %s", authURL)
	}
	resp, body = w.get(authURL)
	if resp.StatusCode != http.StatusFound {
		w.t.Fatalf("provider: %d %s", resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

// oidcSignIn runs the whole flow and returns the callback's answer.
func (w *webClient) oidcSignIn(m *mockoidc.MockOIDC, u idpUser) (*http.Response, string) {
	return w.get(w.startOIDC(m, u))
}

func withParam(raw, key, value string) string {
	u, _ := url.Parse(raw)
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestOIDCSignIn signs people in through a mock OIDC provider running in
// this process, end to end through the hub's pages: the partner's admin,
// then a technician and a viewer the admin invites, each seeing what the
// role allows; and every way a sign-in must fail.
func TestOIDCSignIn(t *testing.T) {
	m := startIdP(t)
	s := oidcHub(t, m, "")
	ctx := context.Background()
	admin, _, err := s.App.Hub.SignIn(ctx, s.AdminEmail, s.AdminPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.App.Hub.AddTenant(ctx, admin, "tenant-a"); err != nil {
		t.Fatal(err)
	}
	demo := addCustomer(t, s, "demo", "Fabrikam Inc", "Fabrikam")
	s.WaitStatus(t, demo, "ready", time.Minute)

	// The partner's admin signs in with the provider (their email is the
	// bootstrap admin's, vouched for) and invites two people.
	adminB := newWebClient(t, s.App.HubURL)
	if _, body := adminB.get("/signin"); !strings.Contains(body, "Sign in with Mock IdP") || !strings.Contains(body, `href="/signin/oidc"`) {
		t.Fatalf("sign-in page without the provider:\n%s", body)
	}
	if resp, body := adminB.oidcSignIn(m, idpUser{sub: "admin-1", email: s.AdminEmail, verified: true, tid: "tenant-a"}); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/customers" {
		t.Fatalf("admin's OIDC sign-in: %d %s", resp.StatusCode, body)
	}
	if c := adminB.cookie("ph_session"); c == "" {
		t.Fatal("no session cookie after the OIDC sign-in")
	}
	for email, role := range map[string]string{"tech@partner.example": "technician", "view@partner.example": "viewer"} {
		resp, body := adminB.post("/settings/users", url.Values{"email": {email}, "role": {role}})
		if resp.StatusCode != 200 || !strings.Contains(body, "They sign in with Mock IdP") || strings.Contains(body, "one-time password") {
			t.Fatalf("invite %s: %d\n%s", email, resp.StatusCode, body)
		}
	}

	// The technician comes from another tenant with a verified email; the
	// viewer from the partner's tenant with an unverified one.
	tech, viewer := newWebClient(t, s.App.HubURL), newWebClient(t, s.App.HubURL)
	if resp, body := tech.oidcSignIn(m, idpUser{sub: "tech-1", email: "tech@partner.example", verified: true, tid: "tenant-x"}); resp.StatusCode != 303 {
		t.Fatalf("technician: %d %s", resp.StatusCode, body)
	}
	if resp, body := viewer.oidcSignIn(m, idpUser{sub: "view-1", email: "view@partner.example", tid: "tenant-a"}); resp.StatusCode != 303 {
		t.Fatalf("viewer: %d %s", resp.StatusCode, body)
	}
	for _, c := range []struct {
		who          *webClient
		role         string
		visible, not []string
		visit        int
	}{
		{adminB, "Admin", []string{`href="/customers/new"`, "act-visit", `href="/settings/users"`}, nil, http.StatusSeeOther},
		{tech, "Technician", []string{`href="/customers/new"`, "act-visit"}, []string{`href="/settings/users"`}, http.StatusSeeOther},
		{viewer, "Viewer", []string{"Fabrikam Inc"}, []string{`href="/customers/new"`, "act-visit", "act-delete", `href="/settings/users"`}, http.StatusForbidden},
	} {
		if _, body := c.who.get("/account"); !strings.Contains(body, `id="my-role">`+c.role+`<`) {
			t.Errorf("%s: account page\n%s", c.role, body)
		}
		_, body := c.who.get("/customers")
		for _, v := range c.visible {
			if !strings.Contains(body, v) {
				t.Errorf("%s does not see %s", c.role, v)
			}
		}
		for _, v := range c.not {
			if strings.Contains(body, v) {
				t.Errorf("%s sees %s", c.role, v)
			}
		}
		if resp, _ := c.who.post("/customers/"+demo+"/visit", nil); resp.StatusCode != c.visit {
			t.Errorf("%s: visit %d, want %d", c.role, resp.StatusCode, c.visit)
		}
	}
	if resp, _ := tech.get("/settings/users"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("technician opened the users page: %d", resp.StatusCode)
	}

	refused := []struct {
		name   string
		run    func(b *webClient) (*http.Response, string)
		status int
		text   string
	}{
		{"wrong state", func(b *webClient) (*http.Response, string) {
			return b.get(withParam(b.startOIDC(m, idpUser{sub: "admin-1", email: s.AdminEmail, verified: true}), "state", "st_forged"))
		}, 400, "did not start in this browser"},
		{"state of another browser", func(b *webClient) (*http.Response, string) {
			other := newWebClient(t, s.App.HubURL)
			return b.get(other.startOIDC(m, idpUser{sub: "admin-1", email: s.AdminEmail, verified: true}))
		}, 400, "did not start in this browser"},
		{"replayed callback", func(b *webClient) (*http.Response, string) {
			cb := b.startOIDC(m, idpUser{sub: "admin-1", email: s.AdminEmail, verified: true})
			state, _ := url.Parse(cb)
			if resp, _ := b.get(cb); resp.StatusCode != 303 {
				t.Fatalf("first use: %d", resp.StatusCode)
			}
			// The browser is given its state cookie back: only the hub's
			// single-use state stands in the way.
			u, _ := url.Parse(s.App.HubURL + "/signin/oidc")
			b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "ph_oidc", Value: state.Query().Get("state"), Path: "/signin/oidc"}})
			return b.get(cb)
		}, 400, "used already"},
		{"replayed code under a fresh state", func(b *webClient) (*http.Response, string) {
			first := b.startOIDC(m, idpUser{sub: "admin-1", email: s.AdminEmail, verified: true})
			if resp, _ := b.get(first); resp.StatusCode != 303 {
				t.Fatalf("first use: %d", resp.StatusCode)
			}
			code, _ := url.Parse(first)
			second := b.startOIDC(m, idpUser{sub: "admin-1", email: s.AdminEmail, verified: true})
			return b.get(withParam(second, "code", code.Query().Get("code")))
		}, 401, "could not be verified"},
		{"wrong nonce", func(b *webClient) (*http.Response, string) {
			return b.oidcSignIn(m, idpUser{sub: "admin-1", email: s.AdminEmail, verified: true, nonce: "someone-elses-nonce"})
		}, 401, "could not be verified"},
		{"expired token", func(b *webClient) (*http.Response, string) {
			return b.oidcSignIn(m, idpUser{sub: "admin-1", email: s.AdminEmail, verified: true, expired: true})
		}, 401, "could not be verified"},
		{"another issuer", func(b *webClient) (*http.Response, string) {
			return b.oidcSignIn(m, idpUser{sub: "admin-1", email: s.AdminEmail, verified: true, iss: "https://evil.example/oidc"})
		}, 401, "could not be verified"},
		{"a tenant no partner allows", func(b *webClient) (*http.Response, string) {
			return b.oidcSignIn(m, idpUser{sub: "stranger-1", email: "stranger@elsewhere.example", verified: true, tid: "tenant-z"})
		}, 403, "not invited"},
		{"an invitation claimed by an unverified email from a foreign tenant", func(b *webClient) (*http.Response, string) {
			if _, err := s.App.Hub.Invite(ctx, admin, "victim@partner.example", "admin"); err != nil {
				t.Fatal(err)
			}
			return b.oidcSignIn(m, idpUser{sub: "attacker-1", email: "victim@partner.example", tid: "tenant-evil"})
		}, 403, "not invited"},
		{"a provider's error", func(b *webClient) (*http.Response, string) {
			return b.get("/signin/oidc/callback?error=access_denied&state=x")
		}, 401, "did not sign you in"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			b := newWebClient(t, s.App.HubURL)
			resp, body := c.run(b)
			if resp.StatusCode != c.status || !strings.Contains(body, c.text) {
				t.Fatalf("%d, want %d with %q\n%s", resp.StatusCode, c.status, c.text, body)
			}
			if c.name != "replayed callback" && c.name != "replayed code under a fresh state" {
				if r, _ := b.get("/customers"); r.StatusCode != http.StatusSeeOther {
					t.Fatalf("signed in after a refused sign-in: %d", r.StatusCode)
				}
			}
		})
	}

	// Someone from the allowed tenant joins as a viewer; removing the
	// tenant stops them, but not the invited viewer from the same tenant.
	newbie := newWebClient(t, s.App.HubURL)
	if resp, body := newbie.oidcSignIn(m, idpUser{sub: "newbie-1", email: "newbie@partner.example", tid: "tenant-a"}); resp.StatusCode != 303 {
		t.Fatalf("tenant join: %d %s", resp.StatusCode, body)
	}
	if _, body := newbie.get("/account"); !strings.Contains(body, `id="my-role">Viewer<`) {
		t.Fatalf("joined as:\n%s", body)
	}
	if err := s.App.Hub.RemoveTenant(ctx, admin, "tenant-a"); err != nil {
		t.Fatal(err)
	}
	if resp, _ := newWebClient(t, s.App.HubURL).oidcSignIn(m, idpUser{sub: "newbie-1", email: "newbie@partner.example", tid: "tenant-a"}); resp.StatusCode != 403 {
		t.Fatalf("joined through a removed tenant, signed in again: %d", resp.StatusCode)
	}
	if resp, _ := newWebClient(t, s.App.HubURL).oidcSignIn(m, idpUser{sub: "view-1", email: "view@partner.example", tid: "tenant-a"}); resp.StatusCode != 303 {
		t.Fatalf("the invited viewer: %d", resp.StatusCode)
	}

	// Every attempt is in the partner's audit log, with its result.
	entries := auditEntries(t, s, "action=auth.sign_in&limit=1000")
	var ok, failed int
	for _, e := range entries {
		if strings.Contains(e.Detail, "identity provider") {
			if e.Result == "ok" {
				ok++
			} else {
				failed++
			}
		}
	}
	if ok < 6 || failed < 1 {
		t.Errorf("audit: %d OIDC sign-ins ok, %d failed in the partner's log", ok, failed)
	}
}

// TestOIDCEntraMultiTenant runs the hub against a provider in Entra's
// multi-tenant shape: the configured issuer has {tenantid}, each token's
// iss carries its own tenant, and the hub checks iss and tenant itself.
func TestOIDCEntraMultiTenant(t *testing.T) {
	m := startIdP(t)
	template := m.Issuer() + "/{tenantid}/v2.0"
	s := oidcHub(t, m, template)
	ctx := context.Background()
	admin, _, err := s.App.Hub.SignIn(ctx, s.AdminEmail, s.AdminPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.App.Hub.AddTenant(ctx, admin, "0b2f-tenant-m"); err != nil {
		t.Fatal(err)
	}
	iss := func(tid string) string { return strings.ReplaceAll(template, "{tenantid}", tid) }
	for _, c := range []struct {
		name   string
		user   idpUser
		status int
	}{
		{"the partner's tenant", idpUser{sub: "m-1", email: "ann@partner.example", tid: "0b2f-tenant-m", iss: iss("0b2f-tenant-m")}, 303},
		{"iss of another tenant than tid", idpUser{sub: "m-2", email: "bob@partner.example", tid: "0b2f-tenant-m", iss: iss("other-tenant")}, 401},
		{"the template itself as iss", idpUser{sub: "m-3", email: "cy@partner.example", tid: "0b2f-tenant-m", iss: template}, 401},
		{"no tid", idpUser{sub: "m-4", email: "di@partner.example", iss: iss("0b2f-tenant-m")}, 401},
		{"a tenant no partner allows", idpUser{sub: "m-5", email: "ed@partner.example", tid: "other-tenant", iss: iss("other-tenant")}, 403},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := newWebClient(t, s.App.HubURL).oidcSignIn(m, c.user)
			if resp.StatusCode != c.status {
				t.Fatalf("%d, want %d\n%s", resp.StatusCode, c.status, body)
			}
		})
	}
}
