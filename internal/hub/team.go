package hub

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"

	"partnerhub/internal/auth"
	"partnerhub/internal/customer"
	"partnerhub/internal/store"
)

// Users lists the partner's users (admins only).
func (s *Service) Users(ctx context.Context, a Actor) ([]store.User, error) {
	if err := require(a, PermAdmin); err != nil {
		return nil, err
	}
	return s.Store.Users(ctx, a.PartnerID)
}

// Invitation is what an admin hands to the person invited.
type Invitation struct {
	User store.User
	// Password is a one-time password when the hub has no identity
	// provider (local accounts only); with one, the person signs in there
	// and Password is empty.
	Password string
}

// Invite adds a person to the partner by email with a role. With an
// identity provider configured they sign in there, matched by this email;
// without, they get a one-time password shown once to the admin.
func (s *Service) Invite(ctx context.Context, a Actor, email, role string) (inv Invitation, err error) {
	email = normEmail(email)
	defer func() { s.audit(ctx, a, AuditUserInvite, email, "as "+RoleLabel(role), err) }()
	if err := require(a, PermAdmin); err != nil {
		return inv, err
	}
	if !customer.ValidEmail(email) { // the one email rule, as for customers' contacts
		return inv, &InvalidError{"Enter an email address like name@company.example."}
	}
	if !ValidRole(role) {
		return inv, &InvalidError{"Choose a role: Admin, Technician or Viewer."}
	}
	u := store.User{ID: uuid.Must(uuid.NewV7()).String(), PartnerID: a.PartnerID, Email: email, Name: email, Role: role, InvitedBy: a.UserID}
	if s.OIDC == nil {
		u.MustChangePassword = true
		if inv.Password, u.PasswordHash, err = auth.NewOneTimePassword(); err != nil {
			return Invitation{}, err
		}
	}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrEmailTaken) {
			// Emails are unique across partners; say no more than that.
			return Invitation{}, &InvalidError{"This email cannot be invited: it already has an account."}
		}
		return Invitation{}, err
	}
	inv.User = u
	return inv, nil
}

// ResetPassword gives a colleague who lost their password a new one-time
// password, shown once to the admin: their sessions end, and they choose
// their own at the next sign-in. People who sign in with the identity
// provider have no password here to reset (the operator's
// ResetPasswordByEmail gives one, for when the provider is down).
func (s *Service) ResetPassword(ctx context.Context, a Actor, userID string) (inv Invitation, err error) {
	var u store.User
	defer func() { s.audit(ctx, a, AuditPasswordReset, u.Email, "", err) }()
	if err := require(a, PermAdmin); err != nil {
		return inv, err
	}
	if u, err = s.Store.UserByID(ctx, a.PartnerID, userID); err != nil {
		return inv, err
	}
	switch {
	case u.ID == a.UserID:
		return inv, &InvalidError{"Change your own password under Account."}
	case u.PasswordHash == "":
		return inv, &InvalidError{u.Email + " signs in with the identity provider and has no password here."}
	}
	inv.User = u
	inv.Password, err = s.resetPassword(ctx, u)
	return inv, err
}

// ResetPasswordByEmail is the operator's break-glass (the CLI): any user,
// a partner's last admin locked out or the identity provider down, gets a
// new one-time password.
func (s *Service) ResetPasswordByEmail(ctx context.Context, email string) (_ string, err error) {
	u, err := s.userForOperator(ctx, email)
	if err != nil {
		return "", err
	}
	defer func() { s.audit(ctx, operator(u.PartnerID), AuditPasswordReset, u.Email, "", err) }()
	return s.resetPassword(ctx, u)
}

// resetPassword sets a new one-time password and lifts a lock on the
// account, so its holder can sign in at once.
func (s *Service) resetPassword(ctx context.Context, u store.User) (string, error) {
	password, hash, err := auth.NewOneTimePassword()
	if err != nil {
		return "", err
	}
	if err := s.Store.ResetUserPassword(ctx, u.PartnerID, u.ID, hash); err != nil {
		return "", err
	}
	return password, s.Store.LiftSigninLock(ctx, "account:"+u.Email)
}

