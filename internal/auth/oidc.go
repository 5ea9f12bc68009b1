package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// TenantPlaceholder in an issuer marks Entra ID's multi-tenant endpoints:
// their discovery document names the issuer
// "https://login.microsoftonline.com/{tenantid}/v2.0", and each token's
// iss carries the signing-in person's tenant instead.
const TenantPlaceholder = "{tenantid}"

// OIDCConfig is one identity provider.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL; with TenantPlaceholder in it,
	// any tenant's token is accepted whose iss is the issuer with its own
	// tid in place of the placeholder (the caller then checks the tenant).
	Issuer string
	// DiscoveryURL is where the discovery document is fetched from; empty
	// means Issuer, or for a multi-tenant issuer the issuer with
	// "organizations" in place of the placeholder (Entra ID's
	// work-and-school multi-tenant endpoint).
	DiscoveryURL string
	ClientID     string
	ClientSecret string
	RedirectURL  string
	// Name is how the sign-in page names the provider ("Microsoft").
	Name string
	// HTTP is the client for discovery, keys and the token endpoint.
	HTTP *http.Client
	// Now is the verifier's clock (tests); time.Now when nil.
	Now func() time.Time
}

// MultiTenant reports whether the issuer is a multi-tenant template.
func (c OIDCConfig) MultiTenant() bool { return strings.Contains(c.Issuer, TenantPlaceholder) }

func (c OIDCConfig) discovery() string {
	switch {
	case c.DiscoveryURL != "":
		return c.DiscoveryURL
	case c.MultiTenant():
		return strings.ReplaceAll(c.Issuer, TenantPlaceholder, "organizations")
	}
	return c.Issuer
}

// Identity is who the provider says signed in, after every check of the
// ID token: signature, audience, expiry, nonce and issuer.
type Identity struct {
	Issuer  string
	Subject string
	Email   string
	// EmailVerified is the provider vouching for the email: the
	// email_verified claim, or Entra's xms_edov (the email's domain is
	// verified by the tenant). Without it an email may be anything the
	// tenant's admin typed, so it cannot claim an invitation on its own.
	EmailVerified bool
	Name          string
	// Tenant is the directory the person belongs to: Entra's tid, or the
	// issuer for providers without tenants.
	Tenant string
}

// OIDC signs people in with the authorization code flow, PKCE, state and
// nonce. Discovery happens at the first sign-in and is retried until it
// works, so a provider that is down at start does not stop the hub.
type OIDC struct {
	cfg OIDCConfig

	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// NewOIDC checks the configuration; nothing is fetched yet.
func NewOIDC(cfg OIDCConfig) (*OIDC, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("oidc: issuer, client id and redirect URL are required")
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Name == "" {
		cfg.Name = "your identity provider"
		if strings.Contains(cfg.Issuer, "login.microsoftonline.com") {
			cfg.Name = "Microsoft"
		}
	}
	return &OIDC{cfg: cfg}, nil
}

// Name is the provider as the sign-in button names it.
func (o *OIDC) Name() string { return o.cfg.Name }

func (o *OIDC) ctx(ctx context.Context) context.Context {
	return context.WithValue(oidc.ClientContext(ctx, o.cfg.HTTP), oauth2.HTTPClient, o.cfg.HTTP)
}

// setup discovers the provider once it answers.
func (o *OIDC) setup(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.oauth != nil {
		return o.oauth, o.verifier, nil
	}
	dctx := o.ctx(context.WithoutCancel(ctx))
	if o.cfg.MultiTenant() {
		// The discovery document names the template, not a URL; the
		// issuer of each token is checked in Exchange instead.
		dctx = oidc.InsecureIssuerURLContext(dctx, o.cfg.Issuer)
	}
	dctx, cancel := context.WithTimeout(dctx, 15*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(dctx, o.cfg.discovery())
	if err != nil {
		return nil, nil, fmt.Errorf("oidc discovery: %w", err)
	}
	o.oauth = &oauth2.Config{
		ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, RedirectURL: o.cfg.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
	}
	o.verifier = p.VerifierContext(o.ctx(context.Background()), &oidc.Config{
		ClientID: o.cfg.ClientID, SkipIssuerCheck: o.cfg.MultiTenant(), Now: o.cfg.Now,
	})
	return o.oauth, o.verifier, nil
}

// AuthCodeURL is where the browser goes to sign in: the code flow with
// the state, the nonce and the S256 challenge of verifier.
func (o *OIDC) AuthCodeURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	conf, _, err := o.setup(ctx)
	if err != nil {
		return "", err
	}
	return conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// ErrNonce means the ID token was not issued for this sign-in.
var ErrNonce = errors.New("oidc: the ID token's nonce does not match this sign-in")

// Exchange redeems the code with the PKCE verifier and verifies the ID
// token: signature, audience and expiry (go-oidc), the nonce, and the
// issuer: fixed, or in multi-tenant mode the template with the token's own
// tenant. Which tenants may sign in is the caller's decision.
func (o *OIDC) Exchange(ctx context.Context, code, verifier, nonce string) (Identity, error) {
	conf, v, err := o.setup(ctx)
	if err != nil {
		return Identity{}, err
	}
	tok, err := conf.Exchange(o.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Identity{}, fmt.Errorf("oidc: code exchange: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return Identity{}, errors.New("oidc: the token response has no ID token")
	}
	idt, err := v.Verify(o.ctx(ctx), raw)
	if err != nil {
		return Identity{}, err
	}
	if nonce == "" || idt.Nonce != nonce {
		return Identity{}, ErrNonce
	}
	var c struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
		EDOV          any    `json:"xms_edov"`
		Name          string `json:"name"`
		PreferredName string `json:"preferred_username"`
		TenantID      string `json:"tid"`
	}
	if err := idt.Claims(&c); err != nil {
		return Identity{}, fmt.Errorf("oidc: claims: %w", err)
	}
	if o.cfg.MultiTenant() {
		if c.TenantID == "" || strings.ContainsAny(c.TenantID, "/?#") {
			return Identity{}, errors.New("oidc: a multi-tenant ID token without a valid tid")
		}
		if want := strings.ReplaceAll(o.cfg.Issuer, TenantPlaceholder, c.TenantID); idt.Issuer != want {
			return Identity{}, fmt.Errorf("oidc: issuer %q is not %q", idt.Issuer, want)
		}
	}
	id := Identity{Issuer: idt.Issuer, Subject: idt.Subject, Email: strings.ToLower(strings.TrimSpace(c.Email)),
		EmailVerified: truthy(c.EmailVerified) || truthy(c.EDOV), Name: c.Name, Tenant: c.TenantID}
	if id.Email == "" && strings.Contains(c.PreferredName, "@") {
		id.Email = strings.ToLower(strings.TrimSpace(c.PreferredName)) // Entra's UPN, never "verified"
	}
	if id.Tenant == "" {
		id.Tenant = idt.Issuer
	}
	if id.Name == "" {
		id.Name = id.Email
	}
	if id.Subject == "" {
		return Identity{}, errors.New("oidc: an ID token without a subject")
	}
	return id, nil
}

// truthy reads a boolean claim that some providers send as a string.
func truthy(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return b == "true"
	}
	return false
}
