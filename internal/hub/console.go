package hub

import (
	"context"
	"errors"
	"time"

	"partnerhub/internal/auth"
	"partnerhub/internal/store"
)

// The hub's side of the customer consoles: the hand-off a partner user
// redeems, the customer's own console admin, and the partner-access flag
// the customer's admin controls. The console calls these with the customer
// it serves; nothing here trusts a partner from the request.

// Visitor is who a redeemed hand-off signs in to a console.
type Visitor struct {
	UserID, Email, PartnerID string
}

// RedeemHandoff uses up a hand-off for customerID, once, within its 60
// seconds, and only for a user who may still operate: a user removed or
// made a viewer in the meantime gets nothing. The console then checks its
// own partner-access flag.
func (s *Service) RedeemHandoff(ctx context.Context, token, customerID string) (Visitor, error) {
	ho, err := s.Store.RedeemHandoff(ctx, auth.HashToken(token), customerID, s.now())
	if err != nil {
		return Visitor{}, err
	}
	u, err := s.Store.UserByID(ctx, ho.PartnerID, ho.UserID)
	if errors.Is(err, store.ErrNotFound) || err == nil && !actorOf(u).Can(PermOperate) {
		return Visitor{}, store.ErrHandoffInvalid
	}
	if err != nil {
		return Visitor{}, err
	}
	return Visitor{UserID: u.ID, Email: u.Email, PartnerID: u.PartnerID}, nil
}

