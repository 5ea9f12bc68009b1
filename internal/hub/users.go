package hub

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/auth"
	"partnerhub/internal/store"
)

// Roles of partner users.
const (
	RoleAdmin      = "admin"
	RoleTechnician = "technician"
	RoleViewer     = "viewer"
)

// SessionTTL is how long a browser session lives.
const SessionTTL = 12 * time.Hour

// ErrBadCredentials covers an unknown email and a wrong password alike.
var ErrBadCredentials = errors.New("the email or password is wrong")

// Bootstrap creates the first partner and its admin on an empty hub and
// returns the admin's one-time password; created is false when the hub has
// partners already.
func (s *Service) Bootstrap(ctx context.Context, partnerName, email string) (created bool, password string, err error) {
	n, err := s.Store.CountPartners(ctx)
	if err != nil || n > 0 {
		return false, "", err
	}
	password, err = s.CreatePartner(ctx, partnerName, email)
	if errors.Is(err, store.ErrEmailTaken) {
		// Another replica starting at the same moment created it; the
		// partner and its admin are inserted together, so it is complete.
		return false, "", nil
	}
	return err == nil, password, err
}

// CreatePartner creates a partner organisation with its first admin, who
// signs in with the returned one-time password.
func (s *Service) CreatePartner(ctx context.Context, name, adminEmail string) (string, error) {
	password := auth.NewPassword()
	hash, err := auth.HashPassword(password)
	if err != nil {
		return "", err
	}
	pid := uuid.Must(uuid.NewV7()).String()
	err = s.Store.CreatePartnerWithAdmin(ctx, store.Partner{ID: pid, Name: name}, store.User{
		ID: uuid.Must(uuid.NewV7()).String(), PartnerID: pid, Email: normEmail(adminEmail), Name: adminEmail,
		Role: RoleAdmin, PasswordHash: hash,
	})
	return password, err
}

func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// SignIn checks a local account's password and opens a session; it returns
// the session token for the cookie.
func (s *Service) SignIn(ctx context.Context, email, password string) (Actor, string, error) {
	u, err := s.Store.UserByEmail(ctx, normEmail(email))
	if errors.Is(err, store.ErrNotFound) {
		auth.CheckPassword(dummyHash, password) // same work either way: no user enumeration by timing
		return Actor{}, "", ErrBadCredentials
	}
	if err != nil {
		return Actor{}, "", err
	}
	if !auth.CheckPassword(u.PasswordHash, password) {
		return Actor{}, "", ErrBadCredentials
	}
	token, hash := auth.NewToken("ses_")
	if err := s.Store.CreateSession(ctx, hash, u.ID, s.now().Add(SessionTTL)); err != nil {
		return Actor{}, "", err
	}
	return actorOf(u), token, nil
}

var dummyHash, _ = auth.HashPassword("not a password")

func actorOf(u store.User) Actor {
	return Actor{UserID: u.ID, PartnerID: u.PartnerID, Email: u.Email, Role: u.Role}
}

// SessionActor returns the actor of a browser session token.
func (s *Service) SessionActor(ctx context.Context, token string) (Actor, error) {
	u, err := s.Store.SessionUser(ctx, auth.HashToken(token), s.now(), 0)
	if err != nil {
		return Actor{}, err
	}
	return actorOf(u), nil
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, token string) error {
	return s.Store.DeleteSession(ctx, auth.HashToken(token))
}

// TokenActor returns the actor of an API bearer token.
func (s *Service) TokenActor(ctx context.Context, token string) (Actor, error) {
	u, _, err := s.Store.TokenUser(ctx, auth.HashToken(token))
	if err != nil {
		return Actor{}, err
	}
	return actorOf(u), nil
}

// CreateAPIToken makes a named API token for the user with that email and
// returns it; it is shown once and kept only as a hash.
func (s *Service) CreateAPIToken(ctx context.Context, email, name string) (string, error) {
	u, err := s.Store.UserByEmail(ctx, normEmail(email))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", errors.New("no user with the email " + email)
		}
		return "", err
	}
	token, hash := auth.NewToken("phk_")
	err = s.Store.CreateAPIToken(ctx, store.APIToken{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, Name: name, TokenHash: hash})
	return token, err
}
