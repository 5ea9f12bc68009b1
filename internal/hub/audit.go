package hub

import (
	"context"
	"errors"
	"log/slog"

	"partnerhub/internal/customer"
	"partnerhub/internal/store"
)

// Audit actions: one name per thing the audit log records.
const (
	AuditSignIn         = "auth.sign_in"
	AuditSignOut        = "auth.sign_out"
	AuditSignOutAll     = "auth.sign_out_everywhere"
	AuditPasswordChange = "auth.password_change"
	AuditPasswordReset  = "auth.password_reset"
	AuditCustomerAdd    = "customer.add"
	AuditCustomerDelete = "customer.delete"
	AuditCustomerAction = "customer.action"
	AuditConsoleVisit   = "console.visit"
	AuditConsoleSignIn  = "console.sign_in"
	AuditConsoleAdmin   = "console.admin_password"
	AuditConsoleAccess  = "console.partner_access"
	AuditUserInvite     = "user.invite"
	AuditUserJoin       = "user.join"
	AuditUserRole       = "user.role_change"
	AuditUserRemove     = "user.remove"
	AuditTokenCreate    = "token.create"
	AuditTokenRevoke    = "token.revoke"
	AuditTenantAdd      = "settings.tenant_add"
	AuditTenantRemove   = "settings.tenant_remove"
	AuditSettings       = "settings.change"
	AuditPartnerCreate  = "partner.create"
)

// AuditActions are the actions, for the audit page's filter.
var AuditActions = []string{
	AuditSignIn, AuditSignOut, AuditSignOutAll, AuditPasswordChange, AuditPasswordReset,
	AuditCustomerAdd, AuditCustomerDelete, AuditCustomerAction,
	AuditConsoleVisit, AuditConsoleSignIn, AuditConsoleAdmin, AuditConsoleAccess,
	AuditUserInvite, AuditUserJoin, AuditUserRole, AuditUserRemove,
	AuditTokenCreate, AuditTokenRevoke, AuditTenantAdd, AuditTenantRemove, AuditSettings, AuditPartnerCreate,
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// audit records what the actor did and how it ended. It runs after the
// change: a failed audit write is logged, never turned into a failure of
// what already happened.
func (s *Service) audit(ctx context.Context, a Actor, action, target, detail string, err error) {
	if errors.Is(err, customer.ErrNotFound) || errors.Is(err, store.ErrNotFound) {
		// What was not found may be another partner's: its id stays out of
		// this partner's log (the attempt, who and from where stay in).
		target, detail = "", ""
	}
	s.record(ctx, store.AuditEntry{PartnerID: a.PartnerID, ActorID: a.UserID, Actor: a.Email, Addr: a.Addr,
		Action: action, Target: target, Detail: detail, Result: resultOf(err)})
}

func (s *Service) record(ctx context.Context, e store.AuditEntry) {
	if e.PartnerID == "" {
		// No partner to file it under (a sign-in with an unknown email, say):
		// the operator's log keeps it instead.
		s.log().WarnContext(ctx, "audit event without a partner", "action", e.Action, "actor", e.Actor, "addr", e.Addr, "result", e.Result)
		return
	}
	if err := s.Store.AddAudit(context.WithoutCancel(ctx), e); err != nil {
		s.log().ErrorContext(ctx, "audit write failed", "action", e.Action, "partner", e.PartnerID, "err", err)
	}
}

// resultOf words an outcome for the audit log. Domain errors keep their
// message, which is the partner's own business; anything else is only
// "failed", because the log is shown to partner admins and must not carry
// internals.
func resultOf(err error) string {
	var te *customer.TransitionError
	var busy *customer.BusyError
	var rule *customer.RuleError
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrForbidden):
		return "denied: " + err.Error()
	case errors.Is(err, customer.ErrNotFound), errors.Is(err, store.ErrNotFound):
		return "failed: not found"
	case errors.As(err, &te), errors.As(err, &busy), errors.As(err, &rule), errors.Is(err, ErrNotReady),
		errors.Is(err, ErrAccessRevoked), errors.Is(err, ErrBadCredentials), errors.Is(err, ErrLocked),
		errors.Is(err, ErrNotAllowed), errors.Is(err, store.ErrLastAdmin), errors.Is(err, store.ErrEmailTaken),
		errors.Is(err, store.ErrTenantTaken), errors.Is(err, store.ErrConsoleAdminClaimed), errors.Is(err, customer.ErrConflict),
		errors.Is(err, ErrUnknownAction), errors.Is(err, ErrWeakPassword), errors.Is(err, ErrInvalid),
		errors.Is(err, store.ErrHandoffInvalid), errors.Is(err, ErrOIDCState), errors.Is(err, ErrOIDCFailed),
		errors.Is(err, ErrNoPassword):
		return "failed: " + err.Error()
	}
	if _, ok := customer.AsValidation(err); ok {
		return "failed: invalid input"
	}
	return "failed"
}

// AuditLog returns a page of the partner's audit log (admins only).
func (s *Service) AuditLog(ctx context.Context, a Actor, f store.AuditFilter) ([]store.AuditEntry, string, error) {
	if err := require(a, PermAdmin); err != nil {
		return nil, "", err
	}
	return s.Store.Audit(ctx, a.PartnerID, f)
}