// ConsoleVisitorAllowed tells a console whether a partner user's session,
// opened at since through a hand-off, still holds: the user still exists,
// may still operate, and has not ended their sessions (sign-out everywhere,
// a password change or reset) since. The console asks at every request, so
// removing a user or lowering their role ends their console sessions at once.
func (s *Service) ConsoleVisitorAllowed(ctx context.Context, partnerID, userID string, since time.Time) (bool, error) {
	u, err := s.Store.UserByID(ctx, partnerID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return actorOf(u).Can(PermOperate) && since.After(u.SessionsRevokedAt), nil
}

// ConsoleEvent is something that happened in a console that the partner's
// audit log must show: a partner user signing in through a hand-off (or
// being refused), the customer's admin signing in or changing access.
type ConsoleEvent struct {
	CustomerID string
	ActorID    string
	Actor      string
	Addr       string
	Action     string
	Detail     string
	Err        error
}

// consoleAdminDetail marks the console events of the customer's own admin;
// the console's other sign-ins are partner users' hand-offs.
const consoleAdminDetail = "customer admin"

// RecordConsoleEvent writes a console's event to the audit log of the
// customer's partner (found from the customer, not from the event).
func (s *Service) RecordConsoleEvent(ctx context.Context, e ConsoleEvent) {
	if e.Action == AuditConsoleSignIn {
		method := SignInHandoff
		if e.Detail == consoleAdminDetail {
			method = SignInConsolePassword
		}
		s.signedIn(method, e.Err)
	}
	pid, err := s.Store.CustomerPartner(ctx, e.CustomerID)
	if err != nil {
		s.log().WarnContext(ctx, "console event for an unknown customer", "customer", e.CustomerID, "action", e.Action)
		return
	}
	s.record(ctx, store.AuditEntry{PartnerID: pid, ActorID: e.ActorID, Actor: e.Actor, Addr: e.Addr,
		Action: e.Action, Target: e.CustomerID, Detail: e.Detail, Result: resultOf(e.Err)})
}

// ConsoleAdminStatus is what the partner sees of a customer's console
// admin: the email, and whether the customer's admin has set their own
// password (after which the partner cannot issue another).
type ConsoleAdminStatus struct {
	Issued    bool
	Claimed   bool
	Email     string
	IssuedAt  time.Time
	ClaimedAt *time.Time
}

// ConsoleAdmin tells the state of a customer's console admin.
func (s *Service) ConsoleAdmin(ctx context.Context, a Actor, customerID string) (ConsoleAdminStatus, error) {
	if _, err := s.Customer(ctx, a, customerID); err != nil {
		return ConsoleAdminStatus{}, err
	}
	ca, err := s.Store.ConsoleAdminOf(ctx, a.PartnerID, customerID)
	if errors.Is(err, store.ErrNotFound) {
		return ConsoleAdminStatus{}, nil
	}
	if err != nil {
		return ConsoleAdminStatus{}, err
	}
	return ConsoleAdminStatus{Issued: true, Claimed: !ca.MustChange, Email: ca.Email, IssuedAt: ca.CreatedAt, ClaimedAt: ca.ClaimedAt}, nil
}

// IssueConsoleAdmin makes the one-time password of the customer's console
// admin (the customer's contact email) for the partner to hand over. It can
// be issued again until the customer's admin has chosen their own password;
// from then on only they hold the key to the console's settings.
func (s *Service) IssueConsoleAdmin(ctx context.Context, a Actor, customerID string) (email, password string, err error) {
	defer func() { s.audit(ctx, a, AuditConsoleAdmin, customerID, email, err) }()
	if err := require(a, PermOperate); err != nil {
		return "", "", err
	}
	c, err := s.Customer(ctx, a, customerID)
	if err != nil {
		return "", "", err
	}
	email = normEmail(c.Contact.Email)
	password, hash, err := auth.NewOneTimePassword()
	if err != nil {
		return "", "", err
	}
	if err := s.Store.IssueConsoleAdmin(ctx, a.PartnerID, customerID, email, hash); err != nil {
		return "", "", err
	}
	return email, password, nil
}

// ConsoleAdminSignIn checks the customer admin's password for the console
// of customerID, with the same limits on failures as the hub's sign-in.
// mustChange is true while the one-time password is still in use.
func (s *Service) ConsoleAdminSignIn(ctx context.Context, customerID, email, password, addr string) (mustChange bool, err error) {
	email = normEmail(email)
	defer func() {
		s.RecordConsoleEvent(ctx, ConsoleEvent{CustomerID: customerID, Actor: "customer admin " + email, Addr: addr,
			Action: AuditConsoleSignIn, Detail: consoleAdminDetail, Err: err})
	}()
	keys := failureKeys("console:"+customerID+":"+email, addr)
	if until, err := s.Store.SigninLock(ctx, keys, s.now()); err != nil {
		return false, err
	} else if !until.IsZero() {
		return false, ErrLocked
	}
	ca, err := s.Store.ConsoleAdminFor(ctx, customerID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	if err != nil || ca.Email != email {
		auth.CheckPassword(dummyHash, password)
		return false, s.failed(ctx, keys)
	}
	if !auth.CheckPassword(ca.PasswordHash, password) {
		return false, s.failed(ctx, keys)
	}
	_ = s.Store.ClearSigninFailures(ctx, keys[0])
	return ca.MustChange, nil
}

// ConsoleAdminSetPassword replaces the console admin's password after
// checking the current one: the first time, this claims the account.
func (s *Service) ConsoleAdminSetPassword(ctx context.Context, customerID, email, current, next, addr string) (err error) {
	if _, err := s.ConsoleAdminSignIn(ctx, customerID, email, current, addr); err != nil {
		return err
	}
	defer func() {
		s.RecordConsoleEvent(ctx, ConsoleEvent{CustomerID: customerID, Actor: "customer admin " + normEmail(email), Addr: addr,
			Action: AuditPasswordChange, Detail: consoleAdminDetail, Err: err})
	}()
	if err := checkNewPassword(current, next, email); err != nil {
		return err
	}
	hash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	return s.Store.ClaimConsoleAdmin(ctx, customerID, hash)
}

// ConsoleOwner is the partner a customer's console belongs to: the one the
// customer's admin can grant access to again.
func (s *Service) ConsoleOwner(ctx context.Context, customerID string) (string, error) {
	return s.Store.CustomerPartner(ctx, customerID)
}

// ConsoleAccessChanged records that the customer's admin granted or
// revoked the partner's access in the console, so the hub shows Visit
// accordingly, and audits it in the partner's log.
func (s *Service) ConsoleAccessChanged(ctx context.Context, customerID string, granted bool, by, addr string) error {
	_, err := s.Store.SetConsoleAccess(ctx, customerID, granted, by)
	if !granted && err == nil {
		// Links issued before the revocation must not come back to life
		// when access is granted again within their minute.
		err = s.Store.RevokeHandoffs(ctx, customerID)
	}
	detail := "revoked"
	if granted {
		detail = "granted"
	}
	s.RecordConsoleEvent(ctx, ConsoleEvent{CustomerID: customerID, Actor: "customer admin " + by, Addr: addr,
		Action: AuditConsoleAccess, Detail: "partner access " + detail, Err: err})
	return err
}

// ConsoleAccess tells whether the customer's console lets the partner in,
// as the hub last heard.
func (s *Service) ConsoleAccess(ctx context.Context, a Actor, customerID string) (store.ConsoleAccess, error) {
	if err := require(a, PermView); err != nil {
		return store.ConsoleAccess{}, err
	}
	return s.Store.ConsoleAccessOf(ctx, a.PartnerID, customerID)
}

// RevokedConsoles returns the partner's customers whose admins revoked
// the partner's access, for lists to show Visit disabled with the reason.
func (s *Service) RevokedConsoles(ctx context.Context, a Actor) (map[string]store.ConsoleAccess, error) {
	if err := require(a, PermView); err != nil {
		return nil, err
	}
	return s.Store.RevokedConsoles(ctx, a.PartnerID)
}
