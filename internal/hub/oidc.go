package hub

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"partnerhub/internal/auth"
	"partnerhub/internal/store"
)

// OIDCProvider is the identity provider as the hub uses it (auth.OIDC).
type OIDCProvider interface {
	Name() string
	AuthCodeURL(ctx context.Context, state, nonce, verifier string) (string, error)
	Exchange(ctx context.Context, code, verifier, nonce string) (auth.Identity, error)
}

// oidcStateTTL bounds how long a person may take at the provider.
const oidcStateTTL = 10 * time.Minute

var (
	// ErrOIDCState means the callback does not belong to a sign-in this
	// hub started, or it was used already (a replayed callback).
	ErrOIDCState = errors.New("this sign-in link is invalid, used or expired")
	// ErrOIDCFailed means the provider's answer did not pass the checks
	// (code exchange, signature, audience, expiry, nonce, issuer).
	ErrOIDCFailed = errors.New("the identity provider's answer could not be verified")
	// ErrNotAllowed means the person signed in at the provider but no
	// partner has invited them or allows their tenant.
	ErrNotAllowed = errors.New("this account is not invited to any partner, and its organisation is not allowed")
	// ErrNoOIDC means no identity provider is configured.
	ErrNoOIDC = errors.New("no identity provider is configured")
)

// StartOIDC begins a sign-in at the identity provider: it keeps the nonce
// and the PKCE verifier server-side under the hash of a fresh state and
// returns the provider's URL and the state, which the caller also binds to
// the browser (a cookie), so a callback only works in the browser that
// started it.
func (s *Service) StartOIDC(ctx context.Context) (authURL, state string, err error) {
	if s.OIDC == nil {
		return "", "", ErrNoOIDC
	}
	state, stateHash := auth.NewToken("st_")
	nonce, _ := auth.NewToken("")
	verifier := oauth2.GenerateVerifier()
	if err := s.Store.PutOIDCState(ctx, stateHash, nonce, verifier, s.now().Add(oidcStateTTL)); err != nil {
		return "", "", err
	}
	authURL, err = s.OIDC.AuthCodeURL(ctx, state, nonce, verifier)
	return authURL, state, err
}

// FinishOIDC completes a sign-in: the state is used up first (a replay
// finds nothing), then the code is exchanged and the ID token verified,
// then the person is matched to a partner user. Every outcome is audited.
func (s *Service) FinishOIDC(ctx context.Context, state, code, addr string) (_ Actor, _ string, err error) {
	var id auth.Identity
	var u store.User
	defer func() {
		s.signedIn(SignInOIDC, err)
		actor := id.Email
		if actor == "" {
			actor = id.Subject
		}
		s.record(ctx, store.AuditEntry{PartnerID: u.PartnerID, ActorID: u.ID, Actor: actor, Addr: addr,
			Action: AuditSignIn, Detail: "identity provider " + id.Issuer, Result: resultOf(err)})
	}()
	if s.OIDC == nil {
		return Actor{}, "", ErrNoOIDC
	}
	nonce, verifier, err := s.Store.TakeOIDCState(ctx, auth.HashToken(state), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return Actor{}, "", ErrOIDCState
	}
	if err != nil {
		return Actor{}, "", err
	}
	if id, err = s.OIDC.Exchange(ctx, code, verifier, nonce); err != nil {
		s.log().InfoContext(ctx, "oidc sign-in refused", "addr", addr, "err", err)
		return Actor{}, "", ErrOIDCFailed
	}
	if u, err = s.matchIdentity(ctx, id); err != nil {
		return Actor{}, "", err
	}
	return s.openSession(ctx, u, addr, false) // the provider vouched for the person
}

// matchIdentity finds (or, through an allowed tenant, creates) the partner
// user of a verified identity:
//
//  1. the user linked to this issuer and subject at an earlier sign-in;
//     one who joined through a tenant must still be from an allowed one;
//  2. else the user with this email (an invitation, or a local account),
//     when the provider vouches for the email or the person's tenant is
//     the user's partner's; the account is linked from then on;
//  3. else, when a partner allows the person's tenant, a new viewer of it.
//
// Anything else is ErrNotAllowed.
func (s *Service) matchIdentity(ctx context.Context, id auth.Identity) (store.User, error) {
	tenantPartner, err := s.Store.TenantPartner(ctx, id.Tenant)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, err
	}
	u, err := s.Store.UserByOIDC(ctx, id.Issuer, id.Subject)
	switch {
	case err == nil:
		if u.InvitedBy == "" && tenantPartner != u.PartnerID {
			return u, ErrNotAllowed // joined through a tenant the partner no longer allows
		}
		return u, nil
	case !errors.Is(err, store.ErrNotFound):
		return store.User{}, err
	}
	if id.Email != "" {
		u, err := s.Store.UserByEmail(ctx, id.Email)
		switch {
		case err == nil:
			if u.OIDCSubject != "" || !(id.EmailVerified || tenantPartner == u.PartnerID) {
				return store.User{}, ErrNotAllowed
			}
			if err := s.Store.LinkOIDC(ctx, u.ID, id.Issuer, id.Subject); err != nil {
				return store.User{}, err
			}
			return u, nil
		case !errors.Is(err, store.ErrNotFound):
			return store.User{}, err
		}
	}
	if tenantPartner == "" || id.Email == "" {
		return store.User{}, ErrNotAllowed
	}
	u = store.User{ID: uuid.Must(uuid.NewV7()).String(), PartnerID: tenantPartner, Email: id.Email, Name: id.Name,
		Role: RoleViewer, OIDCIssuer: id.Issuer, OIDCSubject: id.Subject}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrEmailTaken) {
			return store.User{}, ErrNotAllowed
		}
		return store.User{}, err
	}
	s.audit(ctx, Actor{PartnerID: u.PartnerID, UserID: u.ID, Email: u.Email}, AuditUserJoin, u.Email,
		"through the allowed tenant "+id.Tenant+", as Viewer", nil)
	return u, nil
}

// OIDCName names the identity provider for the sign-in page ("" when none).
func (s *Service) OIDCName() string {
	if s.OIDC == nil {
		return ""
	}
	return s.OIDC.Name()
}