// SetRole changes a user's role; the partner always keeps one admin.
func (s *Service) SetRole(ctx context.Context, a Actor, userID, role string) (err error) {
	var u store.User
	defer func() { s.audit(ctx, a, AuditUserRole, u.Email, RoleLabel(u.Role)+" → "+RoleLabel(role), err) }()
	if err := require(a, PermAdmin); err != nil {
		return err
	}
	if !ValidRole(role) {
		return &InvalidError{"Choose a role: Admin, Technician or Viewer."}
	}
	if u, err = s.Store.UserByID(ctx, a.PartnerID, userID); err != nil {
		return err
	}
	defer s.tokens.forget()
	return s.Store.SetRole(ctx, a.PartnerID, userID, role)
}

// RemoveUser removes a user with their sessions and API tokens at once.
func (s *Service) RemoveUser(ctx context.Context, a Actor, userID string) (err error) {
	var u store.User
	defer func() { s.audit(ctx, a, AuditUserRemove, u.Email, RoleLabel(u.Role), err) }()
	if err := require(a, PermAdmin); err != nil {
		return err
	}
	if u, err = s.Store.UserByID(ctx, a.PartnerID, userID); err != nil {
		return err
	}
	defer s.tokens.forget()
	return s.Store.DeleteUser(ctx, a.PartnerID, userID)
}

// Tokens lists the API tokens of the partner's users (admins only).
func (s *Service) Tokens(ctx context.Context, a Actor) ([]store.APIToken, error) {
	if err := require(a, PermAdmin); err != nil {
		return nil, err
	}
	return s.Store.Tokens(ctx, a.PartnerID)
}

// CreateToken makes an API token for one of the partner's users, acting
// with that user's role or a lower one; it is returned once.
func (s *Service) CreateToken(ctx context.Context, a Actor, userID, name, role string) (string, error) {
	if err := require(a, PermAdmin); err != nil {
		s.audit(ctx, a, AuditTokenCreate, userID, name, err)
		return "", err
	}
	u, err := s.Store.UserByID(ctx, a.PartnerID, userID)
	if err != nil {
		s.audit(ctx, a, AuditTokenCreate, userID, name, err)
		return "", err
	}
	return s.createToken(ctx, a, u, name, role)
}

// RevokeToken revokes one of the partner's API tokens at once.
func (s *Service) RevokeToken(ctx context.Context, a Actor, tokenID string) (err error) {
	var t store.APIToken
	defer func() { s.audit(ctx, a, AuditTokenRevoke, t.UserEmail, "“"+t.Name+"”", err) }()
	if err := require(a, PermAdmin); err != nil {
		return err
	}
	t, err = s.Store.RevokeToken(ctx, a.PartnerID, tokenID)
	s.tokens.forget()
	return err
}

// Tenants lists the identity-provider tenants whose people may join the partner.
func (s *Service) Tenants(ctx context.Context, a Actor) ([]string, error) {
	if err := require(a, PermAdmin); err != nil {
		return nil, err
	}
	return s.Store.Tenants(ctx, a.PartnerID)
}

// AddTenant lets people of an identity-provider tenant (an Entra tenant
// id, or the issuer URL of a provider without tenants) sign in and join
// the partner as viewers.
func (s *Service) AddTenant(ctx context.Context, a Actor, tenant string) (err error) {
	tenant = strings.TrimSpace(tenant)
	defer func() { s.audit(ctx, a, AuditTenantAdd, tenant, "", err) }()
	if err := require(a, PermAdmin); err != nil {
		return err
	}
	if tenant == "" || len(tenant) > 300 || strings.ContainsAny(tenant, " \t\r\n") {
		return &InvalidError{"Enter a tenant id (for Entra ID, the directory's GUID) or the issuer URL of your identity provider."}
	}
	if err := s.Store.AddTenant(ctx, a.PartnerID, tenant); errors.Is(err, store.ErrTenantTaken) {
		return &InvalidError{"This tenant is allowed already, here or for another partner."}
	} else if err != nil {
		return err
	}
	return nil
}

// RemoveTenant stops the tenant's people from joining; those who joined
// through it can no longer sign in (invited people still can).
func (s *Service) RemoveTenant(ctx context.Context, a Actor, tenant string) (err error) {
	defer func() { s.audit(ctx, a, AuditTenantRemove, tenant, "", err) }()
	if err := require(a, PermAdmin); err != nil {
		return err
	}
	return s.Store.RemoveTenant(ctx, a.PartnerID, tenant)
}
